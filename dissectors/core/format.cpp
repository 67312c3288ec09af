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

void append_hex_bytes(std::string& s, const uint8_t* p, size_t n, char sep) {
  size_t start = s.size();
  s.resize(start + n * (sep ? 3 : 2) - (sep && n ? 1 : 0));
  char* o = s.data() + start;
  for (size_t i = 0; i < n; ++i) {
    if (sep && i) *o++ = sep;
    *o++ = kHex[p[i] >> 4];
    *o++ = kHex[p[i] & 15];
  }
}

}  // namespace mqsniff::core
