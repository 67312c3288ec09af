// ARP, RFC 826 (EtherType 0x0806): who has an IPv4 address, and who answers.
#pragma once
#include <span>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"

namespace mqsniff {
struct DissectState;
namespace arp {
namespace arp_f {
enum : core::FieldId {
  proto = core::field_base(core::Proto::Arp), hw_type, proto_type, hw_size, proto_size, opcode, isgratuitous,
  src_hw_mac, src_proto_ipv4, dst_hw_mac, dst_proto_ipv4, src_hw, src_proto, dst_hw, dst_proto,
};
}
void dissect_arp(core::Reader& r, core::Packet& pkt, DissectState& st);
std::span<const core::FieldDef> arp_field_table();
}  // namespace arp
}  // namespace mqsniff
