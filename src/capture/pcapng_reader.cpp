#include "src/capture/pcapng_reader.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mqsniff::capture {

namespace {
constexpr uint32_t kShb = 0x0A0D0D0A, kIdb = 1, kPb = 2, kSpb = 3, kEpb = 6, kDsb = 10;
constexpr uint32_t kTlsKeyLog = 0x544c534b;  // a Decryption Secrets Block's type "TLSK"
constexpr size_t kChunk = 1u << 20;  // bytes asked of the stream at a time

// libpcap's DLT_ for a LINKTYPE_ where they differ on Linux.
int dlt_of(uint16_t linktype) { return linktype == 101 ? 12 : linktype; }

std::string num(uint64_t v) { return std::to_string(v); }

// The digits tshark shows a time with, for a resolution of 10^-d seconds:
// wiretap's precisions are seconds, 1/10, 1/100, ms, us and ns.
int precision_digits(int d) { return d >= 9 ? 9 : d >= 6 ? 6 : d >= 3 ? 3 : d; }
}  // namespace

PcapngReader::Iface::~Iface() {
  if (filter) pcap_freecode(filter.get());
}

PcapngReader::PcapngReader(FILE* f, bool read_ahead) : f_(f) {
  if (read_ahead) {
    ra_ = std::make_unique<ReadAhead>([f](uint8_t* dst, size_t n) -> ssize_t {
      const size_t got = std::fread(dst, 1, n, f);
      return got ? static_cast<ssize_t>(got) : std::ferror(f) ? -1 : 0;
    });
    buf_ = ReadAhead::make_buffer();
    cap_ = ReadAhead::kBuffer;
    pos_ = len_ = ra_pos_ = ra_len_ = ReadAhead::kHead;
  } else {
    buf_.reset(new uint8_t[kChunk]);
    cap_ = kChunk;
  }
  data_ = buf_.get();
}

PcapngReader::~PcapngReader() {
  ra_.reset();  // stops the read-ahead thread before the stream closes
  if (f_) std::fclose(f_);
}

uint32_t PcapngReader::rd32(const uint8_t* p) const {
  return be_ ? uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]
             : uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}
uint16_t PcapngReader::rd16(const uint8_t* p) const {
  return static_cast<uint16_t>(be_ ? p[0] << 8 | p[1] : p[1] << 8 | p[0]);
}

bool PcapngReader::fill(size_t need) {
  if (len_ - pos_ >= need) return true;
  if (ra_) return fill_ahead(need);
  const size_t keep = len_ - pos_;
  if (need > cap_) {  // a block larger than the buffer (need <= kMaxBlock)
    std::unique_ptr<uint8_t[]> big(new uint8_t[need]);
    std::memcpy(big.get(), data_ + pos_, keep);
    buf_ = std::move(big);
    cap_ = need;
  } else {
    std::memmove(buf_.get(), data_ + pos_, keep);
  }
  data_ = buf_.get();
  pos_ = 0;
  len_ = keep;
  while (!eof_ && len_ < need) {
    const size_t n = std::fread(buf_.get() + len_, 1, cap_ - len_, f_);
    if (n == 0) {
      eof_ = true;
      break;
    }
    len_ += n;
    consumed_ += n;
  }
  return len_ >= need;
}

