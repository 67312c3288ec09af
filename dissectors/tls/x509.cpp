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

void add_oid(FieldTree& t, FieldId id, const ASN1_OBJECT* o, uint32_t off, uint32_t len) {
  if (t.wants(id) && o) t.add_string_copy(id, oid_text(o), off, len);
}

// The OID arc an object starts with ("2.5.4" matches 2.5.4.3).
bool oid_under(const ASN1_OBJECT* o, std::string_view arc) {
  std::string text = oid_text(o);
  return text.size() > arc.size() && text.compare(0, arc.size(), arc) == 0 && text[arc.size()] == '.';
}

// Each attribute of a Name, as the x509sat field its value type maps to.
// tshark hands each X.500 attribute value (2.5.4.*) to the x509sat
// dissector, which frame.protocols lists once per attribute.
void add_name_attributes(core::Packet& pkt, const X509_NAME* name, uint32_t off, uint32_t len) {
  FieldTree& t = pkt.tree;
  int n = X509_NAME_entry_count(name);
  for (int i = 0; i < n; ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    if (oid_under(X509_NAME_ENTRY_get_object(e), "2.5.4")) pkt.layer("x509sat");
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(e);
    if (!v) continue;
    std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)), static_cast<size_t>(ASN1_STRING_length(v)));
    FieldId id = core::kNoField;
    if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_countryName) id = x509_f::country_name;
    else switch (ASN1_STRING_type(v)) {
        case V_ASN1_UTF8STRING: id = x509_f::utf8_string; break;
        case V_ASN1_PRINTABLESTRING: id = x509_f::printable_string; break;
        case V_ASN1_IA5STRING: id = x509_f::ia5_string; break;
        case V_ASN1_T61STRING: id = x509_f::teletex_string; break;
        default: break;
      }
    if (id != core::kNoField) t.add_string_copy(id, text, off, len);
  }
}

// The DER contents of an INTEGER (with its sign octet, as tshark shows it).
void add_serial(FieldTree& t, const ASN1_INTEGER* serial, uint32_t off, uint32_t len) {
  if (!serial || !(t.wants(x509_f::serial_number) || t.wants(x509_f::cert_serial))) return;
  unsigned char* der = nullptr;
  int n = i2d_ASN1_INTEGER(serial, &der);
  if (n > 2) {
    // tag, then a short or long length form
    size_t hdr = 2;
    if (der[1] & 0x80) hdr += der[1] & 0x7f;
    if (static_cast<size_t>(n) > hdr) {
      t.add_bytes_copy(x509_f::serial_number, der + hdr, static_cast<size_t>(n) - hdr, off);
      if (t.wants(x509_f::cert_serial)) {
        std::string hex;
        core::append_hex_bytes(hex, der + hdr, static_cast<size_t>(n) - hdr, ':');
        t.add_string_copy(x509_f::cert_serial, hex, off, len);
      }
    }
  }
  OPENSSL_free(der);
}

// Extensions: the id-ce ones (2.5.29.*) are x509ce's, the PKIX private ones
// (1.3.6.1.5.5.7.1.*, authorityInfoAccess...) pkix1implicit's, in frame.protocols.
void add_extensions(core::Packet& pkt, X509* x, uint32_t off, uint32_t len, std::string& san) {
  FieldTree& t = pkt.tree;
  int n = X509_get_ext_count(x);
  for (int i = 0; i < n; ++i) {
    X509_EXTENSION* ext = X509_get_ext(x, i);
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    if (oid_under(obj, "2.5.29")) pkt.layer("x509ce");
    else if (oid_under(obj, "1.3.6.1.5.5.7.1")) pkt.layer("pkix1implicit");
    add_oid(t, x509_f::extension_id, obj, off, len);
    switch (OBJ_obj2nid(obj)) {
      case NID_subject_key_identifier: {
        auto* ski = static_cast<ASN1_OCTET_STRING*>(X509V3_EXT_d2i(ext));
        if (ski) {
          t.add_bytes_copy(x509_f::ski, ASN1_STRING_get0_data(ski), static_cast<size_t>(ASN1_STRING_length(ski)), off);
          ASN1_OCTET_STRING_free(ski);
        }
        break;
      }
      case NID_authority_key_identifier: {
        auto* aki = static_cast<AUTHORITY_KEYID*>(X509V3_EXT_d2i(ext));
        if (aki) {
          if (aki->keyid)
            t.add_bytes_copy(x509_f::key_identifier, ASN1_STRING_get0_data(aki->keyid),
                             static_cast<size_t>(ASN1_STRING_length(aki->keyid)), off);
          AUTHORITY_KEYID_free(aki);
        }
        break;
      }
      case NID_basic_constraints: {
        auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(ext));
        if (bc) {
          if (bc->ca) t.add_bool(x509_f::ca, true, off, len);  // DEFAULT FALSE: present only when true
          BASIC_CONSTRAINTS_free(bc);
        }
        break;
      }
      case NID_subject_alt_name: {
        auto* names = static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(ext));
        if (!names) break;
        for (int k = 0; k < sk_GENERAL_NAME_num(names); ++k) {
          const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, k);
          if (g->type == GEN_DNS) {
            std::string_view d(reinterpret_cast<const char*>(ASN1_STRING_get0_data(g->d.dNSName)),
                               static_cast<size_t>(ASN1_STRING_length(g->d.dNSName)));
            t.add_string_copy(x509_f::dns_name, d, off, len);
            if (!san.empty()) san += ", ";
            san += "DNS:";
            san += d;
          } else if (g->type == GEN_IPADD) {
            const unsigned char* a = ASN1_STRING_get0_data(g->d.iPAddress);
            int al = ASN1_STRING_length(g->d.iPAddress);
            char buf[64] = "";
            if (al == 4) snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
            else if (al == 16) {
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
        break;
      }
      default: break;
    }
  }
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

}  // namespace

