#include "dissectors/tls/tls_decrypt.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>

namespace mqsniff::tls {

namespace {

// IANA TLS cipher suite registry: the suites decrypted here.
constexpr SuiteInfo kSuites[] = {
    // TLS 1.3 (RFC 8446 §B.4); CCM suites are not decrypted.
    {0x1301, CipherKind::Gcm, 16, 0, nullptr, "SHA256", true},
    {0x1302, CipherKind::Gcm, 32, 0, nullptr, "SHA384", true},
    {0x1303, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", true},
    // TLS 1.2 AES-GCM (RFC 5288, RFC 5289)
    {0x009c, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // RSA_WITH_AES_128_GCM_SHA256
    {0x009d, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    {0x009e, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // DHE_RSA
    {0x009f, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    {0xc02b, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // ECDHE_ECDSA
    {0xc02c, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    {0xc02f, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // ECDHE_RSA
    {0xc030, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    // ... with a pre-shared key, as constrained devices use it (RFC 5487, RFC 8442)
    {0x00a8, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // PSK_WITH_AES_128_GCM_SHA256
    {0x00a9, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    {0x00aa, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // DHE_PSK
    {0x00ab, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    {0x00ac, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // RSA_PSK
    {0x00ad, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    {0xd001, CipherKind::Gcm, 16, 0, nullptr, "SHA256", false},  // ECDHE_PSK
    {0xd002, CipherKind::Gcm, 32, 0, nullptr, "SHA384", false},
    // TLS 1.2 ChaCha20-Poly1305 (RFC 7905), with a certificate or a pre-shared key
    {0xcca8, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", false},
    {0xcca9, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", false},
    {0xccaa, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", false},
    {0xccab, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", false},  // PSK
    {0xccac, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", false},  // ECDHE_PSK
    {0xccad, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", false},  // DHE_PSK
    {0xccae, CipherKind::ChaCha, 32, 0, nullptr, "SHA256", false},  // RSA_PSK
    // TLS 1.2 AES-CBC with HMAC-SHA1 (RFC 5246, RFC 4492)
    {0x002f, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // RSA_WITH_AES_128_CBC_SHA
    {0x0035, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    {0x0033, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // DHE_RSA
    {0x0039, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    {0xc009, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // ECDHE_ECDSA
    {0xc00a, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    {0xc013, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // ECDHE_RSA
    {0xc014, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    {0x008c, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // PSK (RFC 4279)
    {0x008d, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    {0x0090, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // DHE_PSK
    {0x0091, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    {0x0094, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // RSA_PSK
    {0x0095, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    {0xc035, CipherKind::Cbc, 16, 20, "SHA1", "SHA256", false},  // ECDHE_PSK (RFC 5489)
    {0xc036, CipherKind::Cbc, 32, 20, "SHA1", "SHA256", false},
    // ... with HMAC-SHA256 / SHA384 (RFC 5246, RFC 5289)
    {0x003c, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},
    {0x003d, CipherKind::Cbc, 32, 32, "SHA256", "SHA256", false},
    {0x0067, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},
    {0x006b, CipherKind::Cbc, 32, 32, "SHA256", "SHA256", false},
    {0xc023, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},
    {0xc024, CipherKind::Cbc, 32, 48, "SHA384", "SHA384", false},
    {0xc027, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},
    {0xc028, CipherKind::Cbc, 32, 48, "SHA384", "SHA384", false},
    {0x00ae, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},  // PSK (RFC 5487)
    {0x00af, CipherKind::Cbc, 32, 48, "SHA384", "SHA384", false},
    {0x00b2, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},  // DHE_PSK
    {0x00b3, CipherKind::Cbc, 32, 48, "SHA384", "SHA384", false},
    {0x00b6, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},  // RSA_PSK
    {0x00b7, CipherKind::Cbc, 32, 48, "SHA384", "SHA384", false},
    {0xc037, CipherKind::Cbc, 16, 32, "SHA256", "SHA256", false},  // ECDHE_PSK (RFC 5489)
    {0xc038, CipherKind::Cbc, 32, 48, "SHA384", "SHA384", false},
};

// Algorithms are fetched from the provider once, not at every use (an
// implicit fetch per call costs a lock and a property query each time).
EVP_KDF* fetch_kdf(const char* name) {
  return EVP_KDF_fetch(nullptr, name, nullptr);
}
const EVP_CIPHER* cipher_for(const SuiteInfo& s) {
  static EVP_CIPHER* const gcm128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  static EVP_CIPHER* const gcm256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  static EVP_CIPHER* const chacha = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  static EVP_CIPHER* const cbc128 = EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr);
  static EVP_CIPHER* const cbc256 = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
  switch (s.kind) {
    case CipherKind::Gcm: return s.key_len == 16 ? gcm128 : gcm256;
    case CipherKind::ChaCha: return chacha;
    case CipherKind::Cbc: return s.key_len == 16 ? cbc128 : cbc256;
  }
  return nullptr;
}
// An HKDF context (expand only) with its digest set, one per digest and
// thread, reused for every derivation: each derive passes the key and info,
// which replace the previous ones, so the digest is fetched once. (OpenSSL
// 3.0 cannot duplicate an HKDF context.)
EVP_KDF_CTX* hkdf_context(const char* digest) {
  struct Contexts {
    EVP_KDF_CTX* c[2] = {};
    ~Contexts() {
      for (EVP_KDF_CTX* x : c) EVP_KDF_CTX_free(x);
    }
  };
  thread_local Contexts ctxs;
  const int d = std::strcmp(digest, "SHA384") == 0 ? 1 : std::strcmp(digest, "SHA256") == 0 ? 0 : -1;
  if (d < 0) return nullptr;
  EVP_KDF_CTX*& c = ctxs.c[d];
  if (c) return c;
  static EVP_KDF* const alg = fetch_kdf("HKDF");
  c = alg ? EVP_KDF_CTX_new(alg) : nullptr;
  if (!c) return nullptr;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
                         OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode), OSSL_PARAM_construct_end()};
  if (EVP_KDF_CTX_set_params(c, params) <= 0) {
    EVP_KDF_CTX_free(c);
    c = nullptr;
  }
  return c;
}

size_t digest_size(const char* name) {
  return std::strcmp(name, "SHA384") == 0 ? 48 : std::strcmp(name, "SHA1") == 0 ? 20 : 32;
}

void put_seq(uint8_t* p, uint64_t seq) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(seq);
    seq >>= 8;
  }
}

}  // namespace

const SuiteInfo* suite_info(uint16_t id) {
  for (const auto& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

bool hkdf_expand_label(const char* digest, std::span<const uint8_t> secret, std::string_view label,
                       std::span<uint8_t> out) {
  EVP_KDF_CTX* kctx = hkdf_context(digest);
  if (!kctx || secret.empty() || out.size() > 255 || label.size() > 249) return false;
  // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
  uint8_t info[2 + 1 + 255 + 1];
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(out.size() >> 8);
  info[n++] = static_cast<uint8_t>(out.size());
  info[n++] = static_cast<uint8_t>(6 + label.size());
  std::memcpy(info + n, "tls13 ", 6);
  n += 6;
  std::memcpy(info + n, label.data(), label.size());
  n += label.size();
  info[n++] = 0;  // empty context
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
      OSSL_PARAM_construct_end()};
  return EVP_KDF_derive(kctx, out.data(), out.size(), params) > 0;
}

bool tls12_prf(const char* digest, std::span<const uint8_t> secret, std::string_view label,
               std::span<const uint8_t> seed1, std::span<const uint8_t> seed2, std::span<uint8_t> out) {
  // A fresh context each time: TLS1-PRF appends each derive's seed to the
  // previous one (OpenSSL 3.0). Once per TLS 1.2 session.
  static EVP_KDF* const prf_alg = fetch_kdf("TLS1-PRF");
  EVP_KDF_CTX* kctx = prf_alg ? EVP_KDF_CTX_new(prf_alg) : nullptr;
  if (!kctx) return false;
  std::vector<uint8_t> seed(label.begin(), label.end());
  seed.insert(seed.end(), seed1.begin(), seed1.end());
  seed.insert(seed.end(), seed2.begin(), seed2.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(secret.data()), secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed.data(), seed.size()),
      OSSL_PARAM_construct_end()};
  bool ok = EVP_KDF_derive(kctx, out.data(), out.size(), params) > 0;
  EVP_KDF_CTX_free(kctx);
  return ok;
}

RecordCipher::~RecordCipher() {
  if (ctx_) EVP_CIPHER_CTX_free(ctx_);
  if (mac_ctx_) EVP_MAC_CTX_free(mac_ctx_);
}

bool RecordCipher::setup_cipher() {
  const EVP_CIPHER* c = cipher_for(*suite_);
  if (!ctx_) ctx_ = EVP_CIPHER_CTX_new();
  if (!ctx_ || !c) return false;
  if (EVP_DecryptInit_ex(ctx_, c, nullptr, nullptr, nullptr) <= 0) return false;
  if (suite_->kind != CipherKind::Cbc && EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) <= 0)
    return false;
  if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, key_, nullptr) <= 0) return false;
  if (suite_->kind == CipherKind::Cbc) EVP_CIPHER_CTX_set_padding(ctx_, 0);
  seq_ = 0;
  return true;
}

bool RecordCipher::init_tls13(const SuiteInfo& suite, std::span<const uint8_t> secret) {
  if (!suite.tls13 || secret.size() != digest_size(suite.prf)) return false;
  suite_ = &suite;
  secret_len_ = static_cast<uint8_t>(secret.size());
  std::memcpy(secret_, secret.data(), secret.size());
  iv_len_ = 12;
  if (!hkdf_expand_label(suite.prf, secret, "key", std::span<uint8_t>(key_, suite.key_len)) ||
      !hkdf_expand_label(suite.prf, secret, "iv", std::span<uint8_t>(iv_, 12)))
    return false;
  return setup_cipher();
}

bool RecordCipher::update_tls13() {
  if (!suite_ || !suite_->tls13 || !secret_len_) return false;
  uint8_t next[64];
  if (!hkdf_expand_label(suite_->prf, std::span<const uint8_t>(secret_, secret_len_), "traffic upd",
                         std::span<uint8_t>(next, secret_len_)))
    return false;
  ++generation_;
  return init_tls13(*suite_, std::span<const uint8_t>(next, secret_len_));
}

bool RecordCipher::init_tls12(const SuiteInfo& suite, std::span<const uint8_t> key, std::span<const uint8_t> iv,
                              std::span<const uint8_t> mac_key, bool encrypt_then_mac) {
  if (suite.tls13 || key.size() != suite.key_len || iv.size() > sizeof iv_ || mac_key.size() > sizeof mac_key_)
    return false;
  suite_ = &suite;
  std::memcpy(key_, key.data(), key.size());
  if (!iv.empty()) std::memcpy(iv_, iv.data(), iv.size());
  iv_len_ = static_cast<uint8_t>(iv.size());
  if (!mac_key.empty()) std::memcpy(mac_key_, mac_key.data(), mac_key.size());
  etm_ = encrypt_then_mac;
  if (suite.kind == CipherKind::Cbc) {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac || mac_key.size() != suite.mac_len) return false;
    if (!mac_ctx_) mac_ctx_ = EVP_MAC_CTX_new(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(suite.mac), 0),
                           OSSL_PARAM_construct_end()};
    if (!mac_ctx_ || EVP_MAC_init(mac_ctx_, mac_key_, mac_key.size(), params) <= 0) return false;
  }
  return setup_cipher();
}

bool RecordCipher::hmac(std::span<const uint8_t> a, std::span<const uint8_t> b, uint8_t* out) {
  size_t n = 0;
  // EVP_MAC_init with a null key starts a new MAC under the key set at init_tls12.
  return mac_ctx_ && EVP_MAC_init(mac_ctx_, nullptr, 0, nullptr) > 0 && EVP_MAC_update(mac_ctx_, a.data(), a.size()) > 0 &&
         EVP_MAC_update(mac_ctx_, b.data(), b.size()) > 0 && EVP_MAC_final(mac_ctx_, out, &n, 64) > 0 &&
         n == suite_->mac_len;
}

RecordCipher::Result RecordCipher::decrypt(std::span<const uint8_t> record, std::vector<uint8_t>& out,
                                           uint8_t& inner_type) {
  out.clear();
  if (!ctx_ || record.size() < 5) return Result::BadRecord;
  Result r = suite_->kind == CipherKind::Cbc ? decrypt_cbc(record, out, inner_type)
                                             : decrypt_aead(record, out, inner_type);
  ++seq_;
  if (r != Result::Ok) out.clear();
  return r;
}

RecordCipher::Result RecordCipher::decrypt_aead(std::span<const uint8_t> rec, std::vector<uint8_t>& out,
                                                uint8_t& inner_type) {
  const bool tls13 = suite_->tls13;
  std::span<const uint8_t> frag = rec.subspan(5);
  const size_t explicit_len = (!tls13 && suite_->kind == CipherKind::Gcm) ? 8 : 0;
  if (frag.size() < explicit_len + 16 + (tls13 ? 1 : 0)) return Result::BadRecord;
  uint8_t nonce[12];
  if (explicit_len) {
    std::memcpy(nonce, iv_, 4);
    std::memcpy(nonce + 4, frag.data(), 8);
  } else {
    std::memcpy(nonce, iv_, 12);
    uint8_t s[8];
    put_seq(s, seq_);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= s[i];
  }
  std::span<const uint8_t> ct = frag.subspan(explicit_len, frag.size() - explicit_len - 16);
  const uint8_t* tag = frag.data() + frag.size() - 16;
  uint8_t aad[13];
  size_t aad_len;
  if (tls13) {
    std::memcpy(aad, rec.data(), 5);
    aad_len = 5;
  } else {
    put_seq(aad, seq_);
    aad[8] = rec[0];
    aad[9] = rec[1];
    aad[10] = rec[2];
    aad[11] = static_cast<uint8_t>(ct.size() >> 8);
    aad[12] = static_cast<uint8_t>(ct.size());
    aad_len = 13;
  }
  out.resize(ct.size() + 16);
  int n = 0, fin = 0;
  if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) <= 0 ||
      EVP_DecryptUpdate(ctx_, nullptr, &n, aad, static_cast<int>(aad_len)) <= 0 ||
      EVP_DecryptUpdate(ctx_, out.data(), &n, ct.data(), static_cast<int>(ct.size())) <= 0 ||
      EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, 16, const_cast<uint8_t*>(tag)) <= 0)
    return Result::BadRecord;
  if (EVP_DecryptFinal_ex(ctx_, out.data() + n, &fin) <= 0) return Result::BadTag;
  out.resize(static_cast<size_t>(n + fin));
  if (!tls13) {
    inner_type = rec[0];
    return Result::Ok;
  }
  // TLSInnerPlaintext: content, the real type, zero padding (RFC 8446 §5.2).
  while (!out.empty() && out.back() == 0) out.pop_back();
  if (out.empty()) return Result::BadRecord;
  inner_type = out.back();
  out.pop_back();
  return Result::Ok;
}

RecordCipher::Result RecordCipher::decrypt_cbc(std::span<const uint8_t> rec, std::vector<uint8_t>& out,
                                               uint8_t& inner_type) {
  std::span<const uint8_t> frag = rec.subspan(5);
  const size_t mac_len = suite_->mac_len, block = 16;
  inner_type = rec[0];
  uint8_t header[13];
  put_seq(header, seq_);
  header[8] = rec[0];
  header[9] = rec[1];
  header[10] = rec[2];
  uint8_t mac[64];
  std::span<const uint8_t> enc = frag;
  if (etm_) {
    // RFC 7366: MAC(seq type version length IV+ciphertext) follows the ciphertext.
    if (frag.size() < block * 2 + mac_len) return Result::BadRecord;
    enc = frag.subspan(0, frag.size() - mac_len);
    header[11] = static_cast<uint8_t>(enc.size() >> 8);
    header[12] = static_cast<uint8_t>(enc.size());
    if (!hmac(header, enc, mac)) return Result::BadRecord;
    if (std::memcmp(mac, frag.data() + enc.size(), mac_len) != 0) return Result::BadTag;
  } else if (frag.size() < block + ((mac_len + 1 + block - 1) / block) * block) {
    return Result::BadRecord;
  }
  if (enc.size() % block != 0 || enc.size() < 2 * block) return Result::BadRecord;
  std::span<const uint8_t> ct = enc.subspan(block);
  out.resize(ct.size() + block);
  int n = 0;
  if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, enc.data()) <= 0 ||
      EVP_DecryptUpdate(ctx_, out.data(), &n, ct.data(), static_cast<int>(ct.size())) <= 0 ||
      static_cast<size_t>(n) != ct.size())
    return Result::BadRecord;
  out.resize(ct.size());
  const size_t pad = out.back();
  if (pad + 1 + (etm_ ? 0 : mac_len) > out.size()) return Result::BadTag;
  for (size_t i = out.size() - pad - 1; i < out.size(); ++i)
    if (out[i] != pad) return Result::BadTag;
  out.resize(out.size() - pad - 1);
  if (!etm_) {
    // MAC-then-encrypt: MAC(seq type version length plaintext) ends the plaintext.
    const size_t plain = out.size() - mac_len;
    header[11] = static_cast<uint8_t>(plain >> 8);
    header[12] = static_cast<uint8_t>(plain);
    if (!hmac(header, std::span<const uint8_t>(out.data(), plain), mac)) return Result::BadRecord;
    if (std::memcmp(mac, out.data() + plain, mac_len) != 0) return Result::BadTag;
    out.resize(plain);
  }
  return Result::Ok;
}

}  // namespace mqsniff::tls
