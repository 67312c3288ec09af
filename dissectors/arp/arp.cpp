// ARP, RFC 826:
//   hardware type[2] protocol type[2] hardware size[1] protocol size[1] opcode[2]
//   sender hardware[hs] sender protocol[ps] target hardware[hs] target protocol[ps]
// Ethernet/IPv4 addresses get tshark's typed fields (arp.src.hw_mac,
// arp.src.proto_ipv4, ...); other sizes are shown as bytes.
#include "dissectors/arp/arp.h"

#include <string>

#include "dissectors/core/format.h"
#include "dissectors/dissect.h"
#include "dissectors/link/link.h"

namespace mqsniff::arp {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

static const FieldDef kArp[] = {
    {arp_f::proto, "arp", "Address Resolution Protocol", FT::Protocol, Base::None, 0, 0, {}, "ARP"},
    {arp_f::hw_type, "arp.hw.type", "Hardware type", FT::UInt16, Base::Dec},
    {arp_f::proto_type, "arp.proto.type", "Protocol type", FT::UInt16, Base::Hex},
    {arp_f::hw_size, "arp.hw.size", "Hardware size", FT::UInt8, Base::Dec},
    {arp_f::proto_size, "arp.proto.size", "Protocol size", FT::UInt8, Base::Dec},
    {arp_f::opcode, "arp.opcode", "Opcode", FT::UInt16, Base::Dec},
    {arp_f::isgratuitous, "arp.isgratuitous", "Is gratuitous", FT::Boolean, Base::None},
    {arp_f::src_hw_mac, "arp.src.hw_mac", "Sender MAC address", FT::Ether},
    {arp_f::src_proto_ipv4, "arp.src.proto_ipv4", "Sender IP address", FT::Ipv4},
    {arp_f::dst_hw_mac, "arp.dst.hw_mac", "Target MAC address", FT::Ether},
    {arp_f::dst_proto_ipv4, "arp.dst.proto_ipv4", "Target IP address", FT::Ipv4},
    {arp_f::src_hw, "arp.src.hw", "Sender hardware address", FT::Bytes},
    {arp_f::src_proto, "arp.src.proto", "Sender protocol address", FT::Bytes},
    {arp_f::dst_hw, "arp.dst.hw", "Target hardware address", FT::Bytes},
    {arp_f::dst_proto, "arp.dst.proto", "Target protocol address", FT::Bytes},
};
std::span<const FieldDef> arp_field_table() { return kArp; }

namespace {
const char* opcode_name(uint16_t op) {
  switch (op) {
    case 1: return "request";
    case 2: return "reply";
    case 3: return "reverse request";
    case 4: return "reverse reply";
    case 8: return "inverse request";
    case 9: return "inverse reply";
    default: return nullptr;
  }
}
uint32_t ipv4_at(core::Bytes p) { return core::be32_at(p, 0); }
void append_ipv4(std::string& s, core::Bytes p) {
  char b[16];
  s.append(b, core::format_ipv4(b, ipv4_at(p)));
}
void append_ether(std::string& s, const uint8_t* p) {
  char b[20];
  s.append(b, core::format_ether(b, p));
}
}  // namespace

void dissect_arp(core::Reader& r, core::Packet& pkt, DissectState&) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  pkt.layer("arp");
  pkt.set_protocol("ARP");
  if (r.captured_remaining() < 8 && r.remaining() >= 8) {
    // Cut before its fixed part ends (snapshot length): tshark shows the
    // hardware and protocol types once it has both, then the cut.
    if (pkt.cols) pkt.cols->info.clear();
    if (r.captured_remaining() >= 2) {
      t.open(arp_f::proto, off, 8);
      const size_t kept = r.captured_remaining();
      const uint16_t htype = r.be16(), ptype = r.be16();
      t.add_uint(arp_f::hw_type, htype, off, 2);
      if (kept >= 4) t.add_uint(arp_f::proto_type, ptype, off + 2, 2);
      if (kept >= 5) t.add_uint(arp_f::hw_size, r.u8(), off + 4, 1);
      if (kept >= 6) t.add_uint(arp_f::proto_size, r.u8(), off + 5, 1);
      t.close();
    }
    pkt.mark_truncated("ARP/RARP");
    return;
  }
  int32_t p = t.open(arp_f::proto, off, 8);
  uint16_t htype = r.be16();
  uint16_t ptype = r.be16();
  uint8_t hs = r.u8();
  uint8_t ps = r.u8();
  uint16_t op = r.be16();
  core::Bytes sha = r.bytes(hs), spa = r.bytes(ps), tha = r.bytes(hs), tpa = r.bytes(ps);
  const bool whole = r.ok();
  const bool eth_ip = hs == 6 && ps == 4 && ptype == 0x0800;
  const bool gratuitous = whole && eth_ip && std::memcmp(spa.data(), tpa.data(), 4) == 0 &&
                          (op == 1 || op == 2) && ipv4_at(spa) != 0;
  if (t.wants(arp_f::proto)) {
    std::string label = "Address Resolution Protocol";
    const char* n = opcode_name(op);
    if (n && whole) label += std::string(" (") + n + (gratuitous ? "/gratuitous ARP" : "") + ")";  // (read after the addresses)
    t.set_label(p, label);
  }
  t.add_uint(arp_f::hw_type, htype, off, 2);
  t.add_uint(arp_f::proto_type, ptype, off + 2, 2);
  t.add_uint(arp_f::hw_size, hs, off + 4, 1);
  t.add_uint(arp_f::proto_size, ps, off + 5, 1);
  t.add_uint(arp_f::opcode, op, off + 6, 2);
  if (whole) {
    t.set_length(p, 8u + 2u * (hs + ps));
    pkt.l3_end = off + 8u + 2u * (hs + ps);  // (what follows is the link's trailer)
    if (gratuitous) t.add_bool(arp_f::isgratuitous, true, 0, 0, core::FieldNode::kGenerated);
    uint32_t o = off + 8;
    auto hw = [&](core::FieldId mac, core::FieldId raw, core::Bytes b) {
      if (hs == 6) t.add_ether(mac, b.data(), o);
      else t.add_bytes(raw, b.data(), b.size(), o);
      o += hs;
    };
    auto pr = [&](core::FieldId v4, core::FieldId raw, core::Bytes b) {
      if (ps == 4 && ptype == 0x0800) t.add_ipv4(v4, ipv4_at(b), o);
      else t.add_bytes(raw, b.data(), b.size(), o);
      o += ps;
    };
    hw(arp_f::src_hw_mac, arp_f::src_hw, sha);
    pr(arp_f::src_proto_ipv4, arp_f::src_proto, spa);
    hw(arp_f::dst_hw_mac, arp_f::dst_hw, tha);
    pr(arp_f::dst_proto_ipv4, arp_f::dst_proto, tpa);
  }
  t.close();
  if (pkt.check(r, "ARP/RARP")) return;
  if (pkt.cols && eth_ip) {
    std::string& info = pkt.cols->info;
    info.clear();
    if (gratuitous) {
      info = "Gratuitous ARP for ";
      append_ipv4(info, spa);
      info += op == 1 ? " (Request)" : " (Reply)";
    } else if (op == 1) {
      // An ARP probe (RFC 5227) has no sender address: tshark asks "Who has X? (ARP Probe)".
      info = "Who has ";
      append_ipv4(info, tpa);
      if (ipv4_at(spa) == 0) {
        info += "? (ARP Probe)";
      } else {
        info += "? Tell ";
        append_ipv4(info, spa);
      }
    } else if (op == 2) {
      append_ipv4(info, spa);
      info += " is at ";
      append_ether(info, sha.data());
    } else {
      const char* n = opcode_name(op);
      info = n ? n : "Unknown ARP opcode ";
      if (!n) core::append_hex(info, op, 4);
    }
  } else if (pkt.cols) {
    const char* n = opcode_name(op);
    pkt.cols->info = n ? n : "Unknown ARP opcode";
  }
  pkt.net_src.type = pkt.net_dst.type = core::AddrType::None;  // the columns keep the MAC addresses
}

}  // namespace mqsniff::arp
