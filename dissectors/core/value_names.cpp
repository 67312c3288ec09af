#include "dissectors/core/value_names.h"

#include "dissectors/core/expert.h"
#include "dissectors/core/field_registry.h"
#include "dissectors/tls/tls_dissect.h"

#include <algorithm>
#include <unordered_map>

namespace mqsniff::core {

namespace {

// tshark's value names for the fields it names from one table
// (scripts/gen_value_tables.py): they come first; mqsniff's own names below
// cover the rest (drafts, computed names, fields tshark registers twice).
struct GenName {
  std::string_view field;
  uint32_t value;
  const char* name;
};
constexpr GenName kGenerated[] = {
#include "dissectors/core/value_tables.inc"
};
struct GenTable {
  const GenName* begin;
  const GenName* end;
};
const GenTable* generated_table(std::string_view field) {
  static const std::unordered_map<std::string_view, GenTable> index = [] {
    std::unordered_map<std::string_view, GenTable> m;
    const GenName* b = std::begin(kGenerated);
    while (b != std::end(kGenerated)) {
      const GenName* e = b;
      while (e != std::end(kGenerated) && e->field == b->field) ++e;
      m.emplace(b->field, GenTable{b, e});
      b = e;
    }
    return m;
  }();
  auto it = index.find(field);
  return it == index.end() ? nullptr : &it->second;
}
const char* generated_name(const GenTable& t, uint64_t v) {
  auto it = std::lower_bound(t.begin, t.end, v, [](const GenName& g, uint64_t x) { return g.value < x; });
  return it != t.end && it->value == v ? it->name : nullptr;
}

// Value names from the registries (IEEE, IANA, OASIS MQTT), as tshark names them.
const Vs kEtherTypes[] = {{0x0800, "IPv4"}, {0x86dd, "IPv6"}, {0x0806, "ARP"}, {0x8100, "802.1Q Virtual LAN"},
                          {0x88a8, "802.1ad Provider Bridge (Q-in-Q)"}};
const Vs kIpProtos[] = {{1, "ICMP"}, {6, "TCP"}, {17, "UDP"}, {58, "ICMPv6"}, {0, "IPv6 Hop-by-Hop Option"},
                        {43, "Routing Header for IPv6"}, {44, "Fragment Header for IPv6"}, {60, "Destination Options for IPv6"}};
const Vs kTcpOptions[] = {{0, "End of Option List"}, {1, "No-Operation"}, {2, "Maximum Segment Size"},
                          {3, "Window Scale"}, {4, "SACK Permitted"}, {5, "SACK"}, {8, "Time Stamp Option"}};
const Vs kDscp[] = {{0, "Default"}, {8, "Class Selector 1"}, {10, "Assured Forwarding 11"}, {12, "Assured Forwarding 12"},
                    {14, "Assured Forwarding 13"}, {16, "Class Selector 2"}, {18, "Assured Forwarding 21"},
                    {20, "Assured Forwarding 22"}, {22, "Assured Forwarding 23"}, {24, "Class Selector 3"},
                    {26, "Assured Forwarding 31"}, {28, "Assured Forwarding 32"}, {30, "Assured Forwarding 33"},
                    {32, "Class Selector 4"}, {34, "Assured Forwarding 41"}, {36, "Assured Forwarding 42"},
                    {38, "Assured Forwarding 43"}, {40, "Class Selector 5"}, {44, "Voice Admit"},
                    {46, "Expedited Forwarding"}, {48, "Class Selector 6"}, {56, "Class Selector 7"}};
const Vs kEcn[] = {{0, "Not ECN-Capable Transport"}, {1, "ECN-Capable Transport codepoint '01'"},
                   {2, "ECN-Capable Transport codepoint '10'"}, {3, "Congestion Experienced"}};
const Vs kChecksumStatus[] = {{0, "Bad"}, {1, "Good"}, {2, "Unverified"}, {3, "Not present"}};
// tshark's words for what a TCP conversation has shown (SYN 1, SYN-ACK 2, ACK 4, data 8, FIN 16, RST 32).
const Vs kCompleteness[] = {{0, "Incomplete"}, {1, "Incomplete, SYN_SENT"}, {3, "Incomplete, CLIENT_ESTABLISHED"},
                            {7, "Incomplete, ESTABLISHED"}, {15, "Incomplete, DATA"}, {23, "Complete, NO_DATA"},
                            {31, "Complete, WITH_DATA"}, {39, "Complete, NO_DATA"}, {47, "Complete, WITH_DATA"},
                            {55, "Complete, NO_DATA"}, {63, "Complete, WITH_DATA"}};
const Vs kGtpVersions[] = {{0, "GTP release 97/98 version"}, {1, "GTP release 99 version"}, {2, "GTPv2"}};
const Vs kGtpPayload[] = {{0, "GTP'"}, {1, "GTP"}};
const Vs kWsOpcodes[] = {{0, "Continuation"}, {1, "Text"}, {2, "Binary"}, {8, "Connection Close"}, {9, "Ping"},
                         {10, "Pong"}};  // RFC 6455 §11.8
const Vs kWsCloseCodes[] = {{1000, "Normal Closure"}, {1001, "Going Away"}, {1002, "Protocol error"},
                            {1003, "Unsupported Data"}, {1004, "---Reserved----"}, {1005, "No Status Rcvd"},
                            {1006, "Abnormal Closure"}, {1007, "Invalid frame payload data"}, {1008, "Policy Violation"},
                            {1009, "Message Too Big"}, {1010, "Mandatory Ext."}, {1011, "Internal Server"},
                            {1015, "TLS handshake"}};  // RFC 6455 §7.4.1, as tshark names them
const Vs kGtpMessages[] = {{1, "Echo Request"}, {2, "Echo Response"}, {26, "Error Indication"},
                           {31, "Supported Extension Headers Notification"}, {253, "Tunnel Status"},
                           {254, "End Marker"}, {255, "T-PDU"}};
const Vs kArpOpcodes[] = {{1, "request"}, {2, "reply"}, {3, "reverse request"}, {4, "reverse reply"},
                          {8, "inverse request"}, {9, "inverse reply"}};
const Vs kIcmpv6Types[] = {{1, "Destination Unreachable"}, {2, "Packet Too Big"}, {3, "Time Exceeded"},
                           {4, "Parameter Problem"}, {128, "Echo (ping) request"}, {129, "Echo (ping) reply"},
                           {130, "Multicast Listener Query"}, {131, "Multicast Listener Report"},
                           {132, "Multicast Listener Done"}, {133, "Router Solicitation"},
                           {134, "Router Advertisement"}, {135, "Neighbor Solicitation"},
                           {136, "Neighbor Advertisement"}, {137, "Redirect"},
                           {143, "Multicast Listener Report Message v2"}};
const Vs kIcmpv6Options[] = {{1, "Source link-layer address"}, {2, "Target link-layer address"},
                             {3, "Prefix information"}, {4, "Redirected header"}, {5, "MTU"}, {14, "Nonce"}};
const Vs kMldRecordTypes[] = {{1, "Include"}, {2, "Exclude"}, {3, "Changed to include"}, {4, "Changed to exclude"},
                              {5, "Allow new sources"}, {6, "Block old sources"}};
// tshark's descriptive names (its -V "Type: A (Host Address) (1)").
const Vs kDnsTypes[] = {{1, "A (Host Address)"},
                        {2, "NS (authoritative Name Server)"},
                        {5, "CNAME (Canonical NAME for an alias)"},
                        {6, "SOA (Start Of a zone of Authority)"},
                        {12, "PTR (domain name PoinTeR)"},
                        {15, "MX (Mail eXchange)"},
                        {16, "TXT (Text strings)"},
                        {28, "AAAA (IPv6 Address)"},
                        {33, "SRV (Server Selection)"},
                        {41, "OPT"},
                        {255, "* (A request for all records the server/cache has available)"}};
const Vs kDnsClasses[] = {{1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"}};
const Vs kDnsOpcodes[] = {{0, "Standard query"}, {1, "Inverse query"}, {2, "Server status request"},
                          {4, "Zone change notification"}, {5, "Dynamic update"}};
const Vs kDnsRcodes[] = {{0, "No error"}, {1, "Format error"}, {2, "Server failure"}, {3, "No such name"},
                         {4, "Not implemented"}, {5, "Refused"}};
const Vs kArpHardwareShort[] = {{1, "Ethernet"}};
const Vs kEdnsOptions[] = {{3, "NSID"}, {8, "CSUBNET - Client subnet"}, {10, "COOKIE"}, {11, "EDNS TCP KEEPALIVE"},
                           {12, "PADDING"}};
const Vs kX509Versions[] = {{0, "v1"}, {1, "v2"}, {2, "v3"}};
const Vs kDirectoryString[] = {{0, "teletexString"}, {1, "printableString"}, {2, "universalString"},
                               {3, "bmpString"}, {4, "uTF8String"}};
const Vs kGeneralName[] = {{0, "otherName"}, {1, "rfc822Name"}, {2, "dNSName"}, {4, "directoryName"},
                           {6, "uniformResourceIdentifier"}, {7, "iPAddress"}, {8, "registeredID"}};
const Vs kTlsContent[] = {{20, "Change Cipher Spec"}, {21, "Alert"}, {22, "Handshake"}, {23, "Application Data"},
                          {24, "Heartbeat"}, {25, "Connection ID"}};
const Vs kHeartbeatType[] = {{1, "Request"}, {2, "Response"}};
const Vs kIpv6OptTypes[] = {{0, "Pad1"}, {1, "PadN"}, {4, "Tunnel Encapsulation Limit"}, {5, "Router Alert"},
                            {7, "CALIPSO"}, {8, "SMF_DPD"}, {15, "Performance and Diagnostic Metrics"},
                            {38, "Quick-Start"}, {48, "Path MTU Option"}, {49, "IOAM Option"}, {99, "RPL Option"},
                            {109, "MPL Option"}, {194, "Jumbo Payload"}, {201, "Home Address"}};
const Vs kIpv6OptActions[] = {{0, "Skip and continue"}, {1, "Discard"}, {2, "Discard and send ICMP Parameter Problem"},
                              {3, "Discard and send ICMP if not multicast"}};
const Vs kRouterAlert[] = {{0, "MLD"}, {1, "RSVP"}, {2, "Active Network"}};
const Vs kTlsVersions[] = {{0x0002, "SSL 2.0"}, {0x0300, "SSL 3.0"}, {0x0301, "TLS 1.0"}, {0x0302, "TLS 1.1"}, {0x0303, "TLS 1.2"},
                           {0x0304, "TLS 1.3"}};
// SSL 2.0 cipher kinds (the 3-byte specs of an SSLv2-format ClientHello that are not TLS suites).
const Vs kSsl2Ciphers[] = {{0x010080, "SSL2_RC4_128_WITH_MD5"},           {0x020080, "SSL2_RC4_128_EXPORT40_WITH_MD5"},
                           {0x030080, "SSL2_RC2_128_CBC_WITH_MD5"},        {0x040080, "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5"},
                           {0x050080, "SSL2_IDEA_128_CBC_WITH_MD5"},       {0x060040, "SSL2_DES_64_CBC_WITH_MD5"},
                           {0x0700c0, "SSL2_DES_192_EDE3_CBC_WITH_MD5"}};
// TLS 1.3 drafts, as tshark names them ("TLS 1.3 (draft 28)").
const char* tls_draft_name(uint64_t v) {
  static const char* const kDrafts[] = {"TLS 1.3 (draft 14)", "TLS 1.3 (draft 15)", "TLS 1.3 (draft 16)",
                                        "TLS 1.3 (draft 17)", "TLS 1.3 (draft 18)", "TLS 1.3 (draft 19)",
                                        "TLS 1.3 (draft 20)", "TLS 1.3 (draft 21)", "TLS 1.3 (draft 22)",
                                        "TLS 1.3 (draft 23)", "TLS 1.3 (draft 24)", "TLS 1.3 (draft 25)",
                                        "TLS 1.3 (draft 26)", "TLS 1.3 (draft 27)", "TLS 1.3 (draft 28)"};
  if (v == 0xfb17) return "TLS 1.3 (Facebook draft 23)";
  if (v == 0xfb1a) return "TLS 1.3 (Facebook draft 26)";
  if ((v & 0xff00) != 0x7f00 || (v & 0xff) < 14 || (v & 0xff) > 28) return nullptr;
  return kDrafts[(v & 0xff) - 14];
}
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

// Wireshark's encapsulation (WTAP_ENCAP_*) names of the link types mqsniff reads.
const Vs kEncapTypes[] = {{1, "Ethernet"},        {7, "Raw IP"},
                          {15, "NULL/Loopback"},  {25, "Linux cooked-mode capture v1"},
                          {129, "Raw IPv4"},      {130, "Raw IPv6"},
                          {174, "OpenBSD loopback"}, {210, "Linux cooked-mode capture v2"}};
// Linux cooked capture: the packet's direction/kind, and ARPHRD_* hardware types.
const Vs kSllPktTypes[] = {{0, "Unicast to us"}, {1, "Broadcast"}, {2, "Multicast"},
                           {3, "Unicast to another host"}, {4, "Sent by us"}};
const Vs kArpHardware[] = {{1, "Ethernet"}, {772, "Loopback"}, {776, "IPv6-in-IPv4"}, {778, "GRE over IP"},
                           {65534, "None"}};
// IEEE 802.1Q priority code points, as Wireshark names them.
const Vs kVlanPriorities[] = {{0, "Best Effort (default)"}, {1, "Background"}, {2, "Excellent Effort"},
                              {3, "Critical Applications"}, {4, "Video, < 100ms latency and jitter"},
                              {5, "Voice, < 10ms latency and jitter"}, {6, "Internetwork Control"},
                              {7, "Network Control"}};
// IPv6 routing header types (tshark's names).
const Vs kIpv6RoutingTypes[] = {{0, "Source Route"}, {1, "Nimrod"}, {2, "Type 2 Routing"},
                                {3, "RPL Source Route"}, {4, "Segment Routing"}, {5, "Compact Routing Header 16"},
                                {6, "Compact Routing Header 32"}, {253, "Experiment 1"}, {254, "Experiment 2"}};
// BSD loopback address families (DLT_NULL / DLT_LOOP).
const Vs kNullFamilies[] = {{2, "IP"}, {24, "IPv6"}, {28, "IPv6"}, {30, "IPv6"}};


}  // namespace

const char* own_value_name(std::string_view a, uint64_t v);

const char* value_name(std::string_view a, uint64_t v) {
  const GenTable* t = generated_table(a);
  if (t) {
    if (const char* n = generated_name(*t, v)) return n;
  }
  if (const char* n = own_value_name(a, v)) return n;
  return t ? "Unknown" : nullptr;  // tshark: "Unknown (N)" for a value its table lacks
}

const char* value_name_known(std::string_view a, uint64_t v) {
  const char* n = value_name(a, v);
  return n && std::string_view(n) != "Unknown" ? n : nullptr;
}

const char* own_value_name(std::string_view a, uint64_t v) {
  if (a == "eth.type" || a == "sll.etype" || a == "vlan.etype" || a == "ieee8021ah.etype") return lookup(kEtherTypes, v);
  if (a == "ip.proto" || a == "ipv6.nxt" || a == "ipv6.fraghdr.nxt" || a == "ipv6.hopopts.nxt" ||
      a == "ipv6.dstopts.nxt" || a == "ipv6.routing.nxt")
    return lookup(kIpProtos, v);
  if (a == "ipv6.routing.type") {
    const char* n = lookup(kIpv6RoutingTypes, v);
    return n ? n : "Unknown";
  }
  if (a == "ipv6.opt.type") return lookup(kIpv6OptTypes, v);
  if (a == "ipv6.opt.type.action") return lookup(kIpv6OptActions, v);
  if (a == "ipv6.opt.router_alert") return lookup(kRouterAlert, v);
  if (a == "tcp.option_kind") return lookup(kTcpOptions, v);
  if (a == "frame.encap_type") return lookup(kEncapTypes, v);
  if (a == "sll.pkttype") return lookup(kSllPktTypes, v);
  if (a == "sll.hatype") return lookup(kArpHardware, v);
  if (a == "vlan.priority") return lookup(kVlanPriorities, v);
  if (a == "null.family") return lookup(kNullFamilies, v);
  if (a == "ip.dsfield.dscp" || a == "ipv6.tclass.dscp") return lookup(kDscp, v);
  if (a == "tcp.completeness") {
    if (const char* n = lookup(kCompleteness, v)) return n;
    // Other combinations: complete once the handshake was seen and the connection ended.
    if (v > 63) return nullptr;
    return (v & 7) == 7 && (v & 48) ? ((v & 8) ? "Complete, WITH_DATA" : "Complete, NO_DATA") : "Incomplete";
  }
  if (a == "ip.dsfield.ecn" || a == "ipv6.tclass.ecn") return lookup(kEcn, v);
  if (a == "ip.checksum.status" || a == "tcp.checksum.status" || a == "udp.checksum.status" || a == "eth.fcs.status")
    return lookup(kChecksumStatus, v);
  if (a == "x509af.version") return lookup(kX509Versions, v);
  if (a == "gtp.flags.version") return lookup(kGtpVersions, v);
  if (a == "gtp.flags.payload") return lookup(kGtpPayload, v);
  if (a == "gtp.message") return lookup(kGtpMessages, v);
  if (a == "websocket.opcode") return lookup(kWsOpcodes, v);
  if (a == "websocket.payload.close.status_code") return lookup(kWsCloseCodes, v);
  if (a == "arp.opcode") return lookup(kArpOpcodes, v);
  if (a == "arp.hw.type") return lookup(kArpHardwareShort, v);
  if (a == "arp.proto.type") return lookup(kEtherTypes, v);
  if (a == "icmpv6.type") return lookup(kIcmpv6Types, v);
  if (a == "icmpv6.opt.type") return lookup(kIcmpv6Options, v);
  if (a == "icmpv6.mldr.mar.record_type") return lookup(kMldRecordTypes, v);
  if (a == "dns.qry.type" || a == "dns.resp.type") return lookup(kDnsTypes, v);
  if (a == "dns.qry.class" || a == "dns.resp.class") return lookup(kDnsClasses, v);
  if (a == "dns.flags.opcode") return lookup(kDnsOpcodes, v);
  if (a == "dns.flags.rcode") return lookup(kDnsRcodes, v);
  if (a == "dns.opt.code") return lookup(kEdnsOptions, v);
  if (a == "icmp.checksum.status" || a == "icmpv6.checksum.status") return lookup(kChecksumStatus, v);
  if (a == "x509af.issuer" || a == "x509af.subject") return v == 0 ? "rdnSequence" : nullptr;
  if (a == "x509af.notBefore" || a == "x509af.notAfter") return v == 0 ? "utcTime" : v == 1 ? "generalizedTime" : nullptr;
  if (a == "x509sat.DirectoryString") return lookup(kDirectoryString, v);
  if (a == "x509ce.GeneralName") return lookup(kGeneralName, v);
  if (a == "tls.record.content_type" || a == "tls.record.opaque_type") return lookup(kTlsContent, v);
  if (a == "tls.record.version" || a == "tls.handshake.version" || a == "tls.handshake.extensions.supported_version") {
    if (const char* n = lookup(kTlsVersions, v)) return n;
    return tls_draft_name(v);
  }
  if (a == "tls.handshake.type") return tls::handshake_name(static_cast<uint8_t>(v));
  if (a == "tls.alert_message.level") return lookup(kAlertLevel, v);
  if (a == "tls.heartbeat_message.type") return lookup(kHeartbeatType, v);
  if (a == "tls.handshake.extensions_status_request_type") return v == 1 ? "OCSP" : v == 2 ? "OCSP Multi" : nullptr;
  if (a == "tls.alert_message.desc") return tls::alert_name(static_cast<uint8_t>(v));
  if (a == "tls.handshake.ciphersuite") return lookup(kCiphers, v);
  if (a == "tls.handshake.cipherspec") return v < 0x10000 ? lookup(kCiphers, v) : lookup(kSsl2Ciphers, v);
  if (a == "tls.handshake.extension.type") {
    const char* n = tls::extension_name(static_cast<uint16_t>(v));
    return n ? n : "Unknown";  // tshark: "Type: Unknown (65037)"
  }
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
  if (a == "_ws.expert.severity") return severity_name(static_cast<Severity>(v));
  if (a == "_ws.expert.group") return group_name(static_cast<ExpertGroup>(v));
  return nullptr;
}

}  // namespace mqsniff::core
