#!/usr/bin/env bash
# ICMP errors sent by a router, not by the host a conversation is with: a
# device (10.78.1.2, fd78:1::2) reaches a broker host (10.78.2.2, fd78:2::2)
# through a router namespace (10.78.1.1 | 10.78.2.1, fd78:1::1 | fd78:2::1),
# three network namespaces this script creates (nothing leaves them). The
# capture is taken on the device's side, so each error comes from the router's
# address while the packet it quotes is one of the device's conversations with
# the broker (its tcp.stream / udp.stream is that conversation's):
#   - an MQTT publish that works; then, on a second MQTT connection, a PUBLISH
#     sent with TTL 1 / hop limit 1 after the connection is up (Time Exceeded
#     quoting a segment of a conversation already seen), over IPv4 and IPv6;
#   - a TCP connection attempt with TTL 1 (quoting a SYN nobody else saw);
#   - UDP datagrams to the broker host, one with TTL 1, one to a closed port
#     (a port unreachable from the broker itself), over IPv4 and IPv6.
# Writes captures/icmp_router.pcap.
#
# Then path MTU discovery (captures/icmp_pmtu.pcap): the router's link to the
# broker host gets an MTU of 1,280, so an MQTT PUBLISH of 1,400 bytes sent with
# Don't Fragment (IPv4) or in a 1,500-byte IPv6 packet comes back as ICMP
# "Fragmentation needed" / ICMPv6 "Packet Too Big", quoting the segment (up to
# 576 bytes over IPv4, 1,280 over IPv6: the MQTT header and part of its
# payload), and the device's TCP sends the data again in smaller segments.
#
# Then the same over TLS (captures/icmp_pmtu_tls.pcap): mosquitto's TLS
# listener on 8883 (a lab CA and broker certificate made here with the openssl
# CLI), mosquitto_pub sending a 1,400-byte message over TLS 1.3 and TLS 1.2
# through the 1,280-byte link: the errors quote the start of a TLS
# Application Data record.
#
# Needs root: sudo captures/make_router_capture.sh [ttl|pmtu|tls|all]   (default all)
# Packages: mosquitto mosquitto-clients tcpdump python3 openssl
set -euo pipefail
what=${1:-all}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_router_capture "apt-get install mosquitto tcpdump python3"
chmod 755 "$work"
dev=mqr_dev; rtr=mqr_rtr; srv=mqr_srv
cap_need mosquitto tcpdump python3
cap_netns "$dev"; cap_netns "$rtr"; cap_netns "$srv"
ip link add veth_d netns "$dev" address 52:54:00:78:01:02 type veth peer name veth_r1 netns "$rtr" address 52:54:00:78:01:01
ip link add veth_s netns "$srv" address 52:54:00:78:02:02 type veth peer name veth_r2 netns "$rtr" address 52:54:00:78:02:01
for ns in "$dev" "$rtr" "$srv"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
done
ip netns exec "$rtr" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
# (the kernel rate-limits ICMP errors; none is dropped here)
ip netns exec "$rtr" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
ip -n "$dev" addr add 10.78.1.2/24 dev veth_d; ip -n "$dev" addr add fd78:1::2/64 dev veth_d nodad
ip -n "$rtr" addr add 10.78.1.1/24 dev veth_r1; ip -n "$rtr" addr add fd78:1::1/64 dev veth_r1 nodad
ip -n "$rtr" addr add 10.78.2.1/24 dev veth_r2; ip -n "$rtr" addr add fd78:2::1/64 dev veth_r2 nodad
ip -n "$srv" addr add 10.78.2.2/24 dev veth_s; ip -n "$srv" addr add fd78:2::2/64 dev veth_s nodad
for l in "$dev veth_d" "$rtr veth_r1" "$rtr veth_r2" "$srv veth_s"; do
  set -- $l; ip -n "$1" link set "$2" up
done
ip -n "$dev" route add default via 10.78.1.1; ip -n "$dev" -6 route add default via fd78:1::1
ip -n "$srv" route add default via 10.78.2.1; ip -n "$srv" -6 route add default via fd78:2::1
cat >"$work/mosquitto.conf" <<EOF
listener 1883
persistence false
allow_anonymous true
log_dest none
EOF
ip netns exec "$srv" mosquitto -c "$work/mosquitto.conf" & pids+=($!)
sleep 1
# Neighbours learnt before the capture: it holds the conversations and the errors.
ip netns exec "$dev" python3 -c 'import socket; [socket.create_connection((h, 1883)).close() for h in ("10.78.2.2", "fd78:2::2")]'
sleep 0.3

if [ "$what" = ttl ] || [ "$what" = all ]; then
cap_dump_start "$dev" veth_d "$here/icmp_router.pcap"
PYTHONPATH="$here" ip netns exec "$dev" python3 - <<'EOF'
import socket, time
from mqtt_raw import connect as mqtt_connect, publish as mqtt_publish, DISCONNECT

