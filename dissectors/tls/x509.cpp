// Certificate = SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
// tbsCertificate = version, serialNumber, signature, issuer, validity, subject,
//                  subjectPublicKeyInfo, extensions            (RFC 5280 §4.1)
//
// OpenSSL decodes the DER (d2i_X509 never reads past the length it is given);
// the fields are emitted in the order tshark's BER walk emits them, so that
// multi-occurrence columns line up with tshark's.
#include "dissectors/tls/x509.h"

#include "dissectors/link/link_fields.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/tls/tls_fields.h"

namespace mqsniff::tls {
using core::FieldTree;

namespace {

struct NameFree {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};

std::string oid_text(const ASN1_OBJECT* o) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, o, 1);
  if (n <= 0) return {};
  return std::string(buf, static_cast<size_t>(std::min<int>(n, static_cast<int>(sizeof buf) - 1)));
}

std::string name_text(const X509_NAME* name) {
  BIO* b = BIO_new(BIO_s_mem());
  if (!b) return {};
  // "C=FR, O=MQTT Lab, CN=localhost": OpenSSL's one-line form without the
  // spaces around '=', UTF-8 kept as is.
  X509_NAME_print_ex(b, name, 0, (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB));
  char* p = nullptr;
  long n = BIO_get_mem_data(b, &p);
  std::string s(p, n > 0 ? static_cast<size_t>(n) : 0);
  BIO_free(b);
  return s;
}

// tshark's rendering of a UTCTime: "2026-11-24 11:18:38 (UTC)".
std::string time_text(const ASN1_TIME* t, bool tshark_form) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[48];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, tshark_form ? " (UTC)" : " UTC");
  return buf;
}

// mqsniff's tls.cert.serial: the serial number's DER contents (with its sign
// octet, as tshark shows it) as colon-separated hex.
void add_serial_text(FieldTree& t, const ASN1_INTEGER* serial, uint32_t off, uint32_t len) {
  if (!serial) return;
  unsigned char* der = nullptr;
  int n = i2d_ASN1_INTEGER(serial, &der);
  if (n > 2) {
    size_t hdr = 2;  // tag, then a short or long length form
    if (der[1] & 0x80) hdr += der[1] & 0x7f;
    if (static_cast<size_t>(n) > hdr) {
      std::string hex;
      core::append_hex_bytes(hex, der + hdr, static_cast<size_t>(n) - hdr, ':');
      t.add_string_copy(x509_f::cert_serial, hex, off, len);
    }
  }
  OPENSSL_free(der);
}

// mqsniff's tls.cert.san: "DNS:localhost, IP:127.0.0.1, email:..." (empty if none).
std::string subject_alt_names(X509* x) {
  std::string san;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return san;
  for (int k = 0; k < sk_GENERAL_NAME_num(names); ++k) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, k);
    if (g->type == GEN_DNS) {
      if (!san.empty()) san += ", ";
      san += "DNS:";
      san.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                 static_cast<size_t>(ASN1_STRING_length(g->d.dNSName)));
    } else if (g->type == GEN_IPADD) {
      const unsigned char* a = ASN1_STRING_get0_data(g->d.iPAddress);
      int al = ASN1_STRING_length(g->d.iPAddress);
      char buf[64] = "";
      if (al == 4) {
        snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
      } else if (al == 16) {
        std::string h;
        for (int j = 0; j < 16; j += 2) {
          char w[8];
          snprintf(w, sizeof w, "%s%x", j ? ":" : "", a[j] << 8 | a[j + 1]);
          h += w;
        }
        snprintf(buf, sizeof buf, "%s", h.c_str());
      }
      if (!san.empty()) san += ", ";
      san += "IP:";
      san += buf;
    } else if (g->type == GEN_EMAIL) {
      if (!san.empty()) san += ", ";
      san += "email:";
      san.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.rfc822Name)),
                 static_cast<size_t>(ASN1_STRING_length(g->d.rfc822Name)));
    }
  }
  GENERAL_NAMES_free(names);
  return san;
}

