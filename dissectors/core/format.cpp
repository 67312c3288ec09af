#include "dissectors/core/format.h"

#include <arpa/inet.h>

#include <cstring>

namespace mqsniff::core {

static const char kHex[] = "0123456789abcdef";

size_t format_ipv4(char* out, uint32_t a) {
  char* p = out;
  for (int i = 3; i >= 0; --i) {
    unsigned b = (a >> (i * 8)) & 0xff;
    auto r = std::to_chars(p, p + 3, b);
    p = r.ptr;
    if (i) *p++ = '.';
  }
  *p = '\0';
  return static_cast<size_t>(p - out);
}

size_t format_ipv6(char* out, const uint8_t* addr) {
  // glibc's inet_ntop follows RFC 5952 (longest zero run, lowercase), as Wireshark does.
  if (!inet_ntop(AF_INET6, addr, out, 46)) {
    out[0] = '\0';
    return 0;
  }
  return std::strlen(out);
}

size_t format_ether(char* out, const uint8_t* mac, char sep) {
  char* p = out;
  for (int i = 0; i < 6; ++i) {
    *p++ = kHex[mac[i] >> 4];
    *p++ = kHex[mac[i] & 15];
    if (i < 5) *p++ = sep;
  }
  *p = '\0';
  return 17;
}

void append_hex(std::string& s, uint64_t v, unsigned digits) {
  char buf[20];
  unsigned n = 0;
  do {
    buf[n++] = kHex[v & 15];
    v >>= 4;
  } while (v && n < 16);
  s += "0x";
  for (unsigned i = n; i < digits; ++i) s += '0';
  while (n) s += buf[--n];
}

namespace {
// "00".."ff": two characters per byte value, looked up instead of computed.
struct HexPairs {
  char c[512];
  constexpr HexPairs() : c{} {
    for (int i = 0; i < 256; ++i) {
      c[2 * i] = "0123456789abcdef"[i >> 4];
      c[2 * i + 1] = "0123456789abcdef"[i & 15];
    }
  }
};
constexpr HexPairs kHexPairs;
}  // namespace

char* write_hex_bytes(char* o, const uint8_t* p, size_t n, char sep) {
  if (n == 0) return o;
  if (!sep) {
    for (size_t i = 0; i < n; ++i, o += 2) std::memcpy(o, &kHexPairs.c[2 * p[i]], 2);
    return o;
  }
  for (size_t i = 0; i < n; ++i, o += 3) {
    std::memcpy(o, &kHexPairs.c[2 * p[i]], 2);
    o[2] = sep;
  }
  return o - 1;  // no separator after the last byte
}

void append_hex_bytes(std::string& s, const uint8_t* p, size_t n, char sep) {
  if (n == 0) return;
  size_t start = s.size();
  s.resize(start + 3 * n);
  char* end = write_hex_bytes(s.data() + start, p, n, sep);
  s.resize(static_cast<size_t>(end - s.data()));
}

}  // namespace mqsniff::core
