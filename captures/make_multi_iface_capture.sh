#!/usr/bin/env bash
# Records one pcapng file from three interfaces at once, as `dumpcap -i veth0
# -i lo -i any` (or `tshark -i ... -i ...`) writes it: a broker in one network
# namespace, a device publishing to it from a second namespace over a veth
# pair, and a local subscriber on the broker's loopback. The interfaces have
# two link types (Ethernet for veth0 and lo, Linux cooked capture for any),
# which libpcap's pcapng reader refuses; every packet names its interface
# (frame.interface_id, frame.interface_name), and what `any` sees repeats what
# veth0 and lo see (tshark: retransmissions). Nothing leaves the namespaces
# this script creates. Root.
#   Run:  sudo captures/make_multi_iface_capture.sh
#
#   mqtt_multi_iface.pcapng  veth0 (id 0), lo (id 1), any (id 2)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_multi_iface_capture "apt-get install mosquitto mosquitto-clients tshark"
cap_need mosquitto mosquitto_pub mosquitto_sub dumpcap ip
chmod 755 "$work"
broker_ns=mqsniff-mi-broker-$$
device_ns=mqsniff-mi-device-$$
cap_netns "$broker_ns"
cap_netns "$device_ns"
ip link add mqmi0-$$ type veth peer name mqmi1-$$
ip link set mqmi0-$$ netns "$broker_ns"
ip link set mqmi1-$$ netns "$device_ns"
ip -n "$broker_ns" link set mqmi0-$$ name veth0
ip -n "$device_ns" link set mqmi1-$$ name veth0
ip -n "$broker_ns" addr add 10.77.0.1/24 dev veth0
ip -n "$device_ns" addr add 10.77.0.2/24 dev veth0
ip -n "$broker_ns" link set veth0 up
ip -n "$device_ns" link set veth0 up
# (no IPv6 on the veth pair: router solicitations and DAD would join the capture)
ip netns exec "$broker_ns" sysctl -qw net.ipv6.conf.veth0.disable_ipv6=1 || true
ip netns exec "$device_ns" sysctl -qw net.ipv6.conf.veth0.disable_ipv6=1 || true
# Offloads off: segments on veth0 as they would be on a wire.
ip netns exec "$broker_ns" ethtool -K veth0 tso off gso off gro off 2>/dev/null || true
ip netns exec "$device_ns" ethtool -K veth0 tso off gso off gro off 2>/dev/null || true

cat >"$work/mosquitto.conf" <<EOF
listener 1883 0.0.0.0
allow_anonymous true
persistence false
log_dest stderr
log_type all
EOF
ip netns exec "$broker_ns" mosquitto -c "$work/mosquitto.conf" -v 2>"$work/broker.log" &
pids+=($!)
cap_wait_for "$work/broker.log" "Opening ipv4 listen socket"
sleep 0.3

out="$here/mqtt_multi_iface.pcapng"
ip netns exec "$broker_ns" dumpcap -q -i veth0 -f "tcp port 1883" -i lo -f "tcp port 1883" -i any -f "tcp port 1883" \
  -w "$work/multi.pcapng" 2>"$work/dumpcap.log" &
dump=$!
pids+=("$dump")
cap_wait_for "$work/dumpcap.log" "File:"
sleep 1

ip netns exec "$broker_ns" mosquitto_sub -h 127.0.0.1 -i dashboard -t 'plant/#' -v -C 3 >/dev/null &
sub=$!
pids+=("$sub")
sleep 0.7
for reading in 20.5 20.7 21.0; do
  ip netns exec "$device_ns" mosquitto_pub -h 10.77.0.1 -i sensor-7 -t plant/line1/temperature -m "$reading" -q 1
  sleep 0.7
done
wait "$sub" || true
sleep 1
kill -INT "$dump"
wait "$dump" 2>/dev/null || true
cp "$work/multi.pcapng" "$out"
chmod 644 "$out"
echo "wrote $out"
