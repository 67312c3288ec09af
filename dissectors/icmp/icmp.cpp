// ICMP, RFC 792:   type[1] code[1] checksum[2] then, by type:
//   echo (0, 8):   identifier[2] sequence[2] data (often a timeval first)
//   errors (3, 4, 5, 11, 12): 4 bytes (unused / MTU / gateway / pointer), then
//                  the IP header and first bytes of the datagram in error
// ICMPv6, RFC 4443 and 4861: the same header; echo (128, 129), errors (1-4)
// quoting the IPv6 packet, neighbour/router discovery (133-137) with options
// (type[1] length[1] in units of 8 bytes).
//
// Checksums are verified as tshark does (ICMPv6 over its pseudo-header).
// Echo replies are paired with their request by addresses, identifier and
// sequence number in a bounded table (DissectState::icmp_tx).
#include "dissectors/icmp/icmp.h"

#include <cstring>
#include <string>

#include "dissectors/core/format.h"
#include "dissectors/core/value_names.h"
#include "dissectors/core/text_item.h"
#include "dissectors/core/transactions.h"
#include "dissectors/core/expert.h"
#include "dissectors/dissect.h"
#include "dissectors/link/link.h"
#include "dissectors/net/net.h"
#include "dissectors/tcp/tcp_fields.h"

