// IPv4, RFC 791 §3.1.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  |Version|  IHL  |    DS   |ECN|          Total Length         |
//  |         Identification        |Flags|    Fragment Offset    |
//  |  Time to Live |    Protocol   |         Header Checksum       |
//  |                       Source Address                        |
//  |                    Destination Address                      |
//  |                    Options (IHL > 5)                        |
//
// Fragments are recognised (Info and fields) but not reassembled here: a
// non-first fragment, or a first fragment with MF set, is not handed to TCP/UDP.
#include <string>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/dispatch.h"
#include "dissectors/dissect.h"
#include "dissectors/link/link.h"
#include "dissectors/net/net.h"
#include "dissectors/net/net_fields.h"
#include "dissectors/tcp/tcp.h"

namespace mqsniff::net {
using core::Packet;
using core::Reader;

static const char* ip_proto_name(uint8_t p) {
  switch (p) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 58: return "ICMPv6";
    case 132: return "SCTP";
    default: return "Unknown";
  }
}

void dissect_ip_payload(uint8_t proto, Reader& r, Packet& pkt, DissectState& st) {
  pkt.ip_proto = proto;
  if (pkt.in_error && proto == 6) {
    // A quote holding the whole TCP header (a router's, up to 576 bytes) is
    // dissected as TCP is; the RFC 792 minimum (8 bytes) shows ports and sequence number.
    const core::Bytes q = r.rest_captured();
    // (A header the snapshot length cut after its first 20 bytes is dissected as far as it goes.)
    if (q.size() >= 20 && (q[12] >> 4) * 4u >= 20 && r.remaining() >= (q[12] >> 4) * 4u &&
        (q.size() >= (q[12] >> 4) * 4u || pkt.frame.caplen < pkt.frame.len))
      return tcp::dissect_tcp(r, pkt, st);
    const bool cut = q.size() < 20 && r.remaining() > q.size();  // (the snapshot length, inside the quoted header)
    // (Cut after its window, the quoted header is read as far as the checksum,
    // in its conversation, as any header cut there.)
    if (cut && q.size() >= 16) return tcp::dissect_tcp(r, pkt, st);
    tcp::dissect_tcp_quoted(r, pkt, cut);
    if (cut) pkt.mark_truncated("TCP");
    return;
  }
  if (dispatch::Dissector d = dispatch::find(dispatch::ip_protocols(), proto, st)) return d(r, pkt, st);
  link::dissect_data(r, pkt);
}

