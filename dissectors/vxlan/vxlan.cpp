// VXLAN, RFC 7348 §5 (with the group-based policy bits tshark shows):
//   flags[2] group policy id[2] VNI[3] reserved[1], then an Ethernet frame.
#include "dissectors/vxlan/vxlan.h"

#include "dissectors/dissect.h"
#include "dissectors/link/link.h"

namespace mqsniff::vxlan {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

static const FieldDef kVxlan[] = {
    {vxlan_f::proto, "vxlan", "Virtual eXtensible Local Area Network", FT::Protocol, Base::None, 0, 0, {}, "VXLAN"},
    {vxlan_f::flags, "vxlan.flags", "Flags", FT::UInt16, Base::Hex},
    {vxlan_f::flag_g, "vxlan.flag_g", "GBP Extension", FT::Boolean, Base::None, 0x8000, 16},
    {vxlan_f::flag_i, "vxlan.flag_i", "VXLAN Network ID (VNI)", FT::Boolean, Base::None, 0x0800, 16},
    {vxlan_f::flag_d, "vxlan.flag_d", "Don't Learn", FT::Boolean, Base::None, 0x0040, 16},
    {vxlan_f::flag_a, "vxlan.flag_a", "Policy Applied", FT::Boolean, Base::None, 0x0008, 16},
    {vxlan_f::flags_reserved, "vxlan.flags_reserved", "Reserved(R)", FT::UInt16, Base::Hex, 0x77b7},
    {vxlan_f::gbp, "vxlan.gbp", "Group Policy ID", FT::UInt16, Base::Dec},
    {vxlan_f::vni, "vxlan.vni", "VXLAN Network Identifier (VNI)", FT::UInt24, Base::Dec},
    {vxlan_f::reserved8, "vxlan.reserved8", "Reserved", FT::UInt8, Base::Dec},
};
std::span<const FieldDef> vxlan_field_table() { return kVxlan; }

void dissect_vxlan(core::Reader& r, core::Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  pkt.layer("vxlan");
  pkt.set_protocol("VxLAN");  // (tshark's column spelling)
  if (pkt.cols) pkt.cols->info.clear();  // (as tshark's: the inner frame's protocols write it again)
  t.open(vxlan_f::proto, off, 8);
  // Each field shown as it is read, as tshark does (a cut header keeps those before the cut).
  const uint16_t flags = r.be16();
  if (r.ok()) {
    core::Subtree sub(t, t.add_uint(vxlan_f::flags, flags, off, 2));
    t.add_bool(vxlan_f::flag_g, flags & 0x8000, off, 2);
    t.add_bool(vxlan_f::flag_i, flags & 0x0800, off, 2);
    t.add_bool(vxlan_f::flag_d, flags & 0x0040, off, 2);
    t.add_bool(vxlan_f::flag_a, flags & 0x0008, off, 2);
    t.add_uint(vxlan_f::flags_reserved, flags & 0x77b7, off, 2);
  }
  const uint16_t gbp = r.be16();
  if (r.ok()) t.add_uint(vxlan_f::gbp, gbp, off + 2, 2);
  const uint32_t vni = r.be24();
  if (r.ok()) t.add_uint(vxlan_f::vni, vni, off + 4, 3);
  const uint8_t res = r.u8();
  if (r.ok()) t.add_uint(vxlan_f::reserved8, res, off + 7, 1);
  t.close();
  if (pkt.check(r, "VXLAN")) return;
  link::dissect_ethernet(r, pkt, st);
}

}  // namespace mqsniff::vxlan
