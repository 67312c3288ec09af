#include "src/output/verbose.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <unordered_map>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/core/value_names.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/net/net_fields.h"
#include "dissectors/tcp/tcp_fields.h"
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/tls/tls_dissect.h"
#include "dissectors/tls/x509.h"
#include "src/output/field_format.h"
#include "src/output/render.h"
#include "src/output/text_buf.h"
#include "src/output/writer.h"

namespace mqsniff::out {
using core::FieldDef;
using core::lookup;
using core::Vs;
using core::value_name;
using core::value_name_known;
using core::FieldNode;
using core::FieldType;
using core::ValueKind;

namespace {

const Vs kDscpShort[] = {{0, "CS0"}, {8, "CS1"}, {10, "AF11"}, {12, "AF12"}, {14, "AF13"}, {16, "CS2"}, {18, "AF21"},
                         {20, "AF22"}, {22, "AF23"}, {24, "CS3"}, {26, "AF31"}, {28, "AF32"}, {30, "AF33"},
                         {32, "CS4"}, {34, "AF41"}, {36, "AF42"}, {38, "AF43"}, {40, "CS5"}, {44, "VA"},
                         {46, "EF"}, {48, "CS6"}, {56, "CS7"}};
const Vs kEcnShort[] = {{0, "Not-ECT"}, {1, "ECT(1)"}, {2, "ECT(0)"}, {3, "CE"}};

// Hex digits a BASE_HEX value is shown with (the type's width, or the mask's).
int hex_digits(const FieldDef& d) {
  if (d.bitmask) {
    uint64_t m = d.bitmask >> core::mask_shift(d.bitmask);
    int n = 1;
    while (m >>= 4) ++n;
    return n;
  }
  return static_cast<int>(core::integer_bits(d.type) / 4);
}

// Spaces before a line at this depth: tshark's text printer stops indenting at 160.
size_t indent_of(int depth) { return std::min<size_t>(static_cast<size_t>(depth) * 4, 160); }

// "0001 .... = " for a masked field: the value's bits in the field's width.
void append_bits(TextBuf& out, const FieldDef& d, uint64_t raw) {
  unsigned width = d.type == FieldType::Boolean ? d.bool_bits : core::integer_bits(d.type);
  if (width == 0 || width > 64) return;
  char buf[96];
  size_t n = 0;
  for (int i = static_cast<int>(width) - 1; i >= 0; --i) {
    uint64_t bit = 1ull << i;
    buf[n++] = (d.bitmask & bit) ? ((raw & bit) ? '1' : '0') : '.';
    if (i % 4 == 0 && i) buf[n++] = ' ';
  }
  buf[n++] = ' ';
  buf[n++] = '=';
  buf[n++] = ' ';
  out.append(buf, n);
}


// Fields tshark shows in brackets: computed by the dissector, not read from
// the packet. mqsniff's own fields are all of that kind too.
bool generated(std::string_view a) {
  static const char* const kExact[] = {
      "frame.time_delta", "frame.time_delta_displayed", "frame.time_relative", "frame.marked", "frame.ignored",
      "frame.protocols", "frame.offset_shift", "ip.checksum.status", "tcp.stream", "tcp.len", "tcp.nxtseq",
      "tcp.window_size", "tcp.window_size_scalefactor", "tcp.flags.str", "tcp.checksum.status", "tcp.completeness",
      "tcp.time_relative", "tcp.time_delta", "icmp.checksum.status", "icmpv6.checksum.status", "tls.segment", "tls.segment.count", "tls.reassembled.length",
      "tls.reassembled.data", "tls.reassembled_in", "udp.stream", "udp.time_relative", "udp.time_delta", "data.len", "udp.checksum.status", "mqtt.version_inferred",
      "mqtt.topic_alias_resolved", "websocket.unmasked_payload", "websocket.fragment", "websocket.fragment.count", "websocket.reassembled.length", "ipv6.routing.rpl.addr_count", "tls.inferred_alert", "tls.app_data_proto", "tcp.pdu.size", "tcp.analysis"};
  for (const char* e : kExact)
    if (a == e) return true;
  if (a == "tcp.segment_data") return false;  // tshark: "TCP segment data (N bytes)", not bracketed
  static const char* const kPrefix[] = {"tcp.analysis.", "tcp.segment", "tcp.reassembled", "ip.fragment",
                                        "ip.reassembled", "tls.handshake.ja3", "tls.handshake.ja4", "tls.cert.",
                                        "mqtt.prop.", "mqtt.willprop.", "mqtt.analysis.", "tls.decrypt",
                                        "tcp.options.wscale.multiplier", "tcp.completeness", "tcp.options.sack.count",
                                        "tcp.options.sack.dsack_", "tls.handshake.fragment",
                                        "ipv6.fragment", "ipv6.reassembled"};
  for (const char* p : kPrefix)
    if (a.starts_with(p)) return true;
  return false;
}

}  // namespace


namespace {

// Booleans whose two values tshark names (its true/false strings).
struct Tfs {
  std::string_view abbrev;
  const char *yes, *no;
};
constexpr Tfs kTfs[] = {
      {"eth.dst.lg", "Locally administered address (this is NOT the factory default)", "Globally unique address (factory default)"},
      {"eth.src.lg", "Locally administered address (this is NOT the factory default)", "Globally unique address (factory default)"},
      {"eth.dst.ig", "Group address (multicast/broadcast)", "Individual address (unicast)"},
      {"eth.src.ig", "Group address (multicast/broadcast)", "Individual address (unicast)"},
      {"vlan.dei", "Eligible", "Ineligible"},
      {"ipv6.fraghdr.more", "Yes", "No"},
      {"ipv6.opt.type.change", "Yes", "No"},
      {"vxlan.flag_g", "Defined", "Not defined"},
      {"vxlan.flag_i", "True", "False"},
      {"websocket.fin", "True", "False"},
      {"websocket.mask", "True", "False"},
      {"vxlan.flag_d", "True", "False"},
      {"vxlan.flag_a", "True", "False"},
      {"dns.flags.response", "Message is a response", "Message is a query"},
      {"dns.flags.authoritative", "Server is an authority for domain", "Server is not an authority for domain"},
      {"dns.flags.truncated", "Message is truncated", "Message is not truncated"},
      {"dns.flags.recdesired", "Do query recursively", "Don't do query recursively"},
      {"dns.flags.recavail", "Server can do recursive queries", "Server can't do recursive queries"},
      {"dns.flags.z", "reserved (1)", "reserved (0)"},
      {"dns.flags.authenticated", "Answer/authority portion was authenticated by the server", "Answer/authority portion was not authenticated by the server"},
      {"dns.flags.checkdisable", "Acceptable", "Unacceptable"},
      {"dns.flags.conflict", "The sender received multiple responses", "None"},
      {"dns.flags.tentative", "Tentative", "Not tentative"},
      {"dns.resp.z.do", "Accepts DNSSEC security RRs", "Cannot handle DNSSEC security RRs"},
      {"dns.qry.qu", "True", "False"},
      {"dns.resp.cache_flush", "True", "False"},
      {"gtp.flags.e", "Yes", "No"},
      {"gtp.flags.s", "Yes", "No"},
      {"gtp.flags.pn", "Yes", "No"},
};

// Per-field facts the tree needs, computed once per field id (not per line).
// Two bytes per field (the table stays in L1/L2 whatever the field count).
struct FieldInfo {
  bool known : 1 = false;
  bool generated : 1 = false;
  bool has_names : 1 = false;  // value_name() may name its values
  bool tree_hidden : 1 = false;
  bool special : 1 = false;    // drawn its own way (see kSpecial)
  bool summary : 1 = false;    // a flags field whose line names its bits
  uint8_t tfs = 0;             // 1 + its entry in kTfs, 0: the default true/false words
};
static_assert(sizeof(FieldInfo) == 2);
static_assert(std::size(kTfs) < 255);
FieldInfo g_info[core::kMaxFieldId];  // filled once for every field (learn_all) before the first tree is drawn

void learn(FieldInfo& fi, const FieldDef& d);

// value_name() walks a chain of name comparisons; -V asks it for the same
// few (field, value) pairs again and again (eth.type 0x0800, a checksum
// status...). A direct-mapped cache per thread answers those.
const char* cached_value_name(const FieldDef& d, uint64_t v) {
  struct Entry {
    core::FieldId id = core::kNoField;
    uint64_t v = 0;
    const char* name = nullptr;
  };
  thread_local Entry cache[1024];
  Entry& e = cache[(static_cast<uint64_t>(d.id) * 0x9E3779B1u ^ v * 0x85EBCA77u) >> 7 & 1023];
  if (e.id == d.id && e.v == v) return e.name;
  e.id = d.id;
  e.v = v;
  e.name = value_name(d.abbrev, v);
  return e.name;
}

// What -V needs to know of a field (read-only once made: worker threads draw trees at once).
[[gnu::always_inline]] inline const FieldInfo& info_of(const FieldDef& d) {
  return g_info[d.id < core::kMaxFieldId ? d.id : 0];
}

// Every registered field's facts, made once (a function-local static: the
// first thread to draw a tree makes them, the others wait for it).
void learn_all() {
  static const bool made = [] {
    for (const FieldDef& d : core::FieldRegistry::instance().all())
      if (d.id < core::kMaxFieldId) learn(g_info[d.id], d);
    return true;
  }();
  (void)made;
}

void learn(FieldInfo& fi, const FieldDef& d) {
  {
    fi.known = true;
    fi.generated = generated(d.abbrev);
    // Fields drawn their own way in -V (field_line, append_flags_summary): checked once per field,
    // so every other line pays nothing for them.
    static const char* const kSpecial[] = {
        "tcp.window_size_scalefactor", "tcp.options.sack_le", "tcp.options.sack_re", "tcp.options.sack.dsack_le",
        "tcp.options.sack.dsack_re", "tcp.segment", "tls.segment", "tls.handshake.fragment", "websocket.fragment", "ip.fragment",
        "ipv6.fragment", "ip.frag_offset", "ipv6.fraghdr.offset", "ipv6.hopopts.len_oct", "ipv6.dstopts.len_oct", "ipv6.routing.len_oct",
        "tcp.hdr_len", "ip.version", "ip.hdr_len", "ip.checksum",
        "tcp.checksum", "udp.checksum", "frame.len", "frame.cap_len", "x509if.rdnSequence", "x509af.rdnSequence",
        "x509if.RDNSequence_item", "x509af.extensions", "x509ce.GeneralNames", "x509ce.KeyPurposeIDs",
        "tls.handshake.session_ticket_lifetime_hint", "ip.checksum.status", "tcp.checksum.status",
        "udp.checksum.status", "tcp.options", "tcp.payload", "udp.payload", "tcp.segment_data", "tls.handshake.extension.data",
        "tls.segment.data", "x509af.serialNumber", "pkcs1.modulus", "mqtt.conack.flags.reserved",
        "icmp.checksum.status", "icmpv6.checksum.status", "eth.fcs.status", "icmp.resptime", "icmpv6.resptime"};
    for (const char* e : kSpecial) fi.special |= d.abbrev == e;
    for (size_t k = 0; k < std::size(kTfs); ++k)
      if (d.abbrev == kTfs[k].abbrev) fi.tfs = static_cast<uint8_t>(k + 1);
    static const char* const kSummary[] = {"tcp.flags", "ip.dsfield", "ipv6.tclass", "mqtt.hdrflags", "mqtt.conflags",
                                           "mqtt.conack.flags", "mqtt.subscription_options", "ip.flags",
                                           "vxlan.flags", "icmpv6.nd.na.flag", "dns.flags"};
    for (const char* e : kSummary) fi.summary |= d.abbrev == e;
    // mqsniff's one-field-per-property duplicates: for filters, -e and JSON; -V shows tshark's lines only.
    fi.tree_hidden = d.abbrev.starts_with("mqtt.prop.") || d.abbrev.starts_with("mqtt.willprop.");
    // A field has value names if any of its first values, or a large one, is named.
    for (uint64_t v : {0ull, 1ull, 2ull, 3ull, 6ull, 8ull, 11ull, 20ull, 22ull, 0x0303ull, 0x0800ull, 0x1301ull, 0x001dull, 0x0804ull, 1000ull})
      fi.has_names |= value_name(d.abbrev, v) != nullptr;
  }
}

void append_hex(TextBuf& out, uint64_t v, int digits) {
  static const char* const kHex = "0123456789abcdef";
  out += "0x";
  char buf[17];
  int n = 0;
  do {
    buf[n++] = kHex[v & 15];
    v >>= 4;
  } while (v && n < 16);
  for (int i = n; i < digits; ++i) out += '0';
  while (n) out += buf[--n];
}

// "1 day, 2 hours, 3 minutes, 4 seconds" (the parts that are not zero).
void append_duration(TextBuf& out, uint64_t secs) {
  if (secs == 0) {
    out += "0 seconds";
    return;
  }
  const struct {
    uint64_t unit;
    const char* name;
  } parts[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
  bool first = true;
  for (const auto& p : parts) {
    uint64_t n = secs / p.unit;
    secs %= p.unit;
    if (!n) continue;
    if (!first) out += ", ";
    first = false;
    append_uint(out, n);
    out += ' ';
    out += p.name;
    if (n != 1) out += 's';
  }
}

// Does expert item `e` carry a field of its own (besides message, severity, group)?
bool named_expert(std::span<const FieldNode> nodes, size_t e) {
  for (size_t j = e + 1; j < nodes.size() && nodes[j].parent == static_cast<int32_t>(e); ++j)
    if (nodes[j].id != link::ws_f::expert_message && nodes[j].id != link::ws_f::expert_severity &&
        nodes[j].id != link::ws_f::expert_group)
      return true;
  return false;
}

bool is_count(std::string_view a) {
  return a == "x509if.rdnSequence" || a == "x509af.rdnSequence" || a == "x509if.RDNSequence_item" ||
         a == "x509af.extensions" || a == "x509ce.GeneralNames" || a == "x509ce.KeyPurposeIDs";
}

constexpr size_t kLabelMax = 239;  // tshark's ITEM_LABEL_LENGTH, less its terminator

// A whole label (a text item's, or a line the dissector worded): one longer
// than tshark's buffer is shown as tshark cuts it, " [truncated]" first.
void append_label(TextBuf& out, std::string_view label) {
  if (label.size() <= kLabelMax) {
    out += label;
    return;
  }
  static constexpr std::string_view kMark = " [truncated]";
  size_t keep = kLabelMax - 1 - kMark.size();
  while (keep > 0 && (static_cast<unsigned char>(label[keep]) & 0xc0) == 0x80) --keep;  // UTF-8 boundary
  out += kMark;
  out += label.substr(0, keep);
}

void field_line(TextBuf& out, const FieldDef& d, const FieldNode& n) {
  std::string v;
  switch (n.kind) {
    case ValueKind::None:
      out += d.name;
      return;
    case ValueKind::UInt:
    case ValueKind::Int: {
      uint64_t u = n.u;
      const bool special = info_of(d).special;
      if (special && d.abbrev == "tcp.window_size_scalefactor" && n.i < 0) {  // "-1 (unknown)", "-2 (no window scaling used)"
        out += d.name;
        out += n.i == -1 ? ": -1 (unknown)" : ": -2 (no window scaling used)";
        return;
      }
      if (special && (d.abbrev == "tcp.options.sack_le" || d.abbrev == "tcp.options.sack_re")) {  // "left edge = 2210 (relative)"
        out += d.abbrev == "tcp.options.sack_le" ? "left edge = " : "right edge = ";
        append_uint(out, u);
        out += " (relative)";
        return;
      }
      if (special && (d.abbrev == "tcp.options.sack.dsack_le" || d.abbrev == "tcp.options.sack.dsack_re")) {
        out += d.abbrev == "tcp.options.sack.dsack_le" ? "D-SACK Left Edge = " : "D-SACK Right Edge = ";
        append_uint(out, u);
        out += " (relative)";
        return;
      }
      if (special && (d.abbrev == "tcp.segment" || d.abbrev == "tls.segment" || d.abbrev == "tls.handshake.fragment" ||
                      d.abbrev == "websocket.fragment" ||
                      d.abbrev == "ip.fragment" || d.abbrev == "ipv6.fragment")) {  // "Frame: 118, payload: 0-32767 (32768 bytes)" (the payload part appended)
        out += "Frame: ";
        append_uint(out, u);
        return;
      }
      if (special && d.abbrev == "tcp.hdr_len") {  // "1010 .... = Header Length: 40 bytes (10)"
        const uint64_t words = u / 4;
        const char bits[4] = {char('0' + (words >> 3 & 1)), char('0' + (words >> 2 & 1)), char('0' + (words >> 1 & 1)),
                              char('0' + (words & 1))};
        out.append(bits, 4);
        out += " .... = Header Length: ";
        append_uint(out, u);
        out += " bytes (";
        append_uint(out, words);
        out += ')';
        return;
      }
      if (special && (d.abbrev == "ip.version" || d.abbrev == "ip.hdr_len")) {  // the first byte's two nibbles, as bits
        const uint64_t nib = d.abbrev == "ip.version" ? u : u / 4;
        const char nib_bits[4] = {char('0' + (nib >> 3 & 1)), char('0' + (nib >> 2 & 1)), char('0' + (nib >> 1 & 1)),
                                  char('0' + (nib & 1))};
        const std::string_view bits(nib_bits, 4);
        if (d.abbrev == "ip.version") {
          out += bits;
          out += " .... = Version: ";
          append_uint(out, u);
        } else {
          out += ".... ";
          out += bits;
          out += " = Header Length: ";
          append_uint(out, u);
          out += " bytes (";
          append_uint(out, nib);
          out += ')';
        }
        return;
      }
      if (special && (d.abbrev == "ip.checksum" || d.abbrev == "tcp.checksum" || d.abbrev == "udp.checksum")) {
        out += d.name;
        out += ": ";
        append_hex(out, u, 4);
        out += d.abbrev == "ip.checksum"                 ? " [validation disabled]"
               : d.abbrev == "udp.checksum" && u == 0 ? " [zero-value ignored]"
                                                        : " [unverified]";
        return;
      }
      if (special && (d.abbrev == "frame.len" || d.abbrev == "frame.cap_len")) {  // "Frame Length: 74 bytes (592 bits)"
        out += d.abbrev == "frame.len" ? "Frame Length: " : "Capture Length: ";
        append_uint(out, u);
        out += u == 1 ? " byte (" : " bytes (";  // (tshark's plural)
        append_uint(out, u * 8);
        out += " bits)";
        return;
      }
      if (special && is_count(d.abbrev)) {  // BER SEQUENCE OF: "rdnSequence: 3 items"
        out += d.name;
        out += ": ";
        append_uint(out, u);
        out += u == 1 ? " item" : " items";
        return;
      }
      if (special && d.abbrev == "tls.handshake.session_ticket_lifetime_hint") {  // tshark: "7200 seconds (2 hours)"
        out += d.name;
        out += ": ";
        append_uint(out, u);
        out += " seconds (";
        append_duration(out, u);
        out += ')';
        return;
      }
      // A flags word with its own bit lines below shows no pattern itself.
      if (d.bitmask && d.abbrev != "tcp.flags") append_bits(out, d, u << core::mask_shift(d.bitmask));
      const char* name = info_of(d).has_names ? cached_value_name(d, u) : nullptr;
      const bool hex = d.base == core::Base::Hex || d.base == core::Base::HexDec;
      out += d.name;
      out += ": ";
      if (special && d.abbrev == "ip.frag_offset") {  // tshark shows the offset in bytes
        append_uint(out, u * 8);
        return;
      }
      if (special && (d.abbrev == "ipv6.hopopts.len_oct" || d.abbrev == "ipv6.dstopts.len_oct" ||
                      d.abbrev == "ipv6.routing.len_oct")) {  // "8 bytes"
        append_uint(out, u);
        out += " bytes";
        return;
      }
      if (special && d.abbrev == "ipv6.fraghdr.offset") {  // "154 (1232 bytes)"
        append_uint(out, u);
        out += " (";
        append_uint(out, u * 8);
        out += " bytes)";
        return;
      }
      if (name && special && (d.abbrev.ends_with("checksum.status") || d.abbrev == "eth.fcs.status")) {  // BASE_NONE: the name alone
        out += name;
        return;
      }
      if (name) {
        out += name;
        out += " (";
      }
      if (hex) append_hex(out, u, hex_digits(d));
      else if (n.kind == ValueKind::Int) append_int(out, n.i);
      else append_uint(out, u);
      if (name) {
        out += ')';
      } else if (d.base == core::Base::HexDec) {
        out += " (";
        append_uint(out, u);
        out += ')';
      } else if (d.base == core::Base::DecHex) {
        out += " (";
        append_hex(out, u, hex_digits(d));
        out += ')';
      }
      return;
    }
    case ValueKind::Bool: {
      if (d.bitmask) append_bits(out, d, n.u ? d.bitmask : 0);
      out += d.name;
      out += ": ";
      if (const uint8_t k = info_of(d).tfs) {  // tshark's own words for the two values
        out += n.u ? kTfs[k - 1].yes : kTfs[k - 1].no;
        return;
      }
      out += d.bitmask ? (n.u ? "Set" : "Not set") : (n.u ? "True" : "False");
      return;
    }
    case ValueKind::Bytes: {
      const bool special = info_of(d).special;
      if (special && d.abbrev == "tcp.options") {  // "Options: (20 bytes), Maximum segment size, ..." (the names are appended)
        out += "Options: (" + std::to_string(n.b.n) + " bytes)";
        return;
      }
      if (special && (d.abbrev == "tcp.payload" || d.abbrev == "tcp.segment_data" || d.abbrev == "udp.payload")) {
        // "TCP payload (18 bytes)"
        out += std::string(d.abbrev == "tcp.payload"   ? "TCP payload"
                           : d.abbrev == "udp.payload" ? "UDP payload"
                                                       : "TCP segment data") +
               " (" + std::to_string(n.b.n) + (n.b.n == 1 ? " byte)" : " bytes)");
        return;
      }
      if (special && (d.abbrev == "tls.handshake.extension.data" || d.abbrev == "tls.segment.data")) {  // "Data (176 bytes)"
        out += std::string(d.name) + " (" + std::to_string(n.b.n) + " bytes)";
        return;
      }
      out += d.name;
      out += ": ";
      if (n.b.n == 0) {  // tshark's word for an empty byte field
        out += "<MISSING>";
        return;
      }
      if (special && (d.abbrev == "x509af.serialNumber" || d.abbrev == "pkcs1.modulus")) out += "0x";  // BER integers
      // tshark shows at most 36 bytes, then an ellipsis.
      size_t shown = n.b.n > kTreeBytesShown ? kTreeBytesShown : n.b.n;
      out.commit(core::write_hex_bytes(out.reserve_more(shown * 3), n.b.p, shown,
                                       d.base == core::Base::SepColon ? ':' : 0));
      if (n.b.n > kTreeBytesShown) out += "\xe2\x80\xa6";
      return;
    }
    case ValueKind::Double:
      if (info_of(d).special && (d.abbrev == "icmp.resptime" || d.abbrev == "icmpv6.resptime")) {  // "Response time: 0.008 ms"
        char b[48];
        snprintf(b, sizeof b, "%.3f ms", n.d);
        out += std::string(d.name) + ": " + b;
        return;
      }
      [[fallthrough]];
    default:
      append_field_value(v, d, n);
      if (d.type == FieldType::Oid) {  // "2.5.4.3 (id-at-commonName)"
        v += " (" + tls::oid_display(v) + ")";
      }
      if (n.kind == ValueKind::Time && d.type == FieldType::RelativeTime) v += " seconds";
      if (d.name.size() + 2 + v.size() > kLabelMax) {
        // tshark's labels hold 239 characters: a longer one is cut, and says so after its name.
        const size_t start = out.size();
        out += d.name;
        out += " [truncated]: ";
        out += v;
        size_t keep = kLabelMax - 1;
        while (keep > 0 && (static_cast<unsigned char>(out[start + keep]) & 0xc0) == 0x80) --keep;  // UTF-8 boundary
        out.resize(start + keep);
        return;
      }
      out += d.name;
      out += ": ";
      out += v;
      return;
  }
}

// A flags field's line names what its bits say, as tshark does:
// "Header Flags: 0x34, Message Type: Publish Message, QoS Level: ..." (the
// set booleans by name, the named values; other integers not), and TCP's
// "Flags: 0x018 (PSH, ACK)".
void append_flags_summary(TextBuf& out, const FieldDef& d, std::span<const FieldNode> nodes, size_t i) {
  if (!info_of(d).summary || nodes[i].kind != ValueKind::UInt) return;
  if (d.abbrev == "tcp.flags") {
    static const char* const kNames[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};
    out += " (";
    bool any = false;
    for (unsigned b = 0; b < 9; ++b) {
      if (!(nodes[i].u >> b & 1)) continue;
      if (any) out += ", ";
      out += kNames[b];
      any = true;
    }
    out += any ? ")" : "<None>)";
    return;
  }
  if (d.abbrev == "ip.dsfield" || d.abbrev == "ipv6.tclass") {  // "0x00 (DSCP: CS0, ECN: Not-ECT)"
    const uint64_t v = nodes[i].u;
    const char* dscp = lookup(kDscpShort, v >> 2);
    const char* ecn = lookup(kEcnShort, v & 3);
    out += " (DSCP: ";
    if (dscp) out += dscp;
    else append_uint(out, v >> 2);
    out += ", ECN: ";
    out += ecn ? ecn : "?";
    out += ')';
    return;
  }
  if (d.abbrev == "dns.flags") {  // "Flags: 0x8180 Standard query response, No error"
    const uint64_t v = nodes[i].u;
    const char* op = value_name_known("dns.flags.opcode", (v >> 11) & 0xf);
    out += ' ';
    out += op ? op : "Unknown operation";
    if (v & 0x8000) {
      const char* rc = value_name_known("dns.flags.rcode", v & 0xf);
      out += std::string(" response, ") + (rc ? rc : "Unknown error");
    }
    return;
  }
  if (d.abbrev != "mqtt.hdrflags" && d.abbrev != "mqtt.conflags" && d.abbrev != "mqtt.conack.flags" &&
      d.abbrev != "mqtt.subscription_options" && d.abbrev != "ip.flags" && d.abbrev != "vxlan.flags" &&
      d.abbrev != "icmpv6.nd.na.flag")
    return;
  const auto& reg = core::FieldRegistry::instance();
  for (size_t j = i + 1; j < nodes.size() && nodes[j].parent == static_cast<int32_t>(i); ++j) {
    const FieldDef* c = reg.def(nodes[j].id);
    if (!c) continue;
    if (nodes[j].kind == ValueKind::Bool) {
      if (nodes[j].u) {
        out += ", ";
        out += c->name;
      }
    } else if (nodes[j].kind == ValueKind::UInt && info_of(*c).has_names) {
      if (const char* name = cached_value_name(*c, nodes[j].u)) {
        out += ", ";
        out += c->name;
        out += ": ";
        out += name;
      }
    }
  }
}

}  // namespace

void render_tree(std::string& out, const core::FieldTree& tree, const std::vector<std::string>& only) {
  render_tree(out, tree, only, nullptr);
}

void render_tree(Writer& spill_to, const core::FieldTree& tree, const std::vector<std::string>& only) {
  render_nodes(spill_to.buf(), std::span<const FieldNode>(tree.nodes().data(), tree.nodes().size()), only,
               std::span<const std::pair<int32_t, std::string_view>>(tree.appended().data(), tree.appended().size()),
               tree.in_tree_order(), nullptr, &spill_to);
}

void render_tree(std::string& out, const core::FieldTree& tree, const std::vector<std::string>& only,
                 std::vector<ValueMark>* marks) {
  render_nodes(out, std::span<const FieldNode>(tree.nodes().data(), tree.nodes().size()), only,
               std::span<const std::pair<int32_t, std::string_view>>(tree.appended().data(), tree.appended().size()),
               tree.in_tree_order(), marks);
}

void render_nodes(std::string& out_text, std::span<const FieldNode> nodes, const std::vector<std::string>& only,
                  std::span<const std::pair<int32_t, std::string_view>> appended, bool preorder,
                  std::vector<ValueMark>* marks, Writer* spill_to) {
  const auto& reg = core::FieldRegistry::instance();
  learn_all();
  // The packet's lines are made in a TextBuf (inlined appends) and added to out_text at once.
  // (flushed into out_text at a line boundary every 64 KiB: a frame of
  // thousands of PDUs does not hold its whole text twice)
  constexpr size_t kFlushAt = 64 * 1024;
  thread_local TextBuf out;
  out.clear();
  thread_local std::vector<std::pair<int32_t, std::string_view>> app;
  app.assign(appended.begin(), appended.end());
  std::stable_sort(app.begin(), app.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // Tree order: a node added late to an earlier parent (a TCP segment's data
  // after the application layers) is still shown under that parent.
  thread_local std::vector<int32_t> first_child, next_sib, order, stack;
  const int32_t count = static_cast<int32_t>(nodes.size());
  if (preorder) {
    order.resize(nodes.size());
    for (int32_t i = 0; i < count; ++i) order[static_cast<size_t>(i)] = i;
  } else {
  first_child.assign(nodes.size(), -1);
  next_sib.assign(nodes.size(), -1);
  int32_t roots = -1;
  for (int32_t i = count - 1; i >= 0; --i) {
    const int32_t p = nodes[static_cast<size_t>(i)].parent;
    int32_t& head = p < 0 || p >= count ? roots : first_child[static_cast<size_t>(p)];
    next_sib[static_cast<size_t>(i)] = head;
    head = i;
  }
  order.clear();
  stack.clear();
  auto push_children = [&](int32_t first) {
    const size_t mark = stack.size();
    for (int32_t c = first; c >= 0; c = next_sib[static_cast<size_t>(c)]) stack.push_back(c);
    std::reverse(stack.begin() + static_cast<long>(mark), stack.end());
  };
  push_children(roots);
  while (!stack.empty()) {
    const int32_t i = stack.back();
    stack.pop_back();
    order.push_back(i);
    push_children(first_child[static_cast<size_t>(i)]);
  }
  }
  // Depth of each node (parents precede children).
  thread_local std::vector<int> depth;
  depth.assign(nodes.size(), 0);
  thread_local std::vector<char> shown;
  shown.assign(nodes.size(), 1);
  for (const int32_t oi : order) {
    if (out.size() >= kFlushAt) {
      out_text.append(out.data(), out.size());
      out.clear();
      if (spill_to) spill_to->spill();  // (no marks then: they are the workers')
    }
    const size_t i = static_cast<size_t>(oi);
    const FieldNode& n = nodes[i];
    const FieldDef* d = reg.def(n.id);
    int32_t p = n.parent;
    depth[i] = p < 0 ? 0 : depth[static_cast<size_t>(p)] + 1;
    if (!d || (n.flags & FieldNode::kHidden) || info_of(*d).tree_hidden || (p >= 0 && !shown[static_cast<size_t>(p)])) {
      shown[i] = 0;
      continue;
    }
    // -O: other protocols show only their header line.
    if (!only.empty() && depth[i] >= 1) {
      size_t top = i;
      while (nodes[top].parent >= 0) top = static_cast<size_t>(nodes[top].parent);
      const FieldDef* td = reg.def(nodes[top].id);
      bool keep = false;
      for (const auto& o : only) keep |= td && o == td->abbrev;
      if (!keep) {
        shown[i] = 0;
        continue;
      }
    }
    const bool expert = n.id == link::ws_f::expert;
    const bool expert_child = p >= 0 && nodes[static_cast<size_t>(p)].id == link::ws_f::expert;
    if (expert_child) {
      // An expert item with a field of its own (tls.resumed): tshark shows that field, not the
      // message; mqsniff's own items (no field) show the message alone the same way; both name
      // severity and group without their numbers.
      if (n.id == link::ws_f::expert_message) {
        if (named_expert(nodes, static_cast<size_t>(p))) {
          shown[i] = 0;
        } else {
          out.append(indent_of(depth[i]), ' ');
          out += '[';
          out += n.str();
          out += "]\n";
        }
        continue;
      }
      if (n.id == link::ws_f::expert_severity || n.id == link::ws_f::expert_group) {
        out.append(indent_of(depth[i]), ' ');
        const char* vn = cached_value_name(*d, n.u);
        out += "[" + std::string(d->name) + ": " + (vn ? vn : std::to_string(n.u)) + "]\n";
        continue;
      }
    }
    out.append(indent_of(depth[i]), ' ');
    const bool bracket = expert || expert_child || info_of(*d).generated || (n.flags & FieldNode::kGenerated);
    if (bracket) out += '[';
    // A line the dissector worded itself (FieldTree::set_display).
    std::string_view display;
    std::vector<std::pair<int32_t, std::string_view>>::const_iterator own = app.end();
    if (!app.empty()) {
      own = std::lower_bound(app.begin(), app.end(), static_cast<int32_t>(i),
                             [](const auto& a, int32_t v) { return a.first < v; });
      for (auto it = own; it != app.end() && it->first == static_cast<int32_t>(i); ++it)
        if (!it->second.empty() && it->second[0] == '\x01') display = it->second.substr(1);
    }
    if (!display.empty()) append_label(out, display);
    else if (d->type == FieldType::Protocol && depth[i] == 0 && d->abbrev == "null") out += d->name;  // its -e text is "null"
    else if (d->type == FieldType::Protocol && n.kind == ValueKind::String) out += n.str();  // tshark's header line
    else if (d->type == FieldType::Protocol && n.kind == ValueKind::Bytes && d->abbrev == "data")
      out += std::string(d->name) + " (" + std::to_string(n.b.n) + (n.b.n == 1 ? " byte)" : " bytes)");
    else if (d->type == FieldType::Protocol && n.kind == ValueKind::Bytes) out += d->name;
    else if (n.kind == ValueKind::String && d->type == FieldType::None) append_label(out, n.str());
    else if (info_of(*d).special && d->abbrev == "mqtt.conack.flags.reserved") {
      // Registered without a mask (tshark -G), shown with bits 7-1 under the flags; in MQTT 3.1 the whole byte.
      if (p >= 0 && nodes[static_cast<size_t>(p)].kind == ValueKind::UInt) {
        const uint64_t byte = nodes[static_cast<size_t>(p)].u;  // the flags byte
        for (int b = 7; b >= 1; --b) {
          out += (byte >> b & 1) ? '1' : '0';
          if (b == 4) out += ' ';
        }
        out += ". = ";
      }
      out += n.u ? "Reserved: Set" : "Reserved: Not set";
    } else if (marks && (n.id == tcp::tcp_f::stream || n.id == net::udp_f::stream ||
                         n.id == link::frame_f::time_delta_displayed)) {
      // "Stream index: 3", "Time delta from previous displayed frame: 0.000000000 seconds": the
      // value's place noted for the merger (the worker's own number; the time it cannot know).
      out += d->name;
      out += ": ";
      const size_t at = out.size();
      ValueMark m{};
      if (n.id == link::frame_f::time_delta_displayed) {
        out += "0.000000000";
        m.kind = ValueMark::DeltaDisplayed;
      } else {
        append_uint(out, n.u);
        m.kind = n.id == tcp::tcp_f::stream ? ValueMark::TcpStream : ValueMark::UdpStream;
        m.value = n.u;
      }
      m.begin = static_cast<uint32_t>(out_text.size() + at);
      m.end = static_cast<uint32_t>(out_text.size() + out.size());
      marks->push_back(m);
      if (m.kind == ValueMark::DeltaDisplayed) out += " seconds";
    } else field_line(out, *d, n);
    append_flags_summary(out, *d, nodes, i);
    for (auto it = own; it != app.end() && it->first == static_cast<int32_t>(i); ++it)
      if (it->second.empty() || it->second[0] != '\x01') out += it->second;
    if (bracket) out += ']';
    out += '\n';
    // tshark prints the bytes of a Data layer under its header line, as -x would.
    if (n.id == link::data_f::proto && n.kind == ValueKind::Bytes && n.b.p && n.b.n) {
      out += '\n';
      out_text.append(out.data(), out.size());
      out.clear();
      render_hexdump(out_text, n.b.p, n.b.n);
    }
  }
  out_text.append(out.data(), out.size());
}

}  // namespace mqsniff::out
