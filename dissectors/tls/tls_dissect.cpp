// TLS record layer and handshake headers: RFC 5246 §6.2 and §7.4 (TLS 1.2),
// RFC 8446 §4 and §5 (TLS 1.3).
//
//   record:    type(1) version(2) length(2) fragment[length]
//   handshake: msg_type(1) length(3) body; ClientHello/ServerHello bodies:
//              version(2) random(32) session_id<0..32> cipher_suite(s) ...
//              extensions<2^16-1>: { type(2) length(2) data }
//
// TLS 1.3 hides everything after the ServerHello in Application Data records
// (`tls.record.opaque_type`), which is what an eavesdropper on 8883 sees.
#include "dissectors/tls/tls_dissect.h"

#include <cstring>
#include <string>

#include "dissectors/core/format.h"
#include "dissectors/core/frame_list.h"
#include "dissectors/core/reader.h"
#include "dissectors/core/expert.h"
#include "dissectors/core/text_item.h"
#include "dissectors/tcp/flow_table.h"
#include "dissectors/tls/tls_fields.h"
#include "dissectors/tls/tls_session_decrypt.h"
#include "dissectors/tls/x509.h"

#include <openssl/evp.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

namespace mqsniff::tls {
using core::Packet;
using core::Reader;

const char* handshake_name(uint8_t t) {
  switch (t) {
    case 0: return "Hello Request";
    case 1: return "Client Hello";
    case 2: return "Server Hello";
    case 3: return "Hello Verify Request";
    case 4: return "New Session Ticket";
    case 5: return "End of Early Data";
    case 6: return "Hello Retry Request";
    case 8: return "Encrypted Extensions";
    case 11: return "Certificate";
    case 12: return "Server Key Exchange";
    case 13: return "Certificate Request";
    case 14: return "Server Hello Done";
    case 15: return "Certificate Verify";
    case 16: return "Client Key Exchange";
    case 20: return "Finished";
    case 21: return "Client Certificate URL";
    case 22: return "Certificate Status";
    case 23: return "Supplemental Data";
    case 24: return "Key Update";
    case 25: return "Compressed Certificate";
    case 67: return "Encrypted Extensions";
    default: return nullptr;
  }
}

// SSL 2.0 message types (the SSLv2-format ClientHello's header), as tshark names them.
const char* ssl2_message_name(uint8_t t) {
  static const char* const names[] = {"Error", "Client Hello", "Client Master Key", "Client Finished", "Server Hello",
                                      "Server Verify", "Server Finished", "Request Certificate", "Client Certificate"};
  return t < 9 ? names[t] : "Unknown";
}

const char* alert_name(uint8_t d) {
  switch (d) {
    case 0: return "Close Notify";
    case 10: return "Unexpected Message";
    case 20: return "Bad Record MAC";
    case 21: return "Decryption Failed";
    case 22: return "Record Overflow";
    case 30: return "Decompression Failure";
    case 40: return "Handshake Failure";
    case 41: return "No Certificate";
    case 42: return "Bad Certificate";
    case 43: return "Unsupported Certificate";
    case 44: return "Certificate Revoked";
    case 45: return "Certificate Expired";
    case 46: return "Certificate Unknown";
    case 47: return "Illegal Parameter";
    case 48: return "Unknown CA";
    case 49: return "Access Denied";
    case 50: return "Decode Error";
    case 51: return "Decrypt Error";
    case 60: return "Export Restriction";
    case 70: return "Protocol Version";
    case 71: return "Insufficient Security";
    case 80: return "Internal Error";
    case 86: return "Inappropriate Fallback";
    case 90: return "User Canceled";
    case 100: return "No Renegotiation";
    case 109: return "Missing Extension";
    case 110: return "Unsupported Extension";
    case 112: return "Unrecognized Name";
    case 116: return "Certificate Required";
    case 120: return "No application Protocol";
    default: return "Unknown";
  }
}

const char* extension_name(uint16_t type) {
  switch (type) {
    case 0: return "server_name";
    case 1: return "max_fragment_length";
    case 5: return "status_request";
    case 10: return "supported_groups";
    case 11: return "ec_point_formats";
    case 13: return "signature_algorithms";
    case 14: return "use_srtp";
    case 15: return "heartbeat";
    case 16: return "application_layer_protocol_negotiation";
    case 18: return "signed_certificate_timestamp";
    case 21: return "padding";
    case 22: return "encrypt_then_mac";
    case 23: return "extended_master_secret";
    case 27: return "compress_certificate";
    case 28: return "record_size_limit";
    case 35: return "session_ticket";
    case 41: return "pre_shared_key";
    case 42: return "early_data";
    case 43: return "supported_versions";
    case 44: return "cookie";
    case 45: return "psk_key_exchange_modes";
    case 47: return "certificate_authorities";
    case 49: return "post_handshake_auth";
    case 50: return "signature_algorithms_cert";
    case 51: return "key_share";
    case 57: return "quic_transport_parameters";
    case 65281: return "renegotiation_info";
    default: return (type & 0x0f0f) == 0x0a0a && (type >> 8) == (type & 0xff) ? "Reserved (GREASE)" : nullptr;
  }
}

const char* group_name(uint16_t g) {
  switch (g) {
    case 0x0017: return "secp256r1";
    case 0x0018: return "secp384r1";
    case 0x0019: return "secp521r1";
    case 0x001d: return "x25519";
    case 0x001e: return "x448";
    case 0x0100: return "ffdhe2048";
    case 0x0101: return "ffdhe3072";
    case 0x0102: return "ffdhe4096";
    case 0x0103: return "ffdhe6144";
    case 0x0104: return "ffdhe8192";
    default: return (g & 0x0f0f) == 0x0a0a && (g >> 8) == (g & 0xff) ? "Reserved (GREASE)" : nullptr;
  }
}

namespace {



// TLS 1.3's drafts (0x7fNN: draft NN; Facebook's 0xfb17, 0xfb1a) speak TLS 1.3 on
// the wire: the session is TLS 1.3 (its records, its Protocol column), as in tshark.
uint16_t session_version(uint16_t v) {
  return (v & 0xff00) == 0x7f00 || v == 0xfb17 || v == 0xfb1a ? 0x0304 : v;
}

const char* version_name(uint16_t v) {
  switch (v) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return "TLS";
  }
}

void info_add(Packet& pkt, bool& first_item, const std::string& what) {
  if (!pkt.cols) return;
  if (!first_item) pkt.cols->info += ", ";
  pkt.cols->info += what;
  first_item = false;
}

// A vector whose length runs past what contains it: tshark's expert under the
// length item ("Vector length 1024 is too large, truncating it to 100"), and
// the caller stops reading that structure. True when the length fits.
bool vector_fits(core::FieldTree& t, int32_t len_item, size_t len, size_t room, uint32_t off, uint32_t size) {
  if (len <= room) return true;
  core::Subtree sub(t, len_item);
  core::add_expert(t, "Vector length " + std::to_string(len) + " is too large, truncating it to " + std::to_string(room),
                   core::Severity::Error, core::ExpertGroup::Malformed, off, size, tls_f::malformed_buffer_too_small);
  return false;
}

// GREASE values (RFC 8701) are left out of JA3.
bool grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

void join(std::string& out, const std::vector<uint16_t>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += '-';
    core::append_uint(out, v[i]);
  }
}

// JA3 / JA3S (Salesforce's TLS fingerprints): the string and its MD5, via OpenSSL.
void add_fingerprint(core::FieldTree& t, FieldId full_id, FieldId md5_id, const std::string& full, uint32_t off) {
  t.add_string_copy(full_id, full, off, 0);
  if (!t.wants(md5_id)) return;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(full.data(), full.size(), md, &n, EVP_md5(), nullptr);
  std::string hex;
  core::append_hex_bytes(hex, md, n);
  t.add_string_copy(md5_id, hex, off, 0);
}

// JA4 (FoxIO): "t" + version + SNI d/i + cipher count + extension count +
// first/last character of the first ALPN value, then the truncated SHA-256 of
// the sorted cipher list and of the sorted extension list followed by the
// signature algorithms in their order. GREASE is ignored everywhere.

const char* ja4_version(uint16_t v) {
  switch (v) {
    case 0x0304: return "13";
    case 0x0303: return "12";
    case 0x0302: return "11";
    case 0x0301: return "10";
    case 0x0300: return "s3";
    case 0x0002: case 0x0200: return "s2";
    default: return "00";
  }
}

void hex4_list(std::string& out, const std::vector<uint16_t>& v) {
  static const char* d = "0123456789abcdef";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    for (int sh = 12; sh >= 0; sh -= 4) out += d[(v[i] >> sh) & 0xf];
  }
}

std::string sha256_12(const std::string& in) {
  if (in.empty()) return "000000000000";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), md, &n, EVP_sha256(), nullptr);
  std::string hex;
  core::append_hex_bytes(hex, md, 6);
  return hex;
}

}  // namespace

void ja4_fingerprint(const Ja4Input& in, std::string& ja4, std::string& ja4_r) {
  uint16_t ver = in.hello_version;
  if (!in.versions.empty()) {
    ver = 0;
    for (uint16_t v : in.versions) ver = std::max(ver, v);
  }
  char a[16];
  unsigned nc = std::min<size_t>(in.ciphers.size(), 99), ne = std::min<unsigned>(in.ext_count, 99);
  char alpn[3] = {'0', '0', 0};
  if (!in.alpn.empty()) {
    unsigned char f = static_cast<unsigned char>(in.alpn.front()), l = static_cast<unsigned char>(in.alpn.back());
    if (isalnum(f) && isalnum(l)) {
      alpn[0] = static_cast<char>(f);
      alpn[1] = static_cast<char>(l);
    } else {  // not alphanumeric: first hex digit of the first byte, last of the last
      static const char* d = "0123456789abcdef";
      alpn[0] = d[f >> 4];
      alpn[1] = d[l & 0xf];
    }
  }
  snprintf(a, sizeof a, "t%s%c%02u%02u%s", ja4_version(ver), in.sni ? 'd' : 'i', nc, ne, alpn);
  std::vector<uint16_t> c = in.ciphers, e;
  std::sort(c.begin(), c.end());
  for (uint16_t x : in.exts)
    if (x != 0x0000 && x != 0x0010) e.push_back(x);
  std::sort(e.begin(), e.end());
  std::string cs, es;
  hex4_list(cs, c);
  hex4_list(es, e);
  if (!in.sigalgs.empty()) {
    es += '_';
    hex4_list(es, in.sigalgs);
  }
  ja4 = std::string(a) + "_" + sha256_12(cs) + "_" + (e.empty() && in.sigalgs.empty() ? "000000000000" : sha256_12(es));
  ja4_r = std::string(a) + "_" + cs + "_" + es;
}

