#!/usr/bin/env bash
# Records multicast DNS (RFC 6762) as an IoT network carries it, with the real
# avahi-daemon: in two network namespaces this script creates, a broker host
# running avahi announces itself (probes, announcements: A, AAAA, PTR with
# the cache-flush bit) and an MQTT service (_mqtt._tcp, SRV/TXT/PTR), and a
# device asks for _mqtt._tcp.local and gets a unicast answer.
#
# Writes captures/mdns_lab.pcap. Needs root: sudo captures/make_mdns_capture.sh
# Packages: avahi-daemon tcpdump python3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_mdns_capture "apt-get install avahi-daemon tcpdump"
dev=mqm_dev; host=mqm_host
service=/etc/avahi/services/mqsniff-lab.service
cap_on_exit='rm -f "$service"; pkill -f "avahi-daemon: running \\[broker-host" 2>/dev/null'
cap_need avahi-daemon tcpdump python3
cap_netns "$dev"; cap_netns "$host"
ip link add veth_dev netns "$dev" address 52:54:00:88:00:02 type veth peer name veth_host netns "$host" address 52:54:00:88:00:01
ip -n "$dev" addr add 10.88.0.2/24 dev veth_dev; ip -n "$host" addr add 10.88.0.1/24 dev veth_host
for ns in "$dev" "$host"; do ip -n "$ns" link set lo up; done
ip -n "$dev" link set veth_dev up; ip -n "$host" link set veth_host up
cat >"$work/avahi-daemon.conf" <<'CONF'
[server]
host-name=broker-host
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=veth_host
enable-dbus=no
[publish]
publish-hinfo=no
publish-workstation=no
CONF
# avahi reads static services from /etc/avahi/services only: one file, removed at the end.
mkdir -p "$(dirname "$service")"
cat >"$service" <<'XML'
<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Lab broker</name>
  <service><type>_mqtt._tcp</type><port>1883</port><txt-record>path=/lab</txt-record></service>
</service-group>
XML
cap_dump_start "$host" veth_host "$here/mdns_lab.pcap" "udp port 5353"
ip netns exec "$host" avahi-daemon --no-drop-root --no-chroot --no-rlimits -f "$work/avahi-daemon.conf" >"$work/avahi.log" 2>&1 &
pids+=($!)
sleep 4
# The device asks who offers MQTT (a one-shot query from a high port: the answer comes back unicast).
ip netns exec "$dev" python3 - <<'PY'
import socket, struct
q = struct.pack('>HHHHHH', 0, 0, 1, 0, 0, 0) + b'\x05_mqtt\x04_tcp\x05local\x00' + struct.pack('>HH', 12, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('10.88.0.2'))
s.sendto(q, ('224.0.0.251', 5353))
s.settimeout(2)
try:
    s.recvfrom(2000)
except OSError:
    pass
PY
sleep 1
cap_dump_stop
echo "wrote $here/mdns_lab.pcap"
