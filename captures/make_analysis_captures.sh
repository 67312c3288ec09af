#!/usr/bin/env bash
# Records the captures of mqsniff's MQTT analyses (-z mqtt,qos, mqtt,keepalive,
# mqtt,subscriptions, mqtt,exposure, -T brokerlog), each with the real
# mosquitto's own `mosquitto -v` log of the same run (NAME.mosquitto.log; tests
# compare -T brokerlog with it). Loopback only; needs root (tcpdump).
#   sudo captures/make_analysis_captures.sh [analysis] [restart]
#
# mqtt_analysis.pcap: the broker on 127.0.0.1:1883 and the clients of
#   captures/mqtt_analysis_client.py at the same time: overlapping '+' and
#   '#' subscriptions and '$SYS', a QoS 2 flow abandoned after its PUBREC and
#   finished on a new connection, a DUP retransmission, a client that stops
#   pinging (closed by the broker after 1.5 x keepalive) and one that pings.
# mqtt_broker_restart.pcap: a broker that crashes mid-flow. The clients of
#   captures/mqtt_restart_client.py: an MQTT 5.0 subscriber with a session
#   and a 3.1.1 publisher. The broker is stopped (SIGSTOP) before the
#   publisher's QoS 2 PUBLISH, so no PUBREC ever comes; it is then killed
#   (SIGKILL: the kernel resets the connection that holds unread data) and
#   started again; both clients reconnect, the publisher sends the PUBLISH
#   again with DUP set and the flow completes. The log is the two broker
#   processes' logs one after the other.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_analysis_captures
PORT=1883
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" >"$work/m.conf"

# Starts a broker logging to $1; waits for its listener without connecting to
# it (a probe connection would be in the broker's log but not in the capture).
broker_pid=
start_broker() {
  mosquitto -c "$work/m.conf" -v 2>"$1" &
  broker_pid=$!
  pids+=($broker_pid)
  for _ in $(seq 50); do grep -q "Opening ipv4 listen socket" "$1" && break; sleep 0.1; done
  sleep 0.2
}
start_dump() {
  cap_dump_start "" lo "$1" "tcp port $PORT"
}
stop_dump() { cap_dump_stop; }
wait_file() { for _ in $(seq 200); do [ -e "$1" ] && return 0; sleep 0.02; done; echo "timeout: $1" >&2; return 1; }

make_analysis() {
  start_broker "$work/broker.log"
  start_dump "$here/mqtt_analysis.pcap"
  local client=$here/mqtt_analysis_client.py w s p
  python3 "$client" $PORT watcher & w=$!
  sleep 0.5
  python3 "$client" $PORT sleepy & s=$!
  python3 "$client" $PORT pinger & p=$!
  python3 "$client" $PORT flaky
  wait $w $s $p
  stop_dump
  kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
  cp "$work/broker.log" "$here/mqtt_analysis.mosquitto.log"
  ls -l "$here/mqtt_analysis.pcap"
}

make_restart() {
  rm -f "$work"/stop "$work"/stopped "$work"/kill
  start_broker "$work/broker1.log"
  start_dump "$here/mqtt_broker_restart.pcap"
  local client=$here/mqtt_restart_client.py s p
  python3 "$client" sub $PORT & s=$!
  sleep 0.5
  python3 "$client" pub $PORT "$work" & p=$!
  wait_file "$work/stop"
  kill -STOP "$broker_pid"
  touch "$work/stopped"
  wait_file "$work/kill"
  kill -KILL "$broker_pid"
  wait "$broker_pid" 2>/dev/null || true
  sleep 0.5
  start_broker "$work/broker2.log"
  wait $s $p
  stop_dump
  kill "$broker_pid"; wait "$broker_pid" 2>/dev/null || true
  cat "$work/broker1.log" "$work/broker2.log" >"$here/mqtt_broker_restart.mosquitto.log"
  ls -l "$here/mqtt_broker_restart.pcap"
}

for name in "${@:-analysis restart}"; do
  for n in $name; do "make_$n"; done
done