// The same certificates come back on every connection to a broker: keep the
// decoded ones (and the cost of checking a self-signature) for the last 64.
struct CachedCert {
  std::vector<uint8_t> der;
  X509* x = nullptr;
  int self_signed = -1;  // -1: not checked yet
};
class CertCache {
public:
  ~CertCache() {
    for (auto& c : slots_)
      if (c.x) X509_free(c.x);
  }
  CachedCert* get(core::Bytes der) {
    for (auto& c : slots_)
      if (c.x && c.der.size() == der.size() && std::equal(der.begin(), der.end(), c.der.begin())) return &c;
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) return nullptr;
    CachedCert& slot = slots_[next_++ % slots_.size()];
    if (slot.x) X509_free(slot.x);
    slot.x = x;
    slot.der.assign(der.begin(), der.end());
    slot.self_signed = -1;
    return &slot;
  }

private:
  std::array<CachedCert, 64> slots_;
  size_t next_ = 0;
};

// ---------------------------------------------------------------------------
// The certificate's tree as tshark's BER walk builds it (x509af, x509if,
// x509sat, x509ce, pkcs1 fields), from a bounds-checked DER reader.

struct Tlv {
  uint8_t tag = 0;
  uint32_t off = 0;       // of the tag, in the frame
  uint32_t total = 0;     // header + contents
  core::Bytes value;      // contents
  bool ok = false;
};

// One TLV at the reader's position (definite lengths of up to 4 bytes: DER).
Tlv read_tlv(core::Reader& r, uint32_t base) {
  Tlv v;
  const size_t start = r.pos();
  v.off = base + static_cast<uint32_t>(start);
  v.tag = r.u8();
  uint8_t l0 = r.u8();
  size_t len = l0;
  if (l0 & 0x80) {
    const unsigned n = l0 & 0x7f;
    if (n == 0 || n > 4) return v;
    len = 0;
    for (unsigned i = 0; i < n; ++i) len = len << 8 | r.u8();
  }
  v.value = r.bytes(len);
  if (!r.ok()) return v;
  v.total = static_cast<uint32_t>(r.pos() - start);
  v.ok = true;
  return v;
}

// How many TLVs a SEQUENCE OF / SET OF holds (tshark's "3 items").
size_t count_items(core::Bytes contents) {
  core::Reader r(contents);
  size_t n = 0;
  while (r.remaining() && read_tlv(r, 0).ok) ++n;
  return n;
}

// The dotted form of an OBJECT IDENTIFIER's contents.
std::string oid_dotted(core::Bytes b) {
  std::string out;
  uint64_t v = 0;
  bool first = true;
  for (size_t i = 0; i < b.size(); ++i) {
    if (v > (UINT64_MAX >> 7)) return {};
    v = v << 7 | (b[i] & 0x7f);
    if (b[i] & 0x80) continue;
    if (first) {
      const uint64_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
      core::append_uint(out, a);
      out += '.';
      core::append_uint(out, v - a * 40);
      first = false;
    } else {
      out += '.';
      core::append_uint(out, v);
    }
    v = 0;
  }
  return out;
}

struct CertWalk {
  core::Packet& pkt;
  FieldTree& t;
  uint32_t base;  // frame offset of the certificate's first byte
  bool bad = false;

  Tlv next(core::Reader& r, uint32_t rbase) {
    Tlv v = read_tlv(r, rbase);
    if (!v.ok) bad = true;
    return v;
  }
  uint32_t inner(const Tlv& v) const { return v.off + v.total - static_cast<uint32_t>(v.value.size()); }

  // AlgorithmIdentifier: "signature (sha256WithRSAEncryption)" and its Algorithm Id.
  void algorithm(FieldId element, const char* what, const Tlv& seq) {
    core::Reader r(seq.value);
    Tlv oid = next(r, inner(seq));
    if (!oid.ok || oid.tag != 0x06) return;
    std::string dotted = oid_dotted(oid.value);
    const int32_t idx = t.add_none(element, seq.off, seq.total);
    if (idx >= 0) {
      t.set_label(idx, std::string(what) + " (" + oid_display(dotted) + ")");
    }
    core::Subtree sub(t, idx);
    t.add_string_copy(x509_f::algorithm_id, dotted, oid.off, oid.total);
    if (r.remaining()) {  // parameters: an EC key's named curve (RFC 5480 ECParameters, PKCS #1's dissector in tshark)
      Tlv p = next(r, inner(seq));
      if (p.ok && p.tag == 0x06) {
        pkt.layer("pkcs-1");
        core::Subtree ecp(t, t.add_uint(x509_f::ec_parameters, 1, p.off, p.total));  // CHOICE namedCurve (1)
        t.add_string_copy(x509_f::ec_named_curve, oid_dotted(p.value), p.off, p.total);
      }
    }
  }