namespace mqsniff::icmp {
using core::Base;
using core::Bytes;
using core::FieldDef;
using core::Packet;
using core::Reader;
using FT = core::FieldType;

static const FieldDef kIcmp[] = {
    {icmp_f::proto, "icmp", "Internet Control Message Protocol", FT::Protocol, Base::None, 0, 0, {}, "ICMP"},
    {icmp_f::type, "icmp.type", "Type", FT::UInt8, Base::Dec},
    {icmp_f::code, "icmp.code", "Code", FT::UInt8, Base::Dec},
    {icmp_f::checksum, "icmp.checksum", "Checksum", FT::UInt16, Base::Hex},
    {icmp_f::checksum_status, "icmp.checksum.status", "Checksum Status", FT::UInt8, Base::None},
    {icmp_f::ident, "icmp.ident", "Identifier (BE)", FT::UInt16, Base::DecHex},
    {icmp_f::ident_le, "icmp.ident_le", "Identifier (LE)", FT::UInt16, Base::DecHex},
    {icmp_f::seq, "icmp.seq", "Sequence Number (BE)", FT::UInt16, Base::DecHex},
    {icmp_f::seq_le, "icmp.seq_le", "Sequence Number (LE)", FT::UInt16, Base::DecHex},
    {icmp_f::resp_to, "icmp.resp_to", "Request frame", FT::FrameNum},
    {icmp_f::resp_in, "icmp.resp_in", "Response frame", FT::FrameNum},
    {icmp_f::no_resp, "icmp.no_resp", "No response seen", FT::None},
    {icmp_f::resp_not_found, "icmp.resp_not_found", "Response not found", FT::None},
    {icmp_f::resptime, "icmp.resptime", "Response time", FT::Double},
    {icmp_f::data_time, "icmp.data_time", "Timestamp from icmp data", FT::AbsoluteTime},
    {icmp_f::data_time_relative, "icmp.data_time_relative", "Timestamp from icmp data (relative)", FT::RelativeTime},
    {icmp_f::unused, "icmp.unused", "Unused", FT::Bytes},
    {icmp_f::mtu, "icmp.mtu", "MTU of next hop", FT::UInt16, Base::Dec},
    {icmp_f::redir_gw, "icmp.redir_gw", "Gateway Address", FT::Ipv4},
    {icmp_f::pointer, "icmp.pointer", "Pointer", FT::UInt32, Base::Dec},
};
static const FieldDef kIcmpv6[] = {
    {icmpv6_f::proto, "icmpv6", "Internet Control Message Protocol v6", FT::Protocol, Base::None, 0, 0, {}, "ICMPv6"},
    {icmpv6_f::type, "icmpv6.type", "Type", FT::UInt8, Base::Dec},
    {icmpv6_f::code, "icmpv6.code", "Code", FT::UInt8, Base::Dec},
    {icmpv6_f::checksum, "icmpv6.checksum", "Checksum", FT::UInt16, Base::Hex},
    {icmpv6_f::checksum_status, "icmpv6.checksum.status", "Checksum Status", FT::UInt8, Base::None},
    {icmpv6_f::reserved, "icmpv6.reserved", "Reserved", FT::Bytes},
    {icmpv6_f::mtu, "icmpv6.mtu", "MTU", FT::UInt32, Base::Dec},
    {icmpv6_f::pointer, "icmpv6.pointer", "Pointer", FT::UInt32, Base::Dec},
    {icmpv6_f::echo_identifier, "icmpv6.echo.identifier", "Identifier", FT::UInt16, Base::Hex},
    {icmpv6_f::echo_sequence_number, "icmpv6.echo.sequence_number", "Sequence", FT::UInt16, Base::Dec},
    {icmpv6_f::resp_to, "icmpv6.resp_to", "Response To", FT::FrameNum},
    {icmpv6_f::resp_in, "icmpv6.resp_in", "Response In", FT::FrameNum},
    {icmpv6_f::no_resp, "icmpv6.no_resp", "No response seen", FT::None},
    {icmpv6_f::resp_not_found, "icmpv6.resp_not_found", "Response not found", FT::None},
    {icmpv6_f::resptime, "icmpv6.resptime", "Response Time", FT::Double},
    {icmpv6_f::ns_target_address, "icmpv6.nd.ns.target_address", "Target Address", FT::Ipv6},
    {icmpv6_f::na_flag, "icmpv6.nd.na.flag", "Flags", FT::UInt32, Base::Hex},
    {icmpv6_f::na_flag_r, "icmpv6.nd.na.flag.r", "Router", FT::Boolean, Base::None, 0x80000000, 32},
    {icmpv6_f::na_flag_s, "icmpv6.nd.na.flag.s", "Solicited", FT::Boolean, Base::None, 0x40000000, 32},
    {icmpv6_f::na_flag_o, "icmpv6.nd.na.flag.o", "Override", FT::Boolean, Base::None, 0x20000000, 32},
    {icmpv6_f::na_flag_rsv, "icmpv6.nd.na.flag.rsv", "Reserved", FT::UInt32, Base::Dec, 0x1fffffff},
    {icmpv6_f::na_target_address, "icmpv6.nd.na.target_address", "Target Address", FT::Ipv6},
    {icmpv6_f::rd_target_address, "icmpv6.nd.rd.target_address", "Target Address", FT::Ipv6},
    {icmpv6_f::rd_destination_address, "icmpv6.rd.na.destination_address", "Destination Address", FT::Ipv6},
    {icmpv6_f::ra_cur_hop_limit, "icmpv6.nd.ra.cur_hop_limit", "Cur hop limit", FT::UInt8, Base::Dec},
    {icmpv6_f::ra_flag, "icmpv6.nd.ra.flag", "Flags", FT::UInt8, Base::Hex},
    {icmpv6_f::ra_router_lifetime, "icmpv6.nd.ra.router_lifetime", "Router lifetime (s)", FT::UInt16, Base::Dec},
    {icmpv6_f::ra_reachable_time, "icmpv6.nd.ra.reachable_time", "Reachable time (ms)", FT::UInt32, Base::Dec},
    {icmpv6_f::ra_retrans_timer, "icmpv6.nd.ra.retrans_timer", "Retrans timer (ms)", FT::UInt32, Base::Dec},
    {icmpv6_f::opt, "icmpv6.opt", "ICMPv6 Option", FT::None},
    {icmpv6_f::opt_type, "icmpv6.opt.type", "Type", FT::UInt8, Base::Dec},
    {icmpv6_f::opt_length, "icmpv6.opt.length", "Length", FT::UInt8, Base::Dec},
    {icmpv6_f::opt_linkaddr, "icmpv6.opt.linkaddr", "Link-layer address", FT::Bytes, Base::SepColon},
    {icmpv6_f::opt_src_linkaddr, "icmpv6.opt.src_linkaddr", "Source Link-layer address", FT::Bytes, Base::SepColon},
    {icmpv6_f::opt_target_linkaddr, "icmpv6.opt.target_linkaddr", "Target Link-layer address", FT::Bytes, Base::SepColon},
    {icmpv6_f::opt_prefix_length, "icmpv6.opt.prefix.length", "Prefix Length", FT::UInt8, Base::Dec},
    {icmpv6_f::opt_prefix_valid_lifetime, "icmpv6.opt.prefix.valid_lifetime", "Valid Lifetime", FT::UInt32, Base::Dec},
    {icmpv6_f::opt_prefix_preferred_lifetime, "icmpv6.opt.prefix.preferred_lifetime", "Preferred Lifetime", FT::UInt32,
     Base::Dec},
    {icmpv6_f::opt_prefix, "icmpv6.opt.prefix", "Prefix", FT::Ipv6},
    {icmpv6_f::opt_mtu, "icmpv6.opt.mtu", "MTU", FT::UInt32, Base::Dec},
    {icmpv6_f::opt_nonce, "icmpv6.opt.nonce", "Nonce", FT::Bytes},
    {icmpv6_f::mldr_nb_mcast_records, "icmpv6.mldr.nb_mcast_records", "Number of Multicast Address Records", FT::UInt16, Base::Dec},
    {icmpv6_f::mldr_mar, "icmpv6.mldr.mar", "Multicast Address Record", FT::None},
    {icmpv6_f::mldr_mar_record_type, "icmpv6.mldr.mar.record_type", "Record Type", FT::UInt8, Base::Dec},
    {icmpv6_f::mldr_mar_aux_data_len, "icmpv6.mldr.mar.aux_data_len", "Aux Data Len", FT::UInt8, Base::Dec},
    {icmpv6_f::mldr_mar_nb_sources, "icmpv6.mldr.mar.nb_sources", "Number of Sources", FT::UInt16, Base::Dec},
    {icmpv6_f::mldr_mar_multicast_address, "icmpv6.mldr.mar.multicast_address", "Multicast Address", FT::Ipv6},
    {icmpv6_f::mldr_mar_source_address, "icmpv6.mldr.mar.source_address", "Source Address", FT::Ipv6},
    {icmpv6_f::mldr_mar_auxiliary_data, "icmpv6.mldr.mar.auxiliary_data", "Auxiliary Data", FT::Bytes},
};
std::span<const FieldDef> icmp_field_table() { return kIcmp; }
std::span<const FieldDef> icmpv6_field_table() { return kIcmpv6; }

namespace {

const char* icmp_type_name(uint8_t t) {
  switch (t) {
    case 0: return "Echo (ping) reply";
    case 3: return "Destination unreachable";
    case 4: return "Source quench (flow control)";
    case 5: return "Redirect";
    case 8: return "Echo (ping) request";
    case 9: return "Router advertisement";
    case 10: return "Router solicitation";
    case 11: return "Time-to-live exceeded";
    case 12: return "Parameter problem";
    case 13: return "Timestamp request";
    case 14: return "Timestamp reply";
    case 15: return "Information request";
    case 16: return "Information reply";
    case 17: return "Address mask request";
    case 18: return "Address mask reply";
    default: return nullptr;
  }
}
const char* icmp_code_name(uint8_t t, uint8_t c) {
  static const char* const unreach[] = {
      "Network unreachable", "Host unreachable", "Protocol unreachable", "Port unreachable",
      "Fragmentation needed", "Source route failed", "Destination network unknown", "Destination host unknown",
      "Source host isolated", "Network administratively prohibited", "Host administratively prohibited",
      "Network unreachable for TOS", "Host unreachable for TOS", "Communication administratively filtered",
      "Host precedence violation", "Precedence cutoff in effect"};
  static const char* const redirect[] = {"Redirect for network", "Redirect for host", "Redirect for TOS and network",
                                         "Redirect for TOS and host"};
  static const char* const ttl[] = {"Time to live exceeded in transit", "Fragment reassembly time exceeded"};
  if (t == 3 && c < 16) return unreach[c];
  if (t == 5 && c < 4) return redirect[c];
  if (t == 11 && c < 2) return ttl[c];
  return nullptr;
}
const char* icmpv6_type_name(uint8_t t) {
  switch (t) {
    case 1: return "Destination Unreachable";
    case 2: return "Packet Too Big";
    case 3: return "Time Exceeded";
    case 4: return "Parameter Problem";
    case 128: return "Echo (ping) request";
    case 129: return "Echo (ping) reply";
    case 130: return "Multicast Listener Query";
    case 131: return "Multicast Listener Report";
    case 132: return "Multicast Listener Done";
    case 133: return "Router Solicitation";
    case 134: return "Router Advertisement";
    case 135: return "Neighbor Solicitation";
    case 136: return "Neighbor Advertisement";
    case 137: return "Redirect";
    case 143: return "Multicast Listener Report Message v2";
    default: return nullptr;
  }
}
const char* icmpv6_code_name(uint8_t t, uint8_t c) {
  static const char* const unreach[] = {"No route to destination", "Administratively prohibited",
                                        "Beyond scope of source address", "Address unreachable", "Port unreachable",
                                        "Source address failed ingress/egress policy", "Reject route to destination",
                                        "Error in Source Routing Header"};
  static const char* const exceeded[] = {"hop limit exceeded in transit", "fragment reassembly time exceeded"};
  static const char* const param[] = {"Erroneous header field encountered", "Unrecognized Next Header type encountered",
                                      "Unrecognized IPv6 option encountered"};
  if (t == 1 && c < 8) return unreach[c];
  if (t == 3 && c < 2) return exceeded[c];
  if (t == 4 && c < 3) return param[c];
  return nullptr;
}

// Internet checksum (RFC 1071) of the pseudo-header sum plus the bytes.
uint16_t inet_checksum(const uint8_t* p, size_t n, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i]) << 8 | p[i + 1];
  if (n & 1) sum += uint32_t(p[n - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}
// Checksum status as tshark gives it: 1 good, 0 bad, 2 unverified (not all
// captured), with the checksum line's note ("[correct]", "[incorrect, should be 0x1234]").
void add_checksum(core::FieldTree& t, core::FieldId csum_id, core::FieldId status_id, uint16_t csum, Bytes all,
                  size_t declared, uint32_t pseudo, uint32_t off, bool fragmented) {
  const int32_t c = t.add_uint(csum_id, csum, off + 2, 2);
  uint8_t status = 2;
  if (all.size() >= declared && !fragmented) {
    status = inet_checksum(all.data(), all.size(), pseudo) == 0 ? 1 : 0;
    if (status == 1) {
      t.append_static(c, " [correct]");
    } else {
      // What it should be: the sum with the checksum field taken out.
      const uint16_t should = inet_checksum(all.data(), all.size(), pseudo + (~csum & 0xffffu));
      std::string note = " [incorrect, should be ";
      core::append_hex(note, should, 4);
      t.append_text(c, note + "]");
    }
  } else {
    // (the message is not all captured, or is a first fragment: tshark's words for it)
    t.append_static(c, " [unverified] [fragmented datagram]");
  }
  t.add_uint(status_id, status, off + 2, 2);
}

uint64_t pair_key(const Packet& pkt, uint8_t family, uint16_t id, uint16_t seq) {
  // Both directions give the same key: the addresses in a fixed order.
  const auto& a = pkt.net_src.bytes;
  const auto& b = pkt.net_dst.bytes;
  const bool swap = std::memcmp(a.data(), b.data(), a.size()) > 0;
  uint64_t h = core::tx_mix(family, uint64_t(id) << 16 | seq);
  h = core::tx_mix_bytes(h, (swap ? b : a).data(), a.size());
  return core::tx_mix_bytes(h, (swap ? a : b).data(), a.size());
}

// The fields an echo pairing sets (ICMP's or ICMPv6's).
struct EchoFields {
  core::FieldId resp_to, resptime, resp_in, no_resp, resp_not_found;
  bool v6;
};
constexpr EchoFields kEcho4{icmp_f::resp_to, icmp_f::resptime, icmp_f::resp_in, icmp_f::no_resp,
                            icmp_f::resp_not_found, false};
constexpr EchoFields kEcho6{icmpv6_f::resp_to, icmpv6_f::resptime, icmpv6_f::resp_in, icmpv6_f::no_resp,
                            icmpv6_f::resp_not_found, true};

// Pairs an echo request with its reply: " (request in N)" and the response
// fields on the reply; with -2, the request names its reply (" (reply in N)")
// or says none came (" (no response found!)", tshark's expert).
void echo_pairing(Packet& pkt, DissectState& st, bool reply, uint64_t key, const EchoFields& f) {
  if (!reply) {
    st.icmp_tx.request(key, pkt.frame.number, pkt.frame.ts);
    if (!st.icmp_tx.second_pass()) return;
    if (const uint64_t r = st.icmp_tx.response_in(pkt.frame.number)) {  // "[Response frame: 4]"
      pkt.tree.add_uint(f.resp_in, r, 0, 0, core::FieldNode::kGenerated);
      if (pkt.cols) {
        pkt.cols->info += " (reply in ";
        core::append_uint(pkt.cols->info, r);
        pkt.cols->info += ')';
      }
      return;
    }
    // A request to a group or to everyone expects no single reply: tshark
    // names the destination instead ("(multicast)", "(broadcast)").
    const core::Address& dst = pkt.net_dst;
    using core::AddrType;
    const char* group = dst.type == AddrType::Ipv4 && dst.bytes[0] >= 224 && dst.bytes[0] <= 239 ? " (multicast)"
                        : dst.type == AddrType::Ipv4 && dst.bytes[0] == 255 && dst.bytes[1] == 255 &&
                                  dst.bytes[2] == 255 && dst.bytes[3] == 255
                            ? " (broadcast)"
                        : dst.type == AddrType::Ipv6 && dst.bytes[0] == 0xff ? " (multicast)"
                                                                              : nullptr;
    if (group) {
      if (pkt.cols) pkt.cols->info += group;
      return;
    }
    core::Subtree none(pkt.tree, pkt.tree.add_none(f.no_resp, 0, 0, core::FieldNode::kGenerated));
    std::string msg = f.v6 ? "No response seen to ICMPv6 request in frame " + std::to_string(pkt.frame.number)
                           : std::string("No response seen to ICMP request");
    core::add_expert(pkt.tree, msg, core::Severity::Warn, core::ExpertGroup::Sequence, 0, 0, f.resp_not_found);
    if (pkt.cols) pkt.cols->info += " (no response found!)";
    return;
  }
  const core::FieldId resp_to = f.resp_to, resptime = f.resptime;
  const core::Transactions::Request* q = st.icmp_tx.find(key);
  if (!q || q->frame >= pkt.frame.number) return;
  st.icmp_tx.answered_by(q->frame, pkt.frame.number);
  pkt.tree.add_uint(resp_to, q->frame, 0, 0, core::FieldNode::kGenerated);
  core::Timestamp d = core::ts_sub(pkt.frame.ts, q->ts);
  double ms = double(d.sec) * 1e3 + double(d.nsec) / 1e6;
  pkt.tree.add_double(resptime, ms, 0, 0, core::FieldNode::kGenerated);
  if (pkt.cols) {
    pkt.cols->info += " (request in ";
    core::append_uint(pkt.cols->info, q->frame);
    pkt.cols->info += ')';
  }
}

// The datagram an error quotes: dissected with the same dissectors, but it
// changes neither the columns nor the packet's addresses and ports (tshark's
// "in error packet"). What follows its UDP header is shown as data after ICMP.
struct QuotedGuard {
  Packet& pkt;
  core::Columns* cols;
  core::Address s, d;
  uint16_t sp, dp;
  uint8_t proto, ttl;
  explicit QuotedGuard(Packet& p)
      : pkt(p), cols(p.cols), s(p.net_src), d(p.net_dst), sp(p.srcport), dp(p.dstport), proto(p.ip_proto),
        ttl(p.ip_ttl) {
    pkt.cols = nullptr;
    pkt.in_error = true;
  }
  ~QuotedGuard() {
    pkt.cols = cols;
    pkt.in_error = false;
    pkt.net_src = s;
    pkt.net_dst = d;
    pkt.srcport = sp;
    pkt.dstport = dp;
    pkt.ip_proto = proto;
    pkt.ip_ttl = ttl;
  }
};
void dissect_quoted(Reader& r, Packet& pkt, DissectState& st, bool v6) {
  if (!r.remaining()) return;
  if (v6 && !r.captured_remaining()) {  // nothing of it captured: tshark's ICMPv6 stops before IPv6
    pkt.mark_truncated("ICMPv6");
    return;
  }
  const bool was_truncated = pkt.truncated;
  {
    QuotedGuard g(pkt);
    if (v6) net::dissect_ipv6(r, pkt, st);
    else net::dissect_ipv4(r, pkt, st);
  }
  // tshark names the quoted IP layer for a snapshot length that cuts
  // anything of the quoted datagram (its transport header, its payload).
  if (!was_truncated && pkt.truncated) pkt.truncated_proto = v6 ? "IPv6" : "IPv4";
}
void data_after_quote(Packet& pkt) {
  if (!pkt.error_rest_set) return;
  pkt.error_rest_set = false;
  link::dissect_data(pkt.error_rest, pkt);
}

// tshark's 4.0 heuristic: a timeval (32-bit seconds and microseconds, big
// then little endian) at most a day after the frame's second.
bool data_timestamp(Reader& r, Packet& pkt, uint32_t off) {
  Bytes b = r.rest_captured();
  if (b.size() < 8) return false;
  auto be = [&](size_t i) { return core::be32_at(b, i); };
  auto le = [&](size_t i) { return core::le32_at(b, i); };
  const uint32_t fsec = static_cast<uint32_t>(pkt.frame.ts.sec);
  uint32_t secs = be(0), usec = be(4);
  if (uint32_t(secs - fsec) >= 86400u || usec >= 1000000u) {
    secs = le(0);
    usec = le(4);
  }
  if (uint32_t(secs - fsec) >= 86400u || usec >= 1000000u) return false;
  core::Timestamp ts{int64_t(secs), usec * 1000u};
  pkt.tree.add_time(icmp_f::data_time, ts, off, 8);
  int32_t rel = pkt.tree.add_time(icmp_f::data_time_relative, core::ts_sub(pkt.frame.ts, ts), off, 8);
  if (rel >= 0) pkt.tree.nodes_flags(rel, core::FieldNode::kGenerated);
  r.skip(8);
  return true;
}

void append_pad20(std::string& s, const char* name) {
  size_t start = s.size();
  s += name;
  while (s.size() - start < 20) s += ' ';
}

}  // namespace

// What ICMP and ICMPv6 both begin with: the layer, then type, code and
// checksum. False (the layer closed, the packet marked) when those 4 bytes are not all there.
struct Header {
  uint32_t off = 0;   // frame offset of the message
  Bytes all;          // its captured bytes (for the checksum)
  size_t declared = 0;
  uint8_t type = 0, code = 0;
  uint16_t csum = 0;
};
bool open_header(Reader& r, Packet& pkt, const char* layer, const char* name, core::FieldId proto, Header& h) {
  h.off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  h.all = r.rest_captured();
  h.declared = r.remaining();
  pkt.layer(layer);
  pkt.set_protocol(name);
  pkt.tree.open(proto, h.off, static_cast<uint32_t>(h.declared));
  h.type = r.u8();
  h.code = r.u8();
  h.csum = r.be16();
  if (pkt.check(r, name)) {
    pkt.tree.close();
    return false;
  }
  return true;
}

void dissect_icmp(Reader& r, Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  Header h;
  if (r.captured_remaining() < 6 && r.remaining() >= 8 && !pkt.in_error) {
    // Fewer than 6 header bytes captured: tshark's ICMP reads that far
    // before its item (the protocol named, Info cleared, the cut).
    pkt.layer("icmp");
    pkt.set_protocol("ICMP");
    if (pkt.cols) pkt.cols->info.clear();
    pkt.mark_truncated("ICMP");
    return;
  }
  if (!open_header(r, pkt, "icmp", "ICMP", icmp_f::proto, h)) return;
  const uint32_t off = h.off;
  const Bytes all = h.all;
  const size_t declared = h.declared;
  const uint8_t type = h.type, code = h.code;
  const uint16_t csum = h.csum;
  t.add_uint(icmp_f::type, type, off, 1);
  t.add_uint(icmp_f::code, code, off + 1, 1);
  const char* tn = icmp_type_name(type);
  const char* cn = icmp_code_name(type, code);
  // tshark: "Type: 8 (Echo (ping) request)", "Code: 3 (Port unreachable)".
  if (tn) t.append_text(t.last_of(icmp_f::type), std::string(" (") + tn + ")");
  if (cn) t.append_text(t.last_of(icmp_f::code), std::string(" (") + cn + ")");
  add_checksum(t, icmp_f::checksum, icmp_f::checksum_status, csum, all, declared, 0, off, pkt.fragmented);
  if (pkt.cols) {
    std::string& info = pkt.cols->info;
    info.clear();
    append_pad20(info, tn ? tn : "Unknown ICMP (obsolete or malformed?)");
    if (cn) {
      info += " (";
      info += cn;
      info += ')';
    }
  }
  if (type == 0 || type == 8) {
    uint16_t id = r.be16();
    if (r.ok() && r.captured_remaining() < 2 && r.remaining() >= 2) {  // (the identifier kept, the sequence number cut)
      t.add_uint(icmp_f::ident, id, off + 4, 2);
      t.add_uint(icmp_f::ident_le, static_cast<uint16_t>(id >> 8 | id << 8), off + 4, 2);
    }
    uint16_t seq = r.be16();
    if (!pkt.check(r, "ICMP")) {
      const uint16_t id_le = static_cast<uint16_t>(id >> 8 | id << 8), seq_le = static_cast<uint16_t>(seq >> 8 | seq << 8);
      t.add_uint(icmp_f::ident, id, off + 4, 2);
      t.add_uint(icmp_f::ident_le, id_le, off + 4, 2);
      t.add_uint(icmp_f::seq, seq, off + 6, 2);
      t.add_uint(icmp_f::seq_le, seq_le, off + 6, 2);
      if (pkt.cols) {
        std::string& info = pkt.cols->info;
        info += " id=";
        core::append_hex(info, id, 4);
        info += ", seq=";
        core::append_uint(info, seq);
        info += '/';
        core::append_uint(info, seq_le);
        info += ", ttl=";
        core::append_uint(info, pkt.ip_ttl);
      }
      echo_pairing(pkt, st, type == 0, pair_key(pkt, 4, id, seq), kEcho4);
      data_timestamp(r, pkt, off + 8);
      // (No byte of the echo data kept: tshark shows no data and no cut.)
      if (r.captured_remaining() || !r.remaining()) link::dissect_data(r, pkt);
    }
    t.close();
    return;
  }
  if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12) {
    Bytes four = r.bytes(4);
    if (!pkt.check(r, "ICMP")) {
      if (type == 5) {
        t.add_ipv4(icmp_f::redir_gw, core::be32_at(four, 0), off + 4);
      } else if (type == 12) {
        t.add_uint(icmp_f::pointer, four[0], off + 4, 1);
        t.add_bytes(icmp_f::unused, four.data() + 1, 3, off + 5);
      } else if (type == 3 && code == 4) {
        t.add_bytes(icmp_f::unused, four.data(), 2, off + 4);
        t.add_uint(icmp_f::mtu, core::be16_at(four, 2), off + 6, 2);
      } else {
        t.add_bytes(icmp_f::unused, four.data(), 4, off + 4);
      }
      dissect_quoted(r, pkt, st, false);
    }
    t.close();
    data_after_quote(pkt);
    return;
  }
  t.close();
  link::dissect_data(r, pkt);
}