// frame.protocols lists the X.509 attribute and extension dissectors too.
bool certificate_fields_wanted(const FieldTree& t) { return t.wants_any(core::Proto::X509) || t.wants(link::frame_f::protocols); }

void dissect_certificate(core::Bytes der, uint32_t off, core::Packet& pkt) {
  FieldTree& t = pkt.tree;
  if (!certificate_fields_wanted(t) || der.empty()) return;
  const uint32_t len = static_cast<uint32_t>(der.size());
  thread_local CertCache cache;
  CachedCert* cached = cache.get(der);
  if (!cached) {
    core::add_expert(t, "Certificate could not be decoded (not valid DER X.509)", core::Severity::Warn,
                     core::ExpertGroup::Malformed, off, len);
    pkt.mark_malformed("X509AF");
    return;
  }
  int32_t idx = t.open(x509_f::af_proto, off, len);
  if (t.wants(x509_f::af_proto)) t.set_label(idx, "X.509 Authentication Framework");
  X509* c = cached->x;
  long version = X509_get_version(c);
  if (version != 0) t.add_int(x509_f::version, version, off, len);  // DEFAULT v1: absent from v1 certificates
  add_serial(t, X509_get0_serialNumber(c), off, len);
  const ASN1_OBJECT* obj = nullptr;
  X509_ALGOR_get0(&obj, nullptr, nullptr, X509_get0_tbs_sigalg(c));
  add_oid(t, x509_f::algorithm_id, obj, off, len);
  add_name_attributes(pkt, X509_get_issuer_name(c), off, len);
  const ASN1_TIME* nb = X509_get0_notBefore(c);
  const ASN1_TIME* na = X509_get0_notAfter(c);
  for (const ASN1_TIME* tm : {nb, na})
    if (tm && ASN1_STRING_type(tm) == V_ASN1_UTCTIME && t.wants(x509_f::utc_time))
      t.add_string_copy(x509_f::utc_time, time_text(tm, true), off, len);
  add_name_attributes(pkt, X509_get_subject_name(c), off, len);
  X509_PUBKEY* pub = X509_get_X509_PUBKEY(c);
  const unsigned char* pk = nullptr;
  int pklen = 0;
  X509_ALGOR* pkalg = nullptr;
  ASN1_OBJECT* pkobj = nullptr;
  if (pub && X509_PUBKEY_get0_param(&pkobj, &pk, &pklen, &pkalg, pub) == 1) {
    add_oid(t, x509_f::algorithm_id, pkobj, off, len);
    if (pk && pklen > 0) t.add_bytes_copy(x509_f::subject_public_key, pk, static_cast<size_t>(pklen), off);
  }
  std::string san;
  add_extensions(pkt, c, off, len, san);
  const X509_ALGOR* sigalg = nullptr;
  X509_get0_signature(nullptr, &sigalg, c);
  const ASN1_OBJECT* sigobj = nullptr;
  if (sigalg) X509_ALGOR_get0(&sigobj, nullptr, nullptr, sigalg);
  add_oid(t, x509_f::algorithm_id, sigobj, off, len);

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
  t.close();
}

std::string distinguished_name(core::Bytes der) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509_NAME, NameFree> n(d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size())));
  return n ? name_text(n.get()) : std::string();
}

}  // namespace mqsniff::tls
