#!/usr/bin/env bash
# Records what an IPv6 link says when an interface comes up, as every
# capture of a LAN with IPv6 holds it: MLDv2 reports (with their Hop-by-Hop
# Router Alert option), duplicate address detection (Neighbor Solicitations
# with a Nonce option), Router Solicitations, and a ping to all nodes. A veth
# pair inside a network namespace this script creates; nothing leaves it.
# Needs root.
#   Run:  sudo captures/make_ipv6_lan_capture.sh       -> ipv6_lan.pcap
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_ipv6_lan_capture
cap_need tcpdump ping ip
ns=mqsniff-v6lan-$$
cap_netns "$ns"
ip netns exec "$ns" ip link add va type veth peer name vb
ip netns exec "$ns" ip link set va up
cap_dump_start "$ns" va "$here/ipv6_lan.pcap"
ip netns exec "$ns" ip link set vb up
sleep 3  # duplicate address detection, MLD reports, router solicitations
ip netns exec "$ns" ping -6 -c 1 -I va ff02::1 >/dev/null 2>&1 || true
cap_dump_stop
echo "wrote $here/ipv6_lan.pcap"