namespace {
void append_ipv6(std::string& s, const uint8_t* a) {
  char b[48];
  s.append(b, core::format_ipv6(b, a));
}
void append_mac(std::string& s, const uint8_t* p) {
  char b[20];
  s.append(b, core::format_ether(b, p));
}

// Neighbour-discovery options; returns the link-layer address of the
// source/target option (for Info), if any.
const uint8_t* nd_options(Reader& r, Packet& pkt) {
  auto& t = pkt.tree;
  const uint8_t* lladdr = nullptr;
  while (r.remaining() >= 2) {
    const uint32_t o = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
    uint8_t type = r.u8();
    uint8_t len8 = r.u8();
    if (!r.ok()) {  // an option header cut by the capture
      pkt.check(r, "ICMPv6");
      break;
    }
    if (len8 == 0) {  // a zero length would loop forever: tshark calls it malformed
      pkt.mark_malformed("ICMPv6");
      break;
    }
    const size_t len = size_t(len8) * 8;
    Reader body = r.sub(len - 2);
    Bytes raw = body.rest_captured();
    core::Subtree sub(t, t.add_none(icmpv6_f::opt, o, static_cast<uint32_t>(len)));
    t.add_uint(icmpv6_f::opt_type, type, o, 1);
    t.append_text(t.add_uint(icmpv6_f::opt_length, len8, o + 1, 1), " (" + std::to_string(len) + " bytes)");
    std::string label;
    const bool want_label = sub.on() && t.wants(icmpv6_f::opt);
    if ((type == 1 || type == 2) && raw.size() >= 6) {
      t.add_bytes(icmpv6_f::opt_linkaddr, raw.data(), 6, o + 2);
      t.add_bytes(type == 1 ? icmpv6_f::opt_src_linkaddr : icmpv6_f::opt_target_linkaddr, raw.data(), 6, o + 2,
                  core::FieldNode::kHidden);
      lladdr = raw.data();
      if (want_label) {
        label = type == 1 ? "ICMPv6 Option (Source link-layer address : " : "ICMPv6 Option (Target link-layer address : ";
        append_mac(label, raw.data());
        label += ')';
      }
    } else if (type == 3 && raw.size() >= 30) {
      t.add_uint(icmpv6_f::opt_prefix_length, raw[0], o + 2, 1);
      auto be32 = [&](size_t i) { return core::be32_at(raw, i); };
      t.add_uint(icmpv6_f::opt_prefix_valid_lifetime, be32(2), o + 4, 4);
      t.add_uint(icmpv6_f::opt_prefix_preferred_lifetime, be32(6), o + 8, 4);
      t.add_ipv6(icmpv6_f::opt_prefix, raw.data() + 14, o + 16);
      if (want_label) {
        label = "ICMPv6 Option (Prefix information : ";
        append_ipv6(label, raw.data() + 14);
        label += '/';
        core::append_uint(label, raw[0]);
        label += ')';
      }
    } else if (type == 5 && raw.size() >= 6) {
      const uint32_t mtu = core::be32_at(raw, 2);
      t.add_uint(icmpv6_f::opt_mtu, mtu, o + 4, 4);
      if (want_label) label = "ICMPv6 Option (MTU : " + std::to_string(mtu) + ")";
    } else if (type == 14 && raw.size() >= len - 2) {  // Nonce (RFC 3971 §5.3.2)
      t.add_bytes(icmpv6_f::opt_nonce, raw.data(), raw.size(), o + 2);
      if (want_label) label = "ICMPv6 Option (Nonce)";
    } else if (want_label && (type == 1 || type == 2 || type == 3 || type == 5 || type == 14)) {
      // Cut by the capture: tshark's label stops where its reading did.
      label = type == 1   ? "ICMPv6 Option (Source link-layer address"
              : type == 2 ? "ICMPv6 Option (Target link-layer address"
              : type == 3 ? "ICMPv6 Option (Prefix information"
              : type == 5 ? "ICMPv6 Option (MTU"
                          : "ICMPv6 Option (Nonce";
    } else if (want_label) {
      label = "ICMPv6 Option (" + std::to_string(type) + ")";
    }
    if (want_label) t.set_label(t.top(), label);
    if (raw.size() < len - 2) body.bytes(len - 2);  // (tshark reads the option's bytes: a cut stops it)
    if (!body.ok()) {
      pkt.check(body, "ICMPv6");
      break;
    }
  }
  return lladdr;
}
}  // namespace

