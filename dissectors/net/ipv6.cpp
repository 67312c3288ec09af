// IPv6, RFC 8200 §3 and §4 (extension headers).
//
//  |Version| Traffic Class |           Flow Label                  |
//  |         Payload Length        |  Next Header  |   Hop Limit   |
//  |                 Source Address (128 bits)                     |
//  |              Destination Address (128 bits)                   |
//
// Extension headers walked: Hop-by-Hop (0), Routing (43), Fragment (44),
// Destination Options (60), each through a bounded child reader
// (Hdr Ext Len counts 8-octet units beyond the first 8).
#include <cstring>
#include <string>

#include "dissectors/core/format.h"
#include "dissectors/core/expert.h"
#include "dissectors/core/value_names.h"
#include "dissectors/dissect.h"
#include "dissectors/link/link.h"
#include "dissectors/net/ipv4_defrag.h"
#include "dissectors/net/net.h"
#include "dissectors/net/net_fields.h"
#include "dissectors/core/text_item.h"

namespace mqsniff::net {

namespace {
// The type-specific part of a Routing header (RFC 8200 §4.4), as tshark
// shows it: Type 0 (deprecated, RFC 5095) and Type 2 (Mobile IPv6) address
// lists, the RPL Source Route header (RFC 6554) with its compressed
// addresses expanded from the destination, the Segment Routing Header
// (RFC 8754); other types as undecoded data. `body` starts at the Type.
// Returns the final destination when segments are left to visit (tshark
// then takes it for the packet's destination: the Destination column and the
// conversation), else null.
// `len_idx`: the Length item (an expert may go under it). A header whose
// type-specific part is shorter than its fields say leaves `body` failed
// (tshark stops there: the packet is malformed, or cut by the capture).
const uint8_t* dissect_routing(core::FieldTree& t, int32_t hdr, int32_t len_idx, uint8_t hdr_len, core::Reader& body,
                               uint32_t off, core::Bytes dst, uint8_t* final_dst) {
  const uint8_t type = body.u8();
  if (!body.ok()) return nullptr;
  const uint8_t* final = nullptr;
  const char* known = core::value_name("ipv6.routing.type", type);
  if (hdr >= 0 && t.wants(ipv6_f::routing))
    t.set_label(hdr, std::string("Routing Header for IPv6 (") +
                         (std::string_view(known) == "Unknown" ? "Unknown type " + std::to_string(type) : known) + ")");
  {
    core::Subtree ty(t, t.add_uint(ipv6_f::routing_type, type, off + 2, 1));
    if (type == 0 && body.captured_remaining() >= body.remaining())  // (tshark notes it once the header is read)
      core::add_expert(t, "Routing header type is deprecated", core::Severity::Note, core::ExpertGroup::Deprecated,
                       off + 2, 1, ipv6_f::routing_deprecated);
  }
  const uint8_t segleft = body.u8();  // (the type shown even when the capture cuts this)
  if (!body.ok()) return nullptr;
  const int32_t segleft_idx = t.add_uint(ipv6_f::routing_segleft, segleft, off + 3, 1);
  uint32_t at = off + 4;
  char buf[64];
  auto labelled = [&](int32_t idx, const char* name, size_t i, const uint8_t* a) {
    if (idx < 0) return;
    const size_t n = core::format_ipv6(buf, a);
    t.set_display(idx, std::string(name) + "[" + std::to_string(i) + "]: " + std::string(buf, n));
  };
  switch (type) {
    case 0:
    case 2: {
      core::Bytes reserved = body.bytes(4);
      if (!body.ok()) return nullptr;
      t.add_bytes(type == 0 ? ipv6_f::routing_src_reserved : ipv6_f::routing_mipv6_reserved, reserved.data(), 4, at);
      at += 4;
      for (size_t i = 1; body.remaining() >= 16; ++i, at += 16) {
        core::Bytes a = body.bytes(16);
        if (!body.ok()) break;  // (cut by the snapshot length)
        labelled(t.add_ipv6(type == 0 ? ipv6_f::routing_src_addr : ipv6_f::routing_mipv6_home_address, a.data(), at),
                 "Address", i, a.data());
        std::memcpy(final_dst, a.data(), 16);  // the last address
        final = final_dst;
      }
      return segleft ? final : nullptr;
    }
    case 3: {
      const uint32_t w = body.be32();
      if (!body.ok()) return nullptr;
      t.add_uint(ipv6_f::routing_rpl_cmpri, w >> 28, at, 4);
      t.add_uint(ipv6_f::routing_rpl_cmpre, (w >> 24) & 0xf, at, 4);
      t.add_uint(ipv6_f::routing_rpl_pad, (w >> 20) & 0xf, at, 4);
      t.add_uint(ipv6_f::routing_rpl_reserved, w & 0xfffff, at, 4);
      at += 4;
      const size_t cmpri = w >> 28, cmpre = (w >> 24) & 0xf, pad = (w >> 20) & 0xf;
      const size_t data = body.remaining();
      if (data < pad + (16 - cmpre)) return nullptr;
      const size_t count = (data - pad - (16 - cmpre)) / (16 - cmpri) + 1;
      t.add_int(ipv6_f::routing_rpl_addr_count, static_cast<int64_t>(count), 0, 0);
      for (size_t i = 1; i <= count; ++i) {
        const size_t n = i < count ? 16 - cmpri : 16 - cmpre;  // the last address elides cmprE octets
        core::Bytes a = body.bytes(n);
        // (cut by the capture: tshark's destination is the last address it read)
        if (!body.ok()) return segleft && i > 1 ? final_dst : nullptr;
        t.add_bytes(ipv6_f::routing_rpl_address, a.data(), n, at);
        uint8_t* full = final_dst;
        std::memcpy(full, dst.data(), 16 - n);  // the elided octets are the destination's
        std::memcpy(full + 16 - n, a.data(), n);
        labelled(t.add_ipv6(ipv6_f::routing_rpl_full_address, full, at, core::FieldNode::kGenerated), "Address", i,
                 full);
        at += static_cast<uint32_t>(n);
      }
      return segleft ? final_dst : nullptr;  // (the last address)
    }
    case 4: {
      // (each field shown as read: a header the capture cut keeps those before the cut)
      const uint8_t last = body.u8();
      if (!body.ok()) return nullptr;
      t.add_uint(ipv6_f::routing_srh_last_entry, last, at, 1);
      const uint8_t flags = body.u8();
      if (!body.ok()) return nullptr;
      t.add_uint(ipv6_f::routing_srh_flags, flags, at + 1, 1);
      core::Bytes tag = body.bytes(2);
      if (!body.ok()) return nullptr;
      t.add_bytes(ipv6_f::routing_srh_tag, tag.data(), 2, at + 2);
      at += 4;
      // The Last Entry field, not the length, says how many addresses follow (as tshark reads them).
      const size_t count = size_t(last) + 1;
      if (segleft > count) {
        core::Subtree under(t, segleft_idx);
        core::add_expert(t, "IPv6 Type 4 Routing Header segments left field must not exceed address count (" +
                                std::to_string(count) + ")",
                         core::Severity::Warn, core::ExpertGroup::Protocol, off + 3, 1, ipv6_f::routing_invalid_segleft);
      }
      for (size_t i = 0; i < count; ++i, at += 16) {
        core::Bytes a = body.bytes(16);
        if (!body.ok()) return segleft ? final : nullptr;  // (beyond the header, or cut by the capture)
        labelled(t.add_ipv6(ipv6_f::routing_srh_addr, a.data(), at), "Address", i, a.data());
        if (i == 0) {  // Segment List[0]: the last segment
          std::memcpy(final_dst, a.data(), 16);
          final = final_dst;
        }
      }
      return segleft ? final : nullptr;
    }
    case 5:
    case 6: {
      // Compact Routing Headers (draft-bonica-6man-comp-rtg-hdr): 16- or
      // 32-bit Segment IDs; the current one is at index Segments Left; the
      // list ends at its first zero (padding).
      const bool c16 = type == 5;
      const size_t width = c16 ? 2 : 4;
      const size_t slots = c16 ? size_t(hdr_len) * 4 + 2 : size_t(hdr_len) * 2 + 1;
      // The least Hdr Ext Len that holds Segments Left SIDs beyond the first 8 octets' share.
      const size_t in_first = c16 ? 2 : 1, per_word = c16 ? 4 : 2;
      const size_t min_len = segleft <= in_first ? 0 : (segleft - in_first + per_word - 1) / per_word;
      if (min_len > hdr_len) {
        core::Subtree under(t, len_idx);
        core::add_expert(t, "IPv6 Compact Routing Header minimum length must not exceed header length (" +
                                std::to_string(hdr_len) + ")",
                         core::Severity::Error, core::ExpertGroup::Malformed, off + 1, 1, ipv6_f::routing_invalid_length);
      }
      auto read_sid = [&](core::Reader& rd) -> uint32_t { return c16 ? rd.be16() : rd.be32(); };
      {
        core::Reader cur = body;
        cur.skip(width * segleft);
        const uint32_t sid = read_sid(cur);
        if (!cur.ok()) {
          body = cur;  // (the failure, for the caller)
          return nullptr;
        }
        t.add_uint(c16 ? ipv6_f::routing_crh16_current_sid : ipv6_f::routing_crh32_current_sid, sid,
                   at + static_cast<uint32_t>(width * segleft), static_cast<uint32_t>(width), core::FieldNode::kGenerated);
      }
      uint32_t sid = read_sid(body);
      if (!body.ok()) return nullptr;
      core::Subtree list(t, core::add_text(t, "Segment Identifiers", at, static_cast<uint32_t>(body.remaining() + width)));
      for (size_t i = 0; i < slots && sid; ++i) {
        const int32_t si = t.add_uint(c16 ? ipv6_f::routing_crh16_sid : ipv6_f::routing_crh32_sid, sid, at,
                                      static_cast<uint32_t>(width));
        if (si >= 0) t.set_display(si, "SID[" + std::to_string(i) + "] = " + std::to_string(sid));
        at += static_cast<uint32_t>(width);
        sid = read_sid(body);  // (tshark reads the next one before testing the count: past the last slot, an error)
        if (!body.ok()) return nullptr;
      }
      return nullptr;
    }
    default: {
      core::Bytes rest = body.rest_captured();
      if (rest.size() < body.remaining()) {  // the capture cut it: tshark's item meets the cut first
        body.bytes(body.remaining());
        return nullptr;
      }
      core::Subtree data(t, t.add_bytes(ipv6_f::routing_unknown_data, rest.data(), rest.size(), at));
      core::add_expert(t, "Undecoded IPv6 routing header field", core::Severity::Note, core::ExpertGroup::Undecoded, at,
                       static_cast<uint32_t>(rest.size()), ipv6_f::routing_undecoded);
      return nullptr;
    }
  }
}

// The options of a Hop-by-Hop or Destination Options header (RFC 8200 §4.2),
// as tshark shows them: one item per option, named by its type, with the
// type's bits, its length and, for Router Alert and PadN, its value.
void dissect_ipv6_options(core::FieldTree& t, core::Reader& body, uint32_t off) {
  // (An option the capture cut keeps its type and length once both are read.)
  while (body.remaining() && body.ok()) {
    const uint32_t at = off + static_cast<uint32_t>(body.pos());
    const uint8_t type = body.u8();
    if (!body.ok()) break;
    const char* name = core::value_name_known("ipv6.opt.type", type);
    const bool pad1 = type == 0;
    const uint8_t len = pad1 ? 0 : body.u8();
    if (!body.ok()) break;  // (tshark reads the type and length before the option's item)
    const int32_t item = t.add_none(ipv6_f::opt, at, pad1 ? 1u : 2u + len);
    if (item >= 0 && t.wants(ipv6_f::opt)) t.set_label(item, name ? name : "Unknown IPv6 Option");
    core::Subtree opt(t, item);
    {
      core::Subtree ty(t, t.add_uint(ipv6_f::opt_type, type, at, 1));
      t.add_uint(ipv6_f::opt_type_action, type >> 6, at, 1);
      t.add_bool(ipv6_f::opt_type_change, type & 0x20, at, 1);
      t.add_uint(ipv6_f::opt_type_rest, type & 0x1f, at, 1);
    }
    if (pad1) continue;
    t.add_uint(ipv6_f::opt_length, len, at + 1, 1);
    core::Bytes data = body.bytes(len);
    if (!body.ok()) break;
    if (type == 1) {
      const int32_t pn = t.add_bytes(ipv6_f::opt_padn, data.data(), data.size(), at + 2);
      if (pn >= 0 && data.empty() && t.wants(ipv6_f::opt_padn)) t.set_display(pn, "PadN: <none>");
    } else if (type == 5 && len == 2) {
      t.add_uint(ipv6_f::opt_router_alert, static_cast<uint32_t>(data[0] << 8 | data[1]), at + 2, 2);
    }
  }
}
}  // namespace
using core::Packet;
using core::Reader;
using core::FieldId;

void dissect_ipv6(Reader& r, Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  pkt.layer("ipv6");
  if (r.captured_remaining() == 0 && r.remaining() > 0) {
    // Nothing of the header was captured: tshark names the protocol and the
    // cut, and shows the layer's line alone.
    if (!pkt.in_error) {
      pkt.set_protocol("IPv6");
      if (pkt.cols) pkt.cols->info.clear();
    }
    t.open(ipv6_f::proto, off, 0);
    t.close();
    pkt.mark_truncated("IPv6");
    return;
  }
  const core::Bytes head = r.rest_captured();  // (what was captured of the header, from its start)
  int32_t proto_idx = t.open(ipv6_f::proto, off, 40);
  const uint8_t first_byte = r.captured_remaining() ? r.rest_captured()[0] : 0;
  const bool have_first_byte = r.captured_remaining() > 0;
  uint32_t vtf = r.be32();
  uint16_t plen = r.be16();
  uint8_t nxt = r.u8();
  uint8_t hlim = r.u8();
  core::Bytes src = r.bytes(16);
  core::Bytes dst = r.bytes(16);
  if (!r.ok()) {
    // The header cut by the snapshot length: its fields as far as they were
    // captured, as tshark shows them (the source address, once read, is the
    // Source column; the other column stays the link layer's).
    const core::Bytes h = r.error() == core::ReadError::Truncated ? head : core::Bytes{};
    if (have_first_byte) {  // (the version, from the first byte, as tshark shows it before the cut)
      t.add_uint(ipv6_f::version, first_byte >> 4, off, 1, core::FieldNode::kHidden);
      t.add_uint(ip_f::version, first_byte >> 4, off, 1);
    }
    if (have_first_byte && !pkt.in_error) {
      pkt.set_protocol("IPv6");
      if (pkt.cols) pkt.cols->info.clear();
    }
    if (h.size() >= 4 && (first_byte >> 4) == 6) {
      {
        core::Subtree tc(t, t.add_uint(ipv6_f::tclass, (vtf >> 20) & 0xff, off, 4));
        t.add_uint(ipv6_f::tclass_dscp, (vtf >> 22) & 0x3f, off, 4);
        t.add_uint(ipv6_f::tclass_ecn, (vtf >> 20) & 0x3, off, 4);
      }
      t.add_uint(ipv6_f::flow, vtf & 0xfffff, off + 1, 3);
      if (h.size() >= 7) {  // (tshark reads the two together)
        t.add_uint(ipv6_f::plen, plen, off + 4, 2);
        t.add_uint(ipv6_f::nxt, nxt, off + 6, 1);
      }
      if (h.size() >= 8) t.add_uint(ipv6_f::hlim, hlim, off + 7, 1);
      if (h.size() >= 24) {
        const uint8_t* a = h.data() + 8;
        t.add_ipv6(ipv6_f::src, a, off + 8);
        t.add_ipv6(ipv6_f::addr, a, off + 8, core::FieldNode::kHidden);
        if (t.wants(ipv6_f::src_host) || t.wants(ipv6_f::host)) {
          char b[48];
          const std::string_view sv(b, core::format_ipv6(b, a));
          t.nodes_flags(t.add_string_copy(ipv6_f::src_host, sv, off + 8, 16), core::FieldNode::kHidden);
          t.nodes_flags(t.add_string_copy(ipv6_f::host, sv, off + 8, 16), core::FieldNode::kHidden);
        }
        if (!pkt.in_error) {
          pkt.net_src.type = core::AddrType::Ipv6;
          std::memcpy(pkt.net_src.bytes.data(), a, 16);
        }
      }
    }
    pkt.check(r, "IPv6");
    t.close();
    return;
  }
  pkt.set_protocol("IPv6");
  uint8_t version = static_cast<uint8_t>(vtf >> 28);
  // tshark's -V shows ip.version's bits ("0110 .... = Version: 6") and hides ipv6.version; JSON has both.
  t.add_uint(ipv6_f::version, version, off, 1, core::FieldNode::kHidden);
  t.add_uint(ip_f::version, version, off, 1);
  if (version != 6) {
    t.add_none(ipv6_f::bogus_version, off, 1);
    t.close();
    pkt.mark_malformed("IPv6");
    return;
  }
  {
    core::Subtree tc(t, t.add_uint(ipv6_f::tclass, (vtf >> 20) & 0xff, off, 4));
    t.add_uint(ipv6_f::tclass_dscp, (vtf >> 22) & 0x3f, off, 4);
    t.add_uint(ipv6_f::tclass_ecn, (vtf >> 20) & 0x3, off, 4);
  }
  t.add_uint(ipv6_f::flow, vtf & 0xfffff, off + 1, 3);
  t.add_uint(ipv6_f::plen, plen, off + 4, 2);
  t.add_uint(ipv6_f::nxt, nxt, off + 6, 1);
  t.add_uint(ipv6_f::hlim, hlim, off + 7, 1);
  t.add_ipv6(ipv6_f::src, src.data(), off + 8);
  t.add_ipv6(ipv6_f::addr, src.data(), off + 8, core::FieldNode::kHidden);
  const bool hosts = t.wants(ipv6_f::src_host) || t.wants(ipv6_f::dst_host) || t.wants(ipv6_f::host);
  auto host = [&](core::FieldId id, const uint8_t* a, uint32_t o) {
    if (!hosts) return;
    char b[48];
    const std::string_view s(b, core::format_ipv6(b, a));
    t.nodes_flags(t.add_string_copy(id, s, o, 16), core::FieldNode::kHidden);
    t.nodes_flags(t.add_string_copy(ipv6_f::host, s, o, 16), core::FieldNode::kHidden);
  };
  host(ipv6_f::src_host, src.data(), off + 8);
  t.add_ipv6(ipv6_f::dst, dst.data(), off + 24);
  t.add_ipv6(ipv6_f::addr, dst.data(), off + 24, core::FieldNode::kHidden);
  host(ipv6_f::dst_host, dst.data(), off + 24);
  pkt.net_src.type = pkt.net_dst.type = core::AddrType::Ipv6;
  pkt.ip_ttl = hlim;
  std::memcpy(pkt.net_src.bytes.data(), src.data(), 16);
  std::memcpy(pkt.net_dst.bytes.data(), dst.data(), 16);
  if (t.wants(ipv6_f::proto)) {
    char a[48], b[48];
    core::format_ipv6(a, src.data());
    core::format_ipv6(b, dst.data());
    t.set_label(proto_idx, std::string("Internet Protocol Version 6, Src: ") + a + ", Dst: " + b);
  }
  t.close();

  // Payload Length 0 with no jumbogram: TSO-style capture, use the frame.
  size_t len = plen ? plen : r.remaining();
  if (len > r.remaining()) len = r.remaining();
  if (plen && !pkt.l3_end) pkt.l3_end = off + 40 + static_cast<uint32_t>(len);  // (the link trailer follows; an inner header does not move it)
  Reader payload = r.sub(len);

  // Extension headers. A bounded walk: at most 16 headers.
  for (int hops = 0; hops < 16; ++hops) {
    uint32_t eoff = static_cast<uint32_t>(pkt.frame.caplen - payload.captured_remaining());
    if (nxt == 0 || nxt == 43 || nxt == 60) {
      // tshark names a Hop-by-Hop or Routing header the capture cut in its
      // Info and in the cut (the Destination Options' names are not known here).
      const char* cut_name = nxt == 0 ? "IPv6 Hop-by-Hop" : nxt == 43 ? "IPv6 Routing" : "IPv6";
      auto cut_info = [&] {
        if (nxt == 60 || pkt.in_error) return;
        pkt.set_protocol("IPv6");
        if (pkt.cols) pkt.cols->info = nxt == 0 ? "IPv6 hop-by-hop options" : "IPv6 routing";
      };
      uint8_t n = payload.u8();
      uint8_t hl = payload.u8();
      size_t total = (size_t(hl) + 1) * 8;
      if (!payload.ok() && payload.error() == core::ReadError::Truncated && nxt != 60) {
        pkt.layer(nxt == 0 ? "ipv6.hopopts" : "ipv6.routing");
        if (nxt == 43) {  // (tshark's Routing line comes before its reads: the next header once captured)
          core::Subtree in_ipv6(t, proto_idx);
          const int32_t hdr = t.open(ipv6_f::routing, eoff, 0);
          if (hdr >= 0 && t.wants(ipv6_f::routing)) t.set_label(hdr, "Routing Header for IPv6");
          if (eoff < pkt.frame.caplen) t.add_uint(ipv6_f::routing + 1, pkt.frame.data[eoff], eoff, 1);
          t.close();
        }
        cut_info();
        pkt.mark_truncated(cut_name);
        return;
      }
      if (pkt.check(payload, "IPv6")) return;
      FieldId p = nxt == 0 ? ipv6_f::hopopts : nxt == 43 ? ipv6_f::routing : ipv6_f::dstopts;
      pkt.layer(nxt == 0 ? "ipv6.hopopts" : nxt == 43 ? "ipv6.routing" : "ipv6.dstopts");
      // tshark shows the extension headers inside the IPv6 tree.
      core::Subtree in_ipv6(t, proto_idx);
      const int32_t hdr = t.open(p, eoff, static_cast<uint32_t>(total));
      t.add_uint(p + 1, n, eoff, 1);
      const int32_t len_idx = t.add_uint(p + 2, hl, eoff + 1, 1);
      t.add_uint(nxt == 0 ? ipv6_f::hopopts_len_oct : nxt == 43 ? ipv6_f::routing_len_oct : ipv6_f::dstopts_len_oct,
                 total, eoff + 1, 1, core::FieldNode::kGenerated);
      Reader body = payload.sub(total - 2);
      if (nxt != 43) {
        dissect_ipv6_options(t, body, eoff + 2);
        if (!body.ok() && nxt == 0) {
          t.close();
          cut_info();
          pkt.check(body, cut_name);
          return;
        }
      } else {
        // (tshark's Routing header names itself in Info; a protocol after it writes its own)
        if (!pkt.in_error && pkt.cols) pkt.cols->info = "IPv6 routing";
        uint8_t final_dst[16];
        if (dissect_routing(t, hdr, len_idx, hl, body, eoff, core::Bytes(dst.data(), 16), final_dst))
          std::memcpy(pkt.net_dst.bytes.data(), final_dst, 16);  // (the columns and the conversation)
        if (body.ok() && body.captured_remaining() < body.remaining())
          body.bytes(body.remaining());  // (tshark reads the header to its end: a cut in what is left stops it)
        if (!body.ok()) {
          // tshark stops inside the header: its Info says where.
          t.close();
          cut_info();
          pkt.check(body, cut_name);
          return;
        }
      }
      t.close();
      if (pkt.check(payload, "IPv6")) return;
      nxt = n;
    } else if (nxt == 44) {
      uint8_t n = payload.u8();
      const uint8_t reserved = payload.u8();
      uint16_t fo = payload.be16();
      uint32_t ident = payload.be32();
      if (!payload.ok() && payload.error() == core::ReadError::Truncated) {  // (tshark names the header's cut)
        pkt.layer("ipv6.fraghdr");
        pkt.mark_truncated("IPv6 Fragment");
        return;
      }
      if (pkt.check(payload, "IPv6")) return;
      pkt.layer("ipv6.fraghdr");
      {
        core::Subtree in_ipv6(t, proto_idx);  // tshark shows the header inside the IPv6 tree
        t.open(ipv6_f::fraghdr, eoff, 8);
        t.add_uint(ipv6_f::fraghdr_nxt, n, eoff, 1);
        t.add_uint(ipv6_f::fraghdr_reserved_octet, reserved, eoff + 1, 1);
        t.add_uint(ipv6_f::fraghdr_offset, fo >> 3, eoff + 2, 2);
        t.add_uint(ipv6_f::fraghdr_reserved_bits, (fo >> 1) & 3, eoff + 2, 2);
        t.add_bool(ipv6_f::fraghdr_more, fo & 1, eoff + 2, 2);
        t.add_uint(ipv6_f::fraghdr_ident, ident, eoff + 4, 4);
        t.close();
      }
      if ((fo >> 3) == 0 && (fo & 1) && !st.ipv6_defragment) {
        // A first fragment with reassembly off: tshark dissects what it
        // holds as the protocol it carries, told it is a fragment.
        const bool was = pkt.fragmented;
        pkt.fragmented = true;
        dissect_ip_payload(n, payload, pkt, st);
        pkt.fragmented = was;
        return;
      }
      if ((fo >> 3) != 0 || (fo & 1)) {
        if (pkt.cols) {
          pkt.cols->info = "IPv6 fragment (off=";
          core::append_uint(pkt.cols->info, (fo >> 3) * 8u);
          pkt.cols->info += " more=";
          pkt.cols->info += (fo & 1) ? "y" : "n";
          pkt.cols->info += " ident=";
          core::append_hex(pkt.cols->info, ident, 8);
          pkt.cols->info += " nxt=";
          core::append_uint(pkt.cols->info, n);
          pkt.cols->info += ')';
        }
        core::Bytes pb = payload.rest_captured();
        if (st.ipv6_defragment && pb.size() == payload.remaining()) {
          // Reassembled as tshark does (with the IPv4 datagrams' bounded store).
          Ipv4Defrag::Key k;
          std::memcpy(k.src.data(), src.data(), 16);
          std::memcpy(k.dst.data(), dst.data(), 16);
          k.id = ident;
          k.proto = n;
          k.v6 = true;
          auto res = st.ipv4_defrag.add(k, (fo >> 3) * 8u, fo & 1, pb, static_cast<uint32_t>(pkt.frame.number),
                                        pkt.frame.ts);
          if (res.complete) {
            auto& buf = st.sources.add("Reassembled IPv6", true);
            buf.assign(res.data.begin(), res.data.end());
            {
              core::Subtree ip_layer(t, t.last_of(ipv6_f::proto));  // inside the IPv6 tree, after its headers
              add_fragment_list(t, {ipv6_f::fragments, ipv6_f::fragment, ipv6_f::fragment_count,
                                    ipv6_f::reassembled_length, ipv6_f::reassembled_data, "IPv6"},
                                res.parts, std::span<const uint8_t>(buf.data(), buf.size()));
            }
            note_reassembled_in(st.tcp_forward, res.parts, static_cast<uint32_t>(pkt.frame.number));
            if (pkt.cols) pkt.cols->info.clear();
            Reader whole{core::Bytes(buf.data(), buf.size())};
            dissect_ip_payload(n, whole, pkt, st);
            return;
          }
          core::Subtree ip_layer(t, t.last_of(ipv6_f::proto));
          add_reassembled_in(t, ipv6_f::reassembled_in, st.tcp_forward, static_cast<uint32_t>(pkt.frame.number));
        }
        if (pb.empty() && payload.remaining()) return;  // (nothing of it captured: tshark shows no data)
        link::dissect_data(payload, pkt);
        return;
      }
      nxt = n;
    } else {
      break;
    }
  }
  dissect_ip_payload(nxt, payload, pkt, st);
}

}  // namespace mqsniff::net
