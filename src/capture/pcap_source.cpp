#include "src/capture/pcap_source.h"


#include <poll.h>
#include <zlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <cstring>
#include <cstdlib>
#include <stdexcept>

namespace mqsniff::capture {

namespace {

constexpr size_t kBlock = 1u << 20;  // buffer of the block reader (a record is at most 256 KiB)
constexpr uint32_t kMaxRecord = 262144;  // libpcap's ceiling on a record for the link types we read
static_assert(ReadAhead::kHead >= kMaxRecord + 16, "a record and its header are carried between chunks");

// Whether a stream is worth reading ahead on a helper thread: a machine with
// a core to spare, and a large file (8 MiB and more), a pipe, or a gzip
// stream (inflated on the helper).
bool read_ahead_worth(FILE* f, bool gz) {
  if (std::thread::hardware_concurrency() < 2 || std::getenv("MQSNIFF_SINGLE_THREAD")) return false;
  if (gz) return true;
  struct stat st;
  if (fstat(fileno(f), &st) != 0) return false;
  return S_ISFIFO(st.st_mode) || (S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) >= 8 * kBlock);
}

// stdin cannot be rewound after we peek at its magic number, so a small
// cookie FILE replays the peeked bytes before reading on.
struct PeekCookie {
  FILE* under;
  unsigned char buf[4096];
  size_t n, pos;
};

ssize_t peek_read(void* c, char* out, size_t size) {
  auto* pc = static_cast<PeekCookie*>(c);
  size_t done = 0;
  while (pc->pos < pc->n && done < size) out[done++] = static_cast<char>(pc->buf[pc->pos++]);
  if (done < size) done += fread(out + done, 1, size - done, pc->under);
  return static_cast<ssize_t>(done);
}
int peek_close(void* c) {
  delete static_cast<PeekCookie*>(c);
  return 0;
}

// A gzip-compressed capture (x.pcap.gz, x.pcapng.gz), read decompressed as tshark does.
ssize_t gz_read(void* c, char* out, size_t size) {
  int n = gzread(static_cast<gzFile>(c), out, static_cast<unsigned>(std::min<size_t>(size, 1u << 30)));
  return n < 0 ? -1 : n;
}
int gz_close(void* c) { return gzclose(static_cast<gzFile>(c)) == Z_OK ? 0 : -1; }

uint32_t magic_le(const unsigned char* m) {
  return uint32_t(m[0]) | uint32_t(m[1]) << 8 | uint32_t(m[2]) << 16 | uint32_t(m[3]) << 24;
}

int digits_for_magic(const unsigned char* m) {
  uint32_t le = magic_le(m);
  uint32_t be = __builtin_bswap32(le);
  if (le == 0xa1b23c4d || be == 0xa1b23c4d) return 9;  // nanosecond pcap
  if (le == 0x0a0d0d0a) return 9;                      // pcapng: tshark shows nanoseconds
  return 6;
}

std::string quoted(const std::string& path) { return "\"" + path + "\""; }

// A packet libpcap handed over (opened with nanosecond precision).
ReadStatus packet_of(const struct pcap_pkthdr* h, const u_char* data, const Interface* iface, RawPacket& out) {
  out.comments = nullptr;
  out.iface = iface;
  out.ts.sec = h->ts.tv_sec;
  out.ts.nsec = static_cast<uint32_t>(h->ts.tv_usec);  // nanoseconds
  out.len = h->len;
  out.caplen = h->caplen;
  out.data = data;
  return ReadStatus::Packet;
}

}  // namespace

PcapSource::PcapSource(PcapSource&& o) noexcept
    : p_(o.p_), ng_(std::move(o.ng_)), file_(o.file_), gz_(o.gz_), fd_(o.fd_), linktype_(o.linktype_), digits_(o.digits_), pcapng_(o.pcapng_), ng_snaplen_(o.ng_snaplen_), live_(o.live_), live_if_(std::move(o.live_if_)), more_(std::move(o.more_)), rr_(o.rr_),
      name_(std::move(o.name_)), ifname_(std::move(o.ifname_)), ifdesc_(std::move(o.ifdesc_)), error_(std::move(o.error_)), blk_(std::move(o.blk_)),
      blk_cap_(o.blk_cap_), blk_len_(o.blk_len_), blk_pos_(o.blk_pos_), blk_file_pos_(o.blk_file_pos_), blk_eof_(o.blk_eof_),
      blk_swapped_(o.blk_swapped_), blk_usec_(o.blk_usec_), blk_snap_(o.blk_snap_) {
  o.p_ = nullptr;
  o.file_ = nullptr;
  o.gz_ = nullptr;
}

