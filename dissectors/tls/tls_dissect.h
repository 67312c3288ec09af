#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dissectors/core/packet.h"
#include "dissectors/tcp/reassembler.h"

namespace mqsniff::tls {

// Per-conversation TLS state: the negotiated version (from the ServerHello's
// supported_versions, RFC 8446 §4.2.1) and, per direction, whether a
// ChangeCipherSpec has switched that direction to encrypted records (TLS 1.2).
struct TlsSession {
  uint16_t version = 0;  // negotiated, 0 until the ServerHello
  uint16_t cipher = 0;   // the ServerHello's cipher suite
  bool encrypted[2] = {false, false};
  uint8_t dir = 0;         // direction of the record being dissected (set by TCP)
  uint8_t server_dir = 2;  // direction the ServerHello came from (2: not seen)
  // TLS 1.3: encrypted records seen from the client, and from the server
  // after the client's first one (to recognise an alert that ends the handshake).
  uint16_t client_enc = 0, server_enc_after_client = 0;
  // A handshake message continued in the next record (RFC 8446 §5.1 allows
  // fragmenting handshake messages across records), per direction.
  std::unique_ptr<std::vector<uint8_t>> hs_frag[2];
};
// The largest handshake message reassembled across records (a certificate chain).
constexpr size_t kMaxHandshakeMessage = 256 * 1024;

// Names of handshake message types and alert descriptions (RFC 8446, IANA), as tshark shows them.
const char* handshake_name(uint8_t type);
const char* alert_name(uint8_t desc);

// What JA4 (FoxIO) reads from a ClientHello, GREASE already left out.
struct Ja4Input {
  std::vector<uint16_t> ciphers, exts, sigalgs, versions;
  uint16_t hello_version = 0;
  bool sni = false;
  std::string alpn;  // the first ALPN value
  uint16_t ext_count = 0;
};
// JA4 and its raw form (JA4_r).
void ja4_fingerprint(const Ja4Input& in, std::string& ja4, std::string& ja4_r);

// Record framer (RFC 8446 §5.1): 5-byte header, length at most 2^14 + 2048.
tcp::PduLen record_length(std::span<const uint8_t> b);
bool plausible_record(std::span<const uint8_t> b);
// Heuristic: does a stream start with a TLS ClientHello record?
bool looks_like_client_hello(std::span<const uint8_t> b);
// Dissects one whole record; `first` says it is the frame's first TLS record.
void dissect_record(core::Bytes rec, uint32_t base, core::Packet& pkt, TlsSession& s, bool first);

}  // namespace mqsniff::tls
