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
// "0x" + lowercase hex zero-padded to `digits`.
void append_hex(std::string& s, uint64_t v, unsigned digits);
// Lowercase contiguous hex of a byte string.
void append_hex_bytes(std::string& s, const uint8_t* p, size_t n, char sep = 0);
// The same into `o`, which has room for 3 * n bytes; returns the end.
char* write_hex_bytes(char* o, const uint8_t* p, size_t n, char sep);

}  // namespace mqsniff::core
