#pragma once
#include <cstdint>
#include <span>

#include "dissectors/core/packet.h"
#include "dissectors/tcp/reassembler.h"

namespace mqsniff::tls {

// Per-conversation TLS state: the negotiated version (from the ServerHello's
// supported_versions, RFC 8446 §4.2.1) and, per direction, whether a
// ChangeCipherSpec has switched that direction to encrypted records (TLS 1.2).
struct TlsSession {
  uint16_t version = 0;  // negotiated, 0 until the ServerHello
  bool encrypted[2] = {false, false};
  uint8_t dir = 0;  // direction of the record being dissected (set by TCP)
};

// Record framer (RFC 8446 §5.1): 5-byte header, length at most 2^14 + 2048.
tcp::PduLen record_length(std::span<const uint8_t> b);
bool plausible_record(std::span<const uint8_t> b);
// Heuristic: does a stream start with a TLS ClientHello record?
bool looks_like_client_hello(std::span<const uint8_t> b);
// Dissects one whole record; `first` says it is the frame's first TLS record.
void dissect_record(core::Bytes rec, uint32_t base, core::Packet& pkt, TlsSession& s, bool first);

}  // namespace mqsniff::tls