namespace {

// A list of signature schemes (RFC 8446 §4.2.3), as tshark lists them.
// One signature scheme, with tshark's hash/signature halves.
void sig_scheme(core::FieldTree& t, uint16_t v, uint32_t off) {
  core::Subtree sub(t, t.add_uint(tls_f::sig_hash_alg, v, off, 2));
  t.add_uint(tls_f::sig_hash_hash, v >> 8, off, 1);
  t.add_uint(tls_f::sig_hash_sig, v & 0xff, off + 1, 1);
}

// A list node labelled with its count, as tshark shows lists ("Cipher Suites (31 suites)").
int32_t list_node(core::FieldTree& t, FieldId id, const char* what, size_t n, const char* one, const char* many,
                  uint32_t off, uint32_t len) {
  int32_t idx = t.add_none(id, off, len);
  if (idx >= 0) {
    char b[96];
    if (one) snprintf(b, sizeof b, "%s (%zu %s)", what, n, n == 1 ? one : many);
    else snprintf(b, sizeof b, "%s (%zu)", what, n);
    t.set_label(idx, b);
  }
  return idx;
}

void sig_algs(core::FieldTree& t, Reader& e, uint32_t off, std::vector<uint16_t>* keep) {
  uint16_t l = e.be16();
  t.add_uint(tls_f::sig_hash_alg_len, l, off, 2);
  Reader a = e.sub(l);
  core::Subtree list(t, list_node(t, tls_f::sig_hash_algs, "Signature Hash Algorithms", l / 2, "algorithm",
                                  "algorithms", off + 2, l));
  uint32_t o = off + 2;
  while (a.remaining() >= 2) {
    uint16_t v = a.be16();
    sig_scheme(t, v, o);
    o += 2;
    if (keep && !grease(v)) keep->push_back(v);
  }
}

// A digitally-signed element (RFC 5246 §4.7): the scheme (TLS 1.2), then
// length and signature, in the given fields.
void signature(core::FieldTree& t, Reader& m, uint32_t off, uint16_t version, FieldId len_id, FieldId sig_id) {
  if (version >= 0x0303) {
    uint16_t alg = m.be16();
    if (!m.ok()) return;
    sig_scheme(t, alg, off);
  }
  uint16_t sl = m.be16();
  core::Bytes sig = m.bytes(sl);
  if (!m.ok()) return;
  t.add_uint(len_id, sl, off, 2);
  t.add_bytes(sig_id, sig.data(), sig.size(), off);
}

// What a hello's extensions tell the rest of the dissection.
struct HelloFacts {
  bool client = false, hrr = false;
  bool want_ja3 = false, want_ja4 = false;
  Ja4Input* j4 = nullptr;
  std::vector<uint16_t> groups, formats;  // JA3 (ClientHello)
  uint16_t negotiated = 0;                // ServerHello supported_versions
  core::Bytes ticket;                     // ClientHello session_ticket (RFC 5077)
  bool etm = false;                       // ServerHello encrypt_then_mac (RFC 7366)
};

// One extension's body (RFC 8446 §4.2 and the RFCs of each type), in
// tshark's tree. `o` is the offset of its data; `f` is null for the
// extensions of EncryptedExtensions and CertificateRequest.
void dissect_extension(core::FieldTree& t, uint16_t type, Reader& e, uint32_t o, bool client, HelloFacts* f) {
  auto at = [&] { return o + static_cast<uint32_t>(e.pos()); };
  char b[128];
  switch (type) {
    case 0: {  // server_name (RFC 6066 §3)
      if (e.remaining() < 2) break;
      core::Subtree sni(t, core::add_text(t, "Server Name Indication extension", at(), static_cast<uint32_t>(e.remaining())));
      const uint16_t list_len = e.be16();
      const int32_t li = t.add_uint(tls_f::server_name_list_len, list_len, at() - 2, 2);
      if (f && f->j4) f->j4->sni = true;
      if (e.ok() && !vector_fits(t, li, list_len, e.remaining(), at() - 2, 2)) break;
      while (e.remaining() >= 3) {
        uint8_t nt = e.u8();
        uint16_t nl = e.be16();
        uint32_t no = at();
        core::Bytes name = e.bytes(nl);
        if (!e.ok()) break;
        t.add_uint(tls_f::server_name_type, nt, no - 3, 1);
        t.add_uint(tls_f::server_name_len, nl, no - 2, 2);
        if (nt == 0) t.add_string(tls_f::server_name, {reinterpret_cast<const char*>(name.data()), name.size()}, no, nl);
      }
      break;
    }
    case 5:  // status_request (RFC 6066 §8): a ClientHello's OCSP request
      if (client && e.remaining() >= 1) {
        const uint8_t st = e.u8();
        t.add_uint(tls_f::status_request_type, st, at() - 1, 1);
        if (st == 1 && e.remaining() >= 2) {
          const uint16_t ids = e.be16();
          t.add_uint(tls_f::status_request_responder_ids_len, ids, at() - 2, 2);
          e.skip(ids);
          if (e.ok() && e.remaining() >= 2) t.add_uint(tls_f::status_request_exts_len, e.be16(), at() - 2, 2);
        }
      }
      break;
    case 1:  // max_fragment_length (RFC 6066 §4)
      if (e.remaining() >= 1) t.add_uint(tls_f::max_fragment_length, e.u8(), at(), 1);
      break;
    case 10: {  // supported_groups (RFC 8446 §4.2.7)
      uint16_t gl = e.be16();
      t.add_uint(tls_f::supported_groups_length, gl, at() - 2, 2);
      Reader gs = e.sub(gl);
      core::Subtree list(t, list_node(t, tls_f::supported_groups, "Supported Groups", gl / 2, "group", "groups", at(), gl));
      uint32_t go = at();
      while (gs.remaining() >= 2) {
        uint16_t v = gs.be16();
        t.add_uint(tls_f::supported_group, v, go, 2);
        go += 2;
        if (f && f->want_ja3 && client && !grease(v)) f->groups.push_back(v);
      }
      break;
    }
    case 11: {  // ec_point_formats (RFC 8422 §5.1.2)
      uint8_t fl = e.u8();
      t.add_uint(tls_f::ec_point_formats_length, fl, at() - 1, 1);
      core::Subtree list(t, list_node(t, tls_f::ec_point_formats, "Elliptic curves point formats", fl, nullptr, nullptr,
                                      at(), fl));
      for (uint8_t i = 0; i < fl && e.remaining(); ++i) {
        uint8_t v = e.u8();
        t.add_uint(tls_f::ec_point_format, v, at() - 1, 1);
        if (f && f->want_ja3 && client) f->formats.push_back(v);
      }
      break;
    }
    case 13:  // signature_algorithms
    case 50:  // signature_algorithms_cert
      sig_algs(t, e, at(), f && f->want_ja4 && type == 13 ? &f->j4->sigalgs : nullptr);
      break;
    case 16: {  // ALPN (RFC 7301)
      uint16_t al = e.be16();
      t.add_uint(tls_f::alpn_len, al, at() - 2, 2);
      Reader as = e.sub(al);
      core::Subtree list(t, t.add_none(tls_f::alpn_list, at(), al));
      uint32_t ao = at();
      while (as.remaining() >= 1) {
        uint8_t sl = as.u8();
        core::Bytes str = as.bytes(sl);
        if (!as.ok()) break;
        t.add_uint(tls_f::alpn_str_len, sl, ao, 1);
        std::string_view v(reinterpret_cast<const char*>(str.data()), str.size());
        t.add_string(tls_f::alpn_str, v, ao + 1, sl);
        ao += 1u + sl;
        if (f && f->j4 && client && f->j4->alpn.empty()) f->j4->alpn = v;
      }
      break;
    }
    case 21: {  // padding (RFC 7685)
      core::Bytes pad = e.rest_captured();
      t.add_bytes(tls_f::padding_data, pad.data(), pad.size(), at());
      break;
    }
    case 22:  // encrypt_then_mac
      if (f && !client) f->etm = true;
      break;
    case 28:  // record_size_limit (RFC 8449)
      if (e.remaining() >= 2) t.add_uint(tls_f::record_size_limit, e.be16(), at(), 2);
      break;
    case 35: {  // session_ticket (RFC 5077)
      core::Bytes d = e.rest_captured();
      if (f && client) f->ticket = d;
      t.add_bytes(tls_f::extension_data, d.data(), d.size(), at());
      break;
    }
    case 41: {  // pre_shared_key (RFC 8446 §4.2.11)
      core::Subtree psk(t, core::add_text(t, "Pre-Shared Key extension", at(), static_cast<uint32_t>(e.remaining())));
      if (!client) {
        if (e.remaining() >= 2) t.add_uint(tls_f::psk_selected, e.be16(), at(), 2);
        break;
      }
      uint16_t il = e.be16();
      t.add_uint(tls_f::psk_identities_length, il, at() - 2, 2);
      Reader ids = e.sub(il);
      uint32_t io = at() - il;
      while (ids.remaining() >= 2) {
        uint16_t l = ids.be16();
        core::Bytes id = ids.bytes(l);
        uint32_t age = ids.be32();
        if (!ids.ok()) break;
        snprintf(b, sizeof b, "PSK Identity (length: %u)", l);
        core::Subtree one(t, t.wants(link::ws_f::text) ? core::add_text(t, b, io, 6u + l) : -1);
        t.add_uint(tls_f::psk_identity_length, l, io, 2);
        t.add_bytes(tls_f::psk_identity, id.data(), id.size(), io + 2);
        t.add_uint(tls_f::psk_obfuscated_age, age, io + 2 + l, 4);
        io += 6u + l;
      }
      uint16_t bl = e.be16();
      if (!e.ok()) break;
      t.add_uint(tls_f::psk_binders_len, bl, at() - 2, 2);
      t.add_none(tls_f::psk_binders, at(), bl);
      break;
    }
    case 42:  // early_data (RFC 8446 §4.2.10): a size in NewSessionTicket only
      if (e.remaining() >= 4) t.add_uint(tls_f::max_early_data_size, e.be32(), at(), 4);
      break;
    case 43:  // supported_versions (RFC 8446 §4.2.1)
      if (client) {
        uint8_t l = e.u8();
        t.add_uint(tls_f::supported_versions_len, l, at() - 1, 1);
        Reader vs = e.sub(l);
        uint32_t vo = at() - l;
        while (vs.remaining() >= 2) {
          uint16_t v = vs.be16();
          t.add_uint(tls_f::supported_version, v, vo, 2);
          vo += 2;
          if (f && f->j4 && !grease(v)) f->j4->versions.push_back(v);
        }
      } else {
        uint16_t v = e.be16();
        if (e.ok()) {
          t.add_uint(tls_f::supported_version, v, at() - 2, 2);
          if (f) f->negotiated = v;
        }
      }
      break;
    case 44: {  // cookie (RFC 8446 §4.2.2)
      uint16_t cl = e.be16();
      core::Bytes c = e.bytes(cl);
      if (!e.ok()) break;
      t.add_uint(tls_f::cookie_len, cl, at() - cl - 2, 2);
      t.add_bytes(tls_f::cookie, c.data(), c.size(), at() - cl);
      break;
    }
    case 45: {  // psk_key_exchange_modes (RFC 8446 §4.2.9)
      uint8_t l = e.u8();
      t.add_uint(tls_f::psk_ke_modes_length, l, at() - 1, 1);
      for (uint8_t i = 0; i < l && e.remaining(); ++i) t.add_uint(tls_f::psk_ke_mode, e.u8(), at() - 1, 1);
      break;
    }
    case 51: {  // key_share (RFC 8446 §4.2.8)
      core::Subtree ks(t, core::add_text(t, "Key Share extension", at(), static_cast<uint32_t>(e.remaining())));
      auto entry = [&](Reader& r) {
        uint32_t eo = at();
        uint16_t g = r.be16();
        uint16_t l = r.be16();
        core::Bytes k = r.bytes(l);
        if (!r.ok()) return false;
        int32_t idx = -1;
        if (t.wants(link::ws_f::text)) {
          const char* gn = group_name(g);
          if (gn) snprintf(b, sizeof b, "Key Share Entry: Group: %s, Key Exchange length: %u", gn, l);
          else snprintf(b, sizeof b, "Key Share Entry: Group: Unknown (%u), Key Exchange length: %u", g, l);
          idx = core::add_text(t, b, eo, 4u + l);
        }
        core::Subtree one(t, idx);
        t.add_uint(tls_f::key_share_group, g, eo, 2);
        t.add_uint(tls_f::key_share_key_exchange_length, l, eo + 2, 2);
        t.add_bytes(tls_f::key_share_key_exchange, k.data(), k.size(), eo + 4);
        return true;
      };
      if (client) {
        uint16_t kl = e.be16();
        t.add_uint(tls_f::key_share_client_length, kl, at() - 2, 2);
        Reader shares = e.sub(kl);
        // (offsets: the entries follow the length)
        while (shares.remaining() >= 4 && entry(shares)) {
        }
      } else if (e.remaining() == 2) {  // HelloRetryRequest: the group the client must use
        t.add_uint(tls_f::key_share_selected_group, e.be16(), at() - 2, 2);
      } else if (e.remaining() >= 4) {
        entry(e);
      }
      break;
    }
    case 65281: {  // renegotiation_info (RFC 5746)
      core::Subtree ri(t, core::add_text(t, "Renegotiation Info extension", at(), static_cast<uint32_t>(e.remaining())));
      uint8_t l = e.u8();
      core::Bytes d = e.bytes(l);
      if (!e.ok()) break;
      t.add_uint(tls_f::reneg_info_len, l, at() - l - 1, 1);
      if (l) t.add_bytes(tls_f::reneg_info, d.data(), d.size(), at() - l);
      break;
    }
    default:
      if (e.remaining()) {
        core::Bytes d = e.rest_captured();
        const int32_t di = t.add_bytes(tls_f::extension_data, d.data(), d.size(), at());
        if (di >= 0 && !extension_name(type) && t.wants(tls_f::extension_data)) {
          // A type tshark does not know: its data shown as bytes ("Data: 135ca5ee…"), at most 36 of them.
          std::string line = "Data: ";
          core::append_hex_bytes(line, d.data(), std::min<size_t>(d.size(), 36), 0);
          if (d.size() > 36) line += "\xe2\x80\xa6";
          t.set_display(di, line);
        }
      }
      break;
  }
}

// The extensions block of a handshake message: each one a text item
// "Extension: NAME (len=N)" holding its type, length and body (tshark's tree).
void dissect_extensions(core::FieldTree& t, Reader& exts, uint32_t base, bool client, HelloFacts* f) {
  const bool text = t.wants(link::ws_f::text);
  while (exts.remaining() >= 4) {
    const uint32_t eoff = base + static_cast<uint32_t>(exts.pos());
    uint16_t type = exts.be16();
    uint16_t len = exts.be16();
    // (an extension the capture cut is not shown at all, as in tshark)
    if (exts.ok() && exts.captured_remaining() < len) break;
    Reader e = exts.sub(len);
    if (!exts.ok()) break;
    int32_t idx = -1;
    if (text) {
      char b[96];
      const char* n = extension_name(type);
      if (n) snprintf(b, sizeof b, "Extension: %s (len=%u)", n, len);
      else snprintf(b, sizeof b, "Extension: Unknown type %u (len=%u)", type, len);
      idx = core::add_text(t, b, eoff, 4u + len);
    }
    core::Subtree ext(t, idx);
    t.add_uint(tls_f::extension_type, type, eoff, 2);
    t.add_uint(tls_f::extension_len, len, eoff + 2, 2);
    dissect_extension(t, type, e, eoff + 4, client, f);
  }
}

// ClientHello / ServerHello (RFC 8446 §4.1.2, §4.1.3): every field, in
// tshark's tree, and what decryption and the fingerprints need.
void dissect_hello(Reader& r, uint32_t off, bool client, Packet& pkt, TlsSession& s) {
  s.hello_type_seen = true;  // (tshark's session has a version from here on: it no longer guesses)
  auto& t = pkt.tree;
  auto pos = [&] { return off + static_cast<uint32_t>(r.pos()); };
  // Each field as far as the bytes go (a hello the capture cut shows what
  // precedes the cut, as tshark's second pass).
  uint16_t ver = r.be16();
  if (!r.ok()) return;
  HelloFacts f;
  f.client = client;
  f.want_ja3 = client ? (t.wants(tls_f::ja3) || t.wants(tls_f::ja3_full))
                      : (t.wants(tls_f::ja3s) || t.wants(tls_f::ja3s_full));
  f.want_ja4 = client && (t.wants(tls_f::ja4) || t.wants(tls_f::ja4_r));
  Ja4Input j4;
  j4.hello_version = ver;
  f.j4 = &j4;
  f.negotiated = ver;
  std::vector<uint16_t> ciphers;
  t.add_uint(tls_f::handshake_version, ver, off, 2);
  core::Bytes random = r.bytes(32);
  if (!r.ok()) return;
  // tshark splits the random into time and bytes, except a TLS 1.3 ServerHello's (or HelloRetryRequest's).
  bool split_random = s.shown_version(0) != 0x0304;  // (a second ClientHello, after a HelloRetryRequest, is TLS 1.3's)
  if (!client && split_random) {
    Reader scan = r;
    scan.skip(scan.u8());  // session id
    scan.skip(3);  // cipher suite, compression method
    Reader exts = scan.sub(scan.be16());
    while (exts.remaining() >= 4) {
      uint16_t type = exts.be16();
      Reader e = exts.sub(exts.be16());
      if (type == 43 && e.be16() >= 0x0304 && e.ok()) split_random = false;
    }
  }
  if (!split_random) {
    const int32_t idx = t.add_bytes(tls_f::handshake_random, random.data(), random.size(), off + 2);
    if (!client && is_hrr_random(random)) t.append_text(idx, " (HelloRetryRequest magic)");
  } else {
    core::Subtree rnd(t, t.add_bytes(tls_f::handshake_random, random.data(), random.size(), off + 2));
    core::Timestamp gmt{static_cast<int64_t>(uint32_t(random[0]) << 24 | uint32_t(random[1]) << 16 |
                                             uint32_t(random[2]) << 8 | random[3]),
                        0};
    t.add_time(tls_f::random_time, gmt, off + 2, 4);
    t.add_bytes(tls_f::random_bytes, random.data() + 4, 28, off + 6);
  }
  const uint8_t sid_len = r.u8();
  if (!r.ok()) return;
  t.add_uint(tls_f::session_id_length, sid_len, off + 34, 1);
  const core::Bytes sid = r.bytes(sid_len);
  if (!r.ok()) return;
  if (sid_len) t.add_bytes(tls_f::session_id, sid.data(), sid.size(), off + 35);
  if (client) {
    uint16_t cs_len = r.be16();
    if (!r.ok()) return;
    {
      const int32_t li = t.add_uint(tls_f::cipher_suites_length, cs_len, pos() - 2, 2);
      if (!vector_fits(t, li, cs_len, r.remaining(), pos() - 2, 2)) return;
    }
    Reader cs = r.sub(cs_len);
    {
      uint32_t co = pos() - cs_len;
      core::Subtree list(t, list_node(t, tls_f::ciphersuites, "Cipher Suites", cs_len / 2, "suite", "suites", co, cs_len));
      while (cs.remaining() >= 2) {
        uint16_t c = cs.be16();
        if (!cs.ok()) break;  // (cut by the capture)
        t.add_uint(tls_f::ciphersuite, c, co, 2);
        co += 2;
        if ((f.want_ja3 || f.want_ja4) && !grease(c)) ciphers.push_back(c);
      }
      if (cs.remaining()) {  // an odd length: tshark's note inside the list
        const std::string note = cs.remaining() == 1 ? "1 trailing byte was unprocessed"
                                                     : std::to_string(cs.remaining()) + " trailing bytes were unprocessed";
        core::Subtree item(t, core::add_text(t, note, co, static_cast<uint32_t>(cs.remaining())));
        core::add_expert(t, note, core::Severity::Warn, core::ExpertGroup::Protocol, co,
                         static_cast<uint32_t>(cs.remaining()), tls_f::malformed_trailing_data);
      }
    }
    uint8_t comp_len = r.u8();
    if (!r.ok()) return;
    {
      const int32_t li = t.add_uint(tls_f::comp_methods_length, comp_len, pos() - 1, 1);
      if (!vector_fits(t, li, comp_len, r.remaining(), pos() - 1, 1)) return;
    }
    Reader comp = r.sub(comp_len);
    core::Subtree list(t, list_node(t, tls_f::comp_methods, "Compression Methods", comp_len, "method", "methods",
                                    pos() - comp_len, comp_len));
    uint32_t mo = pos() - comp_len;
    while (comp.remaining()) t.add_uint(tls_f::comp_method, comp.u8(), mo++, 1);
  } else {
    uint16_t c = r.be16();
    t.add_uint(tls_f::ciphersuite, c, pos() - 2, 2);
    ciphers.push_back(c);
    s.cipher = c;
    uint8_t comp = r.u8();
    if (r.ok()) t.add_uint(tls_f::comp_method, comp, pos() - 1, 1);
  }
  if (!r.ok() || r.remaining() < 2) {
    if (r.ok() && (s.decrypt || client)) {  // a hello without extensions (a ClientHello's random is kept)
      if (client) decrypt_client_hello(s, random, sid, {});
      else decrypt_server_hello(s, random, sid, false);
    }
    return;
  }
  uint16_t ext_total = r.be16();
  const int32_t ext_len_item = t.add_uint(tls_f::extensions_length, ext_total, pos() - 2, 2);
  if (!vector_fits(t, ext_len_item, ext_total, r.remaining(), pos() - 2, 2)) {
    // tshark reads no extension; a client's JA3 is what it had: "771,<ciphers>,"
    if (client && f.want_ja3) {
      std::string full;
      core::append_uint(full, ver);
      full += ',';
      join(full, ciphers);
      full += ',';
      add_fingerprint(t, tls_f::ja3_full, tls_f::ja3, full, off);
    }
    return;
  }
  const uint32_t ext_base = pos();
  Reader exts = r.sub(ext_total);
  std::vector<uint16_t> exts_ids;
  if (f.want_ja3 || f.want_ja4) {
    // The extension types, in order (GREASE left out), for the fingerprints.
    Reader scan = exts;
    while (scan.remaining() >= 4) {
      uint16_t type = scan.be16();
      uint16_t len = scan.be16();
      scan.skip(len);
      if (!scan.ok()) break;
      if (grease(type)) continue;
      if (f.want_ja3) exts_ids.push_back(type);
      if (f.want_ja4) j4.exts.push_back(type);
      ++j4.ext_count;
    }
  }
  dissect_extensions(t, exts, ext_base, client, &f);
  if (!client) s.version = session_version(f.negotiated);
  if (exts.truncated_window()) return;  // cut by the capture: no fingerprint of a part, no keys
  if (s.decrypt || client) {  // (a ClientHello's random is kept for keys that come later)
    if (client) decrypt_client_hello(s, random, sid, f.ticket);
    else decrypt_server_hello(s, random, sid, f.etm);
  }
  if (f.want_ja3) {
    std::string full;
    core::append_uint(full, ver);
    full += ',';
    join(full, ciphers);
    full += ',';
    join(full, exts_ids);
    if (client) {
      full += ',';
      join(full, f.groups);
      full += ',';
      join(full, f.formats);
      add_fingerprint(t, tls_f::ja3_full, tls_f::ja3, full, off);
    } else {
      add_fingerprint(t, tls_f::ja3s_full, tls_f::ja3s, full, off);
    }
  }
  if (f.want_ja4) {
    j4.ciphers = std::move(ciphers);
    std::string ja4, ja4_r;
    ja4_fingerprint(j4, ja4, ja4_r);
    t.add_string_copy(tls_f::ja4, ja4, off, 0);
    t.add_string_copy(tls_f::ja4_r, ja4_r, off, 0);
  }
}

// Key exchange families of the TLS 1.2 cipher suites (IANA registry):
// ECDHE_* (0xC0xx, ChaCha20 0xCCA8/A9/AC), DHE_*, and plain RSA.
bool ecdhe_suite(uint16_t c) {
  return ((c >> 8) == 0xc0 && c != 0xc09c && c != 0xc09d && c != 0xc0a0 && c != 0xc0a1) || c == 0xcca8 ||
         c == 0xcca9 || c == 0xccac;
}
// Finite-field Diffie-Hellman suites (IANA registry): DHE_DSS_* and
// DHE_RSA_* sign their parameters, DH_anon_* do not.
enum class DhKx { None, Signed, Anon };
DhKx dh_kx_suite(uint16_t c) {
  switch (c) {
    // DHE_DSS
    case 0x0011: case 0x0012: case 0x0013: case 0x0032: case 0x0038: case 0x0040: case 0x0044: case 0x006a:
    case 0x0087: case 0x0099: case 0x00a2: case 0x00a3: case 0x00bd: case 0x00c3: case 0xc042: case 0xc043:
    case 0xc056: case 0xc057: case 0xc080: case 0xc081:
    // DHE_RSA
    case 0x0014: case 0x0015: case 0x0016: case 0x0033: case 0x0039: case 0x0045: case 0x0067: case 0x006b:
    case 0x0088: case 0x009a: case 0x009e: case 0x009f: case 0x00be: case 0x00c4: case 0xc044: case 0xc045:
    case 0xc052: case 0xc053: case 0xc07c: case 0xc07d: case 0xc09e: case 0xc09f: case 0xc0a2: case 0xc0a3:
    case 0xccaa:
      return DhKx::Signed;
    // DH_anon
    case 0x0017: case 0x0018: case 0x0019: case 0x001a: case 0x001b: case 0x0034: case 0x003a: case 0x0046:
    case 0x006c: case 0x006d: case 0x0089: case 0x009b: case 0x00a6: case 0x00a7: case 0x00bf: case 0x00c5:
    case 0xc046: case 0xc047: case 0xc05a: case 0xc05b: case 0xc084: case 0xc085:
      return DhKx::Anon;
    default: return DhKx::None;
  }
}
bool rsa_kx_suite(uint16_t c) {
  switch (c) {
    case 0x002f: case 0x0035: case 0x003c: case 0x003d: case 0x009c: case 0x009d: case 0x000a: case 0x0041:
    case 0x0084: case 0x00ba: case 0x00c0: case 0xc09c: case 0xc09d: case 0xc0a0: case 0xc0a1:
      return true;
    default: return false;
  }
}

// One opaque<1..2^16-1> value of a DH exchange (RFC 5246 §7.4.3): its
// length, then its bytes, at `off` plus where the reader is.
bool dh_value(core::FieldTree& t, Reader& m, uint32_t off, FieldId len_id, FieldId val_id) {
  const uint32_t at = off + static_cast<uint32_t>(m.pos());
  const uint16_t l = m.be16();
  const core::Bytes v = m.bytes(l);
  if (!m.ok()) return false;
  t.add_uint(len_id, l, at, 2);
  t.add_bytes(val_id, v.data(), v.size(), at + 2);
  return true;
}
// ServerDHParams (RFC 5246 §7.4.3): p, g, the server's public value; then,
// but for DH_anon, the signature over them.
void dh_server_params(core::FieldTree& t, Reader& m, uint32_t off, uint16_t version, bool signed_params) {
  core::Subtree params(t, core::add_text(t, "Diffie-Hellman Server Params", off, static_cast<uint32_t>(m.remaining())));
  if (!dh_value(t, m, off, tls_f::dh_p_len, tls_f::dh_p) || !dh_value(t, m, off, tls_f::dh_g_len, tls_f::dh_g) ||
      !dh_value(t, m, off, tls_f::dh_ys_len, tls_f::dh_ys))
    return;
  if (signed_params) signature(t, m, off, version, tls_f::sig_len, tls_f::sig);
}

// Extensions of EncryptedExtensions and CertificateRequest (TLS 1.3), the
// server's: as a hello's.
void dissect_plain_extensions(core::FieldTree& t, Reader& exts, uint32_t off) {
  dissect_extensions(t, exts, off, false, nullptr);
}

// The bodies of the other handshake messages a TLS 1.2 handshake shows in
// clear (RFC 5246 §7.4, RFC 8422 §5.4), and New Session Ticket (RFC 5077).
void dissect_body(uint8_t ht, Reader& m, uint32_t off, Packet& pkt, TlsSession& s) {
  auto& t = pkt.tree;
  switch (ht) {
    case 8: {  // EncryptedExtensions (TLS 1.3, decrypted)
      uint16_t el = m.be16();
      if (!m.ok()) break;
      t.add_uint(tls_f::extensions_length, el, off, 2);
      Reader exts = m.sub(el);
      dissect_plain_extensions(t, exts, off + 2);
      break;
    }
    case 20:  // Finished
      t.add_none(tls_f::verify_data, off, static_cast<uint32_t>(m.remaining()));
      break;
    case 24:  // KeyUpdate: its request is shown beside the handshake item (dissect_handshakes)
      break;
    case 11: {  // Certificate
      if (s.version == 0x0304) {
        // TLS 1.3 (decrypted): a request context, then entries that carry extensions.
        uint8_t cl = m.u8();
        core::Bytes ctx = m.bytes(cl);
        if (!m.ok()) break;
        t.add_uint(tls_f::cert_request_context_length, cl, off, 1);
        if (cl) t.add_bytes(tls_f::cert_request_context, ctx.data(), ctx.size(), off + 1);
        off += 1u + cl;
      }
      uint32_t total = m.be24();
      t.add_uint(tls_f::certificates_length, total, off, 3);
      Reader list = m.sub(total);
      if (!m.ok()) break;
      // (an empty list, a client without a certificate: tshark shows its length only)
      const int32_t certs_idx = total ? t.add_none(tls_f::certificates, off + 3, total) : -1;
      if (certs_idx >= 0) t.set_label(certs_idx, "Certificates (" + std::to_string(total) + " bytes)");
      core::Subtree certs(t, certs_idx);
      while (list.remaining() >= 3) {
        uint32_t coff = off + static_cast<uint32_t>(m.pos() - list.remaining());
        uint32_t cl = list.be24();
        core::Bytes der = list.bytes(cl);
        if (!list.ok()) break;
        t.add_uint(tls_f::certificate_length, cl, coff, 3);
        {
          const int32_t cert_idx = t.add_bytes(tls_f::certificate, der.data(), der.size(), coff + 3);
          core::Subtree cert(t, cert_idx);
          dissect_certificate(der, coff + 3, pkt, cert_idx);
        }
        if (s.version == 0x0304) {  // CertificateEntry.extensions
          uint16_t el = list.be16();
          list.skip(el);
          if (!list.ok()) break;
          t.add_uint(tls_f::extensions_length, el, coff + 3 + cl, 2);
        }
      }
      certs.end();
      if (!list.ok()) pkt.mark_malformed("TLS");
      break;
    }
    case 12: {  // ServerKeyExchange: DHE (p, g, public value), ECDHE (curve, public point); signature
      if (const DhKx dh = dh_kx_suite(s.cipher); dh != DhKx::None) {
        dh_server_params(t, m, off, s.version, dh == DhKx::Signed);
        break;
      }
      if (!ecdhe_suite(s.cipher)) break;
      core::Subtree params(t, core::add_text(t, "EC Diffie-Hellman Server Params", off, static_cast<uint32_t>(m.remaining())));
      uint8_t curve_type = m.u8();
      t.add_uint(tls_f::server_curve_type, curve_type, off, 1);
      if (curve_type != 3) break;  // only named_curve is in use (RFC 8422)
      t.add_uint(tls_f::server_named_curve, m.be16(), off + 1, 2);
      uint8_t pl = m.u8();
      core::Bytes point = m.bytes(pl);
      if (!m.ok()) break;
      t.add_uint(tls_f::server_point_len, pl, off + 3, 1);
      t.add_bytes(tls_f::server_point, point.data(), point.size(), off + 4);
      signature(t, m, off, s.version, tls_f::sig_len, tls_f::sig);
      break;
    }
    case 13: {  // CertificateRequest (TLS 1.2): types, signature algorithms, acceptable CAs
      if (s.version == 0x0304) {
        // TLS 1.3 (decrypted, RFC 8446 §4.3.2): a context, then extensions.
        uint8_t cl = m.u8();
        core::Bytes ctx = m.bytes(cl);
        uint16_t el = m.be16();
        if (!m.ok()) break;
        t.add_uint(tls_f::cert_request_context_length, cl, off, 1);
        if (cl) t.add_bytes(tls_f::cert_request_context, ctx.data(), ctx.size(), off + 1);
        t.add_uint(tls_f::extensions_length, el, off + 1 + cl, 2);
        Reader exts = m.sub(el);
        dissect_plain_extensions(t, exts, off + 3 + cl);
        break;
      }
      uint8_t n = m.u8();
      t.add_uint(tls_f::cert_types_count, n, off, 1);
      Reader types = m.sub(n);
      if (!m.ok()) break;
      {
        core::Subtree sub(t, list_node(t, tls_f::cert_types, "Certificate types", n, "type", "types", off + 1, n));
        uint32_t to = off + 1;
        while (types.remaining()) t.add_uint(tls_f::cert_type, types.u8(), to++, 1);
      }
      if (s.version >= 0x0303) sig_algs(t, m, off, nullptr);
      uint16_t dl = m.be16();
      Reader dns = m.sub(dl);
      if (!m.ok()) break;
      t.add_uint(tls_f::dnames_len, dl, off, 2);
      if (dl) t.add_none(tls_f::dnames, off, dl);
      while (dns.remaining() >= 2) {
        uint16_t l = dns.be16();
        core::Bytes dn = dns.bytes(l);
        if (!dns.ok()) break;
        t.add_uint(tls_f::dname_len, l, off, 2);
        t.add_none(tls_f::dname, off, l);
        if (t.wants(tls_f::dname_str)) t.add_string_copy(tls_f::dname_str, distinguished_name(dn), off, l);
      }
      break;
    }
    case 15: {  // CertificateVerify (TLS 1.2; TLS 1.3 decrypted has the same layout)
      signature(t, m, off, s.version, tls_f::cert_vrfy_sig_len, tls_f::cert_vrfy_sig);
      break;
    }
    case 16: {  // ClientKeyExchange
      if (ecdhe_suite(s.cipher)) {
        core::Subtree params(t, core::add_text(t, "EC Diffie-Hellman Client Params", off, static_cast<uint32_t>(m.remaining())));
        uint8_t pl = m.u8();
        core::Bytes point = m.bytes(pl);
        if (!m.ok()) break;
        t.add_uint(tls_f::client_point_len, pl, off, 1);
        t.add_bytes(tls_f::client_point, point.data(), point.size(), off + 1);
      } else if (dh_kx_suite(s.cipher) != DhKx::None) {
        core::Subtree params(t, core::add_text(t, "Diffie-Hellman Client Params", off, static_cast<uint32_t>(m.remaining())));
        dh_value(t, m, off, tls_f::dh_yc_len, tls_f::dh_yc);
      } else if (rsa_kx_suite(s.cipher)) {
        core::Subtree params(t, core::add_text(t, "RSA Encrypted PreMaster Secret", off, static_cast<uint32_t>(m.remaining())));
        uint16_t l = m.be16();
        core::Bytes e = m.bytes(l);
        if (!m.ok()) break;
        t.add_uint(tls_f::epms_len, l, off, 2);
        t.add_bytes(tls_f::epms, e.data(), e.size(), off + 2);
      }
      break;
    }
    case 4: {  // NewSessionTicket (TLS 1.2, RFC 5077 §3.3)
      core::Subtree ticket(t, core::add_text(t, "TLS Session Ticket", off, static_cast<uint32_t>(m.remaining())));
      if (s.version == 0x0304) {
        // TLS 1.3 (decrypted, RFC 8446 §4.6.1)
        uint32_t life = m.be32();
        uint32_t age_add = m.be32();
        uint8_t nl = m.u8();
        core::Bytes nonce = m.bytes(nl);
        uint16_t tl = m.be16();
        core::Bytes tk = m.bytes(tl);
        uint16_t el = m.be16();
        if (!m.ok()) break;
        t.add_uint(tls_f::session_ticket_lifetime_hint, life, off, 4);
        t.add_uint(tls_f::session_ticket_age_add, age_add, off + 4, 4);
        t.add_uint(tls_f::session_ticket_nonce_length, nl, off + 8, 1);
        t.add_bytes(tls_f::session_ticket_nonce, nonce.data(), nonce.size(), off + 9);
        t.add_uint(tls_f::session_ticket_length, tl, off + 9 + nl, 2);
        t.add_bytes(tls_f::session_ticket, tk.data(), tk.size(), off + 11 + nl);
        t.add_uint(tls_f::extensions_length, el, off + 11 + nl + tl, 2);
        break;
      }
      uint32_t hint = m.be32();
      uint16_t l = m.be16();
      core::Bytes tk = m.bytes(l);
      if (!m.ok()) break;
      t.add_uint(tls_f::session_ticket_lifetime_hint, hint, off, 4);
      t.add_uint(tls_f::session_ticket_length, l, off + 4, 2);
      t.add_bytes(tls_f::session_ticket, tk.data(), tk.size(), off + 6);
      decrypt_session_ticket(s, tk);
      break;
    }
    default: break;
  }
}

core::Bytes keep_source(Packet& pkt, const char* label, core::Bytes b);

using core::add_frame_items;
using core::frame_list_label;

// What a record held, for its tree label ("TLSv1.2 Record Layer: Handshake Protocol: Client Hello").
struct RecordWhat {
  int handshakes = 0;
  const char* name = nullptr;  // the first handshake message's
  bool fragment = false;       // ... which is the start of one continued in the next record
  bool multiple = false;       // a message, or part of one, after the first ("Multiple Handshake Messages")
  std::string text;            // the label after "Record Layer: "
  bool cut = false;            // a hello the capture cut was read up to the cut
};

// One handshake message, or a fragment of one, as tshark labels it: the Info
// column names a whole message, or "[<Name> Fragment]" when the fragment
// opens the record; the record is named after its first message, else
// "Multiple Handshake Messages". Returns the tls.handshake item.
int32_t show_handshake(Packet& pkt, const TlsSession& s, bool& first_item, RecordWhat& what, const char* name,
                       bool is_first, bool complete, uint32_t off, uint32_t len) {
  if (complete) info_add(pkt, first_item, name);
  else if (is_first) info_add(pkt, first_item, std::string("[") + name + " Fragment]");
  ++what.handshakes;
  if (is_first) {
    what.name = name;
    what.fragment = !complete;
  } else {
    what.multiple = true;
  }
  auto& t = pkt.tree;
  const int32_t idx = t.add_none(tls_f::handshake, off, len);
  if (idx >= 0 && t.wants(tls_f::handshake))
    t.set_label(idx, std::string("Handshake Protocol: ") + name + (complete ? "" : " (fragment)"));
  // -2: a part of a message names the frame that completes it, beside it.
  const uint32_t frame = static_cast<uint32_t>(pkt.frame.number);
  if (!complete && s.forward)
    if (const uint32_t in = s.forward->reassembled_in(tcp::StreamForward::In::TlsHandshake, frame))  // (also this frame: tshark names it)
      t.add_uint(tls_f::handshake_reassembled_in, in, off, 0);
  return idx;
}

// One whole handshake message at data[start..], its type and length read.
void dissect_handshake_message(core::Bytes data, size_t start, uint32_t hoff, bool is_first, Packet& pkt, TlsSession& s,
                               bool& first_item, RecordWhat& what, size_t cut_need = 0) {
  auto& t = pkt.tree;
  const uint8_t ht = data[start];
  const uint32_t hl = static_cast<uint32_t>(data[start + 1]) << 16 | static_cast<uint32_t>(data[start + 2]) << 8 |
                      data[start + 3];
  const char* known = handshake_name(ht);
  // tshark shows a message of an unknown type only when it opens the record,
  // as an encrypted one, without its type and length.
  if (!known && !is_first) return;
  // A ServerHello carrying the HelloRetryRequest random is named as one (RFC 8446 §4.1.3).
  const bool hrr = ht == 2 && hl >= 34 && data.size() >= start + 38 && is_hrr_random(data.subspan(start + 6, 32));
  if (hrr) s.hrr_seen = true;
  if (cut_need) {
    // Cut by the capture: tshark's second pass shows the hellos' fields up
    // to the cut (then "TLS truncated"), other messages by type and length.
    const int32_t cut_idx = show_handshake(pkt, s, first_item, what,
                                           hrr ? "Hello Retry Request" : known ? known : "Encrypted Handshake Message",
                                           is_first, true, hoff, hl + 4);
    if (!known) return;
    core::Subtree hs_sub(t, cut_idx);
    t.add_uint(tls_f::handshake_type, ht, hoff, 1);
    t.add_uint(tls_f::handshake_length, hl, hoff + 1, 3);
    if (ht == 1 || ht == 2) {
      Reader msg(data.subspan(start + 4), hl);
      if (ht == 2) s.server_dir = s.dir & 1;
      dissect_hello(msg, hoff + 4, ht == 1, pkt, s);
    }
    // tshark reads into the others' bodies and meets the cut, but for a
    // Client Key Exchange, which it leaves unread there.
    what.cut = ht != 16;
    return;
  }
  const char* name = hrr ? "Hello Retry Request" : known ? known : "Encrypted Handshake Message";
  const int32_t hs_idx = show_handshake(pkt, s, first_item, what, name, is_first, true, hoff, hl + 4);
  if (!known) return;
  core::Subtree hs_sub(t, hs_idx);
  t.add_uint(tls_f::handshake_type, ht, hoff, 1);
  t.add_uint(tls_f::handshake_length, hl, hoff + 1, 3);
  Reader msg(data.subspan(start + 4, hl));
  // (What ends a full handshake's server flight is its ServerHelloDone; a
  // NewSessionTicket comes before the ChangeCipherSpec of an abbreviated one too.)
  if ((s.dir & 1) == s.server_dir && ht == 14) s.server_hello_only = false;
  if (ht == 1 || ht == 2) {
    if (ht == 1) s.server_known = true;
    if (ht == 2) {
      s.server_dir = s.dir & 1;
      s.server_hello_only = true;
    }
    dissect_hello(msg, hoff + 4, ht == 1, pkt, s);
  } else {
    dissect_body(ht, msg, hoff + 4, pkt, s);
    if (ht == 24 && hl >= 1) {  // KeyUpdate (RFC 8446 §4.6.3): tshark places the request beside the handshake item
      hs_sub.end();
      t.add_uint(tls_f::key_update_request, data[start + 4], hoff + 4, 1);
    }
    if (s.dec) decrypt_after_handshake(s, s.dir & 1, ht);  // Finished, KeyUpdate: new keys
  }
}

// The handshake messages of one record. A message longer than what is left
// of the record continues in the direction's next handshake records (RFC
// 8446 §5.1): its parts are held until it is whole, then it is dissected
// from a "Reassembled TLS Handshake" data source, with tshark's fragment
// list ("[2 Reassembled Handshake Fragments (201 bytes): #78(100), #80(101)]").
void dissect_handshakes(Reader& body, bool record_complete, uint32_t off, Packet& pkt, TlsSession& s, bool& first_item,
                        RecordWhat& what) {
  auto& t = pkt.tree;
  core::Bytes data = body.rest_captured();
  const int d = s.dir & 1;
  auto& frag = s.hs_frag[d];
  const uint32_t frame = static_cast<uint32_t>(pkt.frame.number);
  // A handshake message across records may hold at most this much (the TCP
  // reassembly's per-direction cap, and kMaxHandshakeMessage), and only while
  // the total budget has room.
  const size_t dir_cap = s.limits ? std::min(kMaxHandshakeMessage, s.limits->max_dir_bytes) : kMaxHandshakeMessage;
  auto room = [&](size_t more) {
    return !s.budget || !s.limits || s.budget->total() + more <= s.limits->max_total_bytes;
  };
  auto drop = [&](size_t lost, const char* why) {
    if (s.budget) {
      s.budget->drop(tcp::Drop::TlsHandshake, lost);
      ++s.budget->cap_hits;
    }
    frag.reset();
    s.charge_fragment(d);
    core::add_expert(t, why, core::Severity::Warn, core::ExpertGroup::Reassemble, off, 0);
  };
  auto msg_len = [](core::Bytes b) {  // 4 + the announced length, 0 while the header is incomplete
    return b.size() < 4 ? size_t{0}
                        : 4 + (static_cast<size_t>(b[1]) << 16 | static_cast<size_t>(b[2]) << 8 | b[3]);
  };
  size_t pos = 0;
  bool is_first = what.handshakes == 0;
  if (frag && !frag->bytes.empty()) {
    // This record continues a message: take what it still needs.
    size_t need = msg_len(frag->bytes);
    if (!need && frag->bytes.size() + data.size() >= 4) {
      uint8_t h[4];
      for (size_t i = 0; i < 4; ++i) h[i] = i < frag->bytes.size() ? frag->bytes[i] : data[i - frag->bytes.size()];
      need = msg_len(core::Bytes(h, 4));
    }
    const size_t take = need ? std::min(data.size(), need - frag->bytes.size()) : data.size();
    if (!record_complete || frag->bytes.size() + take > dir_cap || !room(take)) {
      drop(frag->bytes.size(), "Handshake message continued across records dropped (larger than the limit, or the record was cut)");
      return;
    }
    const char* name = handshake_name(frag->type);
    if (!name) name = "Encrypted Handshake Message";
    frag->bytes.insert(frag->bytes.end(), data.begin(), data.begin() + static_cast<long>(take));
    frag->parts.emplace_back(frame, static_cast<uint32_t>(take));
    if (!need || frag->bytes.size() < need) {
      // Still not whole: the middle of the message.
      s.charge_fragment(d);
      show_handshake(pkt, s, first_item, what, name, false, false, off, static_cast<uint32_t>(data.size()));
      return;
    }
    // Whole: its last part, the list of parts, then the message itself.
    const int32_t last = t.add_none(tls_f::handshake, off, static_cast<uint32_t>(take));
    if (last >= 0 && t.wants(tls_f::handshake))
      t.set_label(last, std::string("Handshake Protocol: ") + name + " (last fragment)");
    const core::Bytes msg = keep_source(pkt, "Reassembled TLS Handshake", core::Bytes(frag->bytes.data(), need));
    const auto parts = std::move(frag->parts);
    if (s.forward)  // -2's first pass: the frames that held parts learn where the message completes
      for (const auto& part : parts) s.forward->note_reassembled(tcp::StreamForward::In::TlsHandshake, part.first, frame);
    frag.reset();  // whole: the buffer goes now (a chain of 1-byte records must not leave 5 KB per connection)
    s.charge_fragment(d);
    if (t.wants(tls_f::handshake_fragments) || t.wants(tls_f::handshake_fragment) ||
        t.wants(tls_f::handshake_fragment_count)) {
      const int32_t fi = t.add_none(tls_f::handshake_fragments, 0, static_cast<uint32_t>(need));
      if (fi >= 0) t.set_label(fi, frame_list_label("Reassembled Handshake Fragments", need, parts));
      core::Subtree list(t, fi);
      add_frame_items(t, tls_f::handshake_fragment, parts, true);
      t.add_uint(tls_f::handshake_fragment_count, parts.size(), 0, 0);
    }
    dissect_handshake_message(msg, 0, 0, true, pkt, s, first_item, what);
    is_first = false;
    pos = take;
  }
  while (pos < data.size()) {
    const core::Bytes rest = data.subspan(pos);
    const size_t need = msg_len(rest);
    const uint32_t hoff = off + static_cast<uint32_t>(pos);
    if (need && rest.size() < need && body.truncated_window() && pos + need <= body.size()) {
      // The capture cut the message (-2's second pass): its fields as far as they go.
      dissect_handshake_message(data, pos, hoff, is_first, pkt, s, first_item, what, need);
      break;
    }
    if (!handshake_name(rest[0]) && (!need || rest.size() < need)) {
      // No handshake type: bytes from inside a message whose start was not
      // seen (a capture started late). tshark names them as an encrypted
      // message and holds nothing.
      if (is_first)
        show_handshake(pkt, s, first_item, what, "Encrypted Handshake Message", true, true, hoff,
                       static_cast<uint32_t>(rest.size()));
      break;
    }
    if (!need || rest.size() < need) {
      // The message continues in the next handshake record.
      const char* name = handshake_name(rest[0]);
      if (!name) name = "Encrypted Handshake Message";
      if (record_complete && need <= dir_cap && room(rest.size())) {
        frag = std::make_unique<TlsSession::HsFragments>();
        frag->bytes.assign(rest.begin(), rest.end());
        frag->parts.emplace_back(frame, static_cast<uint32_t>(rest.size()));
        frag->type = rest[0];
        s.charge_fragment(d);
      } else if (record_complete) {  // counted, not held
        drop(rest.size(), need > dir_cap ? "Handshake message fragment not held: the message announces more than the "
                                           "reassembly limit (tcp.reassembly_max_dir, at most 256 KiB)"
                                         : "Handshake message fragment not held: the reassembly memory budget is full");
      }
      show_handshake(pkt, s, first_item, what, name, is_first, false, hoff, static_cast<uint32_t>(rest.size()));
      break;
    }
    dissect_handshake_message(data, pos, hoff, is_first, pkt, s, first_item, what);
    is_first = false;
    pos += need;
  }
}

// TLS 1.3 encrypts alerts: a rejected handshake shows only as a short
// Application Data record (a 2-byte alert, its inner type byte and the AEAD
// tag) that ends the handshake. Returns what it probably was, or null.
struct ProbableAlert {
  const char* info;    // appended to the Info column
  const char* reason;  // tls.inferred_alert and the expert message
};
std::optional<ProbableAlert> probable_alert(const TlsSession& s, uint16_t len) {
  if (s.version != 0x0304 || s.server_dir > 1) return std::nullopt;
  const uint16_t tag = s.cipher == 0x1305 ? 8 : 16;  // TLS_AES_128_CCM_8_SHA256 has an 8-byte tag
  if (len != 3 + tag) return std::nullopt;
  const bool from_server = (s.dir & 1) == s.server_dir;
  if (from_server && s.client_enc > 0 && s.server_enc_after_client == 0)
    return ProbableAlert{"Application Data (probably the server's encrypted Alert: handshake rejected)",
                         "the server rejected the handshake (an encrypted Alert right after the client's "
                         "certificate and Finished: probably the client certificate was refused)"};
  if (!from_server && s.client_enc == 0)
    return ProbableAlert{"Application Data (probably the client's encrypted Alert: handshake rejected)",
                         "the client rejected the handshake (an encrypted Alert instead of its Finished: "
                         "probably the server's certificate was refused)"};
  return std::nullopt;
}

}  // namespace

