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

// tshark's words for what a TCP conversation has shown (SYN 1, SYN-ACK 2, ACK 4, data 8, FIN 16, RST 32).
const Vs kCompleteness[] = {{0, "Incomplete"}, {1, "Incomplete, SYN_SENT"}, {3, "Incomplete, CLIENT_ESTABLISHED"},
                            {7, "Incomplete, ESTABLISHED"}, {15, "Incomplete, DATA"}, {23, "Complete, NO_DATA"},
                            {31, "Complete, WITH_DATA"}, {39, "Complete, NO_DATA"}, {47, "Complete, WITH_DATA"},
                            {55, "Complete, NO_DATA"}, {63, "Complete, WITH_DATA"}};
  // RFC 6455 §11.8
  // RFC 6455 §7.4.1, as tshark names them
const Vs kGtpMessages[] = {{1, "Echo Request"}, {2, "Echo Response"}, {26, "Error Indication"},
                           {31, "Supported Extension Headers Notification"}, {253, "Tunnel Status"},
                           {254, "End Marker"}, {255, "T-PDU"}};
const Vs kDnsClasses[] = {{1, "IN"}, {3, "CH"}, {4, "HS"}, {254, "NONE"}, {255, "ANY"}};
const Vs kDirectoryString[] = {{0, "teletexString"}, {1, "printableString"}, {2, "universalString"},
                               {3, "bmpString"}, {4, "uTF8String"}};
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
const Vs kSigAlgs[] = {{0x0401, "rsa_pkcs1_sha256"}, {0x0501, "rsa_pkcs1_sha384"}, {0x0601, "rsa_pkcs1_sha512"},
                       {0x0403, "ecdsa_secp256r1_sha256"}, {0x0503, "ecdsa_secp384r1_sha384"},
                       {0x0603, "ecdsa_secp521r1_sha512"}, {0x0804, "rsa_pss_rsae_sha256"},
                       {0x0805, "rsa_pss_rsae_sha384"}, {0x0806, "rsa_pss_rsae_sha512"}, {0x0807, "ed25519"},
                       {0x0808, "ed448"}, {0x0809, "rsa_pss_pss_sha256"}, {0x080a, "rsa_pss_pss_sha384"},
                       {0x080b, "rsa_pss_pss_sha512"}, {0x0201, "rsa_pkcs1_sha1"}, {0x0203, "ecdsa_sha1"},
                       {0x0301, "SHA224 RSA"}, {0x0302, "SHA224 DSA"}, {0x0303, "SHA224 ECDSA"},
                       {0x0402, "SHA256 DSA"}, {0x0502, "SHA384 DSA"}, {0x0602, "SHA512 DSA"},
                       {0x0202, "SHA1 DSA"}};

// IEEE 802.1Q priority code points, as Wireshark names them.
const Vs kVlanPriorities[] = {{0, "Best Effort (default)"}, {1, "Background"}, {2, "Excellent Effort"},
                              {3, "Critical Applications"}, {4, "Video, < 100ms latency and jitter"},
                              {5, "Voice, < 10ms latency and jitter"}, {6, "Internetwork Control"},
                              {7, "Network Control"}};


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
  if (a == "vlan.priority") return lookup(kVlanPriorities, v);
  if (a == "tcp.completeness") {
    if (const char* n = lookup(kCompleteness, v)) return n;
    // Other combinations: complete once the handshake was seen and the connection ended.
    if (v > 63) return nullptr;
    return (v & 7) == 7 && (v & 48) ? ((v & 8) ? "Complete, WITH_DATA" : "Complete, NO_DATA") : "Incomplete";
  }
  if (a == "gtp.message") return lookup(kGtpMessages, v);
  if (a == "dns.qry.class" || a == "dns.resp.class") return lookup(kDnsClasses, v);
  if (a == "x509af.issuer" || a == "x509af.subject") return v == 0 ? "rdnSequence" : nullptr;
  if (a == "x509sat.DirectoryString") return lookup(kDirectoryString, v);
  if (a == "tls.record.version" || a == "tls.handshake.version" || a == "tls.handshake.extensions.supported_version") {
    if (const char* n = lookup(kTlsVersions, v)) return n;
    return tls_draft_name(v);
  }
  if (a == "tls.handshake.type") return tls::handshake_name(static_cast<uint8_t>(v));
  if (a == "tls.handshake.cipherspec") return v < 0x10000 ? lookup(kCiphers, v) : lookup(kSsl2Ciphers, v);
  if (a == "tls.handshake.cert_type") return lookup(kCertTypes, v);
  if (a == "tls.handshake.sig_hash_alg") return lookup(kSigAlgs, v);
  if (a == "_ws.expert.severity") return severity_name(static_cast<Severity>(v));
  return nullptr;
}

}  // namespace mqsniff::core
