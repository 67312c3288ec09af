// MQTT framing, kept apart from decoding (OASIS MQTT 3.1.1 §2.2, 5.0 §2.1):
//
//   byte 1      : packet type (4 bits) | flags (4 bits)
//   bytes 2..5  : Remaining Length, variable byte integer, at most 4 bytes
//                 (7 bits each, continuation bit 0x80; max 268,435,455)
//   then        : Remaining Length bytes (variable header + payload)
//
// frame_mqtt() only measures: it never reads past the span. A Remaining
// Length whose 4th byte still has the continuation bit is Bad (the
// specification's limit; tshark accepts up to 10 bytes - a deliberate
// difference). A length split across segments is NeedMore, not Bad.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace mqsniff::mqtt {

struct Frame {
  enum class Kind : uint8_t { Pdu, NeedMore, Bad } kind = Kind::NeedMore;
  size_t header_len = 0;     // fixed header: 1 + varint bytes
  uint32_t remaining = 0;    // Remaining Length
  size_t total() const { return header_len + remaining; }
};

inline Frame frame_mqtt(std::span<const uint8_t> b) {
  Frame f;
  if (b.size() < 2) return f;  // NeedMore
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (1 + i >= b.size()) return f;  // NeedMore: the varint continues in the next segment
    uint8_t byte = b[1 + i];
    value |= uint32_t(byte & 0x7f) << (7 * i);
    if (!(byte & 0x80)) {
      f.header_len = 2 + i;
      f.remaining = value;
      f.kind = b.size() >= f.total() ? Frame::Kind::Pdu : Frame::Kind::NeedMore;
      return f;
    }
  }
  f.kind = Frame::Kind::Bad;  // a 5th length byte
  return f;
}

}  // namespace mqsniff::mqtt
