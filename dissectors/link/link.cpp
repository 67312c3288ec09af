// Link layers and the frame pseudo-protocol.
//
// Ethernet II (IEEE 802.3 clause 3):   dst[6] src[6] type[2]
// 802.1Q / 802.1ad tag:                TCI[2] (PCP:3 DEI:1 VID:12) type[2]
// Linux cooked v1 (LINKTYPE_LINUX_SLL): pkttype[2] hatype[2] halen[2] addr[8] protocol[2]
// Linux cooked v2 (LINKTYPE_LINUX_SLL2): protocol[2] reserved[2] ifindex[4] hatype[2]
//                                       pkttype[1] halen[1] addr[8]
// BSD loopback (NULL: host byte order, LOOP: network byte order): family[4]
// Raw IP (RAW, IPV4, IPV6): the IP header directly.
#include "dissectors/link/link.h"

#include <string>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/core/value_names.h"
#include "dissectors/core/oui.h"
#include "dissectors/dispatch.h"
#include "dissectors/dissect.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/net/net.h"

namespace mqsniff {
using core::Packet;
using core::Reader;

namespace link {

static void set_dl_addr(core::Address& a, const uint8_t* mac) {
  a.type = core::AddrType::Ether;
  std::memcpy(a.bytes.data(), mac, 6);
}

void add_malformed_item(core::Packet& pkt, std::string_view proto) {
  auto& t = pkt.tree;
  pkt.mark_malformed(proto);
  pkt.layer("_ws.malformed");
  int32_t idx = t.open(ws_f::malformed, 0, 0);
  if (t.wants(ws_f::malformed)) t.set_label(idx, "[Malformed Packet: " + std::string(proto) + "]");
  core::add_expert(t, "Malformed Packet (Exception occurred)", core::Severity::Error, core::ExpertGroup::Malformed, 0,
                   0, ws_f::malformed_expert, false);
  t.add_none(ws_f::malformed, 0, 0, core::FieldNode::kHidden);  // tshark's second, hidden item
  t.close();
  if (pkt.cols) pkt.cols->info += "[Malformed Packet]";
  pkt.malformed_shown = true;
}

void add_unreassembled_item(core::Packet& pkt, std::string_view proto) {
  auto& t = pkt.tree;
  if (pkt.in_error) {  // (inside an ICMP error's quote tshark shows no such item)
    pkt.unreassembled = true;
    return;
  }
  int32_t idx = t.open(ws_f::unreassembled, 0, 0);
  if (t.wants(ws_f::unreassembled)) t.set_label(idx, "[BoundError Unreassembled Packet: " + std::string(proto) + "]");
  core::add_expert(t, "Unreassembled fragment (change preferences to enable reassembly)", core::Severity::Note,
                   core::ExpertGroup::Reassemble, 0, 0, ws_f::unreassembled_expert);
  t.close();
  if (pkt.cols) pkt.cols->info += "[BoundErrorUnreassembled Packet]";
  pkt.unreassembled = true;
}

void dissect_data(Reader& r, Packet& pkt) {
  core::Bytes rest = r.rest_captured();
  size_t declared = r.remaining();
  if (declared == 0) return;
  pkt.layer("data");
  auto& t = pkt.tree;
  // tshark's data dissector shows what was captured and never reports a
  // cut (its length is the captured one); the bytes it lacks are still
  // counted by the layers around it.
  const size_t shown = rest.empty() ? declared : rest.size();
  int32_t p = t.open(data_f::proto, static_cast<uint32_t>(r.pos()), static_cast<uint32_t>(shown));
  if (t.wants(data_f::proto)) t.set_bytes(p, rest.data(), rest.size());
  t.add_bytes(data_f::data, rest.data(), rest.size(), static_cast<uint32_t>(r.pos()));
  t.add_int(data_f::len, static_cast<int64_t>(shown), 0, 0);
  t.close();
  if (rest.empty()) pkt.mark_truncated("Data");  // nothing of it was captured
  r.skip(rest.size());
}

namespace {
// tshark reads the padding, trailer and FCS in its Ethertype layer, after the
// payload's dissector: a cut there is named after it.
constexpr const char* kTrailerLayer = "Ethertype";

// Whether tshark's VSS-Monitoring trailer heuristic
// reads past the captured part of a trailer of `len` bytes: a time stamp
// (8 bytes, read first) and/or a port stamp (1 or 2 bytes); lengths no such
// trailer can have are declined before any read.
bool vss_meets_cut(uint32_t len, uint32_t captured) {
  if (len > 14 || (len & 3) == 3 || ((len & 3) == 0 && len < 8)) return false;
  if (len >= 8) return captured < 8;  // (a zero time stamp then declines it)
  return captured < ((len & 1) ? 1u : 2u);
}

// The bytes of an Ethernet frame after the datagram it carries, as tshark
// reads them: zeros that pad the frame to 60 bytes (eth.padding); then, in a
// frame of 64 bytes or more, a last 4 bytes taken for the FCS (eth.fcs,
// unverified); anything else is a trailer (eth.trailer). Added at the end of
// the Ethernet tree.
void add_trailer(Packet& pkt, int32_t eth_item, uint32_t end, bool maybe_fcs = true, FieldId trailer_id = eth_f::trailer) {
  auto& t = pkt.tree;
  const uint32_t len = pkt.frame.len, caplen = pkt.frame.caplen;
  // Nothing after the datagram, or nothing of it captured: tshark looks no further.
  if (end >= len || end >= caplen) return;
  const uint8_t* p = pkt.frame.data + end;
  uint32_t reported = len - end, captured = caplen - end;
  core::Subtree sub(t, eth_item);
  const bool maybe_padded = len >= 60 && end < 60;
  uint32_t padding = 0;
  if (maybe_padded) {
    padding = 60 - end;
    for (uint32_t i = 0; i < padding; ++i) {
      if (i >= captured) {  // the capture cut the padding it is reading: tshark's exception
        pkt.mark_truncated(kTrailerLayer);
        return;
      }
      if (p[i]) {
        padding = 0;
        break;
      }
    }
    if (padding) {
      t.add_bytes(eth_f::padding, p, padding, end);
      reported -= padding;
      captured -= padding;
    }
  }
  if (!maybe_fcs && padding && captured < reported && vss_meets_cut(reported, captured)) {
    // A tag's trailer after padding (no FCS guessed) the capture cut where
    // tshark's VSS-Monitoring trailer heuristic reads it (tshark 4.0 on
    // cuts of around_padded_vlan.pcap: after padding only).
    pkt.layer("vssmonitoring");
    pkt.mark_truncated("VSS Monitoring");
    return;
  }
  const bool fcs = maybe_fcs && len >= 64 && reported >= 4;
  if (fcs) {
    reported -= 4;
    captured = std::min(captured, reported);
  }
  if (captured) {
    const int32_t ti = t.add_bytes(trailer_id, p + padding, captured, end + padding);
    if (maybe_padded && !padding) {
      core::Subtree under(t, ti);
      core::add_expert(t, "Didn't find padding of zeros, and an undecoded trailer exists. There may be padding of non-zeros.",
                       core::Severity::Note, core::ExpertGroup::Protocol, end + padding, captured, eth_f::padding_bad);
    }
  }
  if (fcs) {
    const uint32_t at = end + padding + reported;  // the FCS: the frame's last 4 bytes
    if (at + 4 > caplen) {  // not captured
      pkt.mark_truncated(kTrailerLayer);
      return;
    }
    const uint8_t* f = pkt.frame.data + at;
    const uint32_t v = uint32_t(f[0]) << 24 | uint32_t(f[1]) << 16 | uint32_t(f[2]) << 8 | f[3];
    const int32_t fi = t.add_uint(eth_f::fcs, v, at, 4);
    if (fi >= 0 && t.wants(eth_f::fcs)) {
      char b[64];
      snprintf(b, sizeof b, "Frame check sequence: 0x%08x [unverified]", v);
      t.set_display(fi, b);
    }
    t.add_uint(eth_f::fcs_status, 2, at, 4, core::FieldNode::kGenerated);
  }
}
}  // namespace

void dissect_ethertype(uint16_t type, Reader& r, Packet& pkt, DissectState& st) {
  if (dispatch::Dissector d = dispatch::find(dispatch::ethertypes(), type, st)) return d(r, pkt, st);
  switch (type) {
    case 0x8100:
    case 0x88a8:
    case 0x9100: {
      bool ad = type == 0x88a8;
      auto& t = pkt.tree;
      uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
      pkt.layer(ad ? "ieee8021ad" : "vlan");
      if (r.captured_remaining() < 4 && r.remaining() >= 4) {
        // The tag cut by the snapshot length: tshark names the protocol and
        // the cut, clears Info, and shows the TCI's fields once it has them.
        pkt.set_protocol(ad ? "802.1ad" : "VLAN");
        if (pkt.cols) pkt.cols->info.clear();
        if (r.captured_remaining() >= 2) {
          const uint16_t tci = r.be16();
          const FieldId pid = ad ? FieldId{ieee8021ad_f::proto} : FieldId{vlan_f::proto};
          const int32_t v = t.open(pid, off, 4);
          if (t.wants(pid))
            t.set_label(v, ad ? std::string("IEEE 802.1ad")
                              : "802.1Q Virtual LAN, PRI: " + std::to_string(tci >> 13) + ", DEI: " +
                                    std::to_string((tci >> 12) & 1) + ", ID: " + std::to_string(tci & 0x0fff));
          if (ad) {  // (tshark's 802.1ad names the TCI in Info before its fields)
            if (pkt.cols)
              pkt.cols->info = "PRI: " + std::to_string(tci >> 13) + "  DROP: " + std::to_string((tci >> 12) & 1) +
                               " ID: " + std::to_string(tci & 0x0fff);
          } else {
            t.add_uint(vlan_f::priority, tci >> 13, off, 2);
            t.add_bool(vlan_f::dei, (tci >> 12) & 1, off, 2);
            t.add_uint(vlan_f::id, tci & 0x0fff, off, 2);
            if (pkt.cols)
              pkt.cols->info = "PRI: " + std::to_string(tci >> 13) + "  DEI: " + std::to_string((tci >> 12) & 1) +
                               "  ID: " + std::to_string(tci & 0x0fff);
          }
          t.close();
        }
        pkt.mark_truncated(ad ? "IEEE 802.1AD" : "VLAN");
        return;
      }
      const FieldId proto_id = ad ? FieldId{ieee8021ad_f::proto} : FieldId{vlan_f::proto};
      int32_t vidx = t.open(proto_id, off, 4);
      uint16_t tci = r.be16();
      uint16_t next = r.be16();
      if (pkt.check(r, ad ? "IEEE 802.1ad" : "802.1Q")) {
        t.close();
        return;
      }
      if (t.wants(proto_id)) {
        // tshark's tree label: "802.1Q Virtual LAN, PRI: 3, DEI: 0, ID: 56" / "IEEE 802.1ad, ID: 100".
        std::string label = ad ? "IEEE 802.1ad, ID: " : "802.1Q Virtual LAN, PRI: " + std::to_string(tci >> 13) +
                                                             ", DEI: " + std::to_string((tci >> 12) & 1) + ", ID: ";
        label += std::to_string(tci & 0x0fff);
        t.set_label(vidx, label);
      }
      if (ad) {
        t.add_uint(ieee8021ad_f::priority, tci >> 13, off, 2);
        t.add_uint(ieee8021ad_f::dei, (tci >> 12) & 1, off, 2);
        t.add_uint(ieee8021ad_f::id, tci & 0x0fff, off, 2);
        t.add_uint(ieee8021ad_f::etype, next, off + 2, 2);
      } else {
        t.add_uint(vlan_f::priority, tci >> 13, off, 2);
        t.add_bool(vlan_f::dei, (tci >> 12) & 1, off, 2);
        t.add_uint(vlan_f::id, tci & 0x0fff, off, 2);
        t.add_uint(next <= 1500 ? vlan_f::len : vlan_f::etype, next, off + 2, 2);
      }
      t.close();
      pkt.set_protocol(ad ? "IEEE 802.1ad" : "802.1Q");
      if (next <= 1500) return dissect_data(r, pkt);
      pkt.layer("ethertype");
      const uint32_t outer_end = pkt.l3_end;
      pkt.l3_end = 0;
      dissect_ethertype(next, r, pkt, st);
      // The frame's padding and trailer, in the (innermost) 802.1Q tag's tree, as tshark.
      if (!ad && off <= 18 && pkt.l3_end) add_trailer(pkt, vidx, pkt.l3_end, false, vlan_f::trailer);
      pkt.l3_end = outer_end;
      return;
    }
    default:
      break;
  }
  dissect_data(r, pkt);
}


void dissect_ethernet(Reader& r, Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  pkt.layer("eth");
  if (r.captured_remaining() < 14 && r.remaining() >= 14) {
    // The header cut by the snapshot length (a tunnel's inner frame): tshark
    // names the protocol and the cut, clears Info, and shows no item.
    pkt.set_protocol("Ethernet");
    if (pkt.cols) pkt.cols->info.clear();
    // (The addresses it kept are the columns': the destination first.)
    const core::Bytes h = r.rest_captured();
    if (h.size() >= 6) {
      set_dl_addr(pkt.dl_dst, h.data());
      pkt.net_dst.type = core::AddrType::None;
    }
    if (h.size() >= 12) {
      set_dl_addr(pkt.dl_src, h.data() + 6);
      pkt.net_src.type = core::AddrType::None;
    }
    pkt.mark_truncated("Ethernet");
    return;
  }
  int32_t proto = t.open(eth_f::proto, off, 14);
  core::Bytes dst = r.bytes(6);
  core::Bytes src = r.bytes(6);
  uint16_t type = r.be16();
  if (pkt.check(r, "Ethernet")) {
    t.close();
    return;
  }
  set_dl_addr(pkt.dl_dst, dst.data());
  set_dl_addr(pkt.dl_src, src.data());
  // An Ethernet frame inside a tunnel (VXLAN) names the columns' addresses
  // again, as tshark's: its MACs, until an IP layer inside it says otherwise.
  pkt.net_src.type = pkt.net_dst.type = core::AddrType::None;
  if (t.wants(eth_f::proto)) {
    char a[20], b[20];
    core::format_ether(a, src.data());
    core::format_ether(b, dst.data());
    std::string label = "Ethernet II, Src: ";
    label += a;
    label += ", Dst: ";
    label += b;
    t.set_label(proto, label);
  }
  // Tree order as tshark: dst (with hidden eth.addr and the LG/IG bits), src, type.
  if (t.wants_any(core::Proto::Eth)) {
    // Each address with its hidden eth.addr and LG/IG bits, as tshark's tree has them.
    // The resolved forms, hidden in -V as tshark's: "<address>_resolved", ".oui", ".oui_resolved".
    auto resolved = [&](FieldId res, FieldId oui, FieldId oui_res, core::Bytes mac, uint32_t o) {
      constexpr uint8_t kHidden = core::FieldNode::kHidden;
      if (t.wants(res)) {
        char b[20];
        t.nodes_flags(t.add_string_copy(res, std::string_view(b, core::format_ether(b, mac.data())), o, 6), kHidden);
      }
      const uint32_t v = uint32_t(mac[0]) << 16 | uint32_t(mac[1]) << 8 | mac[2];
      t.add_uint(oui, v, o, 3, kHidden);
      if (t.wants(oui_res)) {
        std::string_view name = core::oui_name(v);
        if (!name.empty()) t.nodes_flags(t.add_string(oui_res, name, o, 3), kHidden);
      }
    };
    auto address = [&](FieldId id, FieldId lg_id, FieldId ig_id, core::Bytes mac, uint32_t o) {
      core::Subtree sub(t, t.add_ether(id, mac.data(), o));
      if (id == eth_f::dst) resolved(eth_f::dst_resolved, eth_f::dst_oui, eth_f::dst_oui_resolved, mac, o);
      else resolved(eth_f::src_resolved, eth_f::src_oui, eth_f::src_oui_resolved, mac, o);
      t.add_ether(eth_f::addr, mac.data(), o);  // tshark shows it ("Address: ..."); eth.lg/eth.ig stay hidden
      resolved(eth_f::addr_resolved, eth_f::addr_oui, eth_f::addr_oui_resolved, mac, o);
      t.add_bool(lg_id, mac[0] & 2, o, 3);
      t.add_bool(eth_f::lg, mac[0] & 2, o, 3, core::FieldNode::kHidden);
      t.add_bool(ig_id, mac[0] & 1, o, 3);
      t.add_bool(eth_f::ig, mac[0] & 1, o, 3, core::FieldNode::kHidden);
    };
    address(eth_f::dst, eth_f::dst_lg, eth_f::dst_ig, dst, off);
    address(eth_f::src, eth_f::src_lg, eth_f::src_ig, src, off + 6);
  }
  if (type <= 1500) {
    // IEEE 802.3 length field: LLC follows, which mqsniff does not decode.
    t.add_uint(eth_f::len, type, off + 12, 2);
    t.close();
    pkt.set_protocol("Ethernet");
    return dissect_data(r, pkt);
  }
  t.add_uint(eth_f::type, type, off + 12, 2);
  t.close();
  pkt.set_protocol("Ethernet");
  pkt.layer("ethertype");
  const uint32_t outer_end = pkt.l3_end;  // (a tunnel's inner frame must not change the outer one's)
  pkt.l3_end = 0;
  dissect_ethertype(type, r, pkt, st);
  if (off == 0 && pkt.l3_end) add_trailer(pkt, proto, pkt.l3_end);
  pkt.l3_end = outer_end;
}

void dissect_sll(Reader& r, Packet& pkt, DissectState& st, bool v2) {
  auto& t = pkt.tree;
  pkt.layer("sll");
  const core::Bytes head = r.rest_captured();  // (what was captured of the header, for a cut one)
  uint32_t hdr = v2 ? 20 : 16;
  // A header cut before tshark's first read (v1: the type fields, v2: up to
  // the address length): no layer line, the cut named.
  if (r.captured_remaining() < (v2 ? 12u : 4u) && r.remaining() >= hdr) {
    pkt.mark_truncated("SLL");
    return;
  }
  int32_t sll_idx = t.open(sll_f::proto, 0, hdr);
  if (t.wants(sll_f::proto)) t.set_label(sll_idx, v2 ? "Linux cooked capture v2" : "Linux cooked capture v1");
  uint16_t pkttype, hatype, halen, protocol;
  uint32_t ifindex = 0;
  core::Bytes addr;
  if (v2) {
    protocol = r.be16();
    r.skip(2);
    ifindex = r.be32();
    hatype = r.be16();
    pkttype = r.u8();
    halen = r.u8();
    addr = r.bytes(8);
    if (!r.ok() && r.error() == core::ReadError::Truncated && head.size() >= 12) {
      // The address cut: the fields before it, the address once 6 bytes of
      // it are there, the protocol named; tshark's Info names the byte after
      // the packet type (the address length) as a packet type.
      const core::Bytes h = head.first(std::min<size_t>(head.size(), 20));
      pkt.set_protocol("SLL");
      if (pkt.cols) {
        const char* name = core::value_name_known("sll.pkttype", h[11]);
        pkt.cols->info = name ? name : "Unknown (" + std::to_string(h[11]) + ")";
      }
      t.add_uint(sll_f::etype, protocol, 0, 2);
      t.add_uint(sll_f::ifindex, ifindex, 4, 4);
      t.add_uint(sll_f::hatype, hatype, 8, 2);
      t.add_uint(sll_f::pkttype, pkttype, 10, 1);
      t.add_uint(sll_f::halen, halen, 11, 1);
      if (h.size() >= 18 && halen == 6 && (hatype == 1 || hatype == 772)) {
        t.add_ether(sll_f::src_eth, h.data() + 12, 12);
        set_dl_addr(pkt.dl_src, h.data() + 12);
      }
      t.close();
      pkt.mark_truncated("SLL");
      return;
    }
  } else {
    pkttype = r.be16();
    hatype = r.be16();
    halen = r.be16();
    addr = r.bytes(8);
    protocol = r.be16();
    if (!r.ok() && r.error() == core::ReadError::Truncated && head.size() >= 2) {
      // The header the capture cut: tshark names the protocol, the packet
      // type in Info, and shows each field it read (the address, once read,
      // is the Source column).
      const core::Bytes h = head.first(std::min<size_t>(head.size(), 16));
      auto be = [&](size_t i) { return static_cast<uint16_t>(h[i] << 8 | h[i + 1]); };
      pkt.set_protocol("SLL");
      if (pkt.cols) {
        const char* name = core::value_name_known("sll.pkttype", be(0));
        pkt.cols->info = name ? name : "Unknown (" + std::to_string(be(0)) + ")";
      }
      t.add_uint(sll_f::pkttype, be(0), 0, 2);
      if (h.size() >= 4) t.add_uint(sll_f::hatype, be(2), 2, 2);
      if (h.size() >= 6) t.add_uint(sll_f::halen, be(4), 4, 2);
      if (h.size() >= 12 && be(4) == 6 && (be(2) == 1 || be(2) == 772)) {
        t.add_ether(sll_f::src_eth, h.data() + 6, 6);
        set_dl_addr(pkt.dl_src, h.data() + 6);
        if (h.size() >= 14) t.add_bytes(sll_f::unused, h.data() + 12, 2, 12);
      } else if (h.size() >= 6 && be(4) > 0 && h.size() >= 6u + std::min<uint16_t>(be(4), 8)) {
        t.add_bytes(sll_f::src_other, h.data() + 6, std::min<uint16_t>(be(4), 8), 6);
      }
      t.close();
      pkt.mark_truncated("SLL");
      return;
    }
  }
  if (pkt.check(r, "SLL")) {
    t.close();
    return;
  }
  uint32_t aoff = v2 ? 12 : 6;
  if (v2) {
    t.add_uint(sll_f::etype, protocol, 0, 2);
    t.add_uint(sll_f::ifindex, ifindex, 4, 4);
    t.add_uint(sll_f::hatype, hatype, 8, 2);
    t.add_uint(sll_f::pkttype, pkttype, 10, 1);
    t.add_uint(sll_f::halen, halen, 11, 1);
  } else {
    t.add_uint(sll_f::pkttype, pkttype, 0, 2);
    t.add_uint(sll_f::hatype, hatype, 2, 2);
    t.add_uint(sll_f::halen, halen, 4, 2);
  }
  // ARPHRD_ETHER (1) and ARPHRD_LOOPBACK (772) carry a MAC address.
  if (halen == 6 && (hatype == 1 || hatype == 772)) {
    t.add_ether(sll_f::src_eth, addr.data(), aoff);
    set_dl_addr(pkt.dl_src, addr.data());
    t.add_bytes(sll_f::unused, addr.data() + 6, 2, aoff + 6);
  } else if (halen > 0) {
    size_t n = halen < 8 ? halen : 8;
    t.add_bytes(sll_f::src_other, addr.data(), n, aoff);
  }
  if (!v2) t.add_uint(sll_f::etype, protocol, 14, 2);
  t.close();
  pkt.set_protocol("SLL");
  pkt.layer("ethertype");
  dissect_ethertype(protocol, r, pkt, st);
}

void dissect_null(Reader& r, Packet& pkt, DissectState& st, bool network_order) {
  auto& t = pkt.tree;
  pkt.layer("null");
  int32_t null_idx = t.open(null_f::proto, 0, 4);
  if (t.wants(null_f::proto)) t.set_label(null_idx, "null");  // tshark's item has no text of its own
  uint32_t family = network_order ? r.be32() : r.le32();
  if (pkt.check(r, "Null")) {
    t.close();
    return;
  }
  // DLT_NULL is in the writer's byte order: a value that only makes sense
  // byte-swapped came from a host of the other endianness.
  if (!network_order && (family & 0xFFFF0000u) && !(family & 0x0000FFFFu)) family = __builtin_bswap32(family);
  t.add_uint(null_f::family, family, 0, 4);
  t.close();
  pkt.set_protocol("Null");
  switch (family) {
    case 2:
      return net::dissect_ipv4(r, pkt, st);
    case 10: case 24: case 28: case 30:  // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS
      return net::dissect_ipv6(r, pkt, st);
    default:
      return dissect_data(r, pkt);
  }
}

void dissect_raw(Reader& r, Packet& pkt, DissectState& st, bool add_raw_layer) {
  if (add_raw_layer) {
    pkt.layer("raw");
    pkt.tree.open(raw_f::proto, 0, static_cast<uint32_t>(r.remaining()));
    pkt.tree.close();
    pkt.set_protocol("Raw");
  }
  uint8_t first = 0;
  if (!r.peek_u8(0, first)) {
    pkt.mark_truncated("Raw");
    return;
  }
  if (first >> 4 == 4) return net::dissect_ipv4(r, pkt, st);
  if (first >> 4 == 6) return net::dissect_ipv6(r, pkt, st);
  dissect_data(r, pkt);
}

}  // namespace link

bool link_type_supported(int lt) {
  switch (lt) {
    case core::kLinkNull: case core::kLinkEthernet: case core::kLinkRaw: case core::kLinkLoop:
    case core::kLinkSll: case core::kLinkIpv4: case core::kLinkIpv6: case core::kLinkSll2:
    case core::kLinkRawOpenBsd: case core::kLinkRawDlt:
      return true;
    default:
      return false;
  }
}

// Wireshark's WTAP_ENCAP_* number of a libpcap link type (frame.encap_type).
static int wtap_encap(int dlt) {
  switch (dlt) {
    case core::kLinkEthernet: return 1;
    case core::kLinkRaw: case core::kLinkRawDlt: case core::kLinkRawOpenBsd: return 7;
    case core::kLinkNull: return 15;
    case core::kLinkSll: return 25;
    case core::kLinkIpv4: return 129;
    case core::kLinkIpv6: return 130;
    case core::kLinkLoop: return 174;
    case core::kLinkSll2: return 210;
    default: return 0;  // WTAP_ENCAP_UNKNOWN
  }
}

static void add_frame_fields(Packet& pkt, DissectState& st, int32_t& protocols_idx) {
  auto& t = pkt.tree;
  const auto& fr = pkt.frame;
  using namespace link;
  if (fr.comments && (t.wants(frame_f::pkt_comment) || t.wants(frame_f::comment) || t.wants(frame_f::comment_expert) ||
                      t.wants(ws_f::expert))) {
    // pcapng packet comments: tshark's "Packet comments" tree, before the frame's.
    const int32_t c = t.open(frame_f::pkt_comment, 0, 0);
    if (c >= 0 && t.wants(frame_f::pkt_comment)) t.set_label(c, "Packet comments");
    for (const std::string& text : *fr.comments) {
      const int32_t ci = t.add_string_copy(frame_f::comment, text, 0, 0);
      if (ci >= 0 && t.wants(frame_f::comment)) t.set_display(ci, text);  // the line is the comment alone
      core::Subtree one(t, ci);
      core::add_expert(t, text, core::Severity::Comment, core::ExpertGroup::Comments, 0, 0, frame_f::comment_expert);
    }
    t.close();
  }
  int32_t p = t.open(frame_f::proto, 0, fr.caplen);
  t.set_frame_bytes(fr.data, fr.caplen);
  if (!t.wants_any(core::Proto::Frame)) {  // nothing of the frame asked for
    t.close();
    return;
  }
  if (t.wants(frame_f::proto)) {
    std::string label = "Frame ";
    core::append_uint(label, fr.number);
    label += ": ";
    core::append_uint(label, fr.len);
    label += fr.len == 1 ? " byte on wire (" : " bytes on wire (";  // (tshark's plural)
    core::append_uint(label, uint64_t(fr.len) * 8);
    label += " bits), ";
    core::append_uint(label, fr.caplen);
    label += fr.caplen == 1 ? " byte captured (" : " bytes captured (";
    core::append_uint(label, uint64_t(fr.caplen) * 8);
    label += " bits)";
    if (!fr.interface_name.empty()) {
      label += " on interface ";
      label += fr.interface_name;
      label += ", id ";
      core::append_uint(label, fr.interface_id < 0 ? 0 : static_cast<uint64_t>(fr.interface_id));
    }
    t.set_label(p, label);
  }
  if (fr.interface_id >= 0) {  // pcapng: the section, and the interface with its name and description
    t.add_uint(frame_f::section_number, uint64_t{fr.section} + 1, 0, 0);
    const int32_t idx = t.add_uint(frame_f::interface_id, static_cast<uint64_t>(fr.interface_id), 0, 0);
    if (!fr.interface_name.empty()) {
      if (idx >= 0) t.append_text(idx, " (" + std::string(fr.interface_name) + ")");
      core::Subtree ifsub(t, idx);
      t.add_string(frame_f::interface_name, fr.interface_name, 0, 0);
      if (!fr.interface_description.empty()) t.add_string(frame_f::interface_description, fr.interface_description, 0, 0);
    }
  }
  t.add_int(frame_f::encap_type, wtap_encap(fr.linktype), 0, 0);
  t.add_time(frame_f::time, fr.ts);
  t.add_time(frame_f::offset_shift, core::Timestamp{});  // (mqsniff never shifts packet times)
  t.add_time(frame_f::time_epoch, fr.ts);
  t.add_time(frame_f::time_delta, core::ts_sub(fr.ts, st.prev_ts));
  t.add_time(frame_f::time_delta_displayed,
             st.have_displayed ? core::ts_sub(fr.ts, st.prev_displayed_ts) : core::Timestamp{});
  t.add_time(frame_f::time_relative, core::ts_sub(fr.ts, st.first_ts));
  t.add_uint(frame_f::number, fr.number, 0, 0);
  t.add_uint(frame_f::len, fr.len, 0, 0);
  t.add_uint(frame_f::cap_len, fr.caplen, 0, 0);
  t.add_bool(frame_f::marked, false, 0, 0);
  t.add_bool(frame_f::ignored, false, 0, 0);
  protocols_idx = t.add_string(frame_f::protocols, {}, 0, 0);
  t.close();
}

void dissect_frame(Packet& pkt, DissectState& st) {
  if (!st.have_first) {
    st.have_first = true;
    st.first_ts = pkt.frame.ts;
    st.prev_ts = pkt.frame.ts;
  }
  pkt.layer("frame");
  st.sources.reset();
  pkt.sources = &st.sources;
  int32_t protocols_idx = -1;
  add_frame_fields(pkt, st, protocols_idx);

  // The reader's declared length is the wire length: bytes missing beyond
  // caplen are a snaplen cut (Truncated), not a lie (Malformed).
  core::Reader r(core::Bytes(pkt.frame.data, pkt.frame.caplen), pkt.frame.len);
  switch (pkt.frame.linktype) {
    case core::kLinkEthernet: link::dissect_ethernet(r, pkt, st); break;
    case core::kLinkSll: link::dissect_sll(r, pkt, st, false); break;
    case core::kLinkSll2: link::dissect_sll(r, pkt, st, true); break;
    case core::kLinkNull: link::dissect_null(r, pkt, st, false); break;
    case core::kLinkLoop: link::dissect_null(r, pkt, st, true); break;
    case core::kLinkRaw: case core::kLinkRawDlt: case core::kLinkRawOpenBsd: link::dissect_raw(r, pkt, st, true); break;
    case core::kLinkIpv4: net::dissect_ipv4(r, pkt, st); break;
    case core::kLinkIpv6: net::dissect_ipv6(r, pkt, st); break;
    default:
      ++st.unknown_link_packets;
      if (st.last_unknown_link != pkt.frame.linktype) {
        st.last_unknown_link = pkt.frame.linktype;
        st.warning = "link-layer type " + std::to_string(pkt.frame.linktype) +
                     " is not supported; its packets are shown as undecoded data";
      }
      pkt.set_protocol("Unknown");
      link::dissect_data(r, pkt);
      break;
  }

  if (pkt.truncated || (pkt.malformed && !pkt.malformed_shown)) {
    auto& t = pkt.tree;
    if (pkt.malformed) {
      link::add_malformed_item(pkt, pkt.malformed_proto);
    } else {
      pkt.layer("_ws.short");
      int32_t idx = t.open(link::ws_f::short_, 0, 0);
      if (t.wants(link::ws_f::short_))
        t.set_label(idx, "[Packet size limited during capture: " + std::string(pkt.truncated_proto) + " truncated]");
      t.close();
      if (pkt.cols) pkt.cols->info += "[Packet size limited during capture]";
    }
  }

  if (protocols_idx >= 0) {
    std::string s;
    for (uint8_t i = 1; i < pkt.nlayers; ++i) {  // "frame" itself is not listed
      if (pkt.layers[i].starts_with("_ws.")) continue;
      if (!s.empty()) s += ':';
      s += pkt.layers[i];
    }
    pkt.tree.set_string(protocols_idx, s);
  }
  st.prev_ts = pkt.frame.ts;
}

}  // namespace mqsniff
