#!/usr/bin/env bash
# Records mqtt_analysis.pcap for mqsniff's MQTT analyses (-z mqtt,qos,
# mqtt,keepalive, mqtt,subscriptions, mqtt,exposure): the real mosquitto on
# 127.0.0.1:1883 and the clients of captures/mqtt_analysis_client.py, at the
# same time: overlapping '+' and '#' subscriptions and '$SYS', a QoS 2 flow
# abandoned after its PUBREC and finished on a new connection, a DUP
# retransmission, a client that stops pinging (closed by the broker after
# 1.5 x keepalive) and one that pings. The broker's own `mosquitto -v` log of
# the same run is kept as mqtt_analysis.mosquitto.log (tests compare
# -T brokerlog with it). Loopback only; needs root (tcpdump).
#   sudo captures/make_analysis_captures.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
PORT=1883
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" >"$work/m.conf"
mosquitto -c "$work/m.conf" -v 2>"$work/broker.log" &
pids+=($!)
# Wait for the listener without connecting to it: a probe connection would
# be in the broker's log but not in the capture.
for _ in $(seq 50); do grep -q "Opening ipv4 listen socket" "$work/broker.log" && break; sleep 0.1; done
sleep 0.2
tcpdump -i lo --immediate-mode -U -s 262144 -w "$here/mqtt_analysis.pcap" "tcp port $PORT" 2>"$work/tcpdump.log" &
dump=$!
pids+=($dump)
for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.log" && break; sleep 0.1; done
sleep 0.3
client=$here/mqtt_analysis_client.py
python3 "$client" $PORT watcher & w=$!
sleep 0.5
python3 "$client" $PORT sleepy & s=$!
python3 "$client" $PORT pinger & p=$!
python3 "$client" $PORT flaky
wait $w $s $p
sleep 0.5
kill -INT "$dump"
wait "$dump" 2>/dev/null || true
cp "$work/broker.log" "$here/mqtt_analysis.mosquitto.log"
ls -l "$here/mqtt_analysis.pcap"
