#include "src/capture/writer.h"

#include <cerrno>
#include <cstring>
#include <vector>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "record headers are written in host order");

namespace mqsniff::capture {

namespace {
void le16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x));
  v.push_back(static_cast<uint8_t>(x >> 8));
}
void le32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void pad4(std::vector<uint8_t>& v) {
  while (v.size() % 4) v.push_back(0);
}
// pcapng block: type, total length, body, total length (RFC draft pcapng §3.1).
std::vector<uint8_t> block(uint32_t type, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> b;
  le32(b, type);
  le32(b, static_cast<uint32_t>(12 + body.size()));
  b.insert(b.end(), body.begin(), body.end());
  le32(b, static_cast<uint32_t>(12 + body.size()));
  return b;
}
void option(std::vector<uint8_t>& v, uint16_t code, const void* data, size_t n) {
  le16(v, code);
  le16(v, static_cast<uint16_t>(n));
  const auto* p = static_cast<const uint8_t*>(data);
  v.insert(v.end(), p, p + n);
  pad4(v);
}
}  // namespace

PacketWriter::PacketWriter(const std::string& path, Format fmt, int linktype, uint32_t snaplen,
                           const std::string& ifname)
    : fmt_(fmt) {
  if (path == "-") {
    f_ = stdout;
  } else {
    f_ = std::fopen(path.c_str(), "wb");
    if (!f_)
      throw std::runtime_error("The file \"" + path + "\" could not be created: " + std::strerror(errno) + ".");
    own_ = true;
  }
  std::vector<uint8_t> h;
  if (fmt == Format::Pcap) {
    le32(h, 0xa1b2c3d4);  // microsecond libpcap
    le16(h, 2);
    le16(h, 4);
    le32(h, 0);
    le32(h, 0);
    le32(h, snaplen);
    le32(h, static_cast<uint32_t>(linktype));
    put(h.data(), h.size());
    return;
  }
  std::vector<uint8_t> shb;
  le32(shb, 0x1A2B3C4D);
  le16(shb, 1);
  le16(shb, 0);
  le32(shb, 0xffffffff);  // section length unknown
  le32(shb, 0xffffffff);
  const char app[] = "mqsniff";
  option(shb, 4, app, sizeof app - 1);  // shb_userappl
  le32(shb, 0);                         // opt_endofopt
  auto b = block(0x0A0D0D0A, shb);
  put(b.data(), b.size());
  std::vector<uint8_t> idb;
  le16(idb, static_cast<uint16_t>(linktype));
  le16(idb, 0);
  le32(idb, snaplen);
  if (!ifname.empty()) option(idb, 2, ifname.data(), ifname.size());  // if_name
  uint8_t tsresol = 9;
  option(idb, 9, &tsresol, 1);  // if_tsresol: nanoseconds
  le32(idb, 0);
  b = block(1, idb);
  put(b.data(), b.size());
}

PacketWriter::~PacketWriter() {
  if (f_) std::fflush(f_);
  if (own_ && f_) std::fclose(f_);
}

void PacketWriter::put(const void* p, size_t n) {
  if (failed_) return;
  if (std::fwrite(p, 1, n, f_) != n) failed_ = true;
}

void PacketWriter::write(core::Timestamp ts, uint32_t len, const uint8_t* data, uint32_t caplen) {
  ++packets_;
  if (fmt_ == Format::Pcap) {
    uint32_t hdr[4] = {static_cast<uint32_t>(ts.sec), ts.nsec / 1000, caplen, len};
    put(hdr, sizeof hdr);  // written in host order, as the magic number says (little-endian hosts)
    put(data, caplen);
    return;
  }
  uint64_t t = uint64_t(ts.sec) * 1000000000ull + ts.nsec;
  uint32_t pad = (4 - caplen % 4) % 4;
  uint32_t total = 32 + caplen + pad;
  uint32_t h[7] = {6, total, 0, static_cast<uint32_t>(t >> 32), static_cast<uint32_t>(t), caplen, len};
  put(h, sizeof h);
  put(data, caplen);
  static const uint8_t zeros[4] = {0, 0, 0, 0};
  put(zeros, pad);
  put(&total, 4);
}

}  // namespace mqsniff::capture
