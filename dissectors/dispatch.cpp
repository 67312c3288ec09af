#include "dissectors/dispatch.h"

#include "dissectors/arp/arp.h"
#include "dissectors/dissect.h"
#include "dissectors/dns/dns.h"
#include "dissectors/gtp/gtp.h"
#include "dissectors/icmp/icmp.h"
#include "dissectors/net/net.h"
#include "dissectors/tcp/tcp.h"
#include "dissectors/vxlan/vxlan.h"

namespace mqsniff::dispatch {
using core::Proto;

namespace {
const Entry kEthertypes[] = {
    {0x0800, Proto::Ip, &net::dissect_ipv4},
    {0x86dd, Proto::Ipv6, &net::dissect_ipv6},
    {0x0806, Proto::Arp, &arp::dissect_arp},
};
const Entry kIpProtocols[] = {
    {6, Proto::Tcp, &tcp::dissect_tcp},
    {17, Proto::Udp, &net::dissect_udp},
    {1, Proto::Icmp, &icmp::dissect_icmp},
    {58, Proto::Icmpv6, &icmp::dissect_icmpv6},
};
// IANA's ports, as tshark registers them.
const Entry kUdpPorts[] = {
    {53, Proto::Dns, &dns::dissect_dns},
    {5353, Proto::Dns, &dns::dissect_mdns},
    {5355, Proto::Dns, &dns::dissect_llmnr},
    {2152, Proto::Gtp, &gtp::dissect_gtpu},
    {4789, Proto::Vxlan, &vxlan::dissect_vxlan},
};
}  // namespace

std::span<const Entry> ethertypes() { return kEthertypes; }
std::span<const Entry> ip_protocols() { return kIpProtocols; }
std::span<const Entry> udp_ports() { return kUdpPorts; }

const Entry* find_entry(std::span<const Entry> table, uint32_t key, const DissectState& st) {
  for (const Entry& e : table)
    if (e.key == key) return st.disabled[static_cast<size_t>(e.proto)] ? nullptr : &e;
  return nullptr;
}
Dissector find(std::span<const Entry> table, uint32_t key, const DissectState& st) {
  const Entry* e = find_entry(table, key, st);
  return e ? e->dissect : nullptr;
}

}  // namespace mqsniff::dispatch
