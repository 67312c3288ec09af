#!/usr/bin/env bash
# A slow MQTT subscriber, as a device that stops reading its socket makes it:
# mosquitto on a broker host (10.79.0.1) pushes QoS 0 messages to a
# subscriber on a device (10.79.0.2) whose receive buffer is small and which
# stops reading for three seconds, then reads everything. Between two network
# namespaces this script creates (a veth pair, MTU 1500; nothing leaves them).
# The capture, on the device's side, holds what TCP does about it: the
# receive window shrinking to zero ([TCP Window Full], [TCP ZeroWindow]), the
# broker's zero-window probes and their ACKs, and the window update when the
# device reads again; a publisher on the device sends the messages.
# Writes captures/mqtt_slow_consumer.pcap.
# Needs root: sudo captures/make_slow_consumer_capture.sh
# Packages: mosquitto tcpdump python3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_slow_consumer_capture "apt-get install mosquitto tcpdump python3"
chmod 755 "$work"
dev=mqs_dev; host=mqs_host
cap_need mosquitto tcpdump python3
cap_netns "$dev"; cap_netns "$host"
ip link add veth_d netns "$dev" address 52:54:00:79:00:02 type veth peer name veth_h netns "$host" address 52:54:00:79:00:01
ip -n "$dev" addr add 10.79.0.2/24 dev veth_d
ip -n "$host" addr add 10.79.0.1/24 dev veth_h
ip -n "$dev" link set veth_d up; ip -n "$host" link set veth_h up
for ns in "$dev" "$host"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
cat >"$work/mosquitto.conf" <<EOF
listener 1883
persistence false
allow_anonymous true
log_dest none
max_queued_messages 1000
EOF
ip netns exec "$host" mosquitto -c "$work/mosquitto.conf" & pids+=($!)
sleep 1
ip netns exec "$dev" python3 -c 'import socket; socket.create_connection(("10.79.0.1", 1883)).close()'
sleep 0.3

cap_dump_start "$dev" veth_d "$here/mqtt_slow_consumer.pcap"
PYTHONPATH="$here" ip netns exec "$dev" python3 - <<'EOF'
import socket, time
from mqtt_raw import connect, publish, subscribe, DISCONNECT

# The subscriber: a receive buffer of 4 KiB (the kernel doubles it), set before connecting.
sub = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
sub.connect(("10.79.0.1", 1883))
sub.sendall(connect(b"slow-sub"))
sub.recv(4)
topic = b"lab/slow/data"
sub.sendall(subscribe(1, topic))
sub.recv(5)
# The publisher: 40 messages of 1,000 bytes.
pub = socket.create_connection(("10.79.0.1", 1883))
pub.sendall(connect(b"fast-pub"))
pub.recv(4)
for i in range(40):
    pub.sendall(publish(topic, (b"%04d" % i) * 250))
time.sleep(3)  # the subscriber reads nothing: its window closes, the broker probes
got = 0
sub.settimeout(1.0)
try:
    while True:
        chunk = sub.recv(65536)
        if not chunk:
            break
        got += len(chunk)
except socket.timeout:
    pass
pub.sendall(DISCONNECT)
sub.sendall(DISCONNECT)
time.sleep(0.2)
pub.close()
sub.close()
print("subscriber read", got, "bytes")
EOF
cap_dump_stop
echo "wrote $here/mqtt_slow_consumer.pcap"
