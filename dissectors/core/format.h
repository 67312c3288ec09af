// Text forms of addresses and numbers, as Wireshark prints them.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace mqsniff::core {

// Buffers must hold at least 16 (IPv4), 46 (IPv6), 18 (MAC) bytes.
size_t format_ipv4(char* out, uint32_t host_order);
size_t format_ipv6(char* out, const uint8_t* addr);
size_t format_ether(char* out, const uint8_t* mac, char sep = ':');

inline void append_uint(std::string& s, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}
inline void append_int(std::string& s, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}
// The value of one hex digit (either case), or -1.
constexpr int hex_digit_value(unsigned char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}
// "0x" + lowercase hex zero-padded to `digits`.
void append_hex(std::string& s, uint64_t v, unsigned digits);
// Lowercase contiguous hex of a byte string.
void append_hex_bytes(std::string& s, const uint8_t* p, size_t n, char sep = 0);
// The same into `o`, which has room for 3 * n bytes; returns the end.
char* write_hex_bytes(char* o, const uint8_t* p, size_t n, char sep);

// The C escape tshark writes for a control character ("\\n"), or nullptr.
inline const char* control_escape(unsigned char c) {
  switch (c) {
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\a': return "\\a";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\v': return "\\v";
    default: return nullptr;
  }
}

// Text as tshark's format_text shows it in a -V label: control characters
// escaped (\n, \t, \x01), Unicode format characters and separators as
// \uXXXX (a byte-order mark: \uFEFF), each byte of invalid UTF-8 a U+FFFD.
std::string label_text(std::string_view s);

}  // namespace mqsniff::core