bool is_hrr_random(std::span<const uint8_t> random) {
  static constexpr uint8_t kHrrRandom[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                             0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                             0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
  return random.size() == 32 && std::memcmp(random.data(), kHrrRandom, 32) == 0;
}

tcp::PduLen record_length(std::span<const uint8_t> b) {
  tcp::PduLen r;
  if (b.size() < 5) return r;  // NeedMore, total unknown
  if (is_sslv2_hello_header(b)) {  // an SSL 2.0-format ClientHello: a 2-byte length, high bit set
    r.total = 2u + ((b[0] & 0x7fu) << 8 | b[1]);
    r.total_known = true;
    if (b.size() >= r.total) r.kind = tcp::PduLen::Kind::Pdu;
    return r;
  }
  uint16_t len = static_cast<uint16_t>(b[3] << 8 | b[4]);
  // (A length past 2^14 + 2048 is impossible, but tshark still waits for
  // that many bytes before it dissects the record; the reassembly caps bound
  // what is held.)
  if (b[0] < 20 || b[0] > 24 || b[1] != 3) {
    r.kind = tcp::PduLen::Kind::Bad;
    return r;
  }
  r.total = 5u + len;
  r.total_known = true;
  if (b.size() >= r.total) r.kind = tcp::PduLen::Kind::Pdu;
  return r;
}

bool refuses(std::span<const uint8_t> b) {
  if (b.size() <= 4) return false;
  for (size_t i = 0; i < 4; ++i)
    if (b[i] < 0x20 || b[i] > 0x7e) return false;
  return true;
}

bool plausible_record(std::span<const uint8_t> b) {
  return b.size() >= 5 && b[0] >= 20 && b[0] <= 24 && b[1] == 3 && b[2] <= 4;
}

bool is_sslv2_hello_header(std::span<const uint8_t> b) {
  // No TLS record type has the high bit set; the message is a ClientHello (1)
  // offering SSL 2.0 (0x0002) or an SSL 3.0/TLS version.
  return b.size() >= 5 && (b[0] & 0x80) && b[2] == 1 && ((b[3] == 0 && b[4] == 2) || b[3] == 3);
}

bool looks_like_sslv2_hello(std::span<const uint8_t> b) {
  // tshark's heuristic for an SSLv2-format ClientHello on any port: a length
  // under 256, the ClientHello type, cipher specs a non-zero multiple of 3,
  // a session ID of 0 or 16 bytes and a 32-byte challenge.
  if (b.size() < 46 || b[0] != 0x80 || b[2] != 1) return false;
  const uint16_t specs = static_cast<uint16_t>(b[5] << 8 | b[6]);
  const uint16_t sid = static_cast<uint16_t>(b[7] << 8 | b[8]);
  const uint16_t challenge = static_cast<uint16_t>(b[9] << 8 | b[10]);
  return specs != 0 && specs % 3 == 0 && (sid == 0 || sid == 16) && challenge == 32;
}

bool looks_like_record(std::span<const uint8_t> b) {
  if (looks_like_sslv2_hello(b)) return true;
  // tshark's TLS heuristic: a Handshake or Application Data record header of
  // SSL 3.0 to TLS 1.2 (a TLS 1.3 record says 1.2 or 1.0) with a sane length.
  // Only the header is looked at: a record's body may come in a later segment.
  if (b.size() < 5 || (b[0] != 22 && b[0] != 23) || b[1] != 3 || b[2] > 3) return false;
  const uint16_t len = static_cast<uint16_t>(b[3] << 8 | b[4]);
  return len != 0 && len < 16384 + 2048;
}

namespace {

// A 2-byte alert (RFC 8446 §6), in clear or decrypted; false if cut short.
bool dissect_alert(Reader& body, uint32_t off, Packet& pkt, bool& first_item, std::string* label) {
  auto& t = pkt.tree;
  uint8_t level = body.u8();
  uint8_t desc = body.u8();
  if (!body.ok()) return false;
  core::Subtree alert_sub(t, t.add_none(tls_f::alert_message, off, 2));
  t.add_uint(tls_f::alert_level, level, off, 1);
  t.add_uint(tls_f::alert_desc, desc, off + 1, 1);
  std::string text = std::string("Alert (Level: ") + (level == 1 ? "Warning" : level == 2 ? "Fatal" : "Unknown") +
                     ", Description: " + alert_name(desc) + ")";
  info_add(pkt, first_item, text);
  if (label) *label = std::move(text);
  return true;
}

// Bytes that must outlive this call: a data source of the frame (shown by -x).
core::Bytes keep_source(Packet& pkt, const char* label, core::Bytes b) {
  if (!pkt.sources) return pkt.tree.keep(b);
  auto& buf = pkt.sources->add(label);
  buf.assign(b.begin(), b.end());
  return core::Bytes(buf.data(), buf.size());
}

// Decrypted application data: framed and dissected by the protocol the
// sink chose for this session (MQTT, WebSocket...), across records. Returns
// that protocol's name (tls.app_data_proto), or null. A record that only
// starts or continues a PDU is named in the Info column as tshark does.
// The protocol of the session's decrypted application data, chosen from its first bytes.
const AppHandler* app_of(TlsSession& s, core::Bytes plain) {
  SessionDecrypt& d = *s.dec;
  if (!d.app_chosen && !plain.empty()) {
    d.app = s.sink.choose ? s.sink.choose(s.sink.user, plain) : nullptr;
    d.app_chosen = true;
  }
  return d.app;
}

const char* deliver_app_data(TlsSession& s, core::Bytes plain, Packet& pkt, bool& first_item) {
  SessionDecrypt& d = *s.dec;
  // (no sink for this segment: nothing to hand the data to)
  if (!s.sink.user || !app_of(s, plain)) return nullptr;
  auto& t = pkt.tree;
  const unsigned dir = s.dir & 1;
  auto& pend = d.pending[dir];
  auto& frames = d.pending_frames[dir];
  const uint32_t frame = static_cast<uint32_t>(pkt.frame.number);
  core::Bytes data = plain;
  const bool joined = !pend.empty();
  size_t joined_part = 0;  // bytes of this record that completed the pending PDU
  if (joined) {
    if (pend.size() + plain.size() > SessionDecrypt::kMaxPending ||
        !tcp::budget_room(s.budget, s.limits, pend.size(), plain.size())) {
      s.decrypt->stats.dropped_plaintext += pend.size() + plain.size();
      if (s.budget) s.budget->drop(tcp::Drop::TlsPlaintext, pend.size() + plain.size());
      pend = {};
      frames.clear();
      s.charge_pending(static_cast<int>(dir));
      core::add_expert(t, "Decrypted application PDU over the TLS reassembly limit (1 MiB) or the memory budget: dropped",
                       core::Severity::Warn, core::ExpertGroup::Reassemble);
      return d.app->name;
    }
    pend.insert(pend.end(), plain.begin(), plain.end());
    data = core::Bytes(pend.data(), pend.size());
  }
  const size_t before = joined ? pend.size() - plain.size() : 0;  // bytes pending before this record
  size_t used = 0;
  while (used < data.size()) {
    core::Bytes rest = data.subspan(used);
    tcp::PduLen f = d.app->frame(rest);
    if (f.kind == tcp::PduLen::Kind::NeedMore) break;
    size_t n = f.kind == tcp::PduLen::Kind::Pdu ? f.total : rest.size();  // Bad: the rest, marked malformed
    core::Bytes pdu = rest.subspan(0, n);
    const bool reassembled = joined && used < before;  // this PDU began in an earlier record
    if (reassembled) {
      // tshark's "[N Reassembled TLS segments (L bytes): #16(4), #17(17)]", beside TLS.
      joined_part = used + n - before;
      pdu = keep_source(pkt, "Reassembled SSL", pdu);
      frames.emplace_back(frame, static_cast<uint32_t>(joined_part));
      t.enter(-1);
      {
        const int32_t si = t.add_none(tls_f::segments, 0, static_cast<uint32_t>(n));
        if (si >= 0 && t.wants(tls_f::segments))
          t.set_label(si, "[" + frame_list_label("Reassembled TLS segments", n, frames) + "]");
        core::Subtree segs(t, si);
        add_frame_items(t, tls_f::segment, frames, false);
        t.add_uint(tls_f::segment_count, frames.size(), 0, 0);
        t.add_uint(tls_f::reassembled_length, n, 0, 0);
        t.add_bytes(tls_f::reassembled_data, pdu.data(), pdu.size(), 0);
      }
      t.close();
      if (s.forward)  // -2's first pass: the records' frames learn where the PDU completes
        for (const auto& part : frames) s.forward->note_reassembled(tcp::StreamForward::In::TlsPdu, part.first, frame);
      frames.clear();
    }
    pkt.tree.enter(-1);  // the application's layer stands beside TLS, not inside its record
    d.app->dissect(s.sink.user, pdu, pkt);
    pkt.tree.close();
    used += n;
  }
  if (used == 0) info_add(pkt, first_item, "[TLS segment of a reassembled PDU]");
  // The part of this record that went into a reassembly (tls.segment.data):
  // what completed a pending PDU, or what starts one that is still open.
  const size_t tail = data.size() - used;
  if (joined_part || tail) {
    // tshark shows it beside the record, under the TLS layer.
    const int32_t rec = t.top();
    t.enter(rec >= 0 ? t.nodes()[static_cast<size_t>(rec)].parent : -1);
    if (joined_part) {
      t.add_bytes(tls_f::segment_data, plain.data(), std::min(joined_part, plain.size()), 0);
    } else {
      const size_t from_this = std::min(tail, plain.size());
      if (const uint32_t in = s.forward ? s.forward->reassembled_in(tcp::StreamForward::In::TlsPdu, frame) : 0;
          in && in != frame)  // -2
        t.add_uint(tls_f::reassembled_in, in, 0, 0);
      t.add_bytes(tls_f::segment_data, plain.data() + plain.size() - from_this, from_this, 0);
    }
    t.close();
  }
  if (joined) {
    pend.erase(pend.begin(), pend.begin() + static_cast<long>(used));
    if (tail) frames.emplace_back(frame, static_cast<uint32_t>(std::min(tail, plain.size())));
  } else if (tail) {
    if (tail > SessionDecrypt::kMaxPending || !tcp::budget_room(s.budget, s.limits, 0, tail)) {
      s.decrypt->stats.dropped_plaintext += tail;
      if (s.budget) s.budget->drop(tcp::Drop::TlsPlaintext, tail);
    } else {
      pend.assign(data.begin() + static_cast<long>(used), data.end());
      frames.assign(1, {frame, static_cast<uint32_t>(tail)});
    }
  }
  if (pend.empty()) {
    frames.clear();
    if (pend.capacity() > 4096) pend = {};  // an idle session keeps no big buffer
  }
  s.charge_pending(static_cast<int>(dir));
  return d.app->name;
}

// An SSL 2.0-format ClientHello (RFC 5246 Appendix E.2), which TLS clients
// of old sent to reach servers of any version: tshark's SSLv2 record layer.
void dissect_sslv2_hello(Reader& r, uint32_t base, uint32_t rec_size, Packet& pkt, bool first_item) {
  auto& t = pkt.tree;
  pkt.set_protocol("SSLv2");
  const uint16_t len = r.be16() & 0x7fff;
  const int32_t rec_idx = t.add_none(tls_f::record, base, rec_size);
  core::Subtree record_sub(t, rec_idx);
  t.add_uint(tls_f::record_version, 0x0002, base, 0, core::FieldNode::kGenerated);
  t.add_uint(tls_f::record_length, len, base, 2);
  Reader body = r.sub(len);
  const uint8_t type = body.u8();
  const int32_t type_idx = t.add_uint(tls_f::handshake_type, type, base + 2, 1);
  if (type_idx >= 0 && t.wants(tls_f::handshake_type))
    t.set_display(type_idx, std::string("Handshake Message Type: ") + ssl2_message_name(type) + " (" + std::to_string(type) + ")");
  // (A hello the snapshot length cut: its fields as far as the bytes go, as tshark.)
  const uint16_t ver = body.be16();
  if (body.ok()) t.add_uint(tls_f::handshake_version, ver, base + 3, 2);
  const uint16_t specs_len = body.be16();
  if (body.ok()) t.add_uint(tls_f::cipher_spec_len, specs_len, base + 5, 2);
  const uint16_t sid_len = body.be16();
  if (body.ok()) t.add_uint(tls_f::session_id_length, sid_len, base + 7, 2);
  const uint16_t challenge_len = body.be16();
  if (body.ok()) t.add_uint(tls_f::challenge_length, challenge_len, base + 9, 2);
  uint32_t off = base + 11;
  if (body.ok()) {
    core::Subtree list(t, list_node(t, tls_f::ciphersuites, "Cipher Specs", specs_len / 3, "spec", "specs", off, specs_len));
    Reader specs = body.sub(specs_len);
    while (specs.remaining() >= 3) {
      const uint32_t v = specs.be24();
      if (!specs.ok()) break;
      t.add_uint(tls_f::cipherspec, v, off, 3);
      off += 3;
    }
    if (!specs.ok()) body.fail(specs.error());
    off += static_cast<uint32_t>(specs.remaining());
  }
  if (sid_len && body.ok()) {
    core::Bytes sid = body.bytes(sid_len);
    if (body.ok()) t.add_bytes(tls_f::session_id, sid.data(), sid.size(), off);
    off += sid_len;
  }
  if (body.ok()) {
    const int32_t ch_idx = t.add_none(tls_f::challenge, off, challenge_len);
    if (ch_idx >= 0) t.set_label(ch_idx, "Challenge");
    body.skip(challenge_len);
  }
  const std::string name = ssl2_message_name(type);
  if (rec_idx >= 0) t.set_label(rec_idx, "SSLv2 Record Layer: " + name);
  info_add(pkt, first_item, name);
  if (!body.ok()) {
    if (body.error() == core::ReadError::Truncated)
      pkt.mark_truncated("TLS");  // (a hello the snapshot length cut)
    else
      pkt.mark_malformed("TLS");
  }
}

// A record's decrypted content (RFC 8446 §5.2 inner type, or the TLS 1.2
// record type), dissected as plaintext would be.
void dissect_decrypted(uint8_t inner, core::Bytes plain, uint32_t base, uint16_t len, core::Bytes ciphertext,
                       Packet& pkt, TlsSession& s, bool& first_item, RecordWhat& what) {
  auto& t = pkt.tree;
  switch (inner) {
    case 22: {
      Reader body(plain);
      dissect_handshakes(body, true, 0, pkt, s, first_item, what);
      break;
    }
    case 21: {
      Reader body(plain);
      if (!dissect_alert(body, 0, pkt, first_item, &what.text)) pkt.mark_malformed("TLS");
      break;
    }
    case 23: {
      t.add_bytes(tls_f::app_data, ciphertext.data(), ciphertext.size(), base + 5);
      // The protocol is named before its layer (as tshark's tree has it).
      if (const AppHandler* app = app_of(s, plain)) t.add_string(tls_f::app_data_proto, app->name, base, 5u + len);
      const char* proto = deliver_app_data(s, plain, pkt, first_item);
      if (!proto) info_add(pkt, first_item, "Application Data");
      what.text = std::string("Application Data Protocol: ") + (proto ? proto : "Application Data");
      break;
    }
    default:
      break;
  }
}

}  // namespace

void dissect_record_start(uint32_t base, uint32_t len, Packet& pkt) {
  auto& t = pkt.tree;
  int32_t idx = t.open(tls_f::proto, base, len);
  if (t.wants(tls_f::proto)) t.set_label(idx, "Transport Layer Security");
  t.close();
}

// tshark's test of bytes as a record header when it guesses: a content type
// it knows and a version from SSL 3.0 to TLS 1.3.
static bool looks_like_v3_header(core::Bytes b) {
  return b.size() >= 3 && b[0] >= 20 && b[0] <= 24 && b[1] == 3 && b[2] <= 4;
}

// tshark reads bytes as records by the session's version only from SSL 3.0
// to TLS 1.2; with none known yet, or TLS 1.3, it guesses from the bytes,
// and bytes that are no record are "Continuation Data" (nothing cut).
static bool unversioned(const TlsSession& s) {
  return s.shown_version(0) == 0 && s.server_dir == 2 && !s.hello_type_seen;
}
static bool tshark_guesses(const TlsSession& s) { return unversioned(s) || s.version == 0x0304; }

bool dissect_cut_segment(Reader& r, Packet& pkt, TlsSession& s) {
  // A segment the snapshot length cut cannot be reassembled, so (as tshark's
  // TLS dissector, called on the segment alone) its payload is read as
  // records from its first byte, whatever the stream position.
  const core::Bytes data = r.rest_captured();
  const size_t declared = r.remaining();  // the segment's payload as sent
  const uint32_t base = static_cast<uint32_t>(pkt.frame.caplen - data.size());
  auto& t = pkt.tree;
  size_t pos = 0;
  bool first = true;
  bool quiet = false;
  auto open_layer = [&](uint32_t off, uint16_t ver) {
    pkt.layer("tls");
    const int32_t idx = t.open(tls_f::proto, off, static_cast<uint32_t>(declared - pos));
    if (t.wants(tls_f::proto)) t.set_label(idx, "Transport Layer Security");
    t.close();
    if (pkt.cols) pkt.cols->info.clear();
    pkt.set_protocol(version_name(s.shown_version(ver)));
    first = false;
  };
  // The Protocol column tshark shows when the capture ends before a record's
  // body: the conversation's version, "SSL" while none is known.
  const char* const known_before = version_name(s.shown_version(0));  // (a record header alone names none)
  auto initial_protocol = [&] { pkt.set_protocol(std::strcmp(known_before, "TLS") == 0 ? "SSL" : known_before); };
  const bool guesses = tshark_guesses(s);
  auto continuation = [&](uint32_t off) {
    open_layer(off, s.known_version());
    pkt.set_protocol(unversioned(s) ? "SSL" : version_name(s.known_version()));
    if (pkt.cols) pkt.cols->info = "Continuation Data";
  };
  if (!data.empty() && data.size() < 5) {
    // The capture kept less than a record header: tshark's layer line and
    // the cut; the header of an SSL 2.0 message (high bit, a known message
    // type) is named as such.
    if (data.size() >= 3 && (data[0] & 0x80) && data[2] <= 8) {
      open_layer(base, s.known_version());
      pkt.set_protocol("SSLv2");
      core::Subtree layer(t, t.last_of(tls_f::proto));
      const int32_t idx = t.add_none(tls_f::record, base, static_cast<uint32_t>(data.size()));
      if (idx >= 0) t.set_label(idx, "SSLv2 Record Header");
    } else if (guesses && (data[0] < 20 || data[0] > 24 || (data.size() >= 3 && !looks_like_v3_header(data))) &&
               (!(data[0] & 0x80) || data.size() >= 3)) {
      // Neither an SSL 2.0 header (tshark reads 3 bytes of one with the high
      // bit set before it can tell) nor a record's content type.
      continuation(base);
      r.skip(data.size());
      return true;
    } else {
      open_layer(base, s.known_version());
      initial_protocol();
    }
    pkt.mark_truncated("TLS");
    r.skip(data.size());
    return true;
  }
  while (data.size() - pos >= 5) {
    const core::Bytes rec = data.subspan(pos);
    const uint32_t off = base + static_cast<uint32_t>(pos);
    const uint16_t ver = static_cast<uint16_t>(rec[1] << 8 | rec[2]);
    const tcp::PduLen f = record_length(rec);
    if (f.kind != tcp::PduLen::Kind::Bad && ver >= 0x0300 && ver <= 0x0304) s.last_record_version = ver;
    if (f.kind != tcp::PduLen::Kind::Bad && rec[0] == 22 && rec.size() >= 6 && (rec[5] == 1 || rec[5] == 2))
      s.hello_type_seen = true;
    // A ServerHello record, however cut: tshark's session takes its record
    // version (and names the following records with it), as from a
    // ChangeCipherSpec, Alert or Application Data record.
    if (f.kind != tcp::PduLen::Kind::Bad && rec[0] == 22 && rec.size() >= 6 && rec[5] == 2 && s.version == 0 &&
        s.record_set_version == 0 && ver >= 0x0300 && ver <= 0x0303)
      s.record_set_version = ver;
    if (f.kind == tcp::PduLen::Kind::Bad && pos == 0 && guesses && !looks_like_v3_header(rec) &&
        !is_sslv2_hello_header(rec)) {
      continuation(off);  // (tshark's guess finds no record)
      quiet = true;
      pos = data.size();
      break;
    }
    if (f.kind == tcp::PduLen::Kind::Bad) {
      // Not a record (the middle of one that began in an earlier segment):
      // tshark's "Ignored Unknown Record", then the cut.
      if (first) open_layer(off, s.known_version());
      core::Subtree layer(t, t.last_of(tls_f::proto));
      core::Subtree item(t, core::add_text(t, "Ignored Unknown Record", off, static_cast<uint32_t>(declared - pos)));
      core::add_expert(t, "Ignored Unknown Record", core::Severity::Warn, core::ExpertGroup::Protocol, off,
                       static_cast<uint32_t>(declared - pos), tls_f::ignored_unknown_record);
      pkt.mark_truncated("TLS");
      pos = data.size();
      break;
    }
    if (f.kind != tcp::PduLen::Kind::Pdu && is_sslv2_hello_header(rec) && pos + f.total <= declared) {
      // An SSL 2.0-format ClientHello the capture cut: tshark's SSLv2 record
      // as far as the bytes go, then the cut.
      if (first) open_layer(off, s.known_version());
      core::Subtree layer(t, t.last_of(tls_f::proto));
      Reader v2(rec, f.total);
      const bool first_item = !pkt.cols || pkt.cols->info.empty();
      dissect_sslv2_hello(v2, off, static_cast<uint32_t>(rec.size()), pkt, first_item);
      if (!pkt.truncated) pkt.mark_truncated("TLS");
      pos = data.size();
      break;
    }
    if (f.kind == tcp::PduLen::Kind::Pdu) {
      dissect_record(rec.first(f.total), off, pkt, s, first);
      first = false;
      pos += f.total;
      continue;
    }
    if (pos + f.total > declared) {
      // A record continued in the next segment: tshark asks for reassembly
      // (which a cut segment cannot have) and shows nothing more, no cut;
      // its Protocol column names the session's version, "SSL" while none is known.
      if (first) {
        open_layer(off, ver);
        initial_protocol();
      }
      // (mqsniff's own hidden mark: the frame was cut inside this record,
      // which tshark does not say; filters and the sweep can.)
      core::Subtree layer(t, t.last_of(tls_f::proto));
      t.add_none(tls_f::record_continues, off, static_cast<uint32_t>(data.size() - pos),
                 core::FieldNode::kHidden | core::FieldNode::kFilterOnly);
      pos = data.size();
      r.skip(r.captured_remaining());
      return true;
    }
    // A record that ends in this segment but past the capture: its header
    // only; tshark's second pass (-2) reads the rest as far as it goes.
    // (Not a ServerHello: tshark's second pass shows that one's header only too.)
    // After a HelloRetryRequest (TLS 1.3 known before the record), tshark's
    // first pass reads a cut handshake record as far as it goes too.
    const bool after_hrr = s.version == 0x0304 && s.hrr_seen && rec[0] == 22;
    if ((s.forward && s.forward->complete && !(rec[0] == 22 && rec.size() > 5 && rec[5] == 2)) || after_hrr) {
      dissect_record(rec, off, pkt, s, first, f.total);
      first = false;
      pos = data.size();
      quiet = !pkt.truncated;  // (a message tshark reads to no cut: no "TLS truncated")
      break;
    }
    if (first) {
      open_layer(off, ver);
      if (rec.size() == 5) initial_protocol();  // (not one byte of the body)
    }
    core::Subtree layer(t, t.last_of(tls_f::proto));
    core::Subtree record_sub(t, t.add_none(tls_f::record, off, static_cast<uint32_t>(rec.size())));
    t.add_uint(s.version == 0x0304 && rec[0] == 23 ? tls_f::record_opaque_type : tls_f::record_content_type, rec[0],
               off, 1);
    t.add_uint(tls_f::record_version, ver, off + 1, 2);
    t.add_uint(tls_f::record_length, static_cast<uint16_t>(rec[3] << 8 | rec[4]), off + 3, 2);
    pkt.mark_truncated("TLS");
    pos = data.size();
  }
  if (first) return false;
  // (The capture ended inside the next record's header, or in bytes that
  // are no record: the segment was cut all the same.)
  if (!pkt.truncated && !quiet) pkt.mark_truncated("TLS");
  r.skip(pos);
  return true;
}

namespace {
// A Heartbeat record (RFC 6520): type, payload length, payload, padding. As
// tshark, a payload length that leaves no room for the 16 bytes of padding is
// flagged and the payload read to the record's end; a record longer than 19
// bytes whose payload length does not fit is taken for an encrypted one.
void dissect_heartbeat(Reader& body, uint32_t base, uint16_t len, const char* version, Packet& pkt, bool& first_item,
                       RecordWhat& what) {
  auto& t = pkt.tree;
  const core::Bytes b = body.rest_captured();
  const uint8_t type = b.size() >= 1 ? b[0] : 0;
  const uint16_t payload_len = b.size() >= 3 ? static_cast<uint16_t>(b[1] << 8 | b[2]) : 0;
  const char* type_name = type == 1 ? "Request" : type == 2 ? "Response" : nullptr;
  const bool plain = len <= 19 || 3u + payload_len + 16 <= len;
  const int32_t hb = t.add_none(tls_f::heartbeat_message, base + 5, len);
  core::Subtree sub(t, hb);
  if (!type_name || !plain) {
    info_add(pkt, first_item, "Encrypted Heartbeat");
    what.text = "Encrypted Heartbeat";
    if (hb >= 0) t.set_label(hb, "Encrypted Heartbeat Message");
    return;
  }
  info_add(pkt, first_item, std::string("Heartbeat ") + type_name);
  what.text = std::string("Heartbeat ") + type_name;
  (void)version;
  if (b.size() < 3 || len < 3) {
    pkt.mark_malformed("TLS");
    return;
  }
  t.add_uint(tls_f::heartbeat_type, type, base + 5, 1);
  uint32_t shown = payload_len, padding = len - 3u - std::min<uint32_t>(payload_len, len - 3u);
  {
    const int32_t pl = t.add_uint(tls_f::heartbeat_payload_length, payload_len, base + 6, 2);
    if (3u + payload_len + 16 > len) {
      shown = len - 3u;
      padding = 0;
      if (pl >= 0) t.append_text(pl, " (invalid, using " + std::to_string(shown) + " to decode payload)");
      core::Subtree ps(t, pl);
      core::add_expert(t, "Invalid heartbeat payload length (" + std::to_string(payload_len) + ")",
                       core::Severity::Error, core::ExpertGroup::Malformed, base + 6, 2,
                       tls_f::heartbeat_payload_length_invalid);
    }
  }
  const core::Bytes rest = b.subspan(3);
  const core::Bytes payload = rest.first(std::min<size_t>(shown, rest.size()));
  const int32_t pi = t.add_bytes(tls_f::heartbeat_payload, payload.data(), payload.size(), base + 8);
  if (pi >= 0) t.set_display(pi, "Payload (" + std::to_string(shown) + (shown == 1 ? " byte)" : " bytes)"));
  if (padding) {
    const core::Bytes pad = rest.subspan(payload.size()).first(std::min<size_t>(padding, rest.size() - payload.size()));
    const int32_t di = t.add_bytes(tls_f::heartbeat_padding, pad.data(), pad.size(), base + 8 + shown);
    if (di >= 0) t.set_display(di, "Padding and HMAC (" + std::to_string(padding) + (padding == 1 ? " byte)" : " bytes)"));
  }
}
}  // namespace

void dissect_record(core::Bytes rec, uint32_t base, Packet& pkt, TlsSession& s, bool first, size_t declared) {
  auto& t = pkt.tree;
  // A record the capture cut (-2's second pass): `declared` bytes as sent,
  // `rec` what of them was captured; its fields are read as far as they go.
  const bool cut = declared > rec.size();
  Reader r(rec, cut ? declared : rec.size());
  uint8_t type = r.u8();
  uint16_t ver = r.be16();
  uint16_t len = r.be16();
  // Every record of the frame goes under one "Transport Layer Security" layer.
  // (A second one for the rest of a segment after a reassembled record, as tshark.)
  int32_t layer_idx = first || pkt.new_call ? -1 : t.last_of(tls_f::proto);
  pkt.new_call = false;
  if (layer_idx < 0) {
    pkt.layer("tls");
    layer_idx = t.open(tls_f::proto, base, static_cast<uint32_t>(cut ? declared : rec.size()));
    t.set_layer_data(layer_idx, rec);
    if (t.wants(tls_f::proto)) t.set_label(layer_idx, "Transport Layer Security");
    t.close();
    if (pkt.cols && first) pkt.cols->info.clear();
  }
  core::Subtree layer(t, layer_idx);
  if (is_sslv2_hello_header(rec)) {
    Reader v2(rec);
    dissect_sslv2_hello(v2, base, static_cast<uint32_t>(rec.size()), pkt, first || (pkt.cols && pkt.cols->info.empty()));
    return;
  }
  if (tshark_guesses(s) && !looks_like_v3_header(rec)) {
    // Bytes from the middle of a record whose start was not reassembled,
    // where tshark guesses (no version yet, or TLS 1.3): "Continuation Data".
    pkt.set_protocol(unversioned(s) ? "SSL" : version_name(s.known_version()));
    if (pkt.cols) {
      if (!pkt.cols->info.empty()) pkt.cols->info += ", ";
      pkt.cols->info += "Continuation Data";
    }
    return;
  }
  if (type < 20 || type > 25) {
    // Not a record (bytes from the middle of one whose start was not
    // reassembled): tshark ignores them, and says so.
    pkt.set_protocol(version_name(s.known_version()));
    core::Subtree item(t, core::add_text(t, "Ignored Unknown Record", base, static_cast<uint32_t>(rec.size())));
    core::add_expert(t, "Ignored Unknown Record", core::Severity::Warn, core::ExpertGroup::Protocol, base,
                     static_cast<uint32_t>(rec.size()), tls_f::ignored_unknown_record);
    if (pkt.cols) {
      if (!pkt.cols->info.empty()) pkt.cols->info += ", ";
      pkt.cols->info += "Ignored Unknown Record";
    }
    return;
  }
  if (ver >= 0x0300 && ver <= 0x0304) {
    s.last_record_version = ver;
  }
  // The Protocol column names the negotiated version once known, else the record's.
  pkt.set_protocol(version_name(s.shown_version(ver)));
  if (!r.ok()) {
    pkt.mark_malformed("TLS");
    return;
  }
  const bool tls13 = s.version == 0x0304;
  bool first_item = first;
  if (pkt.cols && !first) first_item = pkt.cols->info.empty();
  // With a key log: decrypt a whole protected record first.
  uint8_t inner = type;
  DecryptOutcome dout = DecryptOutcome::NotEncrypted;
  if (s.decrypt && rec.size() >= 5u + len) dout = decrypt_record(s, s.dir & 1, rec.subspan(0, 5u + len), inner);
  // Its label names the version known before this record (a TLS 1.3 ServerHello is a "TLSv1.2 Record Layer").
  const char* rec_version = version_name(s.shown_version(ver));
  const int32_t rec_idx = t.add_none(tls_f::record, base, static_cast<uint32_t>(cut ? declared : rec.size()));
  core::Subtree record_sub(t, rec_idx);
  RecordWhat what;
  struct Labeller {  // sets the record's label however this function returns
    core::FieldTree& t;
    int32_t idx;
    const char* version;
    RecordWhat& what;
    ~Labeller() {
      if (idx < 0) return;
      std::string l = std::string(version) + " Record Layer";
      if (what.handshakes)
        l += std::string(": Handshake Protocol: ") +
             (what.multiple ? std::string("Multiple Handshake Messages")
                            : std::string(what.name) + (what.fragment ? " (fragment)" : ""));
      else if (!what.text.empty())
        l += ": " + what.text;
      t.set_label(idx, l);
    }
  } labeller{t, rec_idx, rec_version, what};
  // TLS 1.3 encrypted records show their outer type as an opaque type.
  if (tls13 && type == 23) t.add_uint(tls_f::record_opaque_type, type, base, 1);
  else t.add_uint(tls_f::record_content_type, type, base, 1);
  t.add_uint(tls_f::record_version, ver, base + 1, 2);
  {
    core::Subtree length(t, t.add_uint(tls_f::record_length, len, base + 3, 2));
    if (len > 16384 + 2048)  // RFC 5246 §6.2.3
      core::add_expert(t, "TLSCiphertext length MUST NOT exceed 2^14 + 2048", core::Severity::Error,
                       core::ExpertGroup::Protocol, base + 3, 2, tls_f::record_length_invalid);
  }
  if (len == 0 && pkt.seg_end && rec.data() + rec.size() == pkt.seg_end) {
    // An empty record that ends the segment: tshark reads past it (an
    // exception): the record keeps its bare label, the Protocol column is
    // left as it was ("SSL" when nothing came before), and it is malformed.
    labeller.idx = -1;
    if (rec_idx >= 0) t.set_label(rec_idx, "Record Layer");
    // (-2: the version the conversation negotiates, known from the first pass)
    if (first) pkt.set_protocol(s.final_version ? version_name(s.final_version) : "SSL");
    pkt.mark_malformed("TLS");
    return;
  }
  if (ver >= 0x0300 && ver <= 0x0304 && !s.record_set_version && (type == 20 || type == 21 || type == 23 || type == 24 || type == 25))
    s.record_set_version = ver;
  if (type == 25) {  // a Connection ID record (RFC 9146): tshark names only the header
    labeller.idx = -1;
    if (rec_idx >= 0) t.set_label(rec_idx, "Record Layer");
    return;
  }
  Reader body = r.sub(len);
  // Without keys, a TLS 1.3 handshake rejection is inferred (before counting this record).
  const auto inferred = tls13 && type == 23 && dout != DecryptOutcome::Ok ? probable_alert(s, len) : std::nullopt;
  if (tls13 && type == 23 && s.server_dir <= 1) {
    // Counted for the encrypted-alert inference (probable_alert).
    if ((s.dir & 1) == s.server_dir) {
      if (s.client_enc > 0 && s.server_enc_after_client < UINT16_MAX) ++s.server_enc_after_client;
    } else if (s.client_enc < UINT16_MAX) {
      ++s.client_enc;
    }
  }
  if (dout == DecryptOutcome::Ok) {
    // The plaintext is a data source of its own ("Decrypted TLS" under -x).
    core::Bytes plain = keep_source(pkt, "Decrypted TLS", s.decrypt->plain);
    if (tls13 && type == 23)  // the real type, generated
      t.add_uint(tls_f::record_content_type, inner, base, 1, core::FieldNode::kGenerated);
    // (mqsniff's own: in filters, -e and JSON; -V shows the decrypted data as tshark does, without it)
    t.add_uint(tls_f::decrypted, plain.size(), base, 5u + len, core::FieldNode::kHidden);
    // (The Protocol column stays the application's when it dissected the data.)
    dissect_decrypted(inner, plain, base, len, body.rest_captured(), pkt, s, first_item, what);
    return;
  }
  if (dout == DecryptOutcome::BadTag) {
    t.add_none(tls_f::decrypt_failed, base, 5u + len);
    core::add_expert(t, "Record not decrypted: its authentication tag or MAC does not verify (wrong key, or the record "
                        "was corrupted); not dissected",
                     core::Severity::Warn, core::ExpertGroup::Security, base, 5u + len);
  } else if (dout == DecryptOutcome::NoKeys) {
    if (const char* why = missing_reason(s)) t.add_string(tls_f::decrypt_missing, why, base, 5u + len);
  }
  const bool enc = s.encrypted[s.enc_dir()];
  switch (type) {
    case 20: {
      core::Subtree ccs(t, t.add_none(tls_f::change_cipher_spec, base + 5, len));
      info_add(pkt, first_item, "Change Cipher Spec");
      what.text = "Change Cipher Spec Protocol: Change Cipher Spec";
      if (!tls13 && s.server_hello_only && (s.dir & 1) == s.server_dir) {
        // The server goes straight from its ServerHello to ChangeCipherSpec:
        // an abbreviated handshake, the session was resumed (RFC 5246 §7.3).
        core::add_expert(t, "This session reuses previously negotiated keys (Session resumption)", core::Severity::Note,
                         core::ExpertGroup::Sequence, base + 5, len, tls_f::resumed);
        s.server_hello_only = false;
      }
      if (!tls13) {
        s.encrypted[s.enc_dir()] = true;  // TLS 1.2: what follows is encrypted
        if (s.decrypt) decrypt_change_cipher_spec(s, s.dir & 1);
      }
      break;
    }
    case 21:
      // A 2-byte body is a plaintext alert (TLS 1.3 sends those as type 21,
      // encrypted ones hide in type 23); anything longer was encrypted (TLS 1.2
      // after ChangeCipherSpec).
      if (len != 2) {
        // tshark shows the (opaque) Alert Message item
        const int32_t idx = t.add_none(tls_f::alert_message, base + 5, len);
        if (idx >= 0) t.set_label(idx, "Alert Message: Encrypted Alert");
        info_add(pkt, first_item, "Encrypted Alert");
        what.text = "Encrypted Alert";
      } else {
        dissect_alert(body, base + 5, pkt, first_item, &what.text);
      }
      break;
    case 22:
      if (enc) {
        // tshark shows the (opaque) Handshake Protocol item
        const int32_t idx = t.add_none(tls_f::handshake, base + 5, len);
        if (idx >= 0) t.set_label(idx, "Handshake Protocol: Encrypted Handshake Message");
        info_add(pkt, first_item, "Encrypted Handshake Message");
        what.handshakes = 1;
        what.name = "Encrypted Handshake Message";
        break;
      }
      dissect_handshakes(body, rec.size() >= 5u + len, base + 5, pkt, s, first_item, what);
      break;
    case 23: {
      if (!cut) {  // (cut: tshark's second pass reads no part of the data)
        core::Bytes d = body.rest_captured();
        t.add_bytes(tls_f::app_data, d.data(), d.size(), base + 5);
        // Not decrypted: tshark names the protocol its port says (secure-mqtt 8883, https 443).
        if (s.port_app) t.add_string(tls_f::app_data_proto, s.port_app, base, 5u + len);
      }
      what.text = std::string("Application Data Protocol: ") + (s.port_app ? s.port_app : "Application Data");
      if (const auto& pa = inferred) {
        info_add(pkt, first_item, pa->info);
        t.add_string(tls_f::inferred_alert, pa->reason, base, 5u + len);
        core::add_expert(t, std::string("Probably an encrypted Alert: ") + pa->reason, core::Severity::Warn,
                         core::ExpertGroup::Security, base, 5u + len);
      } else {
        info_add(pkt, first_item, "Application Data");
      }
      break;
    }
    case 24:
      dissect_heartbeat(body, base, len, rec_version, pkt, first_item, what);
      break;
    default:
      break;
  }
  if (!body.ok() && body.error() != core::ReadError::Truncated) pkt.mark_malformed("TLS");
  if (cut && (type != 22 || what.cut)) pkt.mark_truncated("TLS");
  // The negotiated version may have been learned from this very record.
  pkt.set_protocol(version_name(s.shown_version(ver)));
}

}  // namespace mqsniff::tls
