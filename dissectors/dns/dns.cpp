// DNS, RFC 1035 §4.1:  id[2] flags[2] qdcount[2] ancount[2] nscount[2] arcount[2]
//   question: name type[2] class[2]
//   resource record: name type[2] class[2] ttl[4] rdlength[2] rdata
// Names may be compressed (a 2-byte pointer back into the message); the walk
// is bounded by the message size and a jump budget, so a loop of pointers
// ends as a malformed name, never as a hang.
//
// Info and fields as tshark 4.0 prints them: "Standard query 0x33ff A
// broker.lab", "Standard query response 0x33ff A broker.lab A 10.77.0.1".
// A response is paired with its query (dns.response_to, dns.time) by the UDP
// endpoints and the transaction id (DissectState::dns_tx, bounded).
#include "dissectors/dns/dns.h"

#include "dissectors/tcp/tcp_fields.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/core/text_item.h"
#include "dissectors/core/transactions.h"
#include "dissectors/core/value_names.h"
#include "dissectors/dissect.h"

namespace mqsniff::dns {
using core::Base;
using core::Bytes;
using core::FieldDef;
using core::Packet;
using core::Reader;
using FT = core::FieldType;

static const FieldDef kDns[] = {
    {dns_f::proto, "dns", "Domain Name System", FT::Protocol, Base::None, 0, 0, {}, "DNS"},
    {dns_f::id, "dns.id", "Transaction ID", FT::UInt16, Base::Hex},
    {dns_f::flags, "dns.flags", "Flags", FT::UInt16, Base::Hex},
    {dns_f::flags_response, "dns.flags.response", "Response", FT::Boolean, Base::None, 0x8000, 16},
    {dns_f::flags_opcode, "dns.flags.opcode", "Opcode", FT::UInt16, Base::Dec, 0x7800},
    {dns_f::flags_authoritative, "dns.flags.authoritative", "Authoritative", FT::Boolean, Base::None, 0x0400, 16},
    {dns_f::flags_truncated, "dns.flags.truncated", "Truncated", FT::Boolean, Base::None, 0x0200, 16},
    {dns_f::flags_recdesired, "dns.flags.recdesired", "Recursion desired", FT::Boolean, Base::None, 0x0100, 16},
    // LLMNR's (RFC 4795) in place of AA and RD.
    {dns_f::flags_conflict, "dns.flags.conflict", "Conflict", FT::Boolean, Base::None, 0x0400, 16},
    {dns_f::flags_tentative, "dns.flags.tentative", "Tentative", FT::Boolean, Base::None, 0x0100, 16},
    {dns_f::flags_recavail, "dns.flags.recavail", "Recursion available", FT::Boolean, Base::None, 0x0080, 16},
    {dns_f::flags_z, "dns.flags.z", "Z", FT::Boolean, Base::None, 0x0040, 16},
    {dns_f::flags_authenticated, "dns.flags.authenticated", "Answer authenticated", FT::Boolean, Base::None, 0x0020, 16},
    {dns_f::flags_checkdisable, "dns.flags.checkdisable", "Non-authenticated data", FT::Boolean, Base::None, 0x0010, 16},
    {dns_f::flags_rcode, "dns.flags.rcode", "Reply code", FT::UInt16, Base::Dec, 0x000f},
    {dns_f::count_queries, "dns.count.queries", "Questions", FT::UInt16, Base::Dec},
    {dns_f::count_answers, "dns.count.answers", "Answer RRs", FT::UInt16, Base::Dec},
    {dns_f::count_auth_rr, "dns.count.auth_rr", "Authority RRs", FT::UInt16, Base::Dec},
    {dns_f::count_add_rr, "dns.count.add_rr", "Additional RRs", FT::UInt16, Base::Dec},
    {dns_f::qry_name, "dns.qry.name", "Name", FT::String},
    {dns_f::qry_name_len, "dns.qry.name.len", "Name Length", FT::UInt16, Base::Dec},
    {dns_f::count_labels, "dns.count.labels", "Label Count", FT::UInt16, Base::Dec},
    {dns_f::qry_type, "dns.qry.type", "Type", FT::UInt16, Base::Dec},
    {dns_f::qry_class, "dns.qry.class", "Class", FT::UInt16, Base::Hex},
    {dns_f::resp_name, "dns.resp.name", "Name", FT::String},
    {dns_f::resp_type, "dns.resp.type", "Type", FT::UInt16, Base::Dec},
    {dns_f::resp_class, "dns.resp.class", "Class", FT::UInt16, Base::Hex},
    {dns_f::resp_ttl, "dns.resp.ttl", "Time to live", FT::UInt32, Base::Dec},
    {dns_f::resp_len, "dns.resp.len", "Data length", FT::UInt16, Base::Dec},
    {dns_f::a, "dns.a", "Address", FT::Ipv4},
    {dns_f::aaaa, "dns.aaaa", "AAAA Address", FT::Ipv6},
    {dns_f::cname, "dns.cname", "CNAME", FT::String},
    {dns_f::ptr_domain_name, "dns.ptr.domain_name", "Domain Name", FT::String},
    {dns_f::ns, "dns.ns", "Name Server", FT::String},
    {dns_f::mx_preference, "dns.mx.preference", "Preference", FT::UInt16, Base::Dec},
    {dns_f::mx_mail_exchange, "dns.mx.mail_exchange", "Mail Exchange", FT::String},
    {dns_f::txt_length, "dns.txt.length", "TXT Length", FT::UInt8, Base::Dec},
    {dns_f::txt, "dns.txt", "TXT", FT::String},
    {dns_f::srv_priority, "dns.srv.priority", "Priority", FT::UInt16, Base::Dec},
    {dns_f::srv_weight, "dns.srv.weight", "Weight", FT::UInt16, Base::Dec},
    {dns_f::srv_port, "dns.srv.port", "Port", FT::UInt16, Base::Dec},
    {dns_f::srv_target, "dns.srv.target", "Target", FT::String},
    {dns_f::soa_mname, "dns.soa.mname", "Primary name server", FT::String},
    {dns_f::soa_rname, "dns.soa.rname", "Responsible authority's mailbox", FT::String},
    {dns_f::soa_serial_number, "dns.soa.serial_number", "Serial Number", FT::UInt32, Base::Dec},
    {dns_f::soa_refresh_interval, "dns.soa.refresh_interval", "Refresh Interval", FT::UInt32, Base::Dec},
    {dns_f::soa_retry_interval, "dns.soa.retry_interval", "Retry Interval", FT::UInt32, Base::Dec},
    {dns_f::soa_expire_limit, "dns.soa.expire_limit", "Expire limit", FT::UInt32, Base::Dec},
    {dns_f::soa_minimum_ttl, "dns.soa.minimum_ttl", "Minimum TTL", FT::UInt32, Base::Dec},
    // (tshark declares it hex with a mask, and shows it as a plain decimal number)
    {dns_f::rr_udp_payload_size, "dns.rr.udp_payload_size", "UDP payload size", FT::UInt16, Base::Dec},
    {dns_f::resp_ext_rcode, "dns.resp.ext_rcode", "Higher bits in extended RCODE", FT::UInt8, Base::Hex},
    {dns_f::resp_edns0_version, "dns.resp.edns0_version", "EDNS0 version", FT::UInt8, Base::Dec},
    {dns_f::resp_z, "dns.resp.z", "Z", FT::UInt16, Base::Hex},
    {dns_f::resp_z_do, "dns.resp.z.do", "DO bit", FT::Boolean, Base::None, 0x8000, 16},
    {dns_f::resp_z_reserved, "dns.resp.z.reserved", "Reserved", FT::UInt16, Base::Hex, 0x7fff},
    {dns_f::response_to, "dns.response_to", "Request In", FT::FrameNum},
    {dns_f::response_in, "dns.response_in", "Response In", FT::FrameNum},
    {dns_f::time, "dns.time", "Time", FT::RelativeTime},
    {dns_f::qry_qu, "dns.qry.qu", "\"QU\" question", FT::Boolean, Base::None, 0x8000, 16},
    {dns_f::resp_cache_flush, "dns.resp.cache_flush", "Cache flush", FT::Boolean, Base::None, 0x8000, 16},
    {dns_f::srv_service, "dns.srv.service", "Service", FT::String},
    {dns_f::srv_proto, "dns.srv.proto", "Protocol", FT::String},
    {dns_f::srv_name, "dns.srv.name", "Name", FT::String},
    {dns_f::retransmit_request, "dns.retransmit_request", "DNS query retransmission", FT::None},
    {dns_f::retransmit_response, "dns.retransmit_response", "DNS response retransmission", FT::None},
    {dns_f::retransmit_request_in, "dns.retransmit_request_in", "Retransmitted request. Original request in", FT::FrameNum},
    {dns_f::retransmit_response_in, "dns.retransmit_response_in", "Retransmitted response. Original response in",
     FT::FrameNum},
    {dns_f::retransmission, "dns.retransmission", "Retransmission", FT::Boolean},
    {dns_f::unsolicited, "dns.unsolicited", "Unsolicited", FT::Boolean},
    {dns_f::length, "dns.length", "Length", FT::UInt16, Base::Dec},
    {dns_f::opt, "dns.opt", "Option", FT::None},
    {dns_f::opt_code, "dns.opt.code", "Option Code", FT::UInt16, Base::Dec},
    {dns_f::opt_len, "dns.opt.len", "Option Length", FT::UInt16, Base::Dec},
    {dns_f::opt_data, "dns.opt.data", "Option Data", FT::Bytes},
    {dns_f::opt_cookie_client, "dns.opt.cookie.client", "Client Cookie", FT::Bytes},
    {dns_f::opt_cookie_server, "dns.opt.cookie.server", "Server Cookie", FT::Bytes},
    {dns_f::opt_padding, "dns.opt.padding", "Padding", FT::Bytes},
    // Multicast DNS: its own protocol, tshark's dns.* fields (so it comes last).
    {dns_f::mdns_proto, "mdns", "Multicast Domain Name System", FT::Protocol, Base::None, 0, 0, {}, "MDNS"},
    {dns_f::llmnr_proto, "llmnr", "Link-local Multicast Name Resolution", FT::Protocol, Base::None, 0, 0, {}, "LLMNR"},
};
std::span<const FieldDef> dns_field_table() { return kDns; }

namespace {

const char* type_name(uint16_t t) {
  switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 50: return "NSEC3";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 255: return "ANY";
    case 257: return "CAA";
    default: return nullptr;
  }
}
void append_type(std::string& s, uint16_t t) {
  if (const char* n = type_name(t)) {
    s += n;
  } else {
    s += "Unknown (";
    core::append_uint(s, t);
    s += ')';
  }
}
const char* class_name(uint16_t c) {
  switch (c) {
    case 1: return "IN";
    case 3: return "CH";
    case 4: return "HS";
    case 254: return "NONE";
    case 255: return "ANY";
    default: return nullptr;
  }
}
const char* opcode_name(unsigned op) {
  switch (op) {
    case 0: return "Standard query";
    case 1: return "Inverse query";
    case 2: return "Server status request";
    case 4: return "Zone change notification";
    case 5: return "Dynamic update";
    default: return "Unknown operation";
  }
}
const char* rcode_name(unsigned rc) {
  switch (rc) {
    case 1: return "Format error";
    case 2: return "Server failure";
    case 3: return "No such name";
    case 4: return "Not implemented";
    case 5: return "Refused";
    case 6: return "Name exists";
    case 7: return "RRset exists";
    case 8: return "RRset does not exist";
    case 9: return "Not authoritative";
    case 10: return "Name out of zone";
    default: return "Unknown error";
  }
}

// A domain name at pos in msg. `end` is where the name ends in place (after
// the first pointer when compressed).
struct Name {
  std::string text;
  unsigned labels = 0;
  size_t end = 0;
  bool ok = false;
};
Name read_name(Bytes msg, size_t pos) {
  Name n;
  size_t jumps = 0;
  bool jumped = false;
  for (;;) {
    if (pos >= msg.size()) return n;
    uint8_t len = msg[pos];
    if ((len & 0xc0) == 0xc0) {
      if (pos + 1 >= msg.size()) return n;
      size_t target = size_t(len & 0x3f) << 8 | msg[pos + 1];
      if (!jumped) n.end = pos + 2;
      jumped = true;
      if (++jumps > 64 || target >= msg.size()) return n;  // a loop or a pointer out of the message
      pos = target;
      continue;
    }
    if (len & 0xc0) return n;  // extended label types (obsolete): not decoded
    if (len == 0) {
      if (!jumped) n.end = pos + 1;
      break;
    }
    if (pos + 1 + len > msg.size() || n.text.size() > 1024) return n;
    if (!n.text.empty()) n.text += '.';
    for (size_t i = 0; i < len; ++i) {
      uint8_t c = msg[pos + 1 + i];
      if (c >= 0x20 && c < 0x7f && c != '.') {
        n.text += static_cast<char>(c);
      } else {
        static const char hex[] = "0123456789abcdef";
        n.text += "\\x";
        n.text += hex[c >> 4];
        n.text += hex[c & 15];
      }
    }
    ++n.labels;
    pos += 1 + size_t(len);
  }
  if (n.text.empty()) n.text = "<Root>";
  n.ok = true;
  return n;
}

// tshark's wording of a TTL: "0 seconds", "1 hour", "2 days, 3 minutes".
std::string duration(uint32_t secs) {
  if (secs == 0) return "0 seconds";
  static const struct {
    uint32_t unit;
    const char* name;
  } kParts[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
  std::string s;
  for (const auto& p : kParts) {
    const uint32_t n = secs / p.unit;
    secs %= p.unit;
    if (!n) continue;
    if (!s.empty()) s += ", ";
    s += std::to_string(n) + " " + p.name + (n == 1 ? "" : "s");
  }
  return s;
}

// mDNS shows the class under its 15-bit mask: ".000 0000 0000 0001 = Class: IN (0x0001)".
std::string class_bits(uint16_t cls) {
  std::string s = ".";
  for (int b = 14; b >= 0; --b) {
    s += (cls >> b & 1) ? '1' : '0';
    if (b % 4 == 0 && b) s += ' ';
  }
  const char* n = class_name(cls);
  char hex[8];
  snprintf(hex, sizeof hex, "0x%04x", cls);
  return s + " = Class: " + (n ? n : "Unknown") + " (" + hex + ")";
}

struct Ctx {
  Packet& pkt;
  Bytes msg;
  uint32_t base;  // frame offset of the message
  std::string* info;
  bool mdns = false;  // the class's top bit: "QU" question, cache flush
};

// One question; false when the message ends early or a name is malformed.
bool question(Ctx& c, size_t& pos) {
  auto& t = c.pkt.tree;
  Name n = read_name(c.msg, pos);
  if (!n.ok || n.end + 4 > c.msg.size()) return false;
  const uint16_t type = core::be16_at(c.msg, n.end), raw_cls = core::be16_at(c.msg, n.end + 2);
  const uint16_t cls = c.mdns ? raw_cls & 0x7fff : raw_cls;
  const bool qu = c.mdns && (raw_cls & 0x8000);
  const uint32_t o = c.base + static_cast<uint32_t>(pos);
  const uint32_t len = static_cast<uint32_t>(n.end + 4 - pos);
  std::string label;
  if (t.wants(link::ws_f::text)) {
    label = n.text + ": type ";
    append_type(label, type);
    label += ", class ";
    const char* cn = class_name(cls);
    label += cn ? cn : "Unknown";
    if (c.mdns) label += qu ? ", \"QU\" question" : ", \"QM\" question";
  }
  core::Subtree sub(t, core::add_text(t, label, o, len));
  t.add_string_copy(dns_f::qry_name, n.text, o, static_cast<uint32_t>(n.end - pos));
  t.add_uint(dns_f::qry_name_len, n.text == "<Root>" ? 6 : n.text.size(), o, 0, core::FieldNode::kGenerated);
  t.add_uint(dns_f::count_labels, n.labels, o, 0, core::FieldNode::kGenerated);
  t.add_uint(dns_f::qry_type, type, c.base + static_cast<uint32_t>(n.end), 2);
  const int32_t ci = t.add_uint(dns_f::qry_class, cls, c.base + static_cast<uint32_t>(n.end + 2), 2);
  if (c.mdns) t.set_display(ci, class_bits(cls));
  if (c.mdns) t.add_bool(dns_f::qry_qu, qu, c.base + static_cast<uint32_t>(n.end + 2), 2);
  if (c.info) {
    *c.info += ' ';
    append_type(*c.info, type);
    *c.info += ' ';
    *c.info += n.text;
    if (c.mdns) *c.info += qu ? ", \"QU\" question" : ", \"QM\" question";
  }
  pos = n.end + 4;
  return true;
}

// One resource record; false when the message ends early or a name is malformed.
bool record(Ctx& c, size_t& pos) {
  auto& t = c.pkt.tree;
  Name n = read_name(c.msg, pos);
  if (!n.ok) return false;
  if (n.end + 10 > c.msg.size()) return false;
  const Bytes h = c.msg.subspan(n.end, 10);  // type, class, TTL, RDLENGTH
  const uint16_t type = core::be16_at(h, 0), raw_cls = core::be16_at(h, 2), rdlen = core::be16_at(h, 8);
  const bool flush = c.mdns && type != 41 && (raw_cls & 0x8000);
  const uint16_t cls = c.mdns && type != 41 ? raw_cls & 0x7fff : raw_cls;
  const uint32_t ttl = core::be32_at(h, 4);
  const size_t rd = n.end + 10;
  if (rd + rdlen > c.msg.size()) {
    // Its data cut short: tshark has named the record's type in Info before
    // it runs out of bytes.
    if (c.info) {
      *c.info += ' ';
      append_type(*c.info, type);
      if (flush) *c.info += ", cache flush";
    }
    return false;
  }
  const Bytes rdata = c.msg.subspan(rd, rdlen);
  const uint8_t* d = rdata.data();
  auto be16 = [&](size_t k) { return core::be16_at(rdata, k); };  // within RDATA, checked
  const uint32_t o = c.base + static_cast<uint32_t>(pos);
  const uint32_t ro = c.base + static_cast<uint32_t>(rd);
  // What the record says, for Info and its tree label.
  std::string what;
  Name target;
  auto name_at = [&](size_t at) {
    target = read_name(c.msg, at);
    return target.ok;
  };
  if (type == 1 && rdlen == 4) {
    char b[16];
    what.assign(b, core::format_ipv4(b, core::be32_at(rdata, 0)));
  } else if (type == 28 && rdlen == 16) {
    char b[48];
    what.assign(b, core::format_ipv6(b, d));
  } else if ((type == 2 || type == 5 || type == 12) && name_at(rd)) {
    what = target.text;
  } else if (type == 15 && rdlen >= 3 && name_at(rd + 2)) {
    what = std::to_string(be16(0)) + " " + target.text;
  } else if (type == 6 && name_at(rd)) {
    what = target.text;
  } else if (type == 33 && rdlen >= 7 && name_at(rd + 6)) {
    what = std::to_string(be16(0)) + " " + std::to_string(be16(2)) + " " + std::to_string(be16(4)) + " " +
           target.text;
  }
  std::string label;
  if (t.wants(link::ws_f::text)) {
    label = n.text + ": type ";
    append_type(label, type);
    if (type != 41) {
      label += ", class ";
      const char* cn = class_name(cls);
      label += cn ? cn : "Unknown";
      if (flush) label += ", cache flush";
      if (type == 1 || type == 28) label += ", addr " + what;
      else if (type == 5) label += ", cname " + what;
      else if (type == 2) label += ", ns " + what;
      else if (type == 12) label += ", " + what;
      else if (type == 15 && target.ok) label += ", preference " + std::to_string(be16(0)) + ", mx " + target.text;
      else if (type == 33 && target.ok)
        label += ", priority " + std::to_string(be16(0)) + ", weight " + std::to_string(be16(2)) + ", port " +
                 std::to_string(be16(4)) + ", target " + target.text;
      else if (type == 6 && target.ok) label += ", mname " + target.text;
    }
  }
  core::Subtree sub(t, core::add_text(t, label, o, static_cast<uint32_t>(rd + rdlen - pos)));
  if (type == 33) {
    // SRV: tshark splits the owner name into service, protocol and name ("Lab broker", "_mqtt", "_tcp.local").
    std::string_view all = n.text;
    const size_t a = all.find('.');
    const size_t b = a == std::string_view::npos ? a : all.find('.', a + 1);
    const uint32_t nl = static_cast<uint32_t>(n.end - pos);
    if (b != std::string_view::npos) {
      t.add_string_copy(dns_f::srv_service, all.substr(0, a), o, nl);
      t.add_string_copy(dns_f::srv_proto, all.substr(a + 1, b - a - 1), o, nl);
      t.add_string_copy(dns_f::srv_name, all.substr(b + 1), o, nl);
    } else {
      t.add_string_copy(dns_f::resp_name, n.text, o, nl);
    }
  } else {
    t.add_string_copy(dns_f::resp_name, n.text, o, static_cast<uint32_t>(n.end - pos));
  }
  t.add_uint(dns_f::resp_type, type, c.base + static_cast<uint32_t>(n.end), 2);
  if (type == 41) {
    t.add_uint(dns_f::rr_udp_payload_size, cls, c.base + static_cast<uint32_t>(n.end + 2), 2);
    t.add_uint(dns_f::resp_ext_rcode, h[4], c.base + static_cast<uint32_t>(n.end + 4), 1);
    t.add_uint(dns_f::resp_edns0_version, h[5], c.base + static_cast<uint32_t>(n.end + 5), 1);
    core::Subtree z(t, t.add_uint(dns_f::resp_z, core::be16_at(h, 6), c.base + static_cast<uint32_t>(n.end + 6), 2));
    t.add_bool(dns_f::resp_z_do, h[6] & 0x80, c.base + static_cast<uint32_t>(n.end + 6), 2);
    t.add_uint(dns_f::resp_z_reserved, core::be16_at(h, 6) & 0x7fff, c.base + static_cast<uint32_t>(n.end + 6), 2);
  } else {
    const int32_t ci = t.add_uint(dns_f::resp_class, cls, c.base + static_cast<uint32_t>(n.end + 2), 2);
    if (c.mdns) t.set_display(ci, class_bits(cls));
    if (c.mdns) t.add_bool(dns_f::resp_cache_flush, flush, c.base + static_cast<uint32_t>(n.end + 2), 2);
    int32_t ti = t.add_uint(dns_f::resp_ttl, ttl, c.base + static_cast<uint32_t>(n.end + 4), 4);
    if (ti >= 0) t.append_text(ti, " (" + duration(ttl) + ")");
  }
  t.add_uint(dns_f::resp_len, rdlen, c.base + static_cast<uint32_t>(n.end + 8), 2);
  switch (type) {
    case 1:
      if (rdlen == 4) t.add_ipv4(dns_f::a, core::be32_at(rdata, 0), ro);
      break;
    case 28:
      if (rdlen == 16) t.add_ipv6(dns_f::aaaa, d, ro);
      break;
    case 2:
    case 5:
    case 12:
      if (target.ok)
        t.add_string_copy(type == 2 ? dns_f::ns : type == 5 ? dns_f::cname : dns_f::ptr_domain_name, target.text, ro,
                          rdlen);
      break;
    case 15:
      if (target.ok) {
        t.add_uint(dns_f::mx_preference, be16(0), ro, 2);
        t.add_string_copy(dns_f::mx_mail_exchange, target.text, ro + 2, rdlen - 2u);
      }
      break;
    case 33:
      if (target.ok) {
        t.add_uint(dns_f::srv_priority, be16(0), ro, 2);
        t.add_uint(dns_f::srv_weight, be16(2), ro + 2, 2);
        t.add_uint(dns_f::srv_port, be16(4), ro + 4, 2);
        t.add_string_copy(dns_f::srv_target, target.text, ro + 6, rdlen - 6u);
      }
      break;
    case 16: {
      size_t i = 0;
      while (i < rdlen) {
        uint8_t l = d[i];
        if (i + 1 + l > rdlen) break;
        t.add_uint(dns_f::txt_length, l, ro + static_cast<uint32_t>(i), 1);
        t.add_string_copy(dns_f::txt, std::string_view(reinterpret_cast<const char*>(d + i + 1), l),
                          ro + static_cast<uint32_t>(i + 1), l);
        i += 1 + size_t(l);
      }
      break;
    }
    case 6: {
      if (!target.ok) break;
      Name rname = read_name(c.msg, target.end);
      if (!rname.ok || rname.end + 20 > rd + rdlen) break;
      const Bytes s = c.msg.subspan(rname.end, 20);  // serial, refresh, retry, expire, minimum
      t.add_string_copy(dns_f::soa_mname, target.text, ro, static_cast<uint32_t>(target.end - rd));
      t.add_string_copy(dns_f::soa_rname, rname.text, c.base + static_cast<uint32_t>(target.end),
                        static_cast<uint32_t>(rname.end - target.end));
      const uint32_t so = c.base + static_cast<uint32_t>(rname.end);
      t.add_uint(dns_f::soa_serial_number, core::be32_at(s, 0), so, 4);
      t.add_uint(dns_f::soa_refresh_interval, core::be32_at(s, 4), so + 4, 4);
      t.add_uint(dns_f::soa_retry_interval, core::be32_at(s, 8), so + 8, 4);
      t.add_uint(dns_f::soa_expire_limit, core::be32_at(s, 12), so + 12, 4);
      t.add_uint(dns_f::soa_minimum_ttl, core::be32_at(s, 16), so + 16, 4);
      break;
    }
    case 41: {
      // EDNS(0) options (RFC 6891 §6.1.2): code, length, data; a cookie (RFC 7873) split.
      size_t i = 0;
      while (i + 4 <= rdlen) {
        const uint16_t code = be16(i), len = be16(i + 2);
        const Bytes data = rdata.subspan(i + 4, std::min<size_t>(len, rdlen - i - 4));
        const uint32_t oo = ro + static_cast<uint32_t>(i);
        const int32_t oi = t.add_none(dns_f::opt, oo, static_cast<uint32_t>(4 + data.size()));
        if (oi >= 0 && t.wants(dns_f::opt)) {
          const char* name = core::value_name_known("dns.opt.code", code);
          t.set_label(oi, std::string("Option: ") + (name ? name : "Unknown"));
        }
        core::Subtree os(t, oi);
        t.add_uint(dns_f::opt_code, code, oo, 2);
        t.add_uint(dns_f::opt_len, len, oo + 2, 2);
        if (!data.empty()) t.add_bytes(dns_f::opt_data, data.data(), data.size(), oo + 4);
        if (code == 10 && data.size() >= 8) {
          t.add_bytes(dns_f::opt_cookie_client, data.data(), 8, oo + 4);
          t.add_bytes(dns_f::opt_cookie_server, data.data() + 8, data.size() - 8, oo + 12);
        } else if (code == 12) {
          t.add_bytes(dns_f::opt_padding, data.data(), data.size(), oo + 4);
        }
        i += 4 + data.size();
      }
      break;
    }
    default:
      break;
  }
  if (c.info) {
    *c.info += ' ';
    append_type(*c.info, type);
    if (flush) *c.info += ", cache flush";
    if (!what.empty()) {
      *c.info += ' ';
      *c.info += what;
    }
  }
  pos = rd + rdlen;
  return true;
}

uint64_t pair_key(const Packet& pkt, uint16_t id) {
  const auto& a = pkt.net_src.bytes;
  const auto& b = pkt.net_dst.bytes;
  int cmp = std::memcmp(a.data(), b.data(), a.size());
  const bool swap = cmp > 0 || (cmp == 0 && pkt.srcport > pkt.dstport);
  uint64_t h = core::tx_mix(53, id);
  h = core::tx_mix_bytes(h, (swap ? b : a).data(), a.size());
  h = core::tx_mix_bytes(h, (swap ? a : b).data(), a.size());
  return core::tx_mix(h, swap ? uint64_t(pkt.dstport) << 16 | pkt.srcport : uint64_t(pkt.srcport) << 16 | pkt.dstport);
}

}  // namespace

namespace {
// One message at frame offset `off` (over TCP: its 2-byte length first).
enum class Flavor : uint8_t { Dns, Mdns, Llmnr };

void dissect_message(Reader& r, uint32_t off, Packet& pkt, DissectState& st, Flavor flavor, bool tcp = false) {
  auto& t = pkt.tree;
  const bool mdns = flavor == Flavor::Mdns, llmnr = flavor == Flavor::Llmnr;
  // The name tshark's truncation and malformed marks give ("[... : mDNS truncated]").
  const char* mark_name = mdns ? "mDNS" : llmnr ? "LLMNR" : "DNS";
  pkt.layer(mdns ? "mdns" : llmnr ? "llmnr" : "dns");
  pkt.set_protocol(mdns ? "MDNS" : llmnr ? "LLMNR" : "DNS");
  const core::FieldId proto = mdns    ? core::FieldId{dns_f::mdns_proto}
                              : llmnr ? core::FieldId{dns_f::llmnr_proto}
                                      : core::FieldId{dns_f::proto};
  // tshark reads the transaction ID and flags (after TCP's length) before
  // its layer's line: a capture that ends before them shows the protocol,
  // an empty Info and the cut.
  const size_t before = (tcp ? 2u : 0u) + 4u;
  if (r.captured_remaining() < before && r.remaining() >= before) {
    // (Over TCP, without the whole length field TCP's PDU framing never
    // called DNS: TCP's line stays.)
    if (tcp && r.captured_remaining() < 2) {
      pkt.set_protocol("TCP");
    } else if (pkt.cols) {
      pkt.cols->info.clear();
    }
    pkt.mark_truncated(mark_name);
    return;
  }
  int32_t p = t.open(proto, off, static_cast<uint32_t>(r.remaining()));
  if (tcp) {
    const uint16_t len = r.be16();
    if (pkt.check(r, mark_name)) {
      t.close();
      return;
    }
    t.add_uint(dns_f::length, len, off, 2);
    off += 2;
  }
  const Bytes msg = r.rest_captured();
  const size_t declared = r.remaining();
  const uint16_t id = r.be16();
  const uint16_t flags = r.be16();
  if (r.ok() && t.wants(proto))
    t.set_label(p, std::string(mdns    ? "Multicast Domain Name System"
                               : llmnr ? "Link-local Multicast Name Resolution"
                                       : "Domain Name System") +
                       (flags & 0x8000 ? " (response)" : " (query)"));
  if (pkt.check(r, mark_name)) {
    t.close();
    return;
  }
  const uint16_t qd = r.be16(), an = r.be16(), ns = r.be16(), ar = r.be16();
  // (Counts the capture cut: the ID, the flags and Info first, as tshark.)
  const bool counts_cut = !r.ok();
  const size_t counts_have = counts_cut ? (msg.size() > 4 ? (msg.size() - 4) / 2 : 0) : 4;
  const bool response = flags & 0x8000;
  const unsigned opcode = (flags >> 11) & 0xf, rcode = flags & 0xf;
  // Pairing, as tshark's: a query repeating one not yet answered is a retransmission;
  // the first response answers, later ones repeat it. (Keyed by the endpoints and the id.)
  const uint64_t key = pair_key(pkt, id);
  core::Transactions::Request* known = pkt.in_error ? nullptr : st.dns_tx.lookup(key);
  const bool response_flag = flags & 0x8000;
  uint64_t again_of = 0;  // the frame this message repeats
  if (known && !response_flag && !known->resp_frame) again_of = known->frame;
  if (known && response_flag && known->resp_frame && known->resp_frame < pkt.frame.number) again_of = known->resp_frame;
  const int32_t id_idx = t.add_uint(dns_f::id, id, off, 2);
  {
    core::Subtree sub(t, t.add_uint(dns_f::flags, flags, off + 2, 2));
    t.add_bool(dns_f::flags_response, response, off + 2, 2);
    t.add_uint(dns_f::flags_opcode, opcode, off + 2, 2);
    if (llmnr) {
      // RFC 4795 §2.1.1: C (conflict) where DNS has AA, T (tentative) where it has RD.
      const int32_t c = t.add_bool(dns_f::flags_conflict, flags & 0x0400, off + 2, 2);
      if (response)  // (a query's wording comes from the field's own true/false names)
        t.set_display(c, flags & 0x0400 ? ".... .1.. .... .... = Conflict: The name is not considered unique"
                                        : ".... .0.. .... .... = Conflict: The name is considered unique");
      t.add_bool(dns_f::flags_truncated, flags & 0x0200, off + 2, 2);
      t.add_bool(dns_f::flags_tentative, flags & 0x0100, off + 2, 2);
      if (response) t.add_uint(dns_f::flags_rcode, rcode, off + 2, 2);
    } else {
    if (response) t.add_bool(dns_f::flags_authoritative, flags & 0x0400, off + 2, 2);
    t.add_bool(dns_f::flags_truncated, flags & 0x0200, off + 2, 2);
    t.add_bool(dns_f::flags_recdesired, flags & 0x0100, off + 2, 2);
    if (response) t.add_bool(dns_f::flags_recavail, flags & 0x0080, off + 2, 2);
    t.add_bool(dns_f::flags_z, flags & 0x0040, off + 2, 2);
    if (response) {
      t.add_bool(dns_f::flags_authenticated, flags & 0x0020, off + 2, 2);
    } else if (flags & 0x0020) {  // a query asking for the AD bit (RFC 6840 §5.7): tshark's own line
      const int32_t ad = t.add_bool(dns_f::flags_authenticated, true, off + 2, 2);
      t.set_display(ad, ".... .... ..1. .... = AD bit: Set");
    }
    t.add_bool(dns_f::flags_checkdisable, flags & 0x0010, off + 2, 2);
    if (response) t.add_uint(dns_f::flags_rcode, rcode, off + 2, 2);
    }
  }
  if (counts_have > 0) t.add_uint(dns_f::count_queries, qd, off + 4, 2);
  if (counts_have > 1) t.add_uint(dns_f::count_answers, an, off + 6, 2);
  if (counts_have > 2) t.add_uint(dns_f::count_auth_rr, ns, off + 8, 2);
  if (counts_have > 3) t.add_uint(dns_f::count_add_rr, ar, off + 10, 2);
  std::string* info = pkt.cols ? &pkt.cols->info : nullptr;
  if (info) {
    *info = opcode_name(opcode);
    if (response) *info += " response";
    *info += ' ';
    core::append_hex(*info, id, 4);
    if (response && rcode) {
      *info += ' ';
      *info += rcode_name(rcode);
    }
  }
  if (counts_cut) {
    pkt.check(r, mark_name);
    t.close();
    return;
  }
  Ctx c{pkt, msg, off, info, mdns};
  size_t pos = 12;
  bool ok = true;
  // (A section the capture ends before: tshark's line for it needs a byte of it.)
  auto section_cut = [&](size_t at) {
    if (at < msg.size() || at >= declared) return false;
    pkt.mark_truncated(mark_name);
    return true;
  };
  if (qd && section_cut(pos)) ok = false;
  if (qd && ok) {
    core::Subtree sec(t, core::add_text(t, "Queries", off + 12, 0));
    for (unsigned i = 0; i < qd && ok; ++i) ok = question(c, pos);
  }
  const char* sections[] = {"Answers", "Authoritative nameservers", "Additional records"};
  const uint16_t counts[] = {an, ns, ar};
  for (int s = 0; s < 3 && ok; ++s) {
    if (!counts[s]) continue;
    if (section_cut(pos)) {
      ok = false;
      break;
    }
    core::Subtree sec(t, core::add_text(t, sections[s], off + static_cast<uint32_t>(pos), 0));
    for (unsigned i = 0; i < counts[s] && ok; ++i) ok = record(c, pos);
  }
  if (!pkt.in_error) {
    // The pairing is noted either way; its items follow the sections, so a
    // message whose sections ran out of bytes shows none (tshark's exception
    // comes first).
    const bool show = ok;
    if (again_of && show) {
      // (under the Transaction ID, as tshark, which adds it after the sections)
      core::Subtree under(t, id_idx);
      const std::string m = std::string(response_flag ? "DNS response retransmission. Original response in frame "
                                                      : "DNS query retransmission. Original request in frame ") +
                            std::to_string(again_of);
      core::add_expert(t, m, core::Severity::Warn, core::ExpertGroup::Protocol, off, 2,
                       response_flag ? dns_f::retransmit_response : dns_f::retransmit_request);
    }
    if (!response) {
      if (again_of) {
        if (show) {
          t.add_uint(dns_f::retransmit_request_in, again_of, 0, 0, core::FieldNode::kGenerated);
          t.add_bool(dns_f::retransmission, true, 0, 0, core::FieldNode::kGenerated);
        }
      } else {
        st.dns_tx.replace(key, pkt.frame.number, pkt.frame.ts);
        if (const uint64_t rf = st.dns_tx.response_in(pkt.frame.number); rf && show)  // -2: "[Response In: 15]"
          t.add_uint(dns_f::response_in, rf, 0, 0, core::FieldNode::kGenerated);
      }
    } else if (again_of) {
      if (show) {
        t.add_uint(dns_f::retransmit_response_in, again_of, 0, 0, core::FieldNode::kGenerated);
        t.add_bool(dns_f::retransmission, true, 0, 0, core::FieldNode::kGenerated);
      }
    } else if (known && !known->resp_frame && known->frame < pkt.frame.number) {
      known->resp_frame = pkt.frame.number;
      st.dns_tx.answered_by(known->frame, pkt.frame.number);
      if (show) {
        t.add_uint(dns_f::response_to, known->frame, 0, 0, core::FieldNode::kGenerated);
        int32_t ti = t.add_time(dns_f::time, core::ts_sub(pkt.frame.ts, known->ts));
        t.nodes_flags(ti, core::FieldNode::kGenerated);
      }
    } else if (!known && show) {
      t.add_bool(dns_f::unsolicited, true, 0, 0, core::FieldNode::kGenerated);  // no query seen for it
    }
  }
  t.close();
  if (!ok) {
    if (msg.size() < declared) pkt.mark_truncated(mark_name);
    else pkt.mark_malformed(mark_name);
  }
}

uint32_t frame_offset(const Reader& r, const Packet& pkt) {
  return static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
}
}  // namespace

void dissect_dns(Reader& r, Packet& pkt, DissectState& st) { dissect_message(r, frame_offset(r, pkt), pkt, st, Flavor::Dns); }
void dissect_mdns(Reader& r, Packet& pkt, DissectState& st) {
  dissect_message(r, frame_offset(r, pkt), pkt, st, Flavor::Mdns);
}
void dissect_llmnr(Reader& r, Packet& pkt, DissectState& st) {
  dissect_message(r, frame_offset(r, pkt), pkt, st, Flavor::Llmnr);
}

tcp::PduLen tcp_pdu_length(std::span<const uint8_t> b) {
  tcp::PduLen r;
  if (b.size() < 2) return r;
  r.total = 2 + core::be16_at(b, 0);
  r.total_known = true;
  r.kind = b.size() >= r.total ? tcp::PduLen::Kind::Pdu : tcp::PduLen::Kind::NeedMore;
  return r;
}

bool tcp_plausible(std::span<const uint8_t> b) {
  // After a gap: a length that holds at least a header, and counts that fit it.
  return b.size() >= 14 && core::be16_at(b, 0) >= 12;
}

void dissect_tcp_message(Bytes pdu, uint32_t base, Packet& pkt, DissectState& st) {
  Reader r(pdu);
  dissect_message(r, base, pkt, st, Flavor::Dns, true);
}

void dissect_tcp_cut(Reader& r, uint32_t base, Packet& pkt, DissectState& st) {
  const Bytes b = r.rest_captured();
  if (b.size() >= 2 && pkt.tree.wants(tcp::tcp_f::pdu_size)) {  // the PDU tshark's TCP would have reassembled
    core::Subtree in_tcp(pkt.tree, pkt.tree.last_of(tcp::tcp_f::proto));
    pkt.tree.add_uint(tcp::tcp_f::pdu_size, 2u + core::be16_at(b, 0), 0, 0);
  }
  dissect_message(r, base, pkt, st, Flavor::Dns, true);
}

}  // namespace mqsniff::dns