  // Name: "issuer: rdnSequence (0)", then each RDN and attribute; returns its summary
  // ("id-at-commonName=localhost,id-at-organizationName=MQTT Lab", last RDN first, as tshark).
  std::string name(FieldId choice, FieldId seq_id, const Tlv& seq) {
    const int32_t c = t.add_uint(choice, 0, seq.off, seq.total);
    core::Subtree csub(t, c);
    std::vector<std::string> parts;
    core::Reader r(seq.value);
    const size_t n = count_items(seq.value);
    const int32_t rs = t.add_uint(seq_id, n, seq.off, seq.total);
    core::Subtree rsub(t, rs);
    while (r.remaining()) {
      Tlv set = next(r, inner(seq));
      if (!set.ok || set.tag != 0x31) break;
      core::Reader sr(set.value);
      const size_t k = count_items(set.value);
      const int32_t item = t.add_uint(x509_f::rdn_item, k, set.off, set.total);
      core::Subtree isub(t, item);
      std::string item_text;
      while (sr.remaining()) {
        Tlv atv = next(sr, inner(set));
        if (!atv.ok || atv.tag != 0x30) break;
        core::Reader ar(atv.value);
        Tlv oid = next(ar, inner(atv));
        Tlv val = next(ar, inner(atv));
        if (!oid.ok || !val.ok || oid.tag != 0x06) break;
        std::string dotted = oid_dotted(oid.value);
        std::string_view text(reinterpret_cast<const char*>(val.value.data()), val.value.size());
        std::string pair = oid_display(dotted) + "=" + std::string(text);
        const int32_t attr = t.add_none(x509_f::rdn_attr, atv.off, atv.total);
        if (attr >= 0) t.set_label(attr, "RelativeDistinguishedName item (" + pair + ")");
        core::Subtree asub(t, attr);
        t.add_string_copy(x509_f::if_oid, dotted, oid.off, oid.total);
        if (dotted.rfind("2.5.4.", 0) == 0) pkt.layer("x509sat");
        FieldId str = core::kNoField;
        uint32_t choice_no = 0;
        switch (val.tag) {
          case 0x0c: str = x509_f::utf8_string; choice_no = 4; break;
          case 0x13: str = x509_f::printable_string; choice_no = 1; break;
          case 0x14: str = x509_f::teletex_string; choice_no = 0; break;
          case 0x16: str = x509_f::ia5_string; break;
          case 0x1c: str = x509_f::universal_string; choice_no = 2; break;
          case 0x1e: str = x509_f::bmp_string; choice_no = 3; break;
          default: break;
        }
        if (dotted == "2.5.4.6") {  // countryName is a PrintableString of its own
          t.add_string_copy(x509_f::country_name, text, val.off, val.total);
        } else if (str != core::kNoField && val.tag != 0x16) {
          core::Subtree ds(t, t.add_uint(x509_f::directory_string, choice_no, val.off, val.total));
          t.add_string_copy(str, text, val.off, val.total);
        } else if (str != core::kNoField) {
          t.add_string_copy(str, text, val.off, val.total);
        }
        if (!item_text.empty()) item_text += '+';
        item_text += pair;
      }
      isub.end();
      if (item >= 0) t.append_text(item, " (" + item_text + ")");
      parts.push_back(item_text);
    }
    std::string summary;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) summary += (summary.empty() ? "" : ",") + *it;
    rsub.end();
    if (rs >= 0) t.append_text(rs, " (" + summary + ")");
    return summary;
  }

  void time(FieldId choice, const Tlv& v) {
    const bool utc = v.tag == 0x17;
    core::Subtree sub(t, t.add_uint(choice, utc ? 0 : 1, v.off, v.total));
    std::string_view s(reinterpret_cast<const char*>(v.value.data()), v.value.size());
    if (utc && s.size() >= 12) {
      // YYMMDDHHMMSSZ -> "2026-11-24 11:18:38 (UTC)" (RFC 5280 §4.1.2.5.1: YY < 50 is 20YY)
      const int yy = (s[0] - '0') * 10 + (s[1] - '0');
      char b[48];
      snprintf(b, sizeof b, "%d-%.2s-%.2s %.2s:%.2s:%.2s (UTC)", yy < 50 ? 2000 + yy : 1900 + yy, s.data() + 2,
               s.data() + 4, s.data() + 6, s.data() + 8, s.data() + 10);
      t.add_string_copy(x509_f::utc_time, b, v.off, v.total);
    } else if (!utc && s.size() >= 14) {
      struct tm tm {};
      tm.tm_year = std::atoi(std::string(s.substr(0, 4)).c_str()) - 1900;
      tm.tm_mon = std::atoi(std::string(s.substr(4, 2)).c_str()) - 1;
      tm.tm_mday = std::atoi(std::string(s.substr(6, 2)).c_str());
      tm.tm_hour = std::atoi(std::string(s.substr(8, 2)).c_str());
      tm.tm_min = std::atoi(std::string(s.substr(10, 2)).c_str());
      tm.tm_sec = std::atoi(std::string(s.substr(12, 2)).c_str());
      t.add_time(x509_f::generalized_time, core::Timestamp{static_cast<int64_t>(timegm(&tm)), 0}, v.off, v.total);
    }
  }

  // subjectPublicKey: an RSA key's modulus and exponent (PKCS #1).
  void rsa_key(core::Bytes bits, uint32_t off) {
    if (bits.size() < 2) return;
    core::Reader r(bits.subspan(1));
    Tlv seq = next(r, off + 1);
    if (!seq.ok || seq.tag != 0x30) return;
    core::Reader kr(seq.value);
    Tlv mod = next(kr, inner(seq));
    Tlv exp = next(kr, inner(seq));
    if (!mod.ok || !exp.ok) return;
    t.add_bytes(x509_f::modulus, mod.value.data(), mod.value.size(), inner(mod));
    int64_t e = 0;
    for (uint8_t b : exp.value) e = e << 8 | b;
    if (exp.value.size() <= 4) t.add_int(x509_f::public_exponent, e, inner(exp), static_cast<uint32_t>(exp.value.size()));
  }

  void extension(const Tlv& ext) {
    core::Reader r(ext.value);
    Tlv oid = next(r, inner(ext));
    if (!oid.ok || oid.tag != 0x06) return;
    std::string dotted = oid_dotted(oid.value);
    if (dotted.rfind("2.5.29.", 0) == 0) pkt.layer("x509ce");
    else if (dotted.rfind("1.3.6.1.5.5.7.1.", 0) == 0) pkt.layer("pkix1implicit");
    const int32_t idx = t.add_none(x509_f::extension_element, ext.off, ext.total);
    if (idx >= 0) t.set_label(idx, std::string("Extension (") + oid_display(dotted) + ")");
    core::Subtree sub(t, idx);
    t.add_string_copy(x509_f::extension_id, dotted, oid.off, oid.total);
    Tlv v = next(r, inner(ext));
    if (v.ok && v.tag == 0x01) {  // critical BOOLEAN DEFAULT FALSE
      t.add_bool(x509_f::critical, !v.value.empty() && v.value[0], v.off, v.total);
      v = next(r, inner(ext));
    }
    if (!v.ok || v.tag != 0x04) return;
    core::Reader er(v.value);
    const uint32_t vb = inner(v);
    if (dotted == "2.5.29.14") {  // subjectKeyIdentifier
      Tlv k = next(er, vb);
      if (k.ok) t.add_bytes(x509_f::ski, k.value.data(), k.value.size(), inner(k));
    } else if (dotted == "2.5.29.35") {  // authorityKeyIdentifier
      Tlv seq = next(er, vb);
      if (!seq.ok) return;
      core::Subtree a(t, t.add_none(x509_f::aki, seq.off, seq.total));
      core::Reader ar(seq.value);
      while (ar.remaining()) {
        Tlv f = next(ar, inner(seq));
        if (!f.ok) break;
        if (f.tag == 0x80) t.add_bytes(x509_f::key_identifier, f.value.data(), f.value.size(), inner(f));
      }
    } else if (dotted == "2.5.29.19") {  // basicConstraints
      Tlv seq = next(er, vb);
      if (!seq.ok) return;
      core::Subtree b(t, t.add_none(x509_f::basic_constraints, seq.off, seq.total));
      core::Reader br(seq.value);
      while (br.remaining()) {
        Tlv f = next(br, inner(seq));
        if (!f.ok) break;
        if (f.tag == 0x01) t.add_bool(x509_f::ca, !f.value.empty() && f.value[0], f.off, f.total);
        else if (f.tag == 0x02 && f.value.size() <= 8) {
          uint64_t n = 0;
          for (uint8_t c : f.value) n = n << 8 | c;
          t.add_uint(x509_f::path_len, n, f.off, f.total);
        }
      }
    } else if (dotted == "2.5.29.17") {  // subjectAltName: GeneralNames
      Tlv seq = next(er, vb);
      if (!seq.ok) return;
      const size_t n = count_items(seq.value);
      core::Subtree g(t, t.add_uint(x509_f::general_names, n, seq.off, seq.total));
      core::Reader gr(seq.value);
      while (gr.remaining()) {
        Tlv f = next(gr, inner(seq));
        if (!f.ok) break;
        const uint8_t kind = f.tag & 0x1f;
        core::Subtree one(t, t.add_uint(x509_f::general_name, kind, f.off, f.total));
        std::string_view text(reinterpret_cast<const char*>(f.value.data()), f.value.size());
        if (kind == 2) t.add_string_copy(x509_f::dns_name, text, inner(f), static_cast<uint32_t>(f.value.size()));
        else if (kind == 1) t.add_string_copy(x509_f::rfc822_name, text, inner(f), static_cast<uint32_t>(f.value.size()));
        else if (kind == 7 && f.value.size() == 4)
          t.add_ipv4(x509_f::ip_address_v4,
                     static_cast<uint32_t>(f.value[0]) << 24 | f.value[1] << 16 | f.value[2] << 8 | f.value[3], inner(f));
        else if (kind == 7 && f.value.size() == 16) t.add_ipv6(x509_f::ip_address_v6, f.value.data(), inner(f));
        else if (kind == 7) t.add_bytes(x509_f::ip_address, f.value.data(), f.value.size(), inner(f));
      }
    } else if (dotted == "2.5.29.15") {  // keyUsage BIT STRING
      Tlv bits = next(er, vb);
      if (bits.ok) t.add_bytes(x509_f::key_usage, bits.value.data(), bits.value.size(), inner(bits));
    } else if (dotted == "2.5.29.37") {  // extKeyUsage
      Tlv seq = next(er, vb);
      if (!seq.ok) return;
      const size_t n = count_items(seq.value);
      core::Subtree k(t, t.add_uint(x509_f::key_purpose_ids, n, seq.off, seq.total));
      core::Reader kr(seq.value);
      while (kr.remaining()) {
        Tlv f = next(kr, inner(seq));
        if (!f.ok || f.tag != 0x06) break;
        t.add_string_copy(x509_f::key_purpose_id, oid_dotted(f.value), f.off, f.total);
      }
    }
  }

  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }; returns the subject summary.
  std::string certificate(core::Bytes der) {
    core::Reader r(der);
    Tlv cert = next(r, base);
    if (!cert.ok || cert.tag != 0x30) return {};
    core::Reader cr(cert.value);
    Tlv tbs = next(cr, inner(cert));
    if (!tbs.ok || tbs.tag != 0x30) return {};
    std::string subject_text;
    {
      core::Subtree tsub(t, t.add_none(x509_f::signed_certificate, tbs.off, tbs.total));
      core::Reader tr(tbs.value);
      const uint32_t tb = inner(tbs);
      Tlv v = tr.remaining() ? next(tr, tb) : Tlv{};
      if (v.ok && v.tag == 0xa0) {  // [0] EXPLICIT Version DEFAULT v1
        core::Reader vr(v.value);
        Tlv n = next(vr, inner(v));
        if (n.ok && !n.value.empty()) t.add_int(x509_f::version, n.value.back(), n.off, n.total);
        v = tr.remaining() ? next(tr, tb) : Tlv{};
      }
      if (v.ok && v.tag == 0x02) {  // serialNumber
        t.add_bytes(x509_f::serial_number, v.value.data(), v.value.size(), inner(v));
        v = tr.remaining() ? next(tr, tb) : Tlv{};
      }
      if (v.ok && v.tag == 0x30) {
        algorithm(x509_f::signature_element, "signature", v);
        v = tr.remaining() ? next(tr, tb) : Tlv{};
      }
      if (v.ok && v.tag == 0x30) {
        name(x509_f::issuer, x509_f::if_rdn_sequence, v);
        v = tr.remaining() ? next(tr, tb) : Tlv{};
      }
      if (v.ok && v.tag == 0x30) {
        core::Subtree val(t, t.add_none(x509_f::validity, v.off, v.total));
        core::Reader vr(v.value);
        Tlv nb = next(vr, inner(v));
        Tlv na = next(vr, inner(v));
        if (nb.ok) time(x509_f::not_before, nb);
        if (na.ok) time(x509_f::not_after, na);
        val.end();
        v = tr.remaining() ? next(tr, tb) : Tlv{};
      }
      if (v.ok && v.tag == 0x30) {
        subject_text = name(x509_f::subject, x509_f::af_rdn_sequence, v);
        v = tr.remaining() ? next(tr, tb) : Tlv{};
      }
      if (v.ok && v.tag == 0x30) {  // subjectPublicKeyInfo
        core::Subtree spk(t, t.add_none(x509_f::spki, v.off, v.total));
        core::Reader sr(v.value);
        Tlv alg = next(sr, inner(v));
        Tlv key = next(sr, inner(v));
        bool rsa = false;
        if (alg.ok && alg.tag == 0x30) {
          algorithm(x509_f::algorithm_element, "algorithm", alg);
          core::Reader ar(alg.value);
          Tlv oid = read_tlv(ar, 0);
          rsa = oid.ok && oid_dotted(oid.value) == "1.2.840.113549.1.1.1";
        }
        if (key.ok && key.tag == 0x03 && !key.value.empty()) {
          // The BIT STRING's first byte counts unused bits; tshark shows the rest
          // (and that count, but for an RSA key, which PKCS #1 takes apart).
          if (!rsa) t.add_uint(x509_f::padding, key.value[0], inner(key), 1);
          core::Subtree k(t, t.add_bytes(x509_f::subject_public_key, key.value.data() + 1, key.value.size() - 1,
                                         inner(key) + 1));
          if (rsa) rsa_key(key.value, inner(key));
        }
        spk.end();
        v = tr.remaining() ? next(tr, tb) : Tlv{};
      }
      while (v.ok && (v.tag == 0xa1 || v.tag == 0xa2)) v = tr.remaining() ? next(tr, tb) : Tlv{};  // issuer/subject unique IDs
      if (v.ok && v.tag == 0xa3) {  // [3] EXPLICIT Extensions
        core::Reader xr(v.value);
        Tlv seq = next(xr, inner(v));
        if (seq.ok && seq.tag == 0x30) {
          const size_t n = count_items(seq.value);
          core::Subtree exts(t, t.add_uint(x509_f::extensions, n, seq.off, seq.total));
          core::Reader er(seq.value);
          while (er.remaining()) {
            Tlv e = next(er, inner(seq));
            if (!e.ok || e.tag != 0x30) break;
            extension(e);
          }
        }
      }
    }
    Tlv alg = next(cr, inner(cert));
    if (alg.ok && alg.tag == 0x30) algorithm(x509_f::algorithm_identifier, "algorithmIdentifier", alg);
    Tlv sig = next(cr, inner(cert));
    if (sig.ok && sig.tag == 0x03 && !sig.value.empty()) {
      t.add_uint(x509_f::padding, sig.value[0], inner(sig), 1);
      t.add_bytes(x509_f::encrypted, sig.value.data() + 1, sig.value.size() - 1, inner(sig) + 1);
    }
    return subject_text;
  }
};

}  // namespace

