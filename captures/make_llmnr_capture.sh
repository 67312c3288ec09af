#!/usr/bin/env bash
# Records LLMNR (RFC 4795, UDP 5355): the name resolution Windows devices and
# systemd-resolved use on a link without DNS, so it fills third-party captures
# of device networks. Debian 12 has no LLMNR tool that can be run in a private
# namespace without taking over the host's resolver (systemd-resolved), so a
# short Python responder and querier speak it over a veth pair between two
# network namespaces this script creates; nothing leaves them. Needs root.
#   Run:  sudo captures/make_llmnr_capture.sh
#
#   llmnr_lab.pcap  a device asks for "broker" (A, then AAAA, over IPv4
#                   multicast 224.0.0.252) and the broker host answers from
#                   its address; a question for "printer" gets no answer (an
#                   LLMNR responder stays silent for names it does not own);
#                   the same question for "broker" over IPv6 (ff02::1:3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_llmnr_capture
cap_need tcpdump python3 ip
a=mqsniff-llmnr-a-$$; b=mqsniff-llmnr-b-$$
cap_netns "$a"; cap_netns "$b"
ip link add vA netns "$a" type veth peer name vB netns "$b"
ip netns exec "$a" ip addr add 10.78.0.2/24 dev vA
ip netns exec "$b" ip addr add 10.78.0.1/24 dev vB
ip netns exec "$a" ip addr add fd78::2/64 dev vA nodad
ip netns exec "$b" ip addr add fd78::1/64 dev vB nodad
ip netns exec "$a" ip link set vA up
ip netns exec "$b" ip link set vB up
ip netns exec "$a" ip route add 224.0.0.0/4 dev vA
ip netns exec "$b" ip route add 224.0.0.0/4 dev vB

cat >"$work/llmnr.py" <<'EOF'
import socket, struct, sys

def name(n):
    return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".")) + b"\0"

def parse_question(m):
    i, labels = 12, []
    while m[i]:
        labels.append(m[i + 1:i + 1 + m[i]].decode()); i += 1 + m[i]
    qtype, qclass = struct.unpack("!HH", m[i + 1:i + 5])
    return ".".join(labels), qtype, qclass, m[12:i + 5]

def responder():
    own = {1: socket.inet_aton("10.78.0.1"), 28: socket.inet_pton(socket.AF_INET6, "fd78::1")}
    s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s4.bind(("0.0.0.0", 5355))
    s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.252") + socket.inet_aton("10.78.0.1"))
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s6.bind(("::", 5355))
    idx = socket.if_nametoindex("vB")
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, "ff02::1:3") + struct.pack("@I", idx))
    print("ready", flush=True)
    import select
    while True:
        for s in select.select([s4, s6], [], [])[0]:
            m, peer = s.recvfrom(2048)
            qid, flags = struct.unpack("!HH", m[:4])
            qname, qtype, qclass, question = parse_question(m)
            if qname != "broker" or qtype not in own:
                continue  # not ours: an LLMNR responder says nothing
            rdata = own[qtype]
            answer = name(qname) + struct.pack("!HHIH", qtype, 1, 30, len(rdata)) + rdata
            s.sendto(struct.pack("!HHHHHH", qid, 0x8000, 1, 1, 0, 0) + question + answer, peer)

def query(family, group, qid, qname, qtype):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    if family == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex("vA"))
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    s.sendto(struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + name(qname) + struct.pack("!HH", qtype, 1), (group, 5355))
    try:
        s.recvfrom(2048)
    except socket.timeout:
        pass
    s.close()

if sys.argv[1] == "responder":
    responder()
else:
    query(socket.AF_INET, "224.0.0.252", 0x4c31, "broker", 1)
    query(socket.AF_INET, "224.0.0.252", 0x4c32, "broker", 28)
    query(socket.AF_INET, "224.0.0.252", 0x4c33, "printer", 1)
    query(socket.AF_INET6, "ff02::1:3", 0x4c34, "broker", 28)
EOF
ip netns exec "$b" python3 "$work/llmnr.py" responder >"$work/responder.log" 2>&1 &
pids+=($!)
cap_wait_for "$work/responder.log" ready
cap_dump_start "$a" vA "$here/llmnr_lab.pcap" "udp port 5355"
ip netns exec "$a" python3 "$work/llmnr.py" query
cap_dump_stop
ls -l "$here/llmnr_lab.pcap"