PcapSource::~PcapSource() {
  pf_.reset();  // stops the read-ahead thread before the file closes
  if (p_) pcap_close(p_);  // also closes the FILE handed to pcap_fopen_offline
}

PcapSource PcapSource::open_file(const std::string& path) {
  PcapSource s;
  s.name_ = path;
  FILE* f = nullptr;
  static thread_local unsigned char head[4096];
  unsigned char* magic = head;
  size_t got = 0;
  if (path == "-") {
    got = fread(head, 1, sizeof head, stdin);
    auto* c = new PeekCookie{stdin, {}, got, 0};
    std::memcpy(c->buf, head, got);
    cookie_io_functions_t fns{peek_read, nullptr, nullptr, peek_close};
    f = fopencookie(c, "r", fns);
    if (!f) {
      delete c;
      throw OpenError("Could not read from standard input.");
    }
  } else {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) throw OpenError("The file " + quoted(path) + " doesn't exist.");
      if (errno == EACCES)
        throw OpenError("The file " + quoted(path) +
                        " could not be opened: permission denied on a folder in its path.");
      throw OpenError("The file " + quoted(path) + " could not be opened: " + std::strerror(errno) + ".");
    }
    if (S_ISDIR(st.st_mode)) throw OpenError(quoted(path) + " is a directory (folder), not a file.");
    f = fopen(path.c_str(), "rb");
    if (!f) {
      if (errno == EACCES)
        throw OpenError("The file " + quoted(path) +
                        " could not be opened due to a permissions problem: you do not have permission to read "
                        "it (try sudo, or chmod the file).");
      throw OpenError("The file " + quoted(path) + " could not be opened: " + std::strerror(errno) + ".");
    }
    // Peek without stdio so the large buffer below takes effect (glibc keeps
    // the default 4-8 KiB buffer once the stream has been read).
    ssize_t n = pread(fileno(f), head, sizeof head, 0);
    got = n > 0 ? static_cast<size_t>(n) : 0;
    if (got >= 2 && head[0] == 0x1f && head[1] == 0x8b) {  // gzip: read through zlib
      fclose(f);
      gzFile gz = gzopen(path.c_str(), "rb");
      if (!gz) throw OpenError("The file " + quoted(path) + " could not be opened: " + std::strerror(errno) + ".");
      gzbuffer(gz, 1 << 18);
      int m = gzread(gz, head, sizeof head);
      got = m > 0 ? static_cast<size_t>(m) : 0;
      gzrewind(gz);
      cookie_io_functions_t fns{gz_read, nullptr, nullptr, gz_close};
      f = fopencookie(gz, "r", fns);
      if (!f) {
        gzclose(gz);
        throw OpenError("The file " + quoted(path) + " could not be opened.");
      }
      s.gz_ = gz;
    }
  }
  if (got < 4) {
    fclose(f);
    throw OpenError(path == "-" ? std::string("The standard input isn't a capture file in a format mqsniff understands.")
                                : "The file " + quoted(path) + " isn't a capture file in a format mqsniff understands.");
  }
  s.digits_ = digits_for_magic(magic);
  s.pcapng_ = magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a;
  if (s.pcapng_) {
    // Our own reader (interfaces of different link types, each packet's interface).
    setvbuf(f, nullptr, _IOFBF, 1 << 16);
    s.ng_ = std::make_unique<PcapngReader>(f, read_ahead_worth(f, s.gz_ != nullptr));
    const Interface* first = s.ng_->first_interface();
    if (!first) {
      RawPacket probe;
      const ReadStatus rs = s.ng_->next(probe);  // why there is none: an error, or a file without packets
      std::string what = path == "-" ? std::string("The standard input") : "The file " + quoted(path);
      if (rs == ReadStatus::CutShort) throw OpenError(what + " appears to have been cut short in the middle of a packet.");
      if (rs == ReadStatus::Error)
        throw OpenError(what + " appears to be damaged or corrupt.\n(pcapng: " + s.ng_->error() + ")");
    }
    s.linktype_ = first ? first->linktype : 1;
    s.ng_snaplen_ = first ? first->snaplen : 0;
    s.digits_ = first ? first->digits : 6;
    s.ifname_ = first && !first->name.empty() ? first->name : "unknown";  // tshark's word for an unnamed interface
    s.ifdesc_ = first ? first->description : std::string();
    return s;
  }
  setvbuf(f, nullptr, _IOFBF, 1 << 20);
  char err[PCAP_ERRBUF_SIZE] = {0};
  s.p_ = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, err);
  if (!s.p_) {
    fclose(f);
    std::string what = path == "-" ? std::string("The standard input") : "The file " + quoted(path);
    std::string e = err;
    if (e.find("unknown file format") != std::string::npos || e.find("bad dump file format") != std::string::npos)
      throw OpenError(what + " isn't a capture file in a format mqsniff understands.");
    if (e.find("truncated") != std::string::npos)
      throw OpenError(what + " appears to have been cut short in the middle of a packet.");
    throw OpenError(what + " appears to be damaged or corrupt.\n(pcap: " + e + ")");
  }
  s.file_ = f;
  s.linktype_ = pcap_datalink(s.p_);
  // Classic pcap from a file: read the records in blocks ourselves. libpcap
  // has read just the 24-byte file header (through an unused stdio buffer
  // whose position we take over with the descriptor).
  uint32_t m = magic_le(magic);
  bool classic = m == 0xa1b2c3d4 || m == 0xa1b23c4d || m == 0xd4c3b2a1 || m == 0x4d3cb2a1;
  struct stat fst;
  if (path != "-" && classic && fstat(fileno(f), &fst) == 0 && S_ISREG(fst.st_mode)) {  // pread needs a file
    // A small file needs no more buffer than its size: no record can be longer.
    s.blk_cap_ = std::min(kBlock, std::max<size_t>(static_cast<size_t>(fst.st_size), 64));
    s.blk_.reset(new uint8_t[s.blk_cap_]);
    s.blk_file_pos_ = 24;
    s.blk_swapped_ = m == 0xd4c3b2a1 || m == 0x4d3cb2a1;
    s.blk_usec_ = m == 0xa1b2c3d4 || m == 0xd4c3b2a1;
    s.blk_snap_ = static_cast<uint32_t>(pcap_snapshot(s.p_));
  }
  return s;
}

