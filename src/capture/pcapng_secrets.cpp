#include "src/capture/pcapng_secrets.h"

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
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return out;
  bool swap = false;
  uint8_t hdr[12];
  for (bool first = true;; first = false) {
    if (std::fread(hdr, 1, 8, f.get()) != 8) break;
    uint32_t type;
    std::memcpy(&type, hdr, 4);  // the SHB type reads the same in both byte orders
    if (type == kShb) {
      if (std::fread(hdr + 8, 1, 4, f.get()) != 4) break;
      uint32_t magic;
      std::memcpy(&magic, hdr + 8, 4);
      if (magic == 0x1A2B3C4D) swap = false;
      else if (magic == 0x4D3C2B1A) swap = true;
      else break;
      uint32_t len = u32(hdr + 4, swap);
      if (len < 28 || len % 4 || std::fseek(f.get(), static_cast<long>(len) - 12, SEEK_CUR) != 0) break;
      continue;
    }
    if (first) break;  // not a pcapng file
    type = u32(hdr, swap);
    uint32_t len = u32(hdr + 4, swap);
    if (len < 12 || len % 4) break;
    const uint32_t body = len - 12;
    if (type == kDsb && body >= 8 && body <= kMaxSecrets + 8) {
      std::string b(body, '\0');
      if (std::fread(b.data(), 1, body, f.get()) != body) break;
      const auto* p = reinterpret_cast<const uint8_t*>(b.data());
      uint32_t stype = u32(p, swap), slen = u32(p + 4, swap);
      if (stype == kTlsKeyLog && slen <= body - 8) out.emplace_back(b.data() + 8, slen);
      if (std::fseek(f.get(), 4, SEEK_CUR) != 0) break;  // trailing block length
      continue;
    }
    if (std::fseek(f.get(), static_cast<long>(len) - 8, SEEK_CUR) != 0) break;
  }
  return out;
}

}  // namespace mqsniff::capture
