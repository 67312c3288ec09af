// The session side of TLS decryption: which keys protect which record.
//
//   TLS 1.2: ClientHello.random finds the master secret in the key log (or a
//     resumed session's, by session ID or ticket); the ServerHello gives the
//     suite and server random; each direction switches to its keys at its own
//     ChangeCipherSpec (RFC 5246 §7.1).
//   TLS 1.3: the ServerHello switches both directions to their handshake
//     traffic secrets; a direction's Finished switches it to its application
//     traffic secret; KeyUpdate moves it to the next one (RFC 8446 §7.2).
//     A HelloRetryRequest (its fixed random, §4.1.3) changes nothing: the
//     keys come with the second ServerHello.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "dissectors/tls/tls_dissect.h"

namespace mqsniff::tls {

void decrypt_client_hello(TlsSession& s, std::span<const uint8_t> random, std::span<const uint8_t> session_id,
                          std::span<const uint8_t> ticket);
void decrypt_server_hello(TlsSession& s, std::span<const uint8_t> random, std::span<const uint8_t> session_id,
                          bool etm);
// TLS 1.2 ChangeCipherSpec from direction `dir`.
void decrypt_change_cipher_spec(TlsSession& s, unsigned dir);
// TLS 1.2 NewSessionTicket: remember the master secret for a resumption by ticket.
void decrypt_session_ticket(TlsSession& s, std::span<const uint8_t> ticket);
// After a decrypted TLS 1.3 handshake message of direction `dir`: Finished
// and KeyUpdate change that direction's keys for the records that follow.
void decrypt_after_handshake(TlsSession& s, unsigned dir, uint8_t type);

enum class DecryptOutcome : uint8_t {
  NotEncrypted,  // nothing to do (plaintext record)
  Ok,            // `plain` holds the plaintext, `inner` the real content type
  BadTag,        // authentication failed: marked, not dissected
  NoKeys,        // encrypted, but no keys: shown as before
};
// Decrypts record `rec` of direction `dir` when its direction has keys.
DecryptOutcome decrypt_record(TlsSession& s, unsigned dir, std::span<const uint8_t> rec, uint8_t& inner);
// Why a session stayed encrypted (for tls.decrypt_missing), or null.
const char* missing_reason(const TlsSession& s);

}  // namespace mqsniff::tls