bool PcapSource::refill_prefetched(size_t need) {
  while (!blk_eof_ && blk_len_ - blk_pos_ < need) {
    // need <= kHead, so what is left of the current chunk fits in front.
    const size_t keep = blk_len_ - blk_pos_;
    const ssize_t n = pf_->next(blk_, blk_.get() + blk_pos_, keep);
    if (n <= 0) {
      blk_eof_ = true;
      break;
    }
    blk_pos_ = ReadAhead::kHead - keep;
    blk_len_ = ReadAhead::kHead + static_cast<size_t>(n);
    blk_cap_ = ReadAhead::kBuffer;
    blk_file_pos_ += static_cast<size_t>(n);
  }
  return blk_len_ - blk_pos_ >= need;
}

// Makes at least `need` bytes available at blk_pos_ unless the file ends first.
bool PcapSource::refill(size_t need) {
  if (blk_len_ - blk_pos_ >= need) return true;
  if (!pf_checked_) {
    // First read: a large file on a machine with a core to spare reads ahead.
    pf_checked_ = true;
    if (blk_len_ == 0 && read_ahead_worth(file_, false)) {
      const int fd = fileno(file_);
      pf_ = std::make_unique<ReadAhead>([fd, off = static_cast<off_t>(blk_file_pos_)](uint8_t* dst, size_t n) mutable {
        ssize_t got;
        do got = pread(fd, dst, n, off);
        while (got < 0 && errno == EINTR);
        if (got > 0) off += got;
        return got;
      });
      blk_ = ReadAhead::make_buffer();
      blk_pos_ = blk_len_ = ReadAhead::kHead;
    }
  }
  if (pf_) return refill_prefetched(need);
  size_t keep = blk_len_ - blk_pos_;
  if (need > blk_cap_ && blk_cap_ < kBlock) {
    // Sized for a small file that has grown since: take the full buffer.
    std::unique_ptr<uint8_t[]> big(new uint8_t[kBlock]);
    std::memcpy(big.get(), blk_.get() + blk_pos_, keep);
    blk_ = std::move(big);
    blk_cap_ = kBlock;
    blk_pos_ = 0;
    blk_len_ = keep;
  }
  std::memmove(blk_.get(), blk_.get() + blk_pos_, keep);
  blk_len_ = keep;
  blk_pos_ = 0;
  while (!blk_eof_ && blk_len_ < need) {
    ssize_t n = pread(fileno(file_), blk_.get() + blk_len_, blk_cap_ - blk_len_, static_cast<off_t>(blk_file_pos_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      blk_eof_ = true;
      break;
    }
    blk_len_ += static_cast<size_t>(n);
    blk_file_pos_ += static_cast<size_t>(n);
  }
  return blk_len_ >= need;
}

// libpcap's sf-pcap reader on our buffer: a 16-byte record header (seconds,
// micro- or nanoseconds, captured and original length in the file's byte
// order) then the captured bytes. Same limits and verdicts: a record cut short
// is CutShort, an absurd captured length is an error, one longer than the
// snapshot length is shortened to it.
ReadStatus PcapSource::next_block(RawPacket& out) {
  if (!refill(16)) {
    if (blk_len_ == blk_pos_) return ReadStatus::End;
    error_ = "truncated dump file; tried to read 16 header bytes, only got " + std::to_string(blk_len_ - blk_pos_);
    blk_pos_ = blk_len_;
    return ReadStatus::CutShort;
  }
  uint32_t h[4];
  std::memcpy(h, blk_.get() + blk_pos_, 16);
  if (blk_swapped_)
    for (auto& v : h) v = __builtin_bswap32(v);
  uint32_t caplen = h[2];
  if (caplen > kMaxRecord) {
    error_ = "invalid packet capture length " + std::to_string(caplen) + ", bigger than maximum of " +
             std::to_string(kMaxRecord);
    blk_pos_ = blk_len_;
    blk_eof_ = true;
    return ReadStatus::Error;
  }
  if (!refill(16 + size_t(caplen))) {
    error_ = "truncated dump file; tried to read " + std::to_string(caplen) + " captured bytes, only got " +
             std::to_string(blk_len_ - blk_pos_ - 16);
    blk_pos_ = blk_len_;
    return ReadStatus::CutShort;
  }
  out.ts.sec = h[0];
  out.ts.nsec = blk_usec_ ? h[1] * 1000u : h[1];
  out.len = h[3];
  out.caplen = blk_snap_ && caplen > blk_snap_ ? blk_snap_ : caplen;
  out.data = blk_.get() + blk_pos_ + 16;
  blk_pos_ += 16 + size_t(caplen);
  return ReadStatus::Packet;
}

PcapSource PcapSource::open_live(const std::string& iface, int snaplen, bool promisc, int buffer_mib) {
  PcapSource s;
  s.name_ = iface;
  s.ifname_ = iface;
  s.live_ = true;
  s.digits_ = 9;  // tshark captures through a pcapng file: nanosecond display
  char err[PCAP_ERRBUF_SIZE] = {0};
  s.p_ = pcap_create(iface.c_str(), err);
  if (!s.p_) throw OpenError("The capture session could not be initiated on interface '" + iface + "' (" + err + ").");
  pcap_set_snaplen(s.p_, snaplen > 0 ? snaplen : 262144);
  pcap_set_promisc(s.p_, promisc ? 1 : 0);
  // 16 MiB by default (tshark's dumpcap: 2 MiB). At 444k packets/s 2 MiB is
  // about 9 ms of traffic, and a process starting on a busy 2-core host takes
  // the CPU for longer than that (bench/live_churn.sh lost 4,742 packets in
  // 30 minutes); 16 MiB is about 75 ms. The ring is mapped once, so it is
  // part of the resident memory of a live capture.
  pcap_set_buffer_size(s.p_, (buffer_mib > 0 ? buffer_mib : kDefaultLiveBufferMib) << 20);
  // Not immediate mode: with TPACKET_V3 the kernel packs packets of any size
  // into the ring's blocks, so the ring holds thousands of packets
  // (immediate mode's fixed snaplen-sized slots hold a handful, and a
  // 330k packets/s replay then loses packets). A block is handed over when
  // full or after 100 ms, so output lags at most 100 ms; on stop the reader
  // drains the last block (see the read loop).
  pcap_set_timeout(s.p_, 100);
  pcap_set_immediate_mode(s.p_, 0);
  pcap_set_tstamp_precision(s.p_, PCAP_TSTAMP_PRECISION_NANO);
  int rc = pcap_activate(s.p_);
  if (rc < 0) {
    std::string e = pcap_geterr(s.p_);
    std::string msg;
    if (rc == PCAP_ERROR_PERM_DENIED) {
      msg = "You don't have permission to capture on interface '" + iface +
            "'.\nRun mqsniff as root (sudo). With the Debian package, members of the group mqsniff capture "
            "without root:\n    sudo usermod -aG mqsniff $USER    (then log in again)\n"
            "Without the package, give the binary the capture capabilities once:\n"
            "    sudo setcap cap_net_raw,cap_net_admin=eip $(command -v mqsniff)";
      throw OpenError(msg, true);
    } else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
      msg = "There is no interface named '" + iface + "'. Use -D to list the interfaces.";
    } else {
      msg = "The capture session could not be initiated on interface '" + iface + "' (" + e + ").";
    }
    throw OpenError(msg);
  }
  s.linktype_ = pcap_datalink(s.p_);
  s.live_if_.linktype = s.linktype_;
  s.live_if_.name = iface;
  s.live_if_.snaplen = static_cast<uint32_t>(pcap_snapshot(s.p_));
  s.live_if_.digits = 9;
  // Non-blocking reads plus our own poll(): in immediate mode libpcap may wait
  // forever for a packet, and -a duration and signals must be noticed.
  pcap_setnonblock(s.p_, 1, err);
  s.fd_ = pcap_get_selectable_fd(s.p_);
  return s;
}

