#!/usr/bin/env bash
# TCP port numbers reused: a device that binds the same source port for each
# connection to its broker (as some embedded stacks do) opens three MQTT
# connections one after another from 127.0.0.1:40000 to the real mosquitto,
# each a new TCP session on the same four numbers with a new initial
# sequence number (tshark: "[TCP Port numbers reused]"). The broker closes
# each connection first (on DISCONNECT), so the device's side has no
# TIME_WAIT to wait for. On the loopback of a network namespace this script
# creates. Writes captures/mqtt_port_reuse.pcap.
# Needs root: sudo captures/make_port_reuse_capture.sh
# Packages: mosquitto tcpdump python3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_port_reuse_capture "apt-get install mosquitto tcpdump python3"
chmod 755 "$work"
ns=mqpr
cap_need mosquitto tcpdump python3
cap_netns "$ns"
cat >"$work/mosquitto.conf" <<EOF
listener 1883 127.0.0.1
persistence false
allow_anonymous true
log_dest none
EOF
ip netns exec "$ns" mosquitto -c "$work/mosquitto.conf" & pids+=($!)
sleep 1
cap_dump_start "$ns" lo "$here/mqtt_port_reuse.pcap" "tcp port 1883"
PYTHONPATH="$here" ip netns exec "$ns" python3 - <<'EOF'
import socket, time
from mqtt_raw import connect, publish, DISCONNECT

for i in range(3):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 40000))
    s.connect(("127.0.0.1", 1883))
    s.sendall(connect(b"reuse-%d" % i))
    s.recv(4)
    s.sendall(publish(b"lab/reuse", b"session %d" % i))
    s.sendall(DISCONNECT)
    s.recv(1)  # the broker closes first
    s.close()
    time.sleep(0.5)
EOF
cap_dump_stop
echo "wrote $here/mqtt_port_reuse.pcap"