// frame.protocols lists the X.509 attribute and extension dissectors too.
bool certificate_fields_wanted(const FieldTree& t) { return t.wants_any(core::Proto::X509) || t.wants(link::frame_f::protocols); }

void dissect_certificate(core::Bytes der, uint32_t off, core::Packet& pkt, int32_t cert_idx) {
  FieldTree& t = pkt.tree;
  if (!certificate_fields_wanted(t) || der.empty()) return;
  const uint32_t len = static_cast<uint32_t>(der.size());
  CertWalk walk{pkt, t, off};
  const std::string subject = walk.certificate(der);
  if (cert_idx >= 0 && !subject.empty()) t.append_text(cert_idx, " (" + subject + ")");
  if (walk.bad) {
    core::add_expert(t, "Certificate could not be decoded (not valid DER X.509)", core::Severity::Warn,
                     core::ExpertGroup::Malformed, off, len, core::kNoField, false);
    pkt.mark_malformed("X509AF");
  }
  const bool own = t.wants(x509_f::cert_subject) || t.wants(x509_f::cert_issuer) || t.wants(x509_f::cert_serial) ||
                   t.wants(x509_f::cert_not_before) || t.wants(x509_f::cert_not_after) || t.wants(x509_f::cert_pubkey) ||
                   t.wants(x509_f::cert_pubkey_bits) || t.wants(x509_f::cert_sig_alg) || t.wants(x509_f::cert_san) ||
                   t.wants(x509_f::cert_self_signed) || t.wants(x509_f::cert_is_ca) || t.wants(x509_f::cert_expired);
  if (!own || walk.bad) return;
  thread_local CertCache cache;
  CachedCert* cached = cache.get(der);
  if (!cached) return;
  X509* c = cached->x;
  const ASN1_TIME* nb = X509_get0_notBefore(c);
  const ASN1_TIME* na = X509_get0_notAfter(c);
  ASN1_OBJECT* pkobj = nullptr;
  if (X509_PUBKEY* pub = X509_get_X509_PUBKEY(c)) X509_PUBKEY_get0_param(&pkobj, nullptr, nullptr, nullptr, pub);
  const X509_ALGOR* sigalg = nullptr;
  X509_get0_signature(nullptr, &sigalg, c);
  const ASN1_OBJECT* sigobj = nullptr;
  if (sigalg) X509_ALGOR_get0(&sigobj, nullptr, nullptr, sigalg);
  std::string san = subject_alt_names(c);
  if (t.wants(x509_f::cert_serial)) add_serial_text(t, X509_get0_serialNumber(c), off, len);
  // mqsniff's own readable summary of this certificate.
  if (t.wants(x509_f::cert_subject)) t.add_string_copy(x509_f::cert_subject, name_text(X509_get_subject_name(c)), off, len);
  if (t.wants(x509_f::cert_issuer)) t.add_string_copy(x509_f::cert_issuer, name_text(X509_get_issuer_name(c)), off, len);
  if (t.wants(x509_f::cert_not_before)) t.add_string_copy(x509_f::cert_not_before, time_text(nb, false), off, len);
  if (t.wants(x509_f::cert_not_after)) t.add_string_copy(x509_f::cert_not_after, time_text(na, false), off, len);
  if (t.wants(x509_f::cert_pubkey) || t.wants(x509_f::cert_pubkey_bits)) {
    EVP_PKEY* key = X509_get0_pubkey(c);  // owned by the certificate
    int bits = key ? EVP_PKEY_get_bits(key) : 0;
    std::string desc = pkobj ? OBJ_nid2sn(OBJ_obj2nid(pkobj)) : "unknown";
    if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
      char group[64];
      size_t gl = 0;
      if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &gl) == 1) desc += std::string(" ") + group;
    }
    if (bits > 0) desc += " " + std::to_string(bits) + " bits";
    t.add_string_copy(x509_f::cert_pubkey, desc, off, len);
    if (bits > 0) t.add_uint(x509_f::cert_pubkey_bits, static_cast<uint32_t>(bits), off, len);
  }
  if (t.wants(x509_f::cert_sig_alg) && sigobj) {
    int nid = OBJ_obj2nid(sigobj);
    t.add_string_copy(x509_f::cert_sig_alg, nid != NID_undef ? OBJ_nid2ln(nid) : oid_text(sigobj), off, len);
  }
  if (!san.empty()) t.add_string_copy(x509_f::cert_san, san, off, len);
  if (t.wants(x509_f::cert_self_signed)) {
    if (cached->self_signed < 0) cached->self_signed = X509_self_signed(c, 1) == 1;
    t.add_bool(x509_f::cert_self_signed, cached->self_signed == 1, off, len);
  }
  if (t.wants(x509_f::cert_is_ca)) t.add_bool(x509_f::cert_is_ca, X509_check_ca(c) > 0, off, len);
  if (t.wants(x509_f::cert_expired)) {
    time_t when = static_cast<time_t>(pkt.frame.ts.sec);
    bool outside = (nb && X509_cmp_time(nb, &when) > 0) || (na && X509_cmp_time(na, &when) < 0);
    t.add_bool(x509_f::cert_expired, outside, off, len);
  }
}