PcapSource PcapSource::open_live_many(const std::vector<std::string>& ifaces, int snaplen, bool promisc,
                                      int buffer_mib) {
  PcapSource s = open_live(ifaces.at(0), snaplen, promisc, buffer_mib);
  for (size_t i = 1; i < ifaces.size(); ++i) {
    auto more = std::make_unique<PcapSource>(open_live(ifaces[i], snaplen, promisc, buffer_mib));
    more->live_if_.id = static_cast<uint32_t>(i);
    s.more_.push_back(std::move(more));
  }
  return s;
}

std::vector<Interface> PcapSource::interfaces() {
  if (ng_) return ng_->leading_interfaces();
  if (more_.empty()) return {};
  std::vector<Interface> v{live_if_};
  for (const auto& m : more_) v.push_back(m->live_if_);
  return v;
}

bool PcapSource::live_stats(uint64_t& received, uint64_t& dropped) const {
  received = dropped = 0;
  if (!live_ || !p_) return false;
  struct pcap_stat ps {};
  if (pcap_stats(p_, &ps) != 0) return false;
  received += ps.ps_recv;
  dropped += ps.ps_drop;
  for (const auto& m : more_) {
    uint64_t r = 0, d = 0;
    if (m->live_stats(r, d)) {
      received += r;
      dropped += d;
    }
  }
  return true;
}

