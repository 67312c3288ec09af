// UDP, RFC 768:  src port[2] dst port[2] length[2] checksum[2]
#include <algorithm>
#include <string>

#include "dissectors/core/format.h"
#include "dissectors/core/text_item.h"
#include "dissectors/dispatch.h"
#include "dissectors/dissect.h"
#include "dissectors/link/link.h"
#include "dissectors/net/net.h"
#include "dissectors/net/net_fields.h"

namespace mqsniff::net {
using core::Packet;
using core::Reader;

namespace {
// A payload the capture cut short: tshark's UDP heuristics read its first
// bytes (4, or 10 while they are zeros) before giving it up, and a cut there
// is "[Packet size limited during capture]". True when the heuristic that
// meets the cut is Wake-on-LAN's or WireGuard's (its layer and cut, no data follows).
bool cut_by_heuristics(const Reader& payload, Packet& pkt) {
  const core::Bytes got = payload.rest_captured();
  if (got.size() >= payload.remaining()) return false;
  // Wake-on-LAN's comes first: a payload of 102 bytes or more has its sync
  // stream (6 bytes of 0xff) and first address (6 more) read.
  if (payload.remaining() >= 102 &&
      (got.size() < 6 || (got.size() < 12 && std::all_of(got.begin(), got.begin() + 6, [](uint8_t b) { return b == 0xff; })))) {
    pkt.layer("wol");
    pkt.mark_truncated("WOL");
    return true;
  }
  size_t need = 4;
  if (std::all_of(got.begin(), got.end(), [](uint8_t b) { return b == 0; })) need = 10;
  if (need == 4 && got.size() < std::min(need, payload.remaining())) {
    pkt.layer("wg");
    pkt.mark_truncated("WireGuard");
    return true;
  }
  if (got.size() < std::min(need, payload.remaining())) pkt.mark_truncated("UDP");
  return false;
}
}  // namespace

void dissect_udp(Reader& r, Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  pkt.layer("udp");
  // (Fewer than the two ports captured: tshark's UDP stops before its line.)
  const size_t have = r.captured_remaining();
  int32_t proto_idx = have >= 4 ? t.open(udp_f::proto, off, 8) : -1;
  uint16_t sp = r.be16();
  uint16_t dp = r.be16();
  uint16_t len = r.be16();
  uint16_t csum = r.be16();
  if (pkt.check(r, "UDP")) {
    if (proto_idx < 0) return;
    // The header cut by the snapshot length: the ports (and the length) it
    // kept, in the layer's line and Info, as tshark shows them.
    if (!pkt.in_error) pkt.set_protocol("UDP");  // (a quote leaves ICMP's columns alone)
    t.add_uint(udp_f::srcport, sp, off, 2);
    t.add_uint(udp_f::dstport, dp, off + 2, 2);
    t.add_uint(udp_f::port, sp, off, 2, core::FieldNode::kHidden);
    t.add_uint(udp_f::port, dp, off + 2, 2, core::FieldNode::kHidden);
    if (have >= 6) t.add_uint(udp_f::length, len, off + 4, 2);
    if (t.wants(udp_f::proto))
      t.set_label(proto_idx, "User Datagram Protocol, Src Port: " + std::to_string(sp) + ", Dst Port: " + std::to_string(dp));
    if (pkt.cols && !pkt.in_error) {
      pkt.cols->info = std::to_string(sp) + " \xe2\x86\x92 " + std::to_string(dp);
      if (have >= 6) pkt.cols->info += " Len=" + std::to_string(len >= 8 ? len - 8 : 0);
    }
    t.close();
    return;
  }
  pkt.set_protocol("UDP");
  pkt.srcport = sp;
  pkt.dstport = dp;
  t.add_uint(udp_f::srcport, sp, off, 2);
  t.add_uint(udp_f::dstport, dp, off + 2, 2);
  t.add_uint(udp_f::port, sp, off, 2, core::FieldNode::kHidden);
  t.add_uint(udp_f::port, dp, off + 2, 2, core::FieldNode::kHidden);
  t.add_uint(udp_f::length, len, off + 4, 2);
  {
    // 3: "Not present" (a zero checksum, allowed over IPv4; tshark shows it under the checksum),
    // else unverified as tshark's default.
    const bool absent = csum == 0 && pkt.net_src.type == core::AddrType::Ipv4;
    const int32_t c = t.add_uint(udp_f::checksum, csum, off + 6, 2);
    core::Subtree under(t, absent ? c : -1);
    t.add_uint(udp_f::checksum_status, absent ? 3 : 2, off + 6, 2);
  }
  if (pkt.net_src.type != core::AddrType::None && st.udp_flows_needed) {
    int dir = 0;
    tcp::UdpFlow& uf = st.udp_flows.lookup(pkt.net_src, sp, pkt.net_dst, dp, dir);
    t.add_uint(udp_f::stream, uf.stream, 0, 0);
    if (!uf.seen) {
      uf.seen = true;
      uf.first_ts = uf.last_ts = pkt.frame.ts;
    }
    // tshark's [Timestamps]: only for a datagram that carries data (the time
    // since the previous one counts those too).
    if (len > 8 && r.remaining() > 0 && !pkt.in_error) {  // not for a datagram an ICMP error quotes
      if (t.wants(udp_f::time_relative) || t.wants(udp_f::time_delta)) {
        core::Subtree times(t, core::add_text(t, "Timestamps", off, 0, core::FieldNode::kGenerated));
        t.add_time(udp_f::time_relative, core::ts_sub(pkt.frame.ts, uf.first_ts));
        t.add_time(udp_f::time_delta, core::ts_sub(pkt.frame.ts, uf.last_ts));
      }
      uf.last_ts = pkt.frame.ts;
    }
  }
  if (t.wants(udp_f::proto)) {
    std::string label = "User Datagram Protocol, Src Port: ";
    core::append_uint(label, sp);
    label += ", Dst Port: ";
    core::append_uint(label, dp);
    t.set_label(proto_idx, label);
  }
  size_t payload_len = len >= 8 ? len - 8u : 0;
  // A length past the datagram is bad, except in the part of a datagram an
  // ICMP error quotes (cut by the error's size), as tshark.
  bool bad_len = len < 8 || (payload_len > r.remaining() && !pkt.in_error && !pkt.fragmented);
  if (bad_len) t.add_none(udp_f::length_bad, off + 4, 2);
  const size_t info_len = pkt.fragmented && len >= 8 ? len - 8u : payload_len;  // (a first fragment: the datagram's)
  if (bad_len || payload_len > r.remaining()) payload_len = r.remaining();
  if (pkt.cols) {
    auto& info = pkt.cols->info;
    info.clear();
    core::append_uint(info, sp);
    info += " \xe2\x86\x92 ";
    core::append_uint(info, dp);
    info += " Len=";
    core::append_uint(info, info_len);
  }
  Reader payload = r.sub(payload_len);
  core::Bytes rest = payload.rest_captured();
  // (Not one byte of the payload kept: tshark shows no payload item, calls
  // no dissector, and names UDP's cut.)
  const bool none_captured = payload_len && rest.empty() && !pkt.in_error;
  // (Nor in a quote whose payload the capture cut before its first byte.)
  if (payload_len && !rest.empty()) t.add_bytes(udp_f::payload, rest.data(), rest.size(), off + 8);
  t.close();
  if (none_captured) {
    if (bad_len) pkt.mark_malformed("UDP");
    else pkt.mark_truncated("UDP");
    return;
  }
  if (bad_len) pkt.mark_malformed("UDP");
  // The registered port, the lower one first (as tshark tries them).
  const uint16_t lo = sp < dp ? sp : dp, hi = sp < dp ? dp : sp;
  const dispatch::Entry* e = dispatch::find_entry(dispatch::udp_ports(), lo, st);
  if (!e) e = dispatch::find_entry(dispatch::udp_ports(), hi, st);
  if (pkt.in_error) {  // quoted by an ICMP error: ICMP shows the payload after itself
    if (payload_len && !e && rest.size() < payload.remaining()) {
      // A quoted payload the capture cut: nothing of it kept, nothing shown;
      // else the heuristics meet the cut as below (named after the quote).
      if (rest.empty()) return;
      if (cut_by_heuristics(payload, pkt)) return;
    }
    pkt.error_rest = payload;
    pkt.error_rest_set = true;
    return;
  }
  if (e && !st.dns_needed && e->proto == core::Proto::Dns) return;  // (no output or filter reads DNS)
  if (e && payload.remaining()) return e->dissect(payload, pkt, st);
  if (cut_by_heuristics(payload, pkt)) return;
  link::dissect_data(payload, pkt);
}

}  // namespace mqsniff::net
