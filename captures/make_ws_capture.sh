#!/usr/bin/env bash
# Records mqtt_websocket.pcap: MQTT over WebSocket (RFC 6455, subprotocol
# "mqtt") on loopback port 8080, between the WebSocket client and bridge of
# captures/ws_bridge.py and the real mosquitto broker behind the bridge (Debian
# 12's mosquitto cannot open its own websockets listener). Needs root (tcpdump).
#   sudo captures/make_ws_capture.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_ws_capture
BROKER=18830
WS=8080
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$BROKER" >"$work/m.conf"
mosquitto -c "$work/m.conf" 2>"$work/broker.log" &
pids+=($!)
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$BROKER) 2>/dev/null && break; sleep 0.1; done
cap_dump_start "" lo "$here/mqtt_websocket.pcap" "tcp port $WS"
python3 "$here/ws_bridge.py" bridge "$WS" "$BROKER" >"$work/bridge.log" &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$work/bridge.log" && break; sleep 0.1; done
python3 "$here/ws_bridge.py" client "$WS"
cap_dump_stop
ls -l "$here/mqtt_websocket.pcap"
