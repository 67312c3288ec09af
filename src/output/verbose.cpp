#include "src/output/verbose.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <unordered_map>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/tls/tls_dissect.h"
#include "dissectors/tls/x509.h"
#include "src/output/field_format.h"

namespace mqsniff::out {
using core::FieldDef;
using core::FieldNode;
using core::FieldType;
using core::ValueKind;

namespace {

struct Vs {
  uint64_t v;
  const char* name;
};
template <size_t N>
const char* lookup(const Vs (&t)[N], uint64_t v) {
  for (const auto& e : t)
    if (e.v == v) return e.name;
  return nullptr;
}

// Value names from the registries (IEEE, IANA, OASIS MQTT), as tshark names them.
const Vs kEtherTypes[] = {{0x0800, "IPv4"}, {0x86dd, "IPv6"}, {0x0806, "ARP"}, {0x8100, "802.1Q Virtual LAN"},
                          {0x88a8, "802.1ad Provider Bridge (Q-in-Q)"}};
const Vs kIpProtos[] = {{1, "ICMP"}, {6, "TCP"}, {17, "UDP"}, {58, "ICMPv6"}, {0, "IPv6 Hop-by-Hop Option"},
                        {43, "Routing Header for IPv6"}, {44, "Fragment Header for IPv6"}, {60, "Destination Options for IPv6"}};
const Vs kTcpOptions[] = {{0, "End of Option List"}, {1, "No-Operation"}, {2, "Maximum Segment Size"},
                          {3, "Window Scale"}, {4, "SACK Permitted"}, {5, "SACK"}, {8, "Time Stamp Option"}};
const Vs kMqttVersions[] = {{3, "MQTT v3.1"}, {4, "MQTT v3.1.1"}, {5, "MQTT v5.0"}};
const Vs kMqttQos[] = {{0, "At most once delivery (Fire and Forget)"},
                       {1, "At least once delivery (Acknowledged deliver)"},
                       {2, "Exactly once delivery (Assured Delivery)"},
                       {3, "Reserved"}};
const Vs kDscp[] = {{0, "Default"}, {8, "Class Selector 1"}, {10, "Assured Forwarding 11"}, {12, "Assured Forwarding 12"},
                    {14, "Assured Forwarding 13"}, {16, "Class Selector 2"}, {18, "Assured Forwarding 21"},
                    {20, "Assured Forwarding 22"}, {22, "Assured Forwarding 23"}, {24, "Class Selector 3"},
                    {26, "Assured Forwarding 31"}, {28, "Assured Forwarding 32"}, {30, "Assured Forwarding 33"},
                    {32, "Class Selector 4"}, {34, "Assured Forwarding 41"}, {36, "Assured Forwarding 42"},
                    {38, "Assured Forwarding 43"}, {40, "Class Selector 5"}, {44, "Voice Admit"},
                    {46, "Expedited Forwarding"}, {48, "Class Selector 6"}, {56, "Class Selector 7"}};
const Vs kDscpShort[] = {{0, "CS0"}, {8, "CS1"}, {10, "AF11"}, {12, "AF12"}, {14, "AF13"}, {16, "CS2"}, {18, "AF21"},
                         {20, "AF22"}, {22, "AF23"}, {24, "CS3"}, {26, "AF31"}, {28, "AF32"}, {30, "AF33"},
                         {32, "CS4"}, {34, "AF41"}, {36, "AF42"}, {38, "AF43"}, {40, "CS5"}, {44, "VA"},
                         {46, "EF"}, {48, "CS6"}, {56, "CS7"}};
const Vs kEcn[] = {{0, "Not ECN-Capable Transport"}, {1, "ECN-Capable Transport codepoint '01'"},
                   {2, "ECN-Capable Transport codepoint '10'"}, {3, "Congestion Experienced"}};
const Vs kEcnShort[] = {{0, "Not-ECT"}, {1, "ECT(1)"}, {2, "ECT(0)"}, {3, "CE"}};
const Vs kChecksumStatus[] = {{0, "Bad"}, {1, "Good"}, {2, "Unverified"}};
// tshark's words for what a TCP conversation has shown (SYN 1, SYN-ACK 2, ACK 4, data 8, FIN 16, RST 32).
const Vs kCompleteness[] = {{0, "Incomplete"}, {1, "Incomplete, SYN_SENT"}, {3, "Incomplete, CLIENT_ESTABLISHED"},
                            {7, "Incomplete, ESTABLISHED"}, {15, "Incomplete, DATA"}, {23, "Complete, NO_DATA"},
                            {31, "Complete, WITH_DATA"}, {39, "Complete, NO_DATA"}, {47, "Complete, WITH_DATA"},
                            {55, "Complete, NO_DATA"}, {63, "Complete, WITH_DATA"}};
const Vs kX509Versions[] = {{0, "v1"}, {1, "v2"}, {2, "v3"}};
const Vs kDirectoryString[] = {{0, "teletexString"}, {1, "printableString"}, {2, "universalString"},
                               {3, "bmpString"}, {4, "uTF8String"}};
const Vs kGeneralName[] = {{0, "otherName"}, {1, "rfc822Name"}, {2, "dNSName"}, {4, "directoryName"},
                           {6, "uniformResourceIdentifier"}, {7, "iPAddress"}, {8, "registeredID"}};
const Vs kRetainHandling[] = {{0, "Send msgs at subscription time"},
                              {1, "Send msgs on subscription only if subscription does not exist"},
                              {2, "Do not send msgs at subscription time"}};
const Vs kConnack[] = {{0, "Connection Accepted"},
                       {1, "Connection Refused: unacceptable protocol version"},
                       {2, "Connection Refused: identifier rejected"},
                       {3, "Connection Refused: server unavailable"},
                       {4, "Connection Refused: bad user name or password"},
                       {5, "Connection Refused: not authorized"}};
const Vs kTlsContent[] = {{20, "Change Cipher Spec"}, {21, "Alert"}, {22, "Handshake"}, {23, "Application Data"},
                          {24, "Heartbeat"}};
const Vs kTlsVersions[] = {{0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"}, {0x0302, "TLS 1.1"}, {0x0303, "TLS 1.2"},
                           {0x0304, "TLS 1.3"}};
const Vs kAlertLevel[] = {{1, "Warning"}, {2, "Fatal"}};
const Vs kCiphers[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256"}, {0x1302, "TLS_AES_256_GCM_SHA384"}, {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"}, {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}, {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}, {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"}, {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"}, {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"}, {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"}, {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"}, {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"}, {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"}, {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"}, {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"}, {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"}, {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"}};
const Vs kCertTypes[] = {{1, "RSA Sign"}, {2, "DSS Sign"}, {3, "RSA Fixed DH"}, {4, "DSS Fixed DH"},
                         {64, "ECDSA Sign"}, {65, "RSA Fixed ECDH"}, {66, "ECDSA Fixed ECDH"}};
const Vs kCompMethods[] = {{0, "null"}, {1, "DEFLATE"}};
const Vs kPointFormats[] = {{0, "uncompressed"}, {1, "ansiX962_compressed_prime"}, {2, "ansiX962_compressed_char2"}};
const Vs kPskModes[] = {{0, "PSK-only key establishment (psk_ke)"}, {1, "PSK with (EC)DHE key establishment (psk_dhe_ke)"}};
const Vs kSigHash[] = {{0, "None"}, {1, "MD5"}, {2, "SHA1"}, {3, "SHA224"}, {4, "SHA256"}, {5, "SHA384"}, {6, "SHA512"}};
const Vs kSigSig[] = {{0, "Anonymous"}, {1, "RSA"}, {2, "DSA"}, {3, "ECDSA"}, {4, "SM2"}};
const Vs kSigAlgs[] = {{0x0401, "rsa_pkcs1_sha256"}, {0x0501, "rsa_pkcs1_sha384"}, {0x0601, "rsa_pkcs1_sha512"},
                       {0x0403, "ecdsa_secp256r1_sha256"}, {0x0503, "ecdsa_secp384r1_sha384"},
                       {0x0603, "ecdsa_secp521r1_sha512"}, {0x0804, "rsa_pss_rsae_sha256"},
                       {0x0805, "rsa_pss_rsae_sha384"}, {0x0806, "rsa_pss_rsae_sha512"}, {0x0807, "ed25519"},
                       {0x0808, "ed448"}, {0x0809, "rsa_pss_pss_sha256"}, {0x080a, "rsa_pss_pss_sha384"},
                       {0x080b, "rsa_pss_pss_sha512"}, {0x0201, "rsa_pkcs1_sha1"}, {0x0203, "ecdsa_sha1"},
                       {0x0301, "SHA224 RSA"}, {0x0302, "SHA224 DSA"}, {0x0303, "SHA224 ECDSA"},
                       {0x0402, "SHA256 DSA"}, {0x0502, "SHA384 DSA"}, {0x0602, "SHA512 DSA"},
                       {0x0202, "SHA1 DSA"}};

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

// "0001 .... = " for a masked field: the value's bits in the field's width.
void append_bits(std::string& out, const FieldDef& d, uint64_t raw) {
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
      "tcp.time_relative", "tcp.time_delta", "udp.stream", "udp.checksum.status", "mqtt.version_inferred",
      "mqtt.topic_alias_resolved", "tls.inferred_alert", "tls.app_data_proto", "tcp.pdu.size", "tcp.analysis"};
  for (const char* e : kExact)
    if (a == e) return true;
  if (a == "tcp.segment_data") return false;  // tshark: "TCP segment data (N bytes)", not bracketed
  static const char* const kPrefix[] = {"tcp.analysis.", "tcp.segment", "tcp.reassembled", "ip.fragment",
                                        "ip.reassembled", "tls.handshake.ja3", "tls.handshake.ja4", "tls.cert.",
                                        "mqtt.prop.", "mqtt.willprop.", "mqtt.analysis.", "tls.decrypt",
                                        "tcp.options.wscale.multiplier", "tcp.completeness", "tcp.options.sack.count",
                                        "tcp.options.sack.dsack_"};
  for (const char* p : kPrefix)
    if (a.starts_with(p)) return true;
  return false;
}

}  // namespace

const char* value_name(std::string_view a, uint64_t v) {
  if (a == "eth.type" || a == "sll.etype" || a == "vlan.etype") return lookup(kEtherTypes, v);
  if (a == "ip.proto" || a == "ipv6.nxt") return lookup(kIpProtos, v);
  if (a == "tcp.option_kind") return lookup(kTcpOptions, v);
  if (a == "frame.encap_type") return v == 1 ? "Ethernet" : nullptr;
  if (a == "mqtt.msgtype") return mqtt::msgtype_name(static_cast<uint8_t>(v));
  if (a == "mqtt.ver") return lookup(kMqttVersions, v);
  if (a == "mqtt.qos" || a == "mqtt.conflag.qos" || a == "mqtt.sub.qos" || a == "mqtt.suback.qos")
    return lookup(kMqttQos, v);
  if (a == "mqtt.conack.val") return lookup(kConnack, v);
  if (a == "mqtt.property_id") return mqtt::property_name(static_cast<uint8_t>(v));
  if (a == "ip.dsfield.dscp") return lookup(kDscp, v);
  if (a == "tcp.completeness") return lookup(kCompleteness, v);
  if (a == "ip.dsfield.ecn") return lookup(kEcn, v);
  if (a == "ip.checksum.status" || a == "tcp.checksum.status" || a == "udp.checksum.status") return lookup(kChecksumStatus, v);
  if (a == "x509af.version") return lookup(kX509Versions, v);
  if (a == "x509af.issuer" || a == "x509af.subject") return v == 0 ? "rdnSequence" : nullptr;
  if (a == "x509af.notBefore" || a == "x509af.notAfter") return v == 0 ? "utcTime" : v == 1 ? "generalizedTime" : nullptr;
  if (a == "x509sat.DirectoryString") return lookup(kDirectoryString, v);
  if (a == "x509ce.GeneralName") return lookup(kGeneralName, v);
  if (a == "mqtt.subscription_options_qos") return lookup(kMqttQos, v);
  if (a == "mqtt.subscription_options_retain") return lookup(kRetainHandling, v);
  if (a.starts_with("mqtt.") && a.ends_with(".reason_code")) {
    auto id = core::FieldRegistry::instance().find(a);
    return id ? mqtt::reason_code_name(*id, static_cast<uint8_t>(v)) : nullptr;
  }
  if (a == "tls.record.content_type" || a == "tls.record.opaque_type") return lookup(kTlsContent, v);
  if (a == "tls.record.version" || a == "tls.handshake.version" || a == "tls.handshake.extensions.supported_version")
    return lookup(kTlsVersions, v);
  if (a == "tls.handshake.type") return tls::handshake_name(static_cast<uint8_t>(v));
  if (a == "tls.alert_message.level") return lookup(kAlertLevel, v);
  if (a == "tls.alert_message.desc") return tls::alert_name(static_cast<uint8_t>(v));
  if (a == "tls.handshake.ciphersuite") return lookup(kCiphers, v);
  if (a == "tls.handshake.extension.type") return tls::extension_name(static_cast<uint16_t>(v));
  if (a == "tls.handshake.extensions_supported_group" || a == "tls.handshake.extensions_key_share_group" ||
      a == "tls.handshake.extensions_key_share_selected_group" ||
      a == "tls.handshake.server_named_curve")
    return tls::group_name(static_cast<uint16_t>(v));
  if (a == "tls.handshake.comp_method") return lookup(kCompMethods, v);
  if (a == "tls.handshake.server_curve_type") return v == 3 ? "named_curve" : nullptr;
  if (a == "tls.handshake.cert_type") return lookup(kCertTypes, v);
  if (a == "tls.handshake.key_update.request_update") return v == 0 ? "update_not_requested" : v == 1 ? "update_requested" : nullptr;
  if (a == "tls.handshake.extensions_ec_point_format") return lookup(kPointFormats, v);
  if (a == "tls.handshake.extensions_server_name_type") return v == 0 ? "host_name" : nullptr;
  if (a == "tls.extension.psk_ke_mode") return lookup(kPskModes, v);
  if (a == "tls.handshake.sig_hash_hash") return v <= 6 ? lookup(kSigHash, v) : "Unknown";
  if (a == "tls.handshake.sig_hash_sig") return v <= 4 ? lookup(kSigSig, v) : "Unknown";
  if (a == "tls.handshake.sig_hash_alg") return lookup(kSigAlgs, v);
  if (a == "_ws.expert.severity") return core::severity_name(static_cast<core::Severity>(v));
  if (a == "_ws.expert.group") return core::group_name(static_cast<core::ExpertGroup>(v));
  return nullptr;
}

namespace {

// Per-field facts the tree needs, computed once per field id (not per line).
// One byte per field (the table stays in L1 whatever the field count).
struct FieldInfo {
  bool known : 1 = false;
  bool generated : 1 = false;
  bool has_names : 1 = false;  // value_name() may name its values
  bool tree_hidden : 1 = false;
  bool special : 1 = false;    // drawn its own way (see kSpecial)
  bool summary : 1 = false;    // a flags field whose line names its bits
};
static_assert(sizeof(FieldInfo) == 1);
FieldInfo g_info[core::kMaxFieldId];  // zero-initialised: nothing known yet

[[gnu::noinline]] void learn(FieldInfo& fi, const FieldDef& d);

// What -V needs to know of a field, worked out on its first line.
[[gnu::always_inline]] inline FieldInfo& info_of(const FieldDef& d) {
  FieldInfo& fi = g_info[d.id < core::kMaxFieldId ? d.id : 0];
  if (!fi.known) [[unlikely]] learn(fi, d);
  return fi;
}

void learn(FieldInfo& fi, const FieldDef& d) {
  {
    fi.known = true;
    fi.generated = generated(d.abbrev);
    // Fields drawn their own way in -V (field_line, append_flags_summary): checked once per field,
    // so every other line pays nothing for them.
    static const char* const kSpecial[] = {
        "tcp.window_size_scalefactor", "tcp.options.sack_le", "tcp.options.sack_re", "tcp.options.sack.dsack_le",
        "tcp.options.sack.dsack_re", "tcp.segment", "tcp.hdr_len", "ip.version", "ip.hdr_len", "ip.checksum",
        "tcp.checksum", "udp.checksum", "frame.len", "frame.cap_len", "x509if.rdnSequence", "x509af.rdnSequence",
        "x509if.RDNSequence_item", "x509af.extensions", "x509ce.GeneralNames", "x509ce.KeyPurposeIDs",
        "tls.handshake.session_ticket_lifetime_hint", "ip.checksum.status", "tcp.checksum.status",
        "udp.checksum.status", "tcp.options", "tcp.payload", "tcp.segment_data", "tls.handshake.extension.data",
        "tls.segment.data", "x509af.serialNumber", "pkcs1.modulus", "mqtt.conack.flags.reserved",
        "eth.dst.lg", "eth.src.lg", "eth.dst.ig", "eth.src.ig"};
    for (const char* e : kSpecial) fi.special |= d.abbrev == e;
    static const char* const kSummary[] = {"tcp.flags", "ip.dsfield", "mqtt.hdrflags", "mqtt.conflags",
                                           "mqtt.conack.flags", "mqtt.subscription_options", "ip.flags"};
    for (const char* e : kSummary) fi.summary |= d.abbrev == e;
    // mqsniff's one-field-per-property duplicates: for filters, -e and JSON; -V shows tshark's lines only.
    fi.tree_hidden = d.abbrev.starts_with("mqtt.prop.") || d.abbrev.starts_with("mqtt.willprop.");
    // A field has value names if any of its first values, or a large one, is named.
    for (uint64_t v : {0ull, 1ull, 2ull, 3ull, 6ull, 8ull, 11ull, 20ull, 22ull, 0x0303ull, 0x0800ull, 0x1301ull, 0x001dull, 0x0804ull})
      fi.has_names |= value_name(d.abbrev, v) != nullptr;
  }
}

void append_hex(std::string& out, uint64_t v, int digits) {
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
void append_duration(std::string& out, uint64_t secs) {
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
    core::append_uint(out, n);
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

void field_line(std::string& out, const FieldDef& d, const FieldNode& n) {
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
        core::append_uint(out, u);
        out += " (relative)";
        return;
      }
      if (special && (d.abbrev == "tcp.options.sack.dsack_le" || d.abbrev == "tcp.options.sack.dsack_re")) {
        out += d.abbrev == "tcp.options.sack.dsack_le" ? "D-SACK Left Edge = " : "D-SACK Right Edge = ";
        core::append_uint(out, u);
        out += " (relative)";
        return;
      }
      if (special && d.abbrev == "tcp.segment") {  // "Frame: 118, payload: 0-32767 (32768 bytes)" (the payload part appended)
        out += "Frame: ";
        core::append_uint(out, u);
        return;
      }
      if (special && d.abbrev == "tcp.hdr_len") {  // "1010 .... = Header Length: 40 bytes (10)"
        const uint64_t words = u / 4;
        char bits[32];
        snprintf(bits, sizeof bits, "%d%d%d%d .... = Header Length: ", int(words >> 3 & 1), int(words >> 2 & 1),
                 int(words >> 1 & 1), int(words & 1));
        out += bits;
        core::append_uint(out, u);
        out += " bytes (";
        core::append_uint(out, words);
        out += ')';
        return;
      }
      if (special && (d.abbrev == "ip.version" || d.abbrev == "ip.hdr_len")) {  // the first byte's two nibbles, as bits
        const uint64_t nib = d.abbrev == "ip.version" ? u : u / 4;
        char bits[16];
        snprintf(bits, sizeof bits, "%d%d%d%d", int(nib >> 3 & 1), int(nib >> 2 & 1), int(nib >> 1 & 1), int(nib & 1));
        if (d.abbrev == "ip.version") {
          out += std::string(bits) + " .... = Version: ";
          core::append_uint(out, u);
        } else {
          out += std::string(".... ") + bits + " = Header Length: ";
          core::append_uint(out, u);
          out += " bytes (";
          core::append_uint(out, nib);
          out += ')';
        }
        return;
      }
      if (special && (d.abbrev == "ip.checksum" || d.abbrev == "tcp.checksum" || d.abbrev == "udp.checksum")) {
        out += d.name;
        out += ": ";
        append_hex(out, u, 4);
        out += d.abbrev == "ip.checksum" ? " [validation disabled]" : " [unverified]";
        return;
      }
      if (special && (d.abbrev == "frame.len" || d.abbrev == "frame.cap_len")) {  // "Frame Length: 74 bytes (592 bits)"
        out += d.abbrev == "frame.len" ? "Frame Length: " : "Capture Length: ";
        core::append_uint(out, u);
        out += " bytes (";
        core::append_uint(out, u * 8);
        out += " bits)";
        return;
      }
      if (special && is_count(d.abbrev)) {  // BER SEQUENCE OF: "rdnSequence: 3 items"
        out += d.name;
        out += ": ";
        core::append_uint(out, u);
        out += u == 1 ? " item" : " items";
        return;
      }
      if (special && d.abbrev == "tls.handshake.session_ticket_lifetime_hint") {  // tshark: "7200 seconds (2 hours)"
        out += d.name;
        out += ": ";
        core::append_uint(out, u);
        out += " seconds (";
        append_duration(out, u);
        out += ')';
        return;
      }
      // A flags word with its own bit lines below shows no pattern itself.
      if (d.bitmask && d.abbrev != "tcp.flags") append_bits(out, d, u << core::mask_shift(d.bitmask));
      const char* name = info_of(d).has_names ? value_name(d.abbrev, u) : nullptr;
      const bool hex = d.base == core::Base::Hex || d.base == core::Base::HexDec;
      out += d.name;
      out += ": ";
      if (name && special && d.abbrev.ends_with("checksum.status")) {  // BASE_NONE: the name alone
        out += name;
        return;
      }
      if (name) {
        out += name;
        out += " (";
      }
      if (hex) append_hex(out, u, hex_digits(d));
      else if (n.kind == ValueKind::Int) core::append_int(out, n.i);
      else core::append_uint(out, u);
      if (name) {
        out += ')';
      } else if (d.base == core::Base::HexDec) {
        out += " (";
        core::append_uint(out, u);
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
      // Booleans whose two values tshark names (its true/false strings).
      static const struct {
        std::string_view abbrev;
        const char *yes, *no;
      } kTfs[] = {
          {"eth.dst.lg", "Locally administered address (this is NOT the factory default)", "Globally unique address (factory default)"},
          {"eth.src.lg", "Locally administered address (this is NOT the factory default)", "Globally unique address (factory default)"},
          {"eth.dst.ig", "Group address (multicast/broadcast)", "Individual address (unicast)"},
          {"eth.src.ig", "Group address (multicast/broadcast)", "Individual address (unicast)"},
      };
      for (const auto& e : kTfs)
        if (info_of(d).special && d.abbrev == e.abbrev) {
          out += n.u ? e.yes : e.no;
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
      if (special && (d.abbrev == "tcp.payload" || d.abbrev == "tcp.segment_data")) {  // "TCP payload (18 bytes)"
        out += std::string(d.abbrev == "tcp.payload" ? "TCP payload" : "TCP segment data") + " (" + std::to_string(n.b.n) +
               " bytes)";
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
      core::append_hex_bytes(out, n.b.p, shown);
      if (n.b.n > kTreeBytesShown) out += "\xe2\x80\xa6";
      return;
    }
    default:
      append_field_value(v, d, n);
      if (d.type == FieldType::Oid) {  // "2.5.4.3 (id-at-commonName)"
        if (const char* name = tls::oid_name(v)) v += std::string(" (") + name + ")";
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
void append_flags_summary(std::string& out, const FieldDef& d, std::span<const FieldNode> nodes, size_t i) {
  if (!info_of(d).summary || nodes[i].kind != ValueKind::UInt) return;
  if (d.abbrev == "tcp.flags") {
    static const char* const kNames[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};
    std::string set;
    for (unsigned b = 0; b < 9; ++b)
      if (nodes[i].u >> b & 1) set += std::string(set.empty() ? "" : ", ") + kNames[b];
    out += " (" + (set.empty() ? std::string("<None>") : set) + ")";
    return;
  }
  if (d.abbrev == "ip.dsfield") {  // "0x00 (DSCP: CS0, ECN: Not-ECT)"
    const uint64_t v = nodes[i].u;
    const char* dscp = lookup(kDscpShort, v >> 2);
    const char* ecn = lookup(kEcnShort, v & 3);
    out += std::string(" (DSCP: ") + (dscp ? dscp : std::to_string(v >> 2).c_str()) + ", ECN: " + (ecn ? ecn : "?") + ")";
    return;
  }
  if (d.abbrev != "mqtt.hdrflags" && d.abbrev != "mqtt.conflags" && d.abbrev != "mqtt.conack.flags" &&
      d.abbrev != "mqtt.subscription_options" && d.abbrev != "ip.flags")
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
      if (const char* name = value_name(c->abbrev, nodes[j].u)) {
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
  render_nodes(out, std::span<const FieldNode>(tree.nodes().data(), tree.nodes().size()), only,
               std::span<const std::pair<int32_t, std::string_view>>(tree.appended().data(), tree.appended().size()),
               tree.in_tree_order());
}

void render_nodes(std::string& out, std::span<const FieldNode> nodes, const std::vector<std::string>& only,
                  std::span<const std::pair<int32_t, std::string_view>> appended, bool preorder) {
  const auto& reg = core::FieldRegistry::instance();
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
    if (expert_child && named_expert(nodes, static_cast<size_t>(p))) {
      // An expert item with a field of its own (tls.resumed): tshark shows that field, not the
      // message, and names severity and group without their numbers.
      if (n.id == link::ws_f::expert_message) {
        shown[i] = 0;
        continue;
      }
      if (n.id == link::ws_f::expert_severity || n.id == link::ws_f::expert_group) {
        out.append(static_cast<size_t>(depth[i]) * 4, ' ');
        const char* vn = value_name(d->abbrev, n.u);
        out += "[" + std::string(d->name) + ": " + (vn ? vn : std::to_string(n.u)) + "]\n";
        continue;
      }
    }
    out.append(static_cast<size_t>(depth[i]) * 4, ' ');
    const bool bracket = expert || expert_child || info_of(*d).generated || (n.flags & FieldNode::kGenerated);
    if (bracket) out += '[';
    if (d->type == FieldType::Protocol && depth[i] == 0 && d->abbrev == "null") out += d->name;  // its -e text is "null"
    else if (d->type == FieldType::Protocol && n.kind == ValueKind::String) out += n.str();  // tshark's header line
    else if (d->type == FieldType::Protocol && n.kind == ValueKind::Bytes && d->abbrev == "data")
      out += std::string(d->name) + " (" + std::to_string(n.b.n) + " bytes)";
    else if (d->type == FieldType::Protocol && n.kind == ValueKind::Bytes) out += d->name;
    else if (n.kind == ValueKind::String && d->type == FieldType::None) out += n.str();
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
    } else field_line(out, *d, n);
    append_flags_summary(out, *d, nodes, i);
    if (!app.empty())
      for (auto it = std::lower_bound(app.begin(), app.end(), static_cast<int32_t>(i),
                                      [](const auto& a, int32_t v) { return a.first < v; });
           it != app.end() && it->first == static_cast<int32_t>(i); ++it)
        out += it->second;
    if (bracket) out += ']';
    out += '\n';
  }
}

}  // namespace mqsniff::out
