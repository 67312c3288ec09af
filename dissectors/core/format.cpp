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

namespace {
// Format characters (Cf), line and paragraph separators, C1 controls: what
// GLib does not call printable among the code points met in practice.
bool invisible(uint32_t u) {
  return (u >= 0x80 && u <= 0x9f) || u == 0xad || (u >= 0x200b && u <= 0x200f) || (u >= 0x2028 && u <= 0x202e) ||
         (u >= 0x2060 && u <= 0x2064) || u == 0xfeff;
}
}  // namespace

std::string label_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  char b[12];
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (const char* e = control_escape(c)) {
        out += e;
      } else if (c < 0x20 || c == 0x7f) {
        snprintf(b, sizeof b, "\\x%02x", c);
        out += b;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    const size_t len = c >= 0xc2 && c <= 0xdf ? 2 : (c & 0xf0) == 0xe0 ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = (p[i + k] & 0xc0) == 0x80;
    if (ok && len == 3 && ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] >= 0xa0))) ok = false;
    if (ok && len == 4 && ((c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] >= 0x90))) ok = false;
    if (!ok) {
      out += "\xef\xbf\xbd";
      ++i;
      continue;
    }
    uint32_t u = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
    for (size_t k = 1; k < len; ++k) u = u << 6 | (p[i + k] & 0x3f);
    if (invisible(u)) {
      snprintf(b, sizeof b, "\\u%04X", static_cast<unsigned>(u));
      out += b;
    } else {
      out.append(s.data() + i, len);
    }
    i += len;
  }
  return out;
}

}  // namespace mqsniff::core
