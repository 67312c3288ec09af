// VXLAN, RFC 7348 (UDP 4789): Ethernet frames tunnelled between hosts; the
// inner frame is dissected as any other (its MQTT and TLS included).
#pragma once
#include <span>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"

namespace mqsniff {
struct DissectState;
namespace vxlan {
namespace vxlan_f {
enum : core::FieldId {
  proto = core::field_base(core::Proto::Vxlan), flags, flag_g, flag_i, flag_d, flag_a, flags_reserved, gbp, vni,
  reserved8,
};
}
void dissect_vxlan(core::Reader& r, core::Packet& pkt, DissectState& st);
std::span<const core::FieldDef> vxlan_field_table();
}  // namespace vxlan
}  // namespace mqsniff
