#include <zlib.h>
#include "src/capture/pcapng_secrets.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

namespace mqsniff::capture {

namespace {
constexpr uint32_t kShb = 0x0A0D0D0A, kDsb = 0x0000000A, kTlsKeyLog = 0x544c534b;
constexpr uint32_t kMaxSecrets = 16u << 20;

uint32_t u32(const uint8_t* p, bool swap) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}
}  // namespace

std::vector<std::string> read_pcapng_tls_secrets(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty() || path == "-") return out;
  // zlib reads a plain file as it is, and a gzip-compressed one decompressed.
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), &gzclose);
  if (!f) return out;
  // Read through a 1 MiB buffer: a seek per block header (a million packet
  // blocks) costs a read and an lseek system call each.
  constexpr size_t kBuf = 1u << 20;
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kBuf]);
  size_t have = 0, at = 0;
  auto fill = [&]() {
    at = 0;
    const int n = gzread(f.get(), buf.get(), static_cast<unsigned>(kBuf));
    have = n > 0 ? static_cast<size_t>(n) : 0;
    return have > 0;
  };
  auto fread_ = [&](void* p, size_t n) {
    auto* o = static_cast<uint8_t*>(p);
    while (n) {
      if (at == have && !fill()) return false;
      const size_t k = std::min(n, have - at);
      std::memcpy(o, buf.get() + at, k);
      o += k;
      at += k;
      n -= k;
    }
    return true;
  };
  auto skip = [&](long n) {
    if (n < 0) return false;
    size_t left = static_cast<size_t>(n);
    const size_t here = std::min(left, have - at);
    at += here;
    left -= here;
    if (left > kBuf) {  // far: let zlib seek (a plain file: one lseek)
      if (gzseek(f.get(), static_cast<long>(left), SEEK_CUR) < 0) return false;
      have = at = 0;
      return true;
    }
    while (left) {
      if (!fill()) return false;
      const size_t k = std::min(left, have);
      at = k;
      left -= k;
    }
    return true;
  };
  bool swap = false;
  uint8_t hdr[12];
  for (bool first = true;; first = false) {
    if (!fread_(hdr, 8)) break;
    uint32_t type;
    std::memcpy(&type, hdr, 4);  // the SHB type reads the same in both byte orders
    if (type == kShb) {
      if (!fread_(hdr + 8, 4)) break;
      uint32_t magic;
      std::memcpy(&magic, hdr + 8, 4);
      if (magic == 0x1A2B3C4D) swap = false;
      else if (magic == 0x4D3C2B1A) swap = true;
      else break;
      uint32_t len = u32(hdr + 4, swap);
      if (len < 28 || len % 4 || !skip(static_cast<long>(len) - 12)) break;
      continue;
    }
    if (first) break;  // not a pcapng file
    type = u32(hdr, swap);
    uint32_t len = u32(hdr + 4, swap);
    if (len < 12 || len % 4) break;
    const uint32_t body = len - 12;
    if (type == kDsb && body >= 8 && body <= kMaxSecrets + 8) {
      std::string b(body, '\0');
      if (!fread_(b.data(), body)) break;
      const auto* p = reinterpret_cast<const uint8_t*>(b.data());
      uint32_t stype = u32(p, swap), slen = u32(p + 4, swap);
      if (stype == kTlsKeyLog && slen <= body - 8) out.emplace_back(b.data() + 8, slen);
      if (!skip(4)) break;  // trailing block length
      continue;
    }
    if (!skip(static_cast<long>(len) - 8)) break;
  }
  return out;
}

}  // namespace mqsniff::capture