void PcapSource::set_filter(const std::string& bpf) {
  if (bpf.empty()) return;
  for (auto& m : more_) m->set_filter(bpf);
  if (ng_) {
    try {
      ng_->set_filter(bpf);
    } catch (const std::exception& e) {
      throw OpenError("Invalid capture filter \"" + bpf + "\" for file.\n\nThat string isn't a valid capture filter (" +
                      e.what() + ").\nSee the User's Guide for a description of the capture filter syntax.");
    }
    return;
  }
  blk_.reset();  // libpcap's reader applies the filter (nothing was read in blocks yet)
  struct bpf_program prog;
  if (pcap_compile(p_, &prog, bpf.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    throw OpenError("Invalid capture filter \"" + bpf + "\" for " + (live_ ? "interface '" + name_ + "'" : "file") +
                    ".\n\nThat string isn't a valid capture filter (" + pcap_geterr(p_) + ").\n"
                    "See the User's Guide for a description of the capture filter syntax.");
  int rc = pcap_setfilter(p_, &prog);
  pcap_freecode(&prog);
  if (rc != 0) throw OpenError(std::string("Could not install the capture filter: ") + pcap_geterr(p_));
}

ReadStatus PcapSource::next(RawPacket& out) {
  if (blk_) return next_block(out);
  if (ng_) {
    const ReadStatus rs = ng_->next(out);
    if ((rs == ReadStatus::Error || rs == ReadStatus::CutShort) && gz_) {
      int zerr = Z_OK;
      gzerror(static_cast<gzFile>(gz_), &zerr);
      if (zerr == Z_BUF_ERROR || zerr == Z_DATA_ERROR) {
        error_ = "truncated gzip stream";
        return ReadStatus::CutShort;
      }
    }
    if (rs == ReadStatus::Error || rs == ReadStatus::CutShort) error_ = ng_->error();
    return rs;
  }
  if (live_) {
    if (more_.empty()) {
      for (;;) {
        const ReadStatus rs = read_live(out);
        if (rs != ReadStatus::Timeout) return rs;
        // Nothing buffered: wait up to 100 ms, then let the caller check its clock and signals.
        struct pollfd pfd = {fd_, POLLIN, 0};
        if (fd_ < 0 || ::poll(&pfd, 1, 100) <= 0) return ReadStatus::Timeout;
      }
    }
    // Several interfaces: the next buffered packet of any, taking them in
    // turn so that a busy one does not starve the others.
    const size_t n = more_.size() + 1;
    for (int round = 0; round < 2; ++round) {
      for (size_t j = 0; j < n; ++j) {
        const size_t k = (rr_ + j) % n;
        PcapSource& src = k == 0 ? *this : *more_[k - 1];
        const ReadStatus rs = src.read_live(out);
        if (rs == ReadStatus::Timeout) continue;
        rr_ = (k + 1) % n;
        if (rs != ReadStatus::Packet && k != 0) error_ = src.error_;
        return rs;
      }
      if (round) break;
      std::vector<struct pollfd> fds;
      fds.push_back({fd_, POLLIN, 0});
      for (const auto& m : more_) fds.push_back({m->fd_, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 100) <= 0) return ReadStatus::Timeout;
    }
    return ReadStatus::Timeout;
  }
  struct pcap_pkthdr* h;
  const u_char* data;
  for (;;) {
    int rc = pcap_next_ex(p_, &h, &data);
    if (rc == 1) return packet_of(h, data, nullptr, out);
    if (gz_) {  // a gzip stream that ends early: cut short, as tshark says
      int zerr = Z_OK;
      gzerror(static_cast<gzFile>(gz_), &zerr);
      if (zerr == Z_BUF_ERROR || zerr == Z_DATA_ERROR) {
        error_ = "truncated gzip stream";
        return ReadStatus::CutShort;
      }
    }
    if (rc == PCAP_ERROR_BREAK || rc == 0) return ReadStatus::End;
    error_ = pcap_geterr(p_);
    if (error_.find("truncated") != std::string::npos) return ReadStatus::CutShort;
    return ReadStatus::Error;
  }
}

ReadStatus PcapSource::read_live(RawPacket& out) {
  struct pcap_pkthdr* h;
  const u_char* data;
  const int rc = pcap_next_ex(p_, &h, &data);
  if (rc == 1) return packet_of(h, data, &live_if_, out);
  if (rc == 0) return ReadStatus::Timeout;
  if (rc == PCAP_ERROR_BREAK) return ReadStatus::End;
  error_ = pcap_geterr(p_);
  return ReadStatus::Error;
}

}  // namespace mqsniff::capture