void dissect_ipv4(Reader& r, Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  pkt.layer("ip");
  if (r.captured_remaining() == 0 && r.remaining() > 0) {
    // Nothing of the header was captured: tshark names the protocol and the
    // cut, and shows no item.
    pkt.set_protocol("IPv4");
    if (pkt.cols) pkt.cols->info.clear();
    pkt.mark_truncated("IPv4");
    return;
  }
  int32_t proto_idx = t.open(ip_f::proto, off, 20);
  const size_t start = r.pos();
  uint8_t vihl = r.u8();
  uint8_t ds = r.u8();
  uint16_t total = r.be16();
  uint16_t id = r.be16();
  uint16_t ffo = r.be16();
  uint8_t ttl = r.u8();
  uint8_t proto = r.u8();
  uint16_t csum = r.be16();
  uint32_t src = r.be32();
  uint32_t dst = r.be32();
  const uint8_t version = vihl >> 4;
  const uint32_t hlen = (vihl & 0x0f) * 4u;
  const uint16_t frag_off = ffo & 0x1fff;
  // RFC 3171: what goes to the Local Network Control Block (224.0.0.0/24)
  // carries TTL 1, or 255 for the protocols that insist on it (VRRP
  // 224.0.0.18, GLBP 224.0.0.102, mDNS 224.0.0.251); LLMNR (224.0.0.252) may
  // use any. tshark's note, under the TTL line, when it does not (its rules,
  // probed on every address of the block).
  auto lncb_expert = [&] {
    if ((dst >> 8) != 0xe00000) {
      // Elsewhere, unicast with a TTL under 5 (not PIM or OSPF, which use 1): tshark's note.
      if ((dst >> 28) != 0xe && ttl < 5 && proto != 103 && proto != 89) {
        std::string m = "\"Time To Live\" only ";
        core::append_uint(m, ttl);
        core::add_expert(t, m, core::Severity::Note, core::ExpertGroup::Sequence, off + 8, 1, ip_f::ttl_too_small);
      }
      return;
    }
    if (dst == 0xe00000fc) return;
    const bool wants_255 = dst == 0xe0000012 || dst == 0xe0000066 || dst == 0xe00000fb;
    if (ttl == (wants_255 ? 255 : 1)) return;
    core::add_expert(t,
                     wants_255 ? "\"Time To Live\" != 255 for a packet sent to the Local Network Control Block (see RFC 3171)"
                               : "\"Time To Live\" != 1 for a packet sent to the Local Network Control Block (see RFC 3171)",
                     core::Severity::Note, core::ExpertGroup::Sequence, off + 8, 1, ip_f::ttl_lncb);
  };
  // The header's fields after version and length, as far as `have` bytes of
  // it were captured (all 20, or a snaplen cut inside it).
  auto header_fields = [&](size_t have) {
    if (have < 2) return;
    {
      core::Subtree sub(t, t.add_uint(ip_f::dsfield, ds, off + 1, 1));
      t.add_uint(ip_f::dsfield_dscp, ds >> 2, off + 1, 1);
      t.add_uint(ip_f::dsfield_ecn, ds & 3, off + 1, 1);
    }
    if (have < 4) return;
    t.add_uint(ip_f::len, total, off + 2, 2);
    if (have < 6) return;
    t.add_uint(ip_f::id, id, off + 4, 2);
    if (have < 8) return;
    {
      core::Subtree sub(t, t.add_uint(ip_f::flags, ffo >> 13, off + 6, 1));
      t.add_bool(ip_f::flags_rb, ffo & 0x8000, off + 6, 1);
      t.add_bool(ip_f::flags_df, ffo & 0x4000, off + 6, 1);
      t.add_bool(ip_f::flags_mf, ffo & 0x2000, off + 6, 1);
    }
    t.add_uint(ip_f::frag_offset, frag_off, off + 6, 2);
    if (have < 9) return;
    {
      core::Subtree under(t, t.add_uint(ip_f::ttl, ttl, off + 8, 1));
      if (have >= 20) lncb_expert();  // (tshark's note needs the destination, read last)
    }
    if (have < 10) return;
    t.add_uint(ip_f::proto_, proto, off + 9, 1);
    if (have < 12) return;
    t.add_uint(ip_f::checksum, csum, off + 10, 2);
    t.add_uint(ip_f::checksum_status, 2, off + 10, 2);  // unverified, as tshark's default
    // Each address with its hidden ip.addr and host fields, in tshark's order.
    const bool hosts = t.wants(ip_f::src_host) || t.wants(ip_f::dst_host) || t.wants(ip_f::host);
    auto address = [&](core::FieldId id, core::FieldId host_id, uint32_t a, uint32_t o) {
      t.add_ipv4(id, a, o);
      t.add_ipv4(ip_f::addr, a, o, core::FieldNode::kHidden);
      if (!hosts) return;
      char b[16];
      const std::string_view s(b, core::format_ipv4(b, a));
      t.nodes_flags(t.add_string_copy(host_id, s, o, 4), core::FieldNode::kHidden);
      t.nodes_flags(t.add_string_copy(ip_f::host, s, o, 4), core::FieldNode::kHidden);
    };
    if (have < 16) return;
    address(ip_f::src, ip_f::src_host, src, off + 12);
    if (have < 20) return;
    address(ip_f::dst, ip_f::dst_host, dst, off + 16);
  };
  if (!r.ok()) {
    // The header cut short by the snapshot length: its fields as far as they
    // were captured, as tshark shows them (Protocol "IPv4", Info cleared).
    const size_t have = r.error() == core::ReadError::Truncated ? r.error_offset() - start : 0;
    if (have >= 1) {
      pkt.set_protocol("IPv4");
      if (pkt.cols) pkt.cols->info.clear();
      t.add_uint(ip_f::version, version, off, 1);
      t.add_uint(ip_f::hdr_len, hlen, off, 1);
      if (t.wants_any(core::Proto::Ip)) header_fields(have);
      // An address that was captured is this layer's (the Source column, the
      // layer's line), the other one stays the outer layer's, as tshark shows.
      if (have >= 16) {
        pkt.net_src.type = core::AddrType::Ipv4;
        for (int i = 0; i < 4; ++i) pkt.net_src.bytes[i] = static_cast<uint8_t>(src >> (24 - 8 * i));
        if (t.wants(ip_f::proto)) {
          char a[16];
          core::format_ipv4(a, src);
          t.set_label(proto_idx, std::string("Internet Protocol Version 4, Src: ") + a);
        }
      }
    }
    pkt.check(r, "IPv4");
    t.close();
    return;
  }
  pkt.set_protocol("IPv4");
  if (pkt.cols && !pkt.in_error) pkt.cols->info.clear();  // (tshark's IPv4 clears Info: a tunnel's inner layer)
  t.add_uint(ip_f::version, version, off, 1);
  t.add_uint(ip_f::hdr_len, hlen, off, 1);
  if (version != 4 || hlen < 20) {
    // "Bogus IP header length" / wrong version: Wireshark stops here too.
    t.add_none(ip_f::bogus_ip_length, off, 1);
    t.close();
    pkt.mark_malformed("IPv4");
    if (pkt.cols) {
      pkt.cols->info = version != 4 ? "Bogus IPv4 version (" + std::to_string(version) + ", must be 4)"
                                    : "Bogus IPv4 header length (" + std::to_string(hlen) + ", must be at least 20)";
    }
    return;
  }
  t.set_length(proto_idx, hlen);
  if (!t.wants_any(core::Proto::Ip)) lncb_expert();  // experts asked for without the IPv4 fields
  if (t.wants_any(core::Proto::Ip)) header_fields(20);

  pkt.net_src.type = pkt.net_dst.type = core::AddrType::Ipv4;
  pkt.ip_ttl = ttl;
  for (int i = 0; i < 4; ++i) {
    pkt.net_src.bytes[i] = static_cast<uint8_t>(src >> (24 - 8 * i));
    pkt.net_dst.bytes[i] = static_cast<uint8_t>(dst >> (24 - 8 * i));
  }
  if (t.wants(ip_f::proto)) {
    char a[16], b[16];
    core::format_ipv4(a, src);
    core::format_ipv4(b, dst);
    t.set_label(proto_idx, std::string("Internet Protocol Version 4, Src: ") + a + ", Dst: " + b);
  }

  // Options: walked through a child reader bounded by the header length.
  if (hlen > 20) {
    Reader opts = r.sub(hlen - 20);
    core::Bytes raw = opts.rest_captured();
    t.add_bytes(ip_f::options, raw.data(), raw.size(), off + 20);
    while (opts.remaining()) {
      uint8_t type = opts.u8();
      if (!opts.ok()) break;
      t.add_uint(ip_f::opt_type, type, static_cast<uint32_t>(off + 20 + opts.pos() - 1), 1);
      if (type == 0) break;  // End of Option List
      if (type == 1) continue;  // No-Operation
      uint8_t len = opts.u8();
      if (!opts.ok() || len < 2) {
        pkt.mark_malformed("IPv4");
        break;
      }
      opts.skip(len - 2u);
    }
    if (pkt.check(opts, "IPv4") || pkt.check(r, "IPv4")) {
      t.close();
      return;
    }
  }
  t.close();

  // The IP payload is bounded by Total Length (0 means TSO: use the frame).
  size_t payload_len;
  if (total == 0) {
    payload_len = r.remaining();
  } else if (total < hlen) {
    pkt.mark_malformed("IPv4");
    if (pkt.cols) pkt.cols->info = "Bogus IP length (" + std::to_string(total) + ", less than header length " +
                                   std::to_string(hlen) + ")";
    return;
  } else {
    payload_len = total - hlen;
    if (payload_len > r.remaining()) payload_len = r.remaining();  // tshark clamps to the reported length
    if (!pkt.l3_end) pkt.l3_end = off + hlen + static_cast<uint32_t>(payload_len);  // (the link trailer follows; an inner header does not move it)
  }
  Reader payload = r.sub(payload_len);

  bool mf = ffo & 0x2000;
  core::Bytes pb = payload.rest_captured();
  if (frag_off == 0 && mf && !(st.ipv4_defragment && pb.size() == payload.remaining())) {
    // A first fragment not reassembled (the capture cut it, or reassembly
    // is off): tshark dissects what it holds as the protocol it carries,
    // told it is a fragment (no length checks past its end).
    const bool was = pkt.fragmented;
    pkt.fragmented = true;
    dissect_ip_payload(proto, payload, pkt, st);
    pkt.fragmented = was;
    return;
  }
  if (mf || frag_off) {
    if (pkt.cols) {
      pkt.cols->info = "Fragmented IP protocol (proto=";
      pkt.cols->info += ip_proto_name(proto);
      pkt.cols->info += ' ';
      core::append_uint(pkt.cols->info, proto);
      pkt.cols->info += ", off=";
      core::append_uint(pkt.cols->info, frag_off * 8u);
      pkt.cols->info += ", ID=";
      std::string hex;
      core::append_hex(hex, id, 4);
      pkt.cols->info += hex.substr(2);
      pkt.cols->info += ')';
    }
    if (st.ipv4_defragment && pb.size() == payload.remaining()) {
      auto res = st.ipv4_defrag.add(Ipv4Defrag::Key::v4(src, dst, id, proto), frag_off * 8u, mf, pb,
                                    static_cast<uint32_t>(pkt.frame.number), pkt.frame.ts);
      if (res.complete) {
        // The reassembled datagram must outlive rendering: per-packet store.
        auto& buf = st.sources.add("Reassembled IPv4", true);
        buf.assign(res.data.begin(), res.data.end());
        {
          core::Subtree ip_layer(t, t.last_of(ip_f::proto));  // inside the IPv4 tree, after its fields
          add_fragment_list(t, {ip_f::fragments, ip_f::fragment, ip_f::fragment_count, ip_f::reassembled_length,
                                ip_f::reassembled_data, "IPv4"},
                            res.parts, std::span<const uint8_t>(buf.data(), buf.size()));
        }
        note_reassembled_in(st.tcp_forward, res.parts, static_cast<uint32_t>(pkt.frame.number));
        Reader whole{core::Bytes(buf.data(), buf.size())};
        dissect_ip_payload(proto, whole, pkt, st);
        return;
      }
      core::Subtree ip_layer(t, t.last_of(ip_f::proto));
      // (tshark's second pass says it in the Info of an IPv4 fragment, not of an IPv6 one)
      if (const uint32_t in = add_reassembled_in(t, ip_f::reassembled_in, st.tcp_forward, static_cast<uint32_t>(pkt.frame.number));
          in && pkt.cols) {
        pkt.cols->info += " [Reassembled in #";
        core::append_uint(pkt.cols->info, in);
        pkt.cols->info += ']';
      }
    }
    if (pb.empty() && payload.remaining()) return;  // (nothing of it captured: tshark shows no data)
    link::dissect_data(payload, pkt);
    return;
  }
  dissect_ip_payload(proto, payload, pkt, st);
}

}  // namespace mqsniff::net
