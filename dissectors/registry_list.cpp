// The list of every protocol's field table, in `-G fields` order. Adding a
// protocol means adding its table here and its block in core::Proto.
#include <span>
#include <vector>

#include "dissectors/core/field_registry.h"

namespace mqsniff {
namespace link {
std::span<const core::FieldDef> frame_field_table();
std::span<const core::FieldDef> eth_field_table();
std::span<const core::FieldDef> vlan_field_table();
std::span<const core::FieldDef> ieee8021ad_field_table();
std::span<const core::FieldDef> sll_field_table();
std::span<const core::FieldDef> null_field_table();
std::span<const core::FieldDef> raw_field_table();
std::span<const core::FieldDef> data_field_table();
std::span<const core::FieldDef> ws_field_table();
}  // namespace link
namespace net {
std::span<const core::FieldDef> ip_field_table();
std::span<const core::FieldDef> ipv6_field_table();
std::span<const core::FieldDef> udp_field_table();
}  // namespace net
namespace tcp {
std::span<const core::FieldDef> tcp_field_table();
}
namespace mqtt {
std::span<const core::FieldDef> mqtt_field_table();
}
namespace http {
std::span<const core::FieldDef> http_field_table();
std::span<const core::FieldDef> json_field_table();
std::span<const core::FieldDef> text_field_table();
}
namespace media {
std::span<const core::FieldDef> form_field_table();
std::span<const core::FieldDef> cbor_field_table();
std::span<const core::FieldDef> xml_field_table();
}
namespace websocket {
std::span<const core::FieldDef> websocket_field_table();
}
namespace arp {
std::span<const core::FieldDef> arp_field_table();
}
namespace icmp {
std::span<const core::FieldDef> icmp_field_table();
std::span<const core::FieldDef> icmpv6_field_table();
}
namespace dns {
std::span<const core::FieldDef> dns_field_table();
}
namespace gtp {
std::span<const core::FieldDef> gtp_field_table();
}
namespace vxlan {
std::span<const core::FieldDef> vxlan_field_table();
}
namespace tls {
std::span<const core::FieldDef> tls_field_table();
std::span<const core::FieldDef> x509_field_table();
}

std::vector<std::span<const core::FieldDef>> core::all_field_tables() {
  return {link::frame_field_table(), link::eth_field_table(),  link::vlan_field_table(),
          link::ieee8021ad_field_table(), link::sll_field_table(), link::null_field_table(),
          link::raw_field_table(),   net::ip_field_table(),    net::ipv6_field_table(),
          arp::arp_field_table(),    icmp::icmp_field_table(), icmp::icmpv6_field_table(),
          tcp::tcp_field_table(),    net::udp_field_table(),   dns::dns_field_table(),
          gtp::gtp_field_table(),    vxlan::vxlan_field_table(),   mqtt::mqtt_field_table(),
          tls::tls_field_table(),    tls::x509_field_table(),  http::http_field_table(), http::json_field_table(), http::text_field_table(),
          media::form_field_table(), media::cbor_field_table(), media::xml_field_table(),
          websocket::websocket_field_table(),
          link::data_field_table(),
          link::ws_field_table()};
}

}  // namespace mqsniff
