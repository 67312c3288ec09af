// TLS record decryption with session secrets from a key log.
//
// TLS 1.2 (RFC 5246 §6.3, §6.2.3): key_block = PRF(master_secret,
//   "key expansion", server_random + client_random), cut into client/server
//   MAC keys, write keys and IVs, in that order.
//   AEAD GCM (RFC 5288):  nonce = fixed_iv(4) + explicit(8, in the record);
//   ChaCha20-Poly1305 (RFC 7905): nonce = iv(12) XOR seq;
//   both with additional data seq(8) type(1) version(2) plaintext length(2).
//   CBC + HMAC: IV block, ciphertext, then the MAC over
//   seq type version length plaintext (MAC-then-encrypt), or, with
//   encrypt_then_mac (RFC 7366), the MAC over the header and the ciphertext.
// TLS 1.3 (RFC 8446 §7.1-§7.3, §5.2): key = HKDF-Expand-Label(secret, "key"),
//   iv = HKDF-Expand-Label(secret, "iv"), nonce = iv XOR seq, additional data
//   the record header; the plaintext ends with its content type and zero
//   padding. KeyUpdate: secret' = HKDF-Expand-Label(secret, "traffic upd").
//
// Every primitive comes from OpenSSL: EVP ciphers, EVP_MAC HMAC, EVP_KDF
// "TLS1-PRF" and "HKDF" (expand only). No cipher, MAC or KDF is written here.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace mqsniff::tls {

enum class CipherKind : uint8_t { Gcm, ChaCha, Cbc };

struct SuiteInfo {
  uint16_t id;
  CipherKind kind;
  uint8_t key_len;
  uint8_t mac_len;     // CBC: HMAC output length (0 for AEAD)
  const char* mac;     // CBC: HMAC digest name
  const char* prf;     // TLS 1.2 PRF / TLS 1.3 HKDF hash
  bool tls13;
};
// The suites mqsniff decrypts, or null (then the session stays encrypted and
// is counted as "unsupported cipher").
const SuiteInfo* suite_info(uint16_t id);

// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
bool hkdf_expand_label(const char* digest, std::span<const uint8_t> secret, std::string_view label,
                       std::span<uint8_t> out);
// The TLS 1.2 PRF (RFC 5246 §5) with its label and the concatenated seeds.
bool tls12_prf(const char* digest, std::span<const uint8_t> secret, std::string_view label,
               std::span<const uint8_t> seed1, std::span<const uint8_t> seed2, std::span<uint8_t> out);

// One direction's record protection state.
class RecordCipher {
 public:
  RecordCipher() = default;
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;
  ~RecordCipher();

  // TLS 1.3 traffic keys from a traffic secret (sequence number restarts at 0).
  bool init_tls13(const SuiteInfo& suite, std::span<const uint8_t> secret);
  // KeyUpdate: the next generation of this direction's traffic secret.
  bool update_tls13();
  // TLS 1.2 keys from the key block (sequence number restarts at 0).
  bool init_tls12(const SuiteInfo& suite, std::span<const uint8_t> key, std::span<const uint8_t> iv,
                  std::span<const uint8_t> mac_key, bool encrypt_then_mac);

  enum class Result : uint8_t { Ok, BadRecord, BadTag };
  // Decrypts one whole record (5-byte header included) into `out` (the
  // plaintext; TLS 1.3: without the inner type and padding). `inner_type` is
  // the record's real content type. The sequence number advances whether or
  // not the record authenticates: a corrupt record does not desynchronise
  // the ones after it.
  Result decrypt(std::span<const uint8_t> record, std::vector<uint8_t>& out, uint8_t& inner_type);

  bool ready() const { return ctx_ != nullptr; }
  uint64_t seq() const { return seq_; }
  uint32_t generation() const { return generation_; }

 private:
  bool setup_cipher();
  Result decrypt_aead(std::span<const uint8_t> rec, std::vector<uint8_t>& out, uint8_t& inner_type);
  Result decrypt_cbc(std::span<const uint8_t> rec, std::vector<uint8_t>& out, uint8_t& inner_type);
  bool hmac(std::span<const uint8_t> a, std::span<const uint8_t> b, uint8_t* out);

  const SuiteInfo* suite_ = nullptr;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  EVP_MAC_CTX* mac_ctx_ = nullptr;  // CBC: HMAC keyed once, re-initialised per record
  uint8_t key_[32] = {}, iv_[16] = {}, mac_key_[48] = {};
  uint8_t secret_[64] = {};
  uint8_t secret_len_ = 0;
  uint8_t iv_len_ = 0;
  bool etm_ = false;
  uint64_t seq_ = 0;
  uint32_t generation_ = 0;
};

}  // namespace mqsniff::tls