// With read-ahead: records are read where the helper thread put them (the
// chunk buffer buf_, [ra_pos_, ra_len_) not yet handed out when a large
// block is being read); a block larger than the room carried between
// chunks (ReadAhead::kHead) is put together in big_.
bool PcapngReader::fill_ahead(size_t need) {
  constexpr size_t kHead = ReadAhead::kHead;
  if (in_big_ && need <= kHead) {  // back in the chunk, what is left of big_ in front
    const size_t keep = len_ - pos_;
    if (keep > ra_pos_) return false;  // (cannot happen: ra_pos_ >= kHead > keep)
    std::memcpy(buf_.get() + ra_pos_ - keep, data_ + pos_, keep);
    data_ = buf_.get();
    pos_ = ra_pos_ - keep;
    len_ = ra_len_;
    in_big_ = false;
    big_.reset();
  }
  if (!in_big_ && need <= kHead) {
    while (!eof_ && len_ - pos_ < need) {
      const size_t keep = len_ - pos_;
      const ssize_t n = ra_->next(buf_, data_ + pos_, keep);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      data_ = buf_.get();
      pos_ = kHead - keep;
      len_ = ra_len_ = kHead + static_cast<size_t>(n);
      consumed_ += static_cast<size_t>(n);
    }
    return len_ - pos_ >= need;
  }
  // A large block: copied together in big_.
  const size_t keep = len_ - pos_;
  if (!in_big_ || need > big_cap_) {
    std::unique_ptr<uint8_t[]> big(new uint8_t[std::max(need, kHead)]);
    std::memcpy(big.get(), data_ + pos_, keep);
    big_ = std::move(big);
    big_cap_ = std::max(need, kHead);
  } else {
    std::memmove(big_.get(), data_ + pos_, keep);
  }
  if (!in_big_) ra_pos_ = ra_len_;  // the chunk's bytes were all carried into big_
  in_big_ = true;
  data_ = big_.get();
  pos_ = 0;
  len_ = keep;
  while (len_ < need) {
    if (ra_pos_ == ra_len_) {
      if (eof_) break;
      const ssize_t n = ra_->next(buf_, nullptr, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      ra_pos_ = kHead;
      ra_len_ = kHead + static_cast<size_t>(n);
      consumed_ += static_cast<size_t>(n);
    }
    const size_t k = std::min(need - len_, ra_len_ - ra_pos_);
    std::memcpy(big_.get() + len_, buf_.get() + ra_pos_, k);
    len_ += k;
    ra_pos_ += k;
  }
  return len_ >= need;
}

// One whole block: its type, and its body (between the length and the trailing length).
ReadStatus PcapngReader::read_block(uint32_t& type, const uint8_t*& body, size_t& body_len) {
  if (!ra_ && cap_ > kChunk && len_ - pos_ <= kChunk) {  // back to the ordinary buffer after a large block
    std::unique_ptr<uint8_t[]> small(new uint8_t[kChunk]);
    std::memcpy(small.get(), data_ + pos_, len_ - pos_);
    len_ -= pos_;
    pos_ = 0;
    buf_ = std::move(small);
    data_ = buf_.get();
    cap_ = kChunk;
  }
  if (!fill(8)) {
    if (len_ == pos_) return ReadStatus::End;
    error_ = "truncated block header";
    pos_ = len_;
    return ReadStatus::CutShort;
  }
  const uint8_t* h = data_ + pos_;
  uint32_t raw_type;
  std::memcpy(&raw_type, h, 4);
  if (raw_type == kShb || raw_type == __builtin_bswap32(kShb)) {  // a new section: its own byte order
    if (!fill(12)) {
      error_ = "truncated section header block";
      pos_ = len_;
      return ReadStatus::CutShort;
    }
    h = data_ + pos_;
    const uint32_t bom = uint32_t(h[8]) | uint32_t(h[9]) << 8 | uint32_t(h[10]) << 16 | uint32_t(h[11]) << 24;
    if (bom == 0x1A2B3C4D) be_ = false;
    else if (bom == 0x4D3C2B1A) be_ = true;
    else {
      error_ = "unknown byte-order magic number 0x" + [&] {
        char b[16];
        std::snprintf(b, sizeof b, "%08x", bom);
        return std::string(b);
      }();
      pos_ = len_;
      return ReadStatus::Error;
    }
  } else if (!sections_) {
    error_ = "the file does not begin with a Section Header Block";
    pos_ = len_;
    return ReadStatus::Error;
  }
  type = rd32(h);
  const uint32_t total = rd32(h + 4);
  if (total < 12) {
    error_ = "total block length " + num(total) + " of a block is too small (< 12)";
    pos_ = len_;
    return ReadStatus::Error;
  }
  if (total % 4) {
    error_ = "total block length " + num(total) + " is not a multiple of 4";
    pos_ = len_;
    return ReadStatus::Error;
  }
  if (total > kMaxBlock) {
    error_ = "total block length " + num(total) + " is too large (> " + num(kMaxBlock) + ")";
    pos_ = len_;
    return ReadStatus::Error;
  }
  if (!fill(total)) {
    error_ = "truncated block: " + num(total) + " bytes expected, " + num(len_ - pos_) + " read";
    pos_ = len_;
    return ReadStatus::CutShort;
  }
  h = data_ + pos_;
  if (rd32(h + total - 4) != total) {
    error_ = "block total length in header and trailer don't match";
    pos_ = len_;
    return ReadStatus::Error;
  }
  body = h + 8;
  body_len = total - 12;
  pos_ += total;
  return ReadStatus::Packet;
}

// Options of a block (code, length, value padded to 4 bytes), until opt_endofopt.
// For a packet block: its comments. For others the caller reads what it needs.
void PcapngReader::options(const uint8_t* p, size_t n, std::vector<std::string>* comments) {
  size_t o = 0;
  while (o + 4 <= n) {
    const uint16_t code = rd16(p + o), len = rd16(p + o + 2);
    if (code == 0 || o + 4 + len > n) break;
    if (code == 1 && comments) comments->emplace_back(reinterpret_cast<const char*>(p + o + 4), len);
    o += 4 + ((size_t{len} + 3) & ~size_t{3});
  }
}

bool PcapngReader::add_interface(const uint8_t* b, size_t n) {
  if (n < 8) {
    error_ = "total block length " + num(n + 12) + " of an IDB is too small (< 20)";
    return false;
  }
  if (ifaces_.size() >= kMaxInterfaces) {
    error_ = "more than " + num(kMaxInterfaces) + " interfaces";
    return false;
  }
  Iface& ifc = ifaces_.emplace_back();
  ifc.pub.linktype = dlt_of(rd16(b));
  ifc.pub.snaplen = rd32(b + 4);
  ifc.pub.section = section_;
  ifc.pub.id = static_cast<uint32_t>(ifaces_.size() - 1 - section_first_);
  size_t o = 8;
  while (o + 4 <= n) {
    const uint16_t code = rd16(b + o), len = rd16(b + o + 2);
    if (code == 0 || o + 4 + len > n) break;
    const uint8_t* v = b + o + 4;
    if (code == 2) ifc.pub.name.assign(reinterpret_cast<const char*>(v), len);
    else if (code == 3) ifc.pub.description.assign(reinterpret_cast<const char*>(v), len);
    else if (code == 9 && len >= 1) {  // if_tsresol
      const uint8_t r = v[0];
      if (r & 0x80) {
        const uint8_t s = r & 0x7f;
        if (s <= 63) {
          ifc.pow2 = true;
          ifc.shift = s;
          ifc.units = uint64_t{1} << s;
          ifc.pub.digits = precision_digits(s * 30103 / 100000);  // (2^-s is about 10^-(s log10 2))
        }
      } else if (r <= 19) {
        uint64_t u = 1;
        for (uint8_t i = 0; i < r; ++i) u *= 10;
        ifc.units = u;
        ifc.pub.digits = precision_digits(r);
      }
    } else if (code == 14 && len >= 8) {  // if_tsoffset, seconds
      uint64_t x = be_ ? uint64_t(rd32(v)) << 32 | rd32(v + 4) : uint64_t(rd32(v + 4)) << 32 | rd32(v);
      ifc.offset = static_cast<int64_t>(x);
    }
    o += 4 + ((size_t{len} + 3) & ~size_t{3});
  }
  if (!filter_text_.empty()) {  // a capture filter: compiled for this link type too
    pcap_t* dead = pcap_open_dead(ifc.pub.linktype, 262144);
    if (dead) {
      auto prog = std::make_unique<bpf_program>();
      if (pcap_compile(dead, prog.get(), filter_text_.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0) ifc.filter = std::move(prog);
      pcap_close(dead);
    }
  }
  return true;
}

bool PcapngReader::passes(Iface& ifc, const RawPacket& out) {
  if (filter_text_.empty()) return true;
  if (!ifc.filter) return false;  // the filter does not apply to this link type: no packet of it matches
  struct pcap_pkthdr h{};
  h.caplen = out.caplen;
  h.len = out.len;
  return pcap_offline_filter(ifc.filter.get(), &h, out.data) != 0;
}

void PcapngReader::set_filter(const std::string& bpf) {
  if (bpf.empty()) return;
  // Checked now against the first interface's link type (Ethernet when none is known yet).
  const Interface* first = first_interface();
  pcap_t* dead = pcap_open_dead(first ? first->linktype : DLT_EN10MB, 262144);
  if (!dead) throw std::runtime_error("out of memory");
  bpf_program prog;
  if (pcap_compile(dead, &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string e = pcap_geterr(dead);
    pcap_close(dead);
    throw std::runtime_error(e);
  }
  pcap_freecode(&prog);
  pcap_close(dead);
  filter_text_ = bpf;
  for (auto& ifc : ifaces_) {  // the interfaces read so far
    dead = pcap_open_dead(ifc.pub.linktype, 262144);
    if (!dead) continue;
    auto p = std::make_unique<bpf_program>();
    if (pcap_compile(dead, p.get(), bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0) ifc.filter = std::move(p);
    pcap_close(dead);
  }
}

const Interface* PcapngReader::first_interface() {
  if (!primed_) {  // every interface described before the first packet
    primed_ = true;
    held_rs_ = read(held_pkt_);
    held_ = true;
  }
  return ifaces_.empty() ? nullptr : &ifaces_.front().pub;
}

std::vector<Interface> PcapngReader::leading_interfaces() {
  first_interface();
  std::vector<Interface> v;
  for (const Iface& i : ifaces_)
    if (i.pub.section == 0) v.push_back(i.pub);
  return v;
}

ReadStatus PcapngReader::next(RawPacket& out) {
  if (held_) {
    held_ = false;
    out = held_pkt_;
    // (read before a capture filter was set)
    if (held_rs_ != ReadStatus::Packet || passes(ifaces_[held_index_], out)) return held_rs_;
  }
  return read(out);
}

ReadStatus PcapngReader::read(RawPacket& out) {
  for (;;) {
    uint32_t type;
    const uint8_t* b;
    size_t n;
    const ReadStatus rs = read_block(type, b, n);
    if (rs != ReadStatus::Packet) return rs;
    if (type == kShb) {
      if (n < 16) {
        error_ = "total block length " + num(n + 12) + " of an SHB is too small (< 28)";
        return ReadStatus::Error;
      }
      const uint16_t major = rd16(b + 4);
      if (major != 1) {
        error_ = "unknown SHB version " + num(major) + "." + num(rd16(b + 6));
        return ReadStatus::Error;
      }
      if (sections_) ++section_;
      sections_ = true;
      section_first_ = ifaces_.size();
      continue;
    }
    if (type == kIdb) {
      if (!add_interface(b, n)) return ReadStatus::Error;
      continue;
    }
    if (type == kDsb) {  // (editcap --inject-secrets): a TLS key log, given to the caller as read
      if (n >= 8 && rd32(b) == kTlsKeyLog && rd32(b + 4) <= n - 8)
        secrets_.emplace_back(reinterpret_cast<const char*>(b) + 8, rd32(b + 4));
      continue;
    }
    if (type != kEpb && type != kSpb && type != kPb) continue;  // name resolution, statistics, custom...
    const size_t count = ifaces_.size() - section_first_;
    uint32_t ifid = 0, caplen = 0, len = 0;
    uint64_t ticks = 0;
    size_t fixed = 0;
    if (type == kSpb) {
      if (n < 4) {
        error_ = "total block length " + num(n + 12) + " of an SPB is too small (< 16)";
        return ReadStatus::Error;
      }
      if (count == 0) {
        error_ = "interface index 0 is not less than section interface count 0";
        return ReadStatus::Error;
      }
      len = rd32(b);
      fixed = 4;
      caplen = static_cast<uint32_t>(std::min<size_t>(len, n - 4));
      const uint32_t snap = ifaces_[section_first_].pub.snaplen;
      if (snap && caplen > snap) caplen = snap;
    } else {
      if (n < 20) {
        error_ = "total block length " + num(n + 12) + " of " + (type == kEpb ? "an EPB" : "a PB") +
                 " is too small (< 32)";
        return ReadStatus::Error;
      }
      ifid = type == kEpb ? rd32(b) : rd16(b);
      ticks = uint64_t(rd32(b + 4)) << 32 | rd32(b + 8);
      caplen = rd32(b + 12);
      len = rd32(b + 16);
      fixed = 20;
      if (ifid >= count) {
        error_ = "interface index " + num(ifid) + " is not less than section interface count " + num(count);
        return ReadStatus::Error;
      }
      if (caplen > n - fixed) {
        error_ = "cap_len " + num(caplen) + " is larger than the data in the block (" + num(n - fixed) + ")";
        return ReadStatus::Error;
      }
    }
    if (caplen > kMaxPacket) {
      error_ = "cap_len " + num(caplen) + " is larger than " + num(kMaxPacket);
      return ReadStatus::Error;
    }
    Iface& ifc = ifaces_[section_first_ + ifid];
    held_index_ = section_first_ + ifid;
    out.iface = &ifc.pub;
    out.data = b + fixed;
    out.caplen = caplen;
    out.len = len;
    // Ticks of the interface's resolution since the epoch, plus if_tsoffset seconds.
    const uint64_t sec = ticks / ifc.units, frac = ticks % ifc.units;
    uint32_t ns;
    if (ifc.pow2)
      ns = static_cast<uint32_t>((static_cast<unsigned __int128>(frac) * 1000000000u) >> ifc.shift);
    else if (ifc.units >= 1000000000u)
      ns = static_cast<uint32_t>(frac / (ifc.units / 1000000000u));
    else
      ns = static_cast<uint32_t>(frac * (1000000000u / ifc.units));
    out.ts.sec = static_cast<int64_t>(sec) + ifc.offset;
    out.ts.nsec = ns;
    comments_.clear();
    if (type != kSpb) {
      const size_t opt = fixed + ((size_t{caplen} + 3) & ~size_t{3});
      if (opt < n) options(b + opt, n - opt, &comments_);
    }
    out.comments = comments_.empty() ? nullptr : &comments_;
    if (!passes(ifc, out)) continue;
    return ReadStatus::Packet;
  }
}

}  // namespace mqsniff::capture