void dissect_icmpv6(Reader& r, Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  Header h;
  if (r.captured_remaining() && r.captured_remaining() < 4 && r.remaining() >= 4 && !pkt.in_error) {
    // The header cut before the checksum: tshark shows the type (and code)
    // it read, names them in Info, and stops at the cut.
    const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
    pkt.layer("icmpv6");
    pkt.set_protocol("ICMPv6");
    t.open(icmpv6_f::proto, off, static_cast<uint32_t>(r.remaining()));
    const uint8_t type = r.u8();
    t.add_uint(icmpv6_f::type, type, off, 1);
    std::string* info = pkt.cols ? &pkt.cols->info : nullptr;
    if (info) {
      const char* tn = icmpv6_type_name(type);
      *info = tn ? tn : "Unknown (" + std::to_string(type) + ")";
    }
    if (r.captured_remaining()) {
      const uint8_t code = r.u8();
      t.add_uint(icmpv6_f::code, code, off + 1, 1);
      if (const char* cn = icmpv6_code_name(type, code)) {
        t.append_text(t.last_of(icmpv6_f::code), std::string(" (") + cn + ")");
        if (info) *info += std::string(" (") + cn + ")";
      }
    }
    t.close();
    pkt.mark_truncated("ICMPv6");
    return;
  }
  if (!open_header(r, pkt, "icmpv6", "ICMPv6", icmpv6_f::proto, h)) return;
  const uint32_t off = h.off;
  const Bytes all = h.all;
  const size_t declared = h.declared;
  const uint8_t type = h.type, code = h.code;
  const uint16_t csum = h.csum;
  // The pseudo-header: source, destination, upper-layer length, next header 58.
  uint32_t pseudo = 0;
  for (size_t i = 0; i < 16; i += 2) {
    pseudo += uint32_t(pkt.net_src.bytes[i]) << 8 | pkt.net_src.bytes[i + 1];
    pseudo += uint32_t(pkt.net_dst.bytes[i]) << 8 | pkt.net_dst.bytes[i + 1];
  }
  pseudo += static_cast<uint32_t>(declared >> 16) + static_cast<uint32_t>(declared & 0xffff) + 58;
  t.add_uint(icmpv6_f::type, type, off, 1);
  t.add_uint(icmpv6_f::code, code, off + 1, 1);
  if (const char* cn = icmpv6_code_name(type, code))
    t.append_text(t.last_of(icmpv6_f::code), std::string(" (") + cn + ")");
  add_checksum(t, icmpv6_f::checksum, icmpv6_f::checksum_status, csum, all, declared, pseudo, off, pkt.fragmented);
  const char* tn = icmpv6_type_name(type);
  std::string* info = pkt.cols ? &pkt.cols->info : nullptr;
  if (info) {
    info->clear();
    if (tn) {
      *info = tn;
    } else {
      *info = "Unknown (";
      core::append_uint(*info, type);
      *info += ')';
    }
    if (const char* cn = icmpv6_code_name(type, code)) {
      *info += " (";
      *info += cn;
      *info += ')';
    }
  }
  auto ipv6_at = [&](uint32_t rel_off, core::FieldId id) -> const uint8_t* {
    Bytes a = r.bytes(16);
    if (!r.ok()) return nullptr;
    t.add_ipv6(id, a.data(), off + rel_off);
    return a.data();
  };
  switch (type) {
    case 128:
    case 129: {
      uint16_t id = r.be16();
      if (r.ok()) t.add_uint(icmpv6_f::echo_identifier, id, off + 4, 2);  // (shown even if the capture cuts what follows)
      uint16_t seq = r.be16();
      if (pkt.check(r, "ICMPv6")) break;
      t.add_uint(icmpv6_f::echo_sequence_number, seq, off + 6, 2);
      if (info) {
        *info += " id=";
        core::append_hex(*info, id, 4);
        *info += ", seq=";
        core::append_uint(*info, seq);
        *info += ", hop limit=";
        core::append_uint(*info, pkt.ip_ttl);
      }
      echo_pairing(pkt, st, type == 129, pair_key(pkt, 6, id, seq), kEcho6);
      if (r.captured_remaining() || !r.remaining()) link::dissect_data(r, pkt);  // (as for ICMP)
      break;
    }
    case 1:
    case 2:
    case 3:
    case 4: {
      Bytes four = r.bytes(4);
      if (pkt.check(r, "ICMPv6")) break;
      const uint32_t v = core::be32_at(four, 0);
      if (type == 2) t.add_uint(icmpv6_f::mtu, v, off + 4, 4);
      else if (type == 4) t.add_uint(icmpv6_f::pointer, v, off + 4, 4);
      else t.add_bytes(icmpv6_f::reserved, four.data(), 4, off + 4);
      dissect_quoted(r, pkt, st, true);
      break;
    }
    case 133: {
      Bytes res = r.bytes(4);
      if (pkt.check(r, "ICMPv6")) break;
      t.add_bytes(icmpv6_f::reserved, res.data(), 4, off + 4);
      const uint8_t* mac = nd_options(r, pkt);
      if (info && mac) {
        *info += " from ";
        append_mac(*info, mac);
      }
      break;
    }
    case 134: {
      uint8_t hop = r.u8();
      uint8_t flags = r.u8();
      uint16_t life = r.be16();
      uint32_t reach = r.be32();
      uint32_t retrans = r.be32();
      if (pkt.check(r, "ICMPv6")) break;
      t.add_uint(icmpv6_f::ra_cur_hop_limit, hop, off + 4, 1);
      t.add_uint(icmpv6_f::ra_flag, flags, off + 5, 1);
      t.add_uint(icmpv6_f::ra_router_lifetime, life, off + 6, 2);
      t.add_uint(icmpv6_f::ra_reachable_time, reach, off + 8, 4);
      t.add_uint(icmpv6_f::ra_retrans_timer, retrans, off + 12, 4);
      const uint8_t* mac = nd_options(r, pkt);
      if (info && mac) {
        *info += " from ";
        append_mac(*info, mac);
      }
      break;
    }
    case 135: {
      Bytes res = r.bytes(4);
      if (pkt.check(r, "ICMPv6")) break;
      t.add_bytes(icmpv6_f::reserved, res.data(), 4, off + 4);
      const uint8_t* target = ipv6_at(8, icmpv6_f::ns_target_address);
      if (!target) {
        pkt.check(r, "ICMPv6");
        break;
      }
      const uint8_t* mac = nd_options(r, pkt);
      if (info) {
        *info += " for ";
        append_ipv6(*info, target);
        if (mac) {
          *info += " from ";
          append_mac(*info, mac);
        }
      }
      break;
    }
    case 136: {
      uint32_t flags = r.be32();
      if (pkt.check(r, "ICMPv6")) break;
      {
        core::Subtree sub(t, t.add_uint(icmpv6_f::na_flag, flags & 0xe0000000u, off + 4, 4));
        t.add_bool(icmpv6_f::na_flag_r, flags & 0x80000000u, off + 4, 4);
        t.add_bool(icmpv6_f::na_flag_s, flags & 0x40000000u, off + 4, 4);
        t.add_bool(icmpv6_f::na_flag_o, flags & 0x20000000u, off + 4, 4);
        t.add_uint(icmpv6_f::na_flag_rsv, flags & 0x1fffffffu, off + 4, 4);
      }
      const uint8_t* target = ipv6_at(8, icmpv6_f::na_target_address);
      if (!target) {
        pkt.check(r, "ICMPv6");
        break;
      }
      const uint8_t* mac = nd_options(r, pkt);
      if (info) {
        *info += ' ';
        append_ipv6(*info, target);
        if (flags & 0xe0000000u) {
          std::string f;
          if (flags & 0x80000000u) f += "rtr";
          if (flags & 0x40000000u) f += f.empty() ? "sol" : ", sol";
          if (flags & 0x20000000u) f += f.empty() ? "ovr" : ", ovr";
          *info += " (" + f + ")";
        }
        if (mac) {
          *info += " is at ";
          append_mac(*info, mac);
        }
      }
      break;
    }
    case 137: {
      Bytes res = r.bytes(4);
      if (pkt.check(r, "ICMPv6")) break;
      t.add_bytes(icmpv6_f::reserved, res.data(), 4, off + 4);
      if (!ipv6_at(8, icmpv6_f::rd_target_address) || !ipv6_at(24, icmpv6_f::rd_destination_address)) {
        pkt.check(r, "ICMPv6");
        break;
      }
      nd_options(r, pkt);
      break;
    }
    case 143: {  // Multicast Listener Report v2 (RFC 3810 §5.2)
      // (Each field shown as it is read: a report the capture cut keeps those before the cut.)
      core::Bytes rsv = r.bytes(2);
      if (r.ok()) t.add_bytes(icmpv6_f::reserved, rsv.data(), rsv.size(), off + 4);
      const uint16_t records = r.be16();
      if (!r.ok()) {
        pkt.check(r, "ICMPv6");
        break;
      }
      t.add_uint(icmpv6_f::mldr_nb_mcast_records, records, off + 6, 2);
      for (uint32_t i = 0; i < records && r.ok() && r.remaining(); ++i) {
        const uint32_t o = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
        const core::Bytes got = r.rest_captured();
        if (got.size() < 20 && r.remaining() >= 20) {
          // The snapshot length cut the record's fixed part: tshark shows
          // the fields it read under a bare label, then the cut.
          if (!got.empty()) {
            core::Subtree mar(t, t.add_none(icmpv6_f::mldr_mar, o, 20));
            t.add_uint(icmpv6_f::mldr_mar_record_type, got[0], o, 1);
            if (got.size() >= 2) t.add_uint(icmpv6_f::mldr_mar_aux_data_len, got[1], o + 1, 1);
            if (got.size() >= 4) t.add_uint(icmpv6_f::mldr_mar_nb_sources, uint32_t(got[2]) << 8 | got[3], o + 2, 2);
          }
          r.bytes(20);
          break;
        }
        const uint8_t rtype = r.u8(), aux = r.u8();
        const uint16_t nsrc = r.be16();
        core::Bytes group = r.bytes(16);
        if (!r.ok()) break;
        const uint32_t size = 20u + 16u * nsrc + 4u * aux;
        const int32_t item = t.add_none(icmpv6_f::mldr_mar, o, size);
        if (item >= 0 && t.wants(icmpv6_f::mldr_mar)) {
          const char* n = core::value_name_known("icmpv6.mldr.mar.record_type", rtype);
          std::string label = std::string("Multicast Address Record ") + (n ? n : "Unknown") + ": ";
          append_ipv6(label, group.data());
          t.set_label(item, label);
        }
        core::Subtree mar(t, item);
        t.add_uint(icmpv6_f::mldr_mar_record_type, rtype, o, 1);
        t.add_uint(icmpv6_f::mldr_mar_aux_data_len, aux, o + 1, 1);
        t.add_uint(icmpv6_f::mldr_mar_nb_sources, nsrc, o + 2, 2);
        t.add_ipv6(icmpv6_f::mldr_mar_multicast_address, group.data(), o + 4);
        for (uint32_t k = 0; k < nsrc && r.ok(); ++k) {
          core::Bytes s = r.bytes(16);
          if (r.ok()) t.add_ipv6(icmpv6_f::mldr_mar_source_address, s.data(), o + 20 + 16 * k);
        }
        if (aux) {
          core::Bytes a = r.bytes(4u * aux);
          if (r.ok()) t.add_bytes(icmpv6_f::mldr_mar_auxiliary_data, a.data(), a.size(), o + 20 + 16 * nsrc);
        }
      }
      if (!r.ok()) pkt.check(r, "ICMPv6");
      break;
    }
    default:
      break;  // the other multicast listener messages and the rest: the header only
  }
  t.close();
  data_after_quote(pkt);
}

}  // namespace mqsniff::icmp
