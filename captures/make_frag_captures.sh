#!/usr/bin/env bash
# Records IP fragmentation as the kernel does it, in a network namespace this
# script creates (loopback at the IPv6 minimum MTU of 1280 bytes); nothing
# leaves it. Needs root.
#   Run:  sudo captures/make_frag_captures.sh
#
#   ip_fragments.pcap  a 3000-byte IPv6 ping and its reply (three fragments
#                      each), a 2500-byte UDP datagram over IPv6 and one over
#                      IPv4 (two fragments) to a closed port, and the ICMPv6 /
#                      ICMP port unreachable errors that quote their first
#                      fragment
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_frag_captures
cap_need tcpdump ping python3 ip
ns=mqsniff-frag-$$
cap_netns "$ns"
ip netns exec "$ns" ip link set lo mtu 1280
cap_dump_start "$ns" lo "$here/ip_fragments.pcap"
ip netns exec "$ns" ping -6 -c 1 -s 3000 ::1 >/dev/null
ip netns exec "$ns" python3 -c '
import socket
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"x" * 2500, ("::1", 9999))
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"y" * 2500, ("127.0.0.1", 9999))
'
cap_dump_stop
echo "wrote $here/ip_fragments.pcap"
