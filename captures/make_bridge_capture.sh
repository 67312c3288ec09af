#!/usr/bin/env bash
# Two real mosquitto brokers joined by bridges, as an edge gateway forwards to
# a central broker: the edge (127.0.0.1:1883) opens two bridge connections to
# the central broker (127.0.0.2:1883), one 3.1.1 and one 3.1, both with
# mosquitto's `try_private` on, so the CONNECT carries the protocol level with
# the bridge bit set (0x84 "MQTT" and 0x83 "MQIsdp"), Clean Session 0, a will
# and a retained notification on $SYS/broker/connection/.../state. A
# subscriber on the central broker (QoS 1) gets what a sensor publishes on the
# edge (forwarded by the bridge at QoS 1); a command published on the central
# broker under remote/ reaches a device subscribed on the edge under local/
# (QoS 2 both ways); the 3.1 bridge forwards legacy/# at QoS 0. Last, a
# client that sends a CONNECT with protocol level 7 is refused (CONNACK
# return code 1) and disconnected. On the loopback of a network namespace
# this script creates. Writes captures/mqtt_bridge.pcap.
# Needs root: sudo captures/make_bridge_capture.sh
# Packages: mosquitto mosquitto-clients tcpdump python3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_bridge_capture "apt-get install mosquitto mosquitto-clients tcpdump python3"
chmod 755 "$work"
ns=mqbr
cap_need mosquitto mosquitto_pub mosquitto_sub tcpdump python3
cap_netns "$ns"
run() { ip netns exec "$ns" "$@"; }
cat >"$work/central.conf" <<EOF
listener 1883 127.0.0.2
persistence false
allow_anonymous true
log_dest none
EOF
cat >"$work/edge.conf" <<EOF
listener 1883 127.0.0.1
persistence false
allow_anonymous true
log_dest none

connection edge-gw
address 127.0.0.2:1883
bridge_protocol_version mqttv311
try_private true
cleansession false
notifications true
keepalive_interval 30
topic sensors/# out 1
topic cmd/# in 2 local/ remote/

connection edge-legacy
address 127.0.0.2:1883
bridge_protocol_version mqttv31
try_private true
cleansession false
notifications false
keepalive_interval 30
topic legacy/# out 0
EOF
run mosquitto -c "$work/central.conf" & pids+=($!)
sleep 0.5
cap_dump_start "$ns" lo "$here/mqtt_bridge.pcap" "tcp port 1883"
run mosquitto -c "$work/edge.conf" & pids+=($!)
sleep 1.5
# The subscribers: one on the central broker, one device on the edge.
run mosquitto_sub -h 127.0.0.2 -i central-sub -q 1 -t 'sensors/#' -t 'legacy/#' -C 2 -W 10 >"$work/central.out" & sub1=$!
run mosquitto_sub -h 127.0.0.1 -i edge-device -q 2 -t 'local/cmd/#' -C 1 -W 10 >"$work/edge.out" & sub2=$!
sleep 0.7
run mosquitto_pub -h 127.0.0.1 -i edge-sensor -q 1 -t sensors/greenhouse/temp -m 21.5
sleep 0.3
run mosquitto_pub -h 127.0.0.2 -i central-app -q 2 -t remote/cmd/fan -m on
sleep 0.3
run mosquitto_pub -h 127.0.0.1 -i legacy-meter -V mqttv31 -q 0 -t legacy/meter/kwh -m 1234
wait "$sub1" "$sub2"
# A client with a protocol level no broker knows.
run python3 - <<'EOF'
import socket
s = socket.create_connection(("127.0.0.1", 1883))
s.sendall(b"\x10\x11\x00\x04MQTT\x07\x02\x00\x3c\x00\x05odd-1")
print(s.recv(16).hex())
s.close()
EOF
sleep 0.3
cap_dump_stop
echo "central subscriber got: $(tr '\n' ' ' <"$work/central.out")"
echo "edge device got: $(cat "$work/edge.out")"
