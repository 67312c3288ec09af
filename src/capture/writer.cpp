#include "src/capture/writer.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <ctime>
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

namespace {
// LINKTYPE_ value stored in a file for a libpcap DLT_ value.
int file_linktype(int dlt) { return dlt == 12 || dlt == 14 ? 101 : dlt; }
}  // namespace

PacketWriter::PacketWriter(const std::string& path, Format fmt, int linktype, uint32_t snaplen,
                           const std::string& ifname, const std::vector<Interface>& ifaces)
    : linktype_(linktype), snaplen_(snaplen), fmt_(fmt) {
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
  if (ifaces.empty()) {
    add_interface(linktype, ifname, {});
    ifmap_.push_back({0, 0, 0});
  }
  for (const Interface& i : ifaces) {
    ifmap_.push_back({i.section, i.id, next_if_});
    add_interface(file_linktype(i.linktype), i.name, i.description);
  }
}

void PacketWriter::add_interface(int linktype, std::string_view name, std::string_view description) {
  std::vector<uint8_t> idb;
  le16(idb, static_cast<uint16_t>(linktype));
  le16(idb, 0);
  le32(idb, snaplen_);
  if (!name.empty()) option(idb, 2, name.data(), std::min<size_t>(name.size(), 0xffff));  // if_name
  if (!description.empty()) option(idb, 3, description.data(), std::min<size_t>(description.size(), 0xffff));
  uint8_t tsresol = 9;
  option(idb, 9, &tsresol, 1);  // if_tsresol: nanoseconds
  le32(idb, 0);
  auto b = block(1, idb);
  put(b.data(), b.size());
  ++next_if_;
}

PacketWriter::~PacketWriter() {
  if (f_) std::fflush(f_);
  if (own_ && f_) std::fclose(f_);
}

void PacketWriter::put(const void* p, size_t n) {
  if (failed_) return;
  if (std::fwrite(p, 1, n, f_) != n) failed_ = true;
  bytes_ += n;
}

namespace {
double wall_now() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}
}  // namespace

FileSet::FileSet(const std::string& path, PacketWriter::Format fmt, int linktype, uint32_t snaplen, std::string ifname,
                 const FileSetSpec& spec, std::vector<Interface> ifaces)
    : path_(path), ifname_(std::move(ifname)), fmt_(fmt), linktype_(linktype), snaplen_(snaplen), spec_(spec),
      ifaces_(std::move(ifaces)) {
  // out.pcapng -> out_00001_<time>.pcapng; the extension is kept as given.
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash + 1)) {
    prefix_ = path.substr(0, dot);
    ext_ = path.substr(dot);
  } else {
    prefix_ = path;
  }
  open_next();
}

bool FileSet::open_next() {
  if (spec_.stop_files && index_ >= spec_.stop_files) return false;  // -a files:N reached
  cur_.reset();  // the finished file is flushed and closed first
  ++index_;
  if (!spec_.multiple()) {
    name_ = path_;
  } else {
    char stamp[32];
    time_t now = time(nullptr);
    struct tm tmv;
    localtime_r(&now, &tmv);
    strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tmv);
    char num[16];
    std::snprintf(num, sizeof num, "_%05llu_", static_cast<unsigned long long>(index_ % 100000));
    name_ = prefix_ + num + stamp + ext_;
  }
  cur_ = std::make_unique<PacketWriter>(name_, fmt_, linktype_, snaplen_, ifname_, ifaces_);
  opened_ = wall_now();
  if (spec_.multiple() && spec_.files) {  // a ring: only the newest N files stay
    kept_.push_back(name_);
    while (kept_.size() > spec_.files) {
      std::remove(kept_.front().c_str());
      kept_.erase(kept_.begin());
    }
  }
  return true;
}

bool FileSet::due() const {
  if (!spec_.multiple() || !cur_) return false;  // time-based switches happen with no traffic too (dumpcap)
  if (spec_.packets && cur_->packets() >= spec_.packets) return true;
  if (spec_.filesize_kb && cur_->bytes() >= spec_.filesize_kb * 1000) return true;
  double now = wall_now();
  if (spec_.duration > 0 && now - opened_ >= spec_.duration) return true;
  if (spec_.interval > 0 && std::floor(now / spec_.interval) != std::floor(opened_ / spec_.interval)) return true;
  return false;
}

bool FileSet::tick() {
  if (due() && !open_next()) return false;
  return true;
}

bool FileSet::write(core::Timestamp ts, uint32_t len, const uint8_t* data, uint32_t caplen,
                    const std::vector<std::string>* comments, const PacketIface* iface) {
  if (!cur_) return false;
  if (spec_.stop_filesize_kb && cur_->bytes() >= spec_.stop_filesize_kb * 1000) return false;  // -a filesize
  if (due() && !open_next()) return false;
  if (!cur_->write(ts, len, data, caplen, comments, iface)) {
    mixed_ = true;
    return false;
  }
  return true;
}

bool PacketWriter::write(core::Timestamp ts, uint32_t len, const uint8_t* data, uint32_t caplen,
                         const std::vector<std::string>* comments, const PacketIface* iface) {
  if (fmt_ == Format::Pcap && iface && file_linktype(iface->linktype) != linktype_) return false;
  uint32_t out_if = 0;
  if (iface && fmt_ == Format::Pcapng) {
    auto it = std::find_if(ifmap_.begin(), ifmap_.end(),
                           [&](const Mapped& m) { return m.section == iface->section && m.id == iface->id; });
    if (it != ifmap_.end()) {
      out_if = it->out;
    } else {  // an interface described later in the input (or in a later section)
      out_if = next_if_;
      ifmap_.push_back({iface->section, iface->id, out_if});
      add_interface(file_linktype(iface->linktype), iface->name, iface->description);
    }
  }
  ++packets_;
  if (fmt_ == Format::Pcap) {
    uint32_t hdr[4] = {static_cast<uint32_t>(ts.sec), ts.nsec / 1000, caplen, len};
    put(hdr, sizeof hdr);  // written in host order, as the magic number says (little-endian hosts)
    put(data, caplen);
    return true;
  }
  uint64_t t = uint64_t(ts.sec) * 1000000000ull + ts.nsec;
  uint32_t pad = (4 - caplen % 4) % 4;
  // The packet's comments as opt_comment options, then opt_endofopt.
  std::vector<uint8_t> opts;
  if (comments)
    for (const std::string& c : *comments) {
      const size_t n = std::min<size_t>(c.size(), 0xffff);
      option(opts, 1, c.data(), n);
    }
  if (!opts.empty()) le32(opts, 0);
  uint32_t total = 32 + caplen + pad + static_cast<uint32_t>(opts.size());
  uint32_t h[7] = {6, total, out_if, static_cast<uint32_t>(t >> 32), static_cast<uint32_t>(t), caplen, len};
  put(h, sizeof h);
  put(data, caplen);
  static const uint8_t zeros[4] = {0, 0, 0, 0};
  put(zeros, pad);
  if (!opts.empty()) put(opts.data(), opts.size());
  put(&total, 4);
  return true;
}

}  // namespace mqsniff::capture