const char* oid_name(std::string_view dotted) {
  static const struct {
    const char* oid;
    const char* name;
  } kNames[] = {
      {"2.5.4.3", "id-at-commonName"}, {"2.5.4.4", "id-at-surname"}, {"2.5.4.5", "id-at-serialNumber"},
      {"2.5.4.6", "id-at-countryName"}, {"2.5.4.7", "id-at-localityName"}, {"2.5.4.8", "id-at-stateOrProvinceName"},
      {"2.5.4.9", "id-at-streetAddress"}, {"2.5.4.10", "id-at-organizationName"},
      {"2.5.4.11", "id-at-organizationalUnitName"}, {"2.5.4.12", "id-at-title"}, {"2.5.4.42", "id-at-givenName"},
      {"1.2.840.113549.1.9.1", "pkcs-9-at-emailAddress"}, {"0.9.2342.19200300.100.1.25", "dc"},
      {"1.2.840.113549.1.1.1", "rsaEncryption"}, {"1.2.840.113549.1.1.5", "sha1WithRSAEncryption"},
      {"1.2.840.113549.1.1.10", "id-RSASSA-PSS"}, {"1.2.840.113549.1.1.11", "sha256WithRSAEncryption"},
      {"1.2.840.113549.1.1.12", "sha384WithRSAEncryption"}, {"1.2.840.113549.1.1.13", "sha512WithRSAEncryption"},
      {"1.2.840.10045.2.1", "id-ecPublicKey"}, {"1.2.840.10045.4.3.2", "ecdsa-with-SHA256"},
      {"1.2.840.10045.4.3.3", "ecdsa-with-SHA384"}, {"1.2.840.10045.4.3.4", "ecdsa-with-SHA512"},
      {"1.2.840.10045.3.1.7", "secp256r1"}, {"1.3.132.0.34", "secp384r1"}, {"1.3.132.0.35", "secp521r1"},
      {"2.5.29.14", "id-ce-subjectKeyIdentifier"}, {"2.5.29.15", "id-ce-keyUsage"},
      {"2.5.29.17", "id-ce-subjectAltName"}, {"2.5.29.19", "id-ce-basicConstraints"},
      {"2.5.29.31", "id-ce-cRLDistributionPoints"}, {"2.5.29.32", "id-ce-certificatePolicies"},
      {"2.5.29.35", "id-ce-authorityKeyIdentifier"}, {"2.5.29.37", "id-ce-extKeyUsage"},
      {"1.3.6.1.5.5.7.1.1", "id-pe-authorityInfoAccess"}, {"1.3.6.1.5.5.7.3.1", "id-kp-serverAuth"},
      {"1.3.6.1.5.5.7.3.2", "id-kp-clientAuth"},
  };
  for (const auto& e : kNames)
    if (dotted == e.oid) return e.name;
  return nullptr;
}

std::string oid_display(std::string_view dotted) {
  if (const char* n = oid_name(dotted)) return n;
  // tshark names an OID it does not know by its first arc (ITU-T X.660):
  // "iso.3.101.112" for Ed25519's 1.3.101.112.
  static constexpr std::string_view kArcs[] = {"itu-t", "iso", "joint-iso-itu-t"};
  if (dotted.size() > 2 && dotted[0] >= '0' && dotted[0] <= '2' && dotted[1] == '.')
    return std::string(kArcs[dotted[0] - '0']) + std::string(dotted.substr(1));
  return std::string(dotted);
}

std::string distinguished_name(core::Bytes der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509_NAME, NameFree> n(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  return n ? name_text(n.get()) : std::string();
}

}  // namespace mqsniff::tls
