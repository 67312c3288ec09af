#!/usr/bin/env bash
# Records the traffic that surrounds MQTT on a real device network, with real
# tools only, between two network namespaces this script creates (a veth pair,
# nothing leaves them):
#   a device (10.77.0.2, fd77::2) and a broker host (10.77.0.1, fd77::1) running
#   mosquitto, dnsmasq (DNS for broker.lab) and a Python HTTP server on 8080.
# The capture is taken on the broker's side of the veth (Ethernet), so it holds
# ARP, IPv6 neighbour discovery, ICMP/ICMPv6 echo, port unreachables quoting the
# datagram that caused them, DNS queries and answers (A, AAAA, NXDOMAIN), HTTP
# on 8080, MQTT over IPv4 and IPv6, and MQTT inside a VXLAN tunnel (VNI 42).
#
# Writes captures/around_mqtt.pcap, captures/dns_tcp.pcap (DNS over TCP: dig
# against dnsmasq), then captures/mqtt_gtpu.pcap: MQTT and
# MQTT over TLS carried in GTP-U, as a cellular device's traffic appears
# between base station and core (no Debian tool sets up a GTP tunnel, so
# gtpu_wrap.py wraps the IP packets of two real captures in GTP-U/UDP/IP).
#
# Needs root: sudo captures/make_around_captures.sh
# Packages: mosquitto mosquitto-clients tcpdump iputils-ping dnsmasq-base curl dnsutils
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_around_captures "apt-get install mosquitto mosquitto-clients tcpdump iputils-ping dnsmasq-base curl dnsutils"
chmod 755 "$work"
dev=mqa_dev; host=mqa_host
cap_on_exit='rm -rf "/etc/netns/$dev"'
cap_need mosquitto mosquitto_pub tcpdump ping dnsmasq curl dig python3

cap_netns "$dev"; cap_netns "$host"
for ns in "$dev" "$host"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
done
ip link add veth_dev netns "$dev" address 52:54:00:12:34:02 type veth peer name veth_host netns "$host" address 52:54:00:12:34:01
ip -n "$dev" addr add 10.77.0.2/24 dev veth_dev
ip -n "$dev" addr add fd77::2/64 dev veth_dev nodad
ip -n "$host" addr add 10.77.0.1/24 dev veth_host
ip -n "$host" addr add fd77::1/64 dev veth_host nodad
ip -n "$dev" link set veth_dev up; ip -n "$host" link set veth_host up
# The VXLAN tunnel (VNI 42) over the veth, with its own addresses inside.
ip -n "$dev" link add vx42 address 52:54:00:42:00:02 type vxlan id 42 local 10.77.0.2 remote 10.77.0.1 dstport 4789 dev veth_dev
ip -n "$host" link add vx42 address 52:54:00:42:00:01 type vxlan id 42 local 10.77.0.1 remote 10.77.0.2 dstport 4789 dev veth_host
ip -n "$dev" addr add 192.168.42.2/24 dev vx42; ip -n "$host" addr add 192.168.42.1/24 dev vx42
ip -n "$dev" link set vx42 up; ip -n "$host" link set vx42 up
# The device resolves through the host's dnsmasq (ip netns exec bind-mounts this file).
mkdir -p "/etc/netns/$dev"
printf 'nameserver 10.77.0.1\n' >"/etc/netns/$dev/resolv.conf"
printf '10.77.0.1 mqa-host\n' >"$work/hosts"

cat >"$work/mosquitto.conf" <<EOF
listener 1883
persistence false
allow_anonymous true
log_dest none
EOF
ip netns exec "$host" mosquitto -c "$work/mosquitto.conf" & pids+=($!)
ip netns exec "$host" dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$work/hosts" \
  --listen-address=10.77.0.1 --bind-interfaces --local=/lab/ --pid-file="$work/dnsmasq.pid" \
  --address=/broker.lab/10.77.0.1 --address=/broker.lab/fd77::1 --user=root \
  --txt-record=big.lab,"$(printf 'mqtt-broker-config-%03d;' $(seq 1 40))","$(printf 'topic-map-%03d;' $(seq 1 40))" \
  2>"$work/dnsmasq.log" & pids+=($!)
mkdir -p "$work/www"; printf '{"broker":"broker.lab","port":1883}\n' >"$work/www/config.json"
(cd "$work/www" && exec ip netns exec "$host" python3 -m http.server 8080 --bind 10.77.0.1) >/dev/null 2>&1 & pids+=($!)
sleep 1

cap_dump_start "$host" veth_host "$here/around_mqtt.pcap"
d() { ip netns exec "$dev" "$@"; }
# Forget the neighbours learnt while setting up, so the capture shows ARP.
ip -n "$dev" neigh flush dev veth_dev; ip -n "$host" neigh flush dev veth_host
# ARP then ICMP echo; neighbour discovery then ICMPv6 echo.
d ping -c 2 -i 0.2 10.77.0.1 >/dev/null
d ping -6 -c 2 -i 0.2 fd77::1 >/dev/null
# The device finds its broker by name (A and AAAA), publishes over IPv6, then IPv4.
d mosquitto_pub -h broker.lab -i sensor-7 -t lab/around/ipv6 -m 'via AAAA' -q 1
d mosquitto_pub -h 10.77.0.1 -i sensor-7 -t lab/around/ipv4 -m 'via A'
# A name that does not exist (NXDOMAIN), and a reverse lookup (PTR).
d getent hosts nosuch.lab >/dev/null || true
d getent hosts 10.77.0.1 >/dev/null || true
# Datagrams to a closed port: the kernel answers with port unreachables that quote them.
d python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"probe", ("10.77.0.1", 9999))'
d python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"probe6", ("fd77::1", 9999))'
# The device fetches its configuration over HTTP on 8080, then a missing file.
d curl -s -o /dev/null http://10.77.0.1:8080/config.json
d curl -s -o /dev/null http://10.77.0.1:8080/missing
# MQTT through the VXLAN tunnel (ARP inside it first).
d mosquitto_pub -h 192.168.42.1 -i sensor-vx -t lab/around/vxlan -m 21.5
cap_dump_stop

# DNS over TCP (its own capture): dig asks dnsmasq over TCP, two questions on
# one connection (+keepopen), a name that does not exist, and a TXT answer
# larger than one segment (the veth's MTU lowered to 600 for it).
cap_dump_start "$host" veth_host "$here/dns_tcp.pcap" "tcp port 53"
d dig +tcp +keepopen +tries=1 @10.77.0.1 broker.lab A broker.lab AAAA >/dev/null
d dig +tcp +tries=1 @10.77.0.1 nosuch.lab A >/dev/null || true
ip -n "$dev" link set veth_dev mtu 600; ip -n "$host" link set veth_host mtu 600
d dig +tcp +tries=1 @10.77.0.1 big.lab TXT >/dev/null
cap_dump_stop

# GTP-U: the IP packets of two real captures, wrapped as a base station sends them.
python3 "$here/gtpu_wrap.py" "$here/mqtt_gtpu.pcap" "$here/mqtt_plain.pcap" "$here/mqtts_tls12.pcap"
echo "wrote $here/around_mqtt.pcap $here/dns_tcp.pcap $here/mqtt_gtpu.pcap"
