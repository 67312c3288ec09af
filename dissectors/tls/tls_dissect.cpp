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

#include <string>

#include "dissectors/core/format.h"
#include "dissectors/core/reader.h"
#include "dissectors/tls/tls_fields.h"

#include <openssl/evp.h>
#include <vector>

namespace mqsniff::tls {
using core::Packet;
using core::Reader;

namespace {

const char* handshake_name(uint8_t t) {
  switch (t) {
    case 0: return "Hello Request";
    case 1: return "Client Hello";
    case 2: return "Server Hello";
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
    case 21: return "Certificate URL";
    case 22: return "Certificate Status";
    case 24: return "Key Update";
    default: return "Unknown Handshake Message";
  }
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

// ClientHello / ServerHello (RFC 8446 §4.1.2, §4.1.3): the fields tshark shows
// most, and supported_versions, which decides the TLS 1.3 view.
void dissect_hello(Reader& r, uint32_t off, bool client, Packet& pkt, TlsSession& s) {
  auto& t = pkt.tree;
  auto pos = [&] { return off + static_cast<uint32_t>(r.pos()); };
  uint16_t ver = r.be16();
  core::Bytes random = r.bytes(32);
  uint8_t sid_len = r.u8();
  core::Bytes sid = r.bytes(sid_len);
  if (!r.ok()) return;
  const bool want_ja3 = client ? (t.wants(tls_f::ja3) || t.wants(tls_f::ja3_full))
                              : (t.wants(tls_f::ja3s) || t.wants(tls_f::ja3s_full));
  std::vector<uint16_t> ciphers, groups, formats;
  t.add_uint(tls_f::handshake_version, ver, pos(), 2);
  t.add_bytes(tls_f::handshake_random, random.data(), random.size(), pos());
  t.add_uint(tls_f::session_id_length, sid_len, pos(), 1);
  if (sid_len) t.add_bytes(tls_f::session_id, sid.data(), sid.size(), pos());
  if (client) {
    uint16_t cs_len = r.be16();
    Reader cs = r.sub(cs_len);
    if (!r.ok()) return;
    t.add_uint(tls_f::cipher_suites_length, cs_len, pos(), 2);
    while (cs.remaining() >= 2) {
      uint16_t c = cs.be16();
      t.add_uint(tls_f::ciphersuite, c, pos(), 2);
      if (want_ja3 && !grease(c)) ciphers.push_back(c);
    }
    uint8_t comp_len = r.u8();
    r.skip(comp_len);
  } else {
    uint16_t c = r.be16();
    t.add_uint(tls_f::ciphersuite, c, pos(), 2);
    ciphers.push_back(c);
    r.u8();  // compression method
  }
  if (!r.ok() || r.remaining() < 2) return;
  uint16_t ext_total = r.be16();
  Reader exts = r.sub(ext_total);
  uint16_t negotiated = ver;
  std::vector<uint16_t> exts_ids;
  while (exts.remaining() >= 4) {
    uint16_t type = exts.be16();
    uint16_t len = exts.be16();
    t.add_uint(tls_f::extension_type, type, pos(), 2);
    t.add_uint(tls_f::extension_len, len, pos(), 2);
    Reader e = exts.sub(len);
    if (!exts.ok()) break;
    if (want_ja3 && !grease(type)) exts_ids.push_back(type);
    if (want_ja3 && client && type == 10) {  // supported_groups
      Reader g = e;
      uint16_t gl = g.be16();
      Reader gs = g.sub(gl);
      while (gs.remaining() >= 2) {
        uint16_t v = gs.be16();
        if (!grease(v)) groups.push_back(v);
      }
    }
    if (want_ja3 && client && type == 11) {  // ec_point_formats
      Reader f = e;
      uint8_t fl = f.u8();
      for (uint8_t i = 0; i < fl && f.remaining(); ++i) formats.push_back(f.u8());
    }
    if (type == 0 && client) {  // server_name (RFC 6066 §3)
      e.be16();
      while (e.remaining() >= 3) {
        uint8_t nt = e.u8();
        uint16_t nl = e.be16();
        core::Bytes name = e.bytes(nl);
        if (!e.ok()) break;
        if (nt == 0) t.add_string(tls_f::server_name, {reinterpret_cast<const char*>(name.data()), name.size()}, pos(), nl);
      }
    } else if (type == 43) {  // supported_versions (RFC 8446 §4.2.1)
      if (client) {
        uint8_t l = e.u8();
        Reader vs = e.sub(l);
        while (vs.remaining() >= 2) t.add_uint(tls_f::supported_version, vs.be16(), pos(), 2);
      } else {
        uint16_t v = e.be16();
        if (e.ok()) {
          t.add_uint(tls_f::supported_version, v, pos(), 2);
          negotiated = v;
        }
      }
    }
  }
  if (!client) s.version = negotiated;
  if (want_ja3) {
    std::string full;
    core::append_uint(full, ver);
    full += ',';
    join(full, ciphers);
    full += ',';
    join(full, exts_ids);
    if (client) {
      full += ',';
      join(full, groups);
      full += ',';
      join(full, formats);
      add_fingerprint(t, tls_f::ja3_full, tls_f::ja3, full, off);
    } else {
      add_fingerprint(t, tls_f::ja3s_full, tls_f::ja3s, full, off);
    }
  }
}

}  // namespace

tcp::PduLen record_length(std::span<const uint8_t> b) {
  tcp::PduLen r;
  if (b.size() < 5) return r;  // NeedMore, total unknown
  uint16_t len = static_cast<uint16_t>(b[3] << 8 | b[4]);
  if (b[0] < 20 || b[0] > 24 || b[1] != 3 || len > 16384 + 2048) {
    r.kind = tcp::PduLen::Kind::Bad;
    return r;
  }
  r.total = 5u + len;
  r.total_known = true;
  if (b.size() >= r.total) r.kind = tcp::PduLen::Kind::Pdu;
  return r;
}

bool plausible_record(std::span<const uint8_t> b) {
  return b.size() >= 5 && b[0] >= 20 && b[0] <= 24 && b[1] == 3 && b[2] <= 4;
}

bool looks_like_client_hello(std::span<const uint8_t> b) {
  return b.size() >= 6 && b[0] == 22 && b[1] == 3 && b[2] <= 4 && b[5] == 1;
}

void dissect_record(core::Bytes rec, uint32_t base, Packet& pkt, TlsSession& s, bool first) {
  auto& t = pkt.tree;
  Reader r(rec);
  uint8_t type = r.u8();
  uint16_t ver = r.be16();
  uint16_t len = r.be16();
  if (first) {
    pkt.layer("tls");
    int32_t idx = t.open(tls_f::proto, base, static_cast<uint32_t>(rec.size()));
    if (t.wants(tls_f::proto)) t.set_label(idx, "Transport Layer Security");
    t.close();
    if (pkt.cols) pkt.cols->info.clear();
  }
  // The Protocol column names the negotiated version once known, else the record's.
  pkt.set_protocol(version_name(s.version ? s.version : ver));
  if (!r.ok()) {
    pkt.mark_malformed("TLS");
    return;
  }
  const bool tls13 = s.version == 0x0304;
  bool first_item = first;
  if (pkt.cols && !first) first_item = pkt.cols->info.empty();
  t.add_none(tls_f::record, base, static_cast<uint32_t>(rec.size()));
  // TLS 1.3 encrypted records show their outer type as an opaque type.
  if (tls13 && type == 23) t.add_uint(tls_f::record_opaque_type, type, base, 1);
  else t.add_uint(tls_f::record_content_type, type, base, 1);
  t.add_uint(tls_f::record_version, ver, base + 1, 2);
  t.add_uint(tls_f::record_length, len, base + 3, 2);
  Reader body = r.sub(len);
  const bool enc = s.encrypted[s.dir & 1];
  switch (type) {
    case 20:
      t.add_none(tls_f::change_cipher_spec, base + 5, len);
      info_add(pkt, first_item, "Change Cipher Spec");
      if (!tls13) s.encrypted[s.dir & 1] = true;  // TLS 1.2: what follows is encrypted
      break;
    case 21:
      // A 2-byte body is a plaintext alert (TLS 1.3 sends those as type 21,
      // encrypted ones hide in type 23); anything longer was encrypted (TLS 1.2
      // after ChangeCipherSpec).
      if (len != 2) {
        t.add_none(tls_f::alert_message, base + 5, len);  // tshark shows the (opaque) Alert Message item
        info_add(pkt, first_item, "Encrypted Alert");
      } else {
        uint8_t level = body.u8();
        uint8_t desc = body.u8();
        if (body.ok()) {
          t.add_none(tls_f::alert_message, base + 5, 2);
          t.add_uint(tls_f::alert_level, level, base + 5, 1);
          t.add_uint(tls_f::alert_desc, desc, base + 6, 1);
          info_add(pkt, first_item, std::string("Alert (Level: ") + (level == 1 ? "Warning" : level == 2 ? "Fatal" : "Unknown") +
                                        ", Description: " + alert_name(desc) + ")");
        }
      }
      break;
    case 22:
      if (enc) {
        t.add_none(tls_f::handshake, base + 5, len);  // tshark shows the (opaque) Handshake Protocol item
        info_add(pkt, first_item, "Encrypted Handshake Message");
        break;
      }
      while (body.remaining() >= 4) {
        uint32_t hoff = base + 5 + static_cast<uint32_t>(body.pos());
        uint8_t ht = body.u8();
        uint32_t hl = body.be24();
        t.add_none(tls_f::handshake, hoff, hl + 4);
        t.add_uint(tls_f::handshake_type, ht, hoff, 1);
        t.add_uint(tls_f::handshake_length, hl, hoff + 1, 3);
        Reader msg = body.sub(hl);
        info_add(pkt, first_item, handshake_name(ht));
        if (ht == 1 || ht == 2) dissect_hello(msg, hoff + 4, ht == 1, pkt, s);
        if (!body.ok()) break;
      }
      break;
    case 23: {
      core::Bytes d = body.rest_captured();
      t.add_bytes(tls_f::app_data, d.data(), d.size(), base + 5);
      info_add(pkt, first_item, "Application Data");
      break;
    }
    case 24:
      info_add(pkt, first_item, "Heartbeat");
      break;
    default:
      break;
  }
  if (!body.ok() && body.error() != core::ReadError::Truncated) pkt.mark_malformed("TLS");
  // The negotiated version may have been learned from this very record.
  pkt.set_protocol(version_name(s.version ? s.version : ver));
}

}  // namespace mqsniff::tls