for host, fam, ttl_opt in (("10.78.2.2", socket.AF_INET, (socket.IPPROTO_IP, socket.IP_TTL)),
                           ("fd78:2::2", socket.AF_INET6, (socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS))):
    # A publish that reaches the broker.
    s = socket.create_connection((host, 1883))
    s.sendall(mqtt_connect(b"router-ok"))
    s.recv(4)
    s.sendall(mqtt_publish(b"lab/router/ok", b"reached"))
    s.sendall(DISCONNECT)
    time.sleep(0.2)
    s.close()
    # A second connection: up, then a PUBLISH that dies at the router.
    s = socket.create_connection((host, 1883))
    s.sendall(mqtt_connect(b"router-ttl"))
    s.recv(4)
    s.setsockopt(*ttl_opt, 1)
    s.sendall(mqtt_publish(b"lab/router/lost", b"ttl 1"))
    time.sleep(0.3)
    s.close()
    time.sleep(0.2)
    # A connection attempt that never gets past the router.
    c = socket.socket(fam, socket.SOCK_STREAM)
    c.setsockopt(*ttl_opt, 1)
    c.settimeout(0.5)
    try:
        c.connect((host, 1883))
    except OSError:
        pass
    c.close()
    # UDP: a datagram that reaches a closed port, then one that dies at the router.
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.sendto(b"probe", (host, 9999))
    time.sleep(0.1)
    u.setsockopt(*ttl_opt, 1)
    u.sendto(b"probe ttl 1", (host, 9999))
    time.sleep(0.2)
    u.close()
EOF
cap_dump_stop
echo "wrote $here/icmp_router.pcap"
fi

if [ "$what" = pmtu ] || [ "$what" = all ]; then
# (only the router's side: the broker host still offers an MSS for 1,500 bytes)
ip -n "$rtr" link set veth_r2 mtu 1280
cap_dump_start "$dev" veth_d "$here/icmp_pmtu.pcap"
PYTHONPATH="$here" ip netns exec "$dev" python3 - <<'EOF'
import socket, time
from mqtt_raw import connect as mqtt_connect, publish as mqtt_publish, DISCONNECT

payload = bytes(range(32, 127)) * 15  # 1,425 bytes of text
for host in ("10.78.2.2", "fd78:2::2"):
    s = socket.create_connection((host, 1883))
    s.sendall(mqtt_connect(b"pmtu-" + host.split(":")[0].encode()))
    s.recv(4)
    s.sendall(mqtt_publish(b"lab/router/big", payload))
    time.sleep(0.5)
    s.sendall(DISCONNECT)
    time.sleep(0.2)
    s.close()
    time.sleep(0.2)
EOF
cap_dump_stop
echo "wrote $here/icmp_pmtu.pcap"
fi

if [ "$what" = tls ] || [ "$what" = all ]; then
cap_need mosquitto_pub openssl
ip -n "$rtr" link set veth_r2 mtu 1280
(cd "$work"
 openssl req -new -x509 -sha256 -days 100 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt \
   -subj "/C=FR/O=MQTT Lab/CN=MQTT Lab CA" 2>/dev/null
 openssl req -new -sha256 -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
   -subj "/C=FR/O=MQTT Lab/CN=broker.lab" 2>/dev/null
 printf 'subjectAltName=IP:10.78.2.2,IP:fd78:2::2\n' >san.ext
 openssl x509 -req -sha256 -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 100 \
   -extfile san.ext -out server.crt 2>/dev/null
 chmod 644 ./*.key)
cat >"$work/mosquitto-tls.conf" <<EOF
listener 8883
cafile $work/ca.crt
certfile $work/server.crt
keyfile $work/server.key
persistence false
allow_anonymous true
log_dest none
EOF
ip netns exec "$srv" mosquitto -c "$work/mosquitto-tls.conf" & pids+=($!)
sleep 1
msg=$(python3 -c 'print("".join(chr(32 + i % 95) for i in range(1400)))')
cap_dump_start "$dev" veth_d "$here/icmp_pmtu_tls.pcap"
ip netns exec "$dev" mosquitto_pub -h 10.78.2.2 -p 8883 --cafile "$work/ca.crt" --tls-version tlsv1.3 \
  -i pmtu-tls13 -t lab/router/tls -m "$msg"
sleep 0.3
ip netns exec "$dev" mosquitto_pub -h fd78:2::2 -p 8883 --cafile "$work/ca.crt" --tls-version tlsv1.2 \
  -i pmtu-tls12 -t lab/router/tls -m "$msg"
cap_dump_stop
echo "wrote $here/icmp_pmtu_tls.pcap"
fi
