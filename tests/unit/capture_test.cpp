// The block reader of classic pcap files must hand out exactly what libpcap's
// reader hands out: same timestamps (scaled to ns), lengths and bytes, in both
// byte orders and both precisions, and the same verdict on a cut file.
#include <doctest/doctest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "src/capture/pcap_source.h"
#include "src/capture/pcapng_reader.h"

namespace {

using namespace mqsniff;

struct Rec {
  uint32_t sec, frac, caplen, len;
  std::vector<uint8_t> bytes;
};

void put32(std::vector<uint8_t>& o, uint32_t v, bool be) {
  for (int i = 0; i < 4; ++i) o.push_back(static_cast<uint8_t>(be ? v >> (24 - 8 * i) : v >> (8 * i)));
}
void put16(std::vector<uint8_t>& o, uint16_t v, bool be) {
  o.push_back(static_cast<uint8_t>(be ? v >> 8 : v));
  o.push_back(static_cast<uint8_t>(be ? v : v >> 8));
}

std::vector<uint8_t> pcap_file(const std::vector<Rec>& recs, bool be, bool nano, uint32_t snap = 262144) {
  std::vector<uint8_t> o;
  put32(o, nano ? 0xa1b23c4d : 0xa1b2c3d4, be);
  put16(o, 2, be);
  put16(o, 4, be);
  put32(o, 0, be);
  put32(o, 0, be);
  put32(o, snap, be);
  put32(o, 1, be);  // Ethernet
  for (const auto& r : recs) {
    put32(o, r.sec, be);
    put32(o, r.frac, be);
    put32(o, r.caplen, be);
    put32(o, r.len, be);
    o.insert(o.end(), r.bytes.begin(), r.bytes.end());
  }
  return o;
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::vector<uint8_t>& bytes) {
    char tmpl[] = "/tmp/mqsniff_capture_test_XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    close(fd);
    path = tmpl;
  }
  ~TempFile() { unlink(path.c_str()); }
};

struct Got {
  uint64_t sec, nsec;
  uint32_t caplen, len;
  std::vector<uint8_t> bytes;
  bool operator==(const Got& o) const {
    return sec == o.sec && nsec == o.nsec && caplen == o.caplen && len == o.len && bytes == o.bytes;
  }
};

std::vector<Got> read_ours(const std::string& path, capture::ReadStatus& end) {
  auto src = capture::PcapSource::open_file(path);
  std::vector<Got> out;
  capture::RawPacket raw;
  while ((end = src.next(raw)) == capture::ReadStatus::Packet)
    out.push_back({uint64_t(raw.ts.sec), raw.ts.nsec, raw.caplen, raw.len, {raw.data, raw.data + raw.caplen}});
  return out;
}

std::vector<Got> read_libpcap(const std::string& path, int& end) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
  REQUIRE(p != nullptr);
  std::vector<Got> out;
  struct pcap_pkthdr* h;
  const u_char* d;
  while ((end = pcap_next_ex(p, &h, &d)) == 1)
    out.push_back({uint64_t(h->ts.tv_sec), uint64_t(h->ts.tv_usec), h->caplen, h->len, {d, d + h->caplen}});
  pcap_close(p);
  return out;
}

std::vector<Rec> sample_records(size_t n) {
  std::vector<Rec> recs;
  for (size_t i = 0; i < n; ++i) {
    // Sizes from empty to larger than the reader's 1 MiB buffer's tail, so
    // records straddle refills.
    uint32_t size = static_cast<uint32_t>((i * 7919) % 70000 + (i % 5 == 0 ? 0 : 14));
    Rec r{static_cast<uint32_t>(1700000000 + i), static_cast<uint32_t>(i * 1234 % 1000000), size, size + 3, {}};
    for (uint32_t k = 0; k < size; ++k) r.bytes.push_back(static_cast<uint8_t>(k * 31 + i));
    recs.push_back(std::move(r));
  }
  return recs;
}

}  // namespace

TEST_CASE("capture: the block reader equals libpcap in both byte orders and precisions") {
  auto recs = sample_records(60);  // ~2 MiB: several buffer refills
  for (bool be : {false, true}) {
    for (bool nano : {false, true}) {
      CAPTURE(be);
      CAPTURE(nano);
      TempFile f(pcap_file(recs, be, nano));
      capture::ReadStatus end;
      int pend;
      auto ours = read_ours(f.path, end);
      auto ref = read_libpcap(f.path, pend);
      CHECK(end == capture::ReadStatus::End);
      CHECK(pend == PCAP_ERROR_BREAK);
      REQUIRE(ours.size() == recs.size());
      CHECK(ours == ref);
      CHECK(ours[1].nsec == (nano ? 1234u : 1234000u));
    }
  }
}

TEST_CASE("capture: a record longer than the snapshot length is cut to it, like libpcap") {
  auto recs = sample_records(3);
  TempFile f(pcap_file(recs, false, false, 100));
  capture::ReadStatus end;
  int pend;
  auto ours = read_ours(f.path, end);
  auto ref = read_libpcap(f.path, pend);
  REQUIRE(ours.size() == 3);
  CHECK(ours == ref);
  CHECK(ours[1].caplen == 100);
}

TEST_CASE("capture: a file cut inside a record header or inside the data is CutShort after the whole packets") {
  auto recs = sample_records(4);
  auto bytes = pcap_file(recs, false, true);
  size_t full = bytes.size();
  for (size_t cut : {full - recs[3].bytes.size() - 10, full - 5}) {
    CAPTURE(cut);
    std::vector<uint8_t> part(bytes.begin(), bytes.begin() + static_cast<long>(cut));
    TempFile f(part);
    capture::ReadStatus end;
    auto ours = read_ours(f.path, end);
    CHECK(ours.size() == 3);
    CHECK(end == capture::ReadStatus::CutShort);
  }
}

TEST_CASE("capture: an absurd captured length is an error, not an allocation") {
  Rec r{1, 2, 0x7fffffff, 0x7fffffff, {}};
  TempFile f(pcap_file({r}, false, false));
  capture::ReadStatus end;
  auto ours = read_ours(f.path, end);
  CHECK(ours.empty());
  CHECK(end == capture::ReadStatus::Error);
}

TEST_CASE("capture: a small file that grows after opening is read to its new end") {
  auto recs = sample_records(2);  // small: the buffer is sized to the file
  auto bytes = pcap_file({recs[0]}, false, false);
  TempFile f(bytes);
  auto src = capture::PcapSource::open_file(f.path);
  // Append a record far larger than the file was.
  Rec big{7, 8, 5000, 5000, std::vector<uint8_t>(5000, 0xab)};
  auto more = pcap_file({big}, false, false);
  FILE* fp = std::fopen(f.path.c_str(), "ab");
  REQUIRE(fp != nullptr);
  std::fwrite(more.data() + 24, 1, more.size() - 24, fp);  // records only, no second header
  std::fclose(fp);
  capture::RawPacket raw;
  REQUIRE(src.next(raw) == capture::ReadStatus::Packet);
  CHECK(raw.caplen == recs[0].caplen);
  REQUIRE(src.next(raw) == capture::ReadStatus::Packet);
  CHECK(raw.caplen == 5000);
  CHECK(raw.data[4999] == 0xab);
  CHECK(src.next(raw) == capture::ReadStatus::End);
}

TEST_CASE("capture: a large file read ahead on a second thread equals libpcap, and a cut one stops the same") {
  // Over 8 MiB: the block reader reads ahead on a helper thread, and records
  // cross the 1 MiB chunk boundaries many times.
  auto recs = sample_records(300);
  auto bytes = pcap_file(recs, false, true);
  REQUIRE(bytes.size() > (9u << 20));
  {
    TempFile f(bytes);
    capture::ReadStatus end;
    int pend;
    auto ours = read_ours(f.path, end);
    auto ref = read_libpcap(f.path, pend);
    CHECK(end == capture::ReadStatus::End);
    REQUIRE(ours.size() == recs.size());
    CHECK(ours == ref);
  }
  {
    std::vector<uint8_t> part(bytes.begin(), bytes.end() - 7);  // inside the last record's data
    TempFile f(part);
    capture::ReadStatus end;
    auto ours = read_ours(f.path, end);
    CHECK(ours.size() == recs.size() - 1);
    CHECK(end == capture::ReadStatus::CutShort);
  }
}

// ---------------------------------------------------------------- pcapng

// The pcapng reader over an in-memory file.
namespace {
struct NgRead {
  std::vector<std::string> comments;
  std::vector<uint8_t> bytes;
  capture::RawPacket raw;
  capture::Interface iface;  // (the reader's copy lives as long as the reader)
};
std::vector<NgRead> ng_read(const std::vector<uint8_t>& file, capture::ReadStatus* end = nullptr,
                            std::string* error = nullptr, const std::string& bpf = {}, bool read_ahead = false,
                            long* position = nullptr) {
  FILE* f = fmemopen(const_cast<uint8_t*>(file.data()), file.size(), "rb");
  REQUIRE(f);
  capture::PcapngReader r(f, read_ahead);
  if (!bpf.empty()) r.set_filter(bpf);
  std::vector<NgRead> out;
  capture::RawPacket raw;
  capture::ReadStatus rs;
  while ((rs = r.next(raw)) == capture::ReadStatus::Packet) {
    NgRead x;
    if (raw.comments) x.comments = *raw.comments;
    x.raw = raw;
    if (read_ahead) x.bytes.assign(raw.data, raw.data + raw.caplen);
    x.raw.data = nullptr;  // (valid only until the next read)
    REQUIRE(raw.iface);
    x.iface = *raw.iface;
    x.raw.iface = nullptr;
    out.push_back(x);
  }
  if (end) *end = rs;
  if (error) *error = r.error();
  if (position) *position = r.position();
  return out;
}

// A pcapng file built block by block.
struct Ng {
  bool be = false;
  std::vector<uint8_t> o;
  void block(uint32_t type, const std::vector<uint8_t>& body) {
    const uint32_t total = 12 + static_cast<uint32_t>(body.size());
    put32(o, type, be);
    put32(o, total, be);
    o.insert(o.end(), body.begin(), body.end());
    put32(o, total, be);
  }
  void shb() {
    std::vector<uint8_t> b;
    put32(b, 0x1a2b3c4d, be);
    put16(b, 1, be);
    put16(b, 0, be);
    put32(b, 0xffffffff, be);
    put32(b, 0xffffffff, be);
    o.insert(o.end(), {0x0a, 0x0d, 0x0d, 0x0a});  // the same bytes in both orders
    put32(o, 12 + static_cast<uint32_t>(b.size()), be);
    o.insert(o.end(), b.begin(), b.end());
    put32(o, 12 + static_cast<uint32_t>(b.size()), be);
  }
  static void option(std::vector<uint8_t>& b, uint16_t code, const std::string& v, bool be) {
    put16(b, code, be);
    put16(b, static_cast<uint16_t>(v.size()), be);
    b.insert(b.end(), v.begin(), v.end());
    b.insert(b.end(), (4 - v.size() % 4) % 4, 0);
  }
  void idb(uint16_t linktype, const std::string& name = {}, int tsresol = -1, int64_t tsoffset = 0) {
    std::vector<uint8_t> b;
    put16(b, linktype, be);
    put16(b, 0, be);
    put32(b, 65535, be);
    if (!name.empty()) option(b, 2, name, be);
    if (tsresol >= 0) option(b, 9, std::string(1, static_cast<char>(tsresol)), be);
    if (tsoffset) {
      std::vector<uint8_t> v;
      const uint64_t x = static_cast<uint64_t>(tsoffset);
      if (be) { put32(v, uint32_t(x >> 32), be); put32(v, uint32_t(x), be); }
      else { put32(v, uint32_t(x), be); put32(v, uint32_t(x >> 32), be); }
      option(b, 14, std::string(v.begin(), v.end()), be);
    }
    put32(b, 0, be);
    block(1, b);
  }
  void epb_data(uint32_t ifid, uint64_t ticks, const std::vector<uint8_t>& data,
                const std::vector<std::string>& comments = {}) {
    std::vector<uint8_t> b;
    put32(b, ifid, be);
    put32(b, uint32_t(ticks >> 32), be);
    put32(b, uint32_t(ticks), be);
    put32(b, static_cast<uint32_t>(data.size()), be);
    put32(b, static_cast<uint32_t>(data.size()) + 3, be);
    b.insert(b.end(), data.begin(), data.end());
    b.insert(b.end(), (4 - data.size() % 4) % 4, 0);
    for (const auto& c : comments) option(b, 1, c, be);
    if (!comments.empty()) put32(b, 0, be);
    block(6, b);
  }
  void epb(uint32_t ifid, uint64_t ticks, const std::vector<std::string>& comments = {}, uint32_t caplen = 5) {
    std::vector<uint8_t> b;
    put32(b, ifid, be);
    put32(b, uint32_t(ticks >> 32), be);
    put32(b, uint32_t(ticks), be);
    put32(b, caplen, be);
    put32(b, 5, be);
    for (uint8_t i = 1; i <= 5; ++i) b.push_back(i);
    b.insert(b.end(), 3, 0);
    for (const auto& c : comments) option(b, 1, c, be);
    if (!comments.empty()) put32(b, 0, be);
    block(6, b);
  }
  void spb() {
    std::vector<uint8_t> b;
    put32(b, 5, be);
    for (uint8_t i = 1; i <= 5; ++i) b.push_back(i);
    b.insert(b.end(), 3, 0);
    block(3, b);
  }
};
}  // namespace

TEST_CASE("capture: pcapng packet comments are read in both byte orders, a Simple Packet Block has none") {
  const std::vector<std::vector<std::string>> want = {{}, {"hello comment"}, {"a", "second one!"}, {}};
  for (bool be : {false, true}) {
    Ng g;
    g.be = be;
    g.shb();
    g.idb(1);
    for (size_t i = 0; i < want.size(); ++i) g.epb(0, i, want[i]);
    g.spb();
    const auto got = ng_read(g.o);
    REQUIRE(got.size() == want.size() + 1);
    for (size_t i = 0; i < want.size(); ++i) CHECK(got[i].comments == want[i]);
    CHECK(got.back().comments.empty());
    CHECK(got.back().raw.caplen == 5);
  }
}

TEST_CASE("capture: pcapng read ahead on a second thread equals the plain reader, large blocks and cuts too") {
  // Packets of every size up to the largest, blocks larger than the room
  // carried between chunks (long comments), one spanning three chunks, and a
  // large unknown block: read ahead, the same packets as read in place.
  Ng g;
  g.shb();
  g.idb(1, "eth0");
  std::mt19937 rng(7);
  for (uint32_t i = 0; i < 2500; ++i) {
    const size_t len = i % 97 == 0 ? 200000 + i : 40 + rng() % 1500;
    std::vector<uint8_t> data(len);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    std::vector<std::string> comments;
    if (i % 500 == 7) comments.push_back(std::string(700000 + i, 'c'));
    if (i == 1234) comments.push_back(std::string(2500000, 'd'));
    g.epb_data(0, i, data, comments);
    if (i == 2000) g.block(0x0BAD, std::vector<uint8_t>(3u << 20, 0x5a));
  }
  REQUIRE(g.o.size() > (12u << 20));
  auto same = [](const std::vector<NgRead>& a, const std::vector<NgRead>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].bytes != b[i].bytes || a[i].comments != b[i].comments || a[i].raw.ts.sec != b[i].raw.ts.sec ||
          a[i].raw.ts.nsec != b[i].raw.ts.nsec || a[i].raw.len != b[i].raw.len)
        return false;
    return true;
  };
  // (the plain reader's bytes: read through a second pass with read-ahead off)
  auto plain = [&](const std::vector<uint8_t>& file, capture::ReadStatus& rs, long& pos) {
    FILE* f = fmemopen(const_cast<uint8_t*>(file.data()), file.size(), "rb");
    capture::PcapngReader r(f, false);
    std::vector<NgRead> out;
    capture::RawPacket raw;
    while ((rs = r.next(raw)) == capture::ReadStatus::Packet) {
      NgRead x;
      if (raw.comments) x.comments = *raw.comments;
      x.bytes.assign(raw.data, raw.data + raw.caplen);
      x.raw = raw;
      out.push_back(std::move(x));
    }
    pos = r.position();
    return out;
  };
  capture::ReadStatus rs_a, rs_p;
  long pos_a = 0, pos_p = 0;
  const auto ahead = ng_read(g.o, &rs_a, nullptr, {}, true, &pos_a);
  const auto ref = plain(g.o, rs_p, pos_p);
  CHECK(ref.size() == 2500);
  CHECK(rs_a == capture::ReadStatus::End);
  CHECK(rs_p == capture::ReadStatus::End);
  CHECK(same(ahead, ref));
  CHECK(pos_a == static_cast<long>(g.o.size()));
  CHECK(pos_p == pos_a);
  // Cut anywhere (inside a header, a small packet, a large block): the same packets, the same ending.
  for (size_t cut : {g.o.size() - 7, g.o.size() / 2 + 3, size_t(3u << 20) + 1, size_t(1u << 20) + 5, size_t(400000)}) {
    std::vector<uint8_t> part(g.o.begin(), g.o.begin() + static_cast<long>(cut));
    const auto a = ng_read(part, &rs_a, nullptr, {}, true, &pos_a);
    const auto p = plain(part, rs_p, pos_p);
    CHECK(same(a, p));
    CHECK(rs_a == rs_p);
    CHECK(rs_a == capture::ReadStatus::CutShort);
  }
}

TEST_CASE("capture: pcapng interfaces of different link types, their ids per section, names and resolutions") {
  Ng g;
  g.shb();
  g.idb(1, "lo");                  // default resolution: microseconds
  g.idb(113, "any", 9);            // nanoseconds
  g.idb(101, "", 0x80 | 10, 100);  // 2^-10 s, 100 s of offset; LINKTYPE_RAW is libpcap's DLT_RAW
  g.epb(0, 1500000);               // 1.5 s
  g.epb(1, 2000000001);            // 2.000000001 s
  g.epb(2, 512);                   // 0.5 s + 100
  g.be = true;                     // a second section, in the other byte order: interface ids start again
  g.shb();
  g.idb(228, "tun0", 3);
  g.epb(0, 1234);                  // 1.234 s
  const auto got = ng_read(g.o);
  REQUIRE(got.size() == 4);
  CHECK(got[0].iface.linktype == 1);
  CHECK(got[0].iface.name == "lo");
  CHECK(got[0].iface.digits == 6);
  CHECK(got[0].raw.ts.sec == 1);
  CHECK(got[0].raw.ts.nsec == 500000000u);
  CHECK(got[1].iface.linktype == 113);
  CHECK(got[1].iface.id == 1);
  CHECK(got[1].iface.digits == 9);
  CHECK(got[1].raw.ts.sec == 2);
  CHECK(got[1].raw.ts.nsec == 1u);
  CHECK(got[2].iface.linktype == 12);
  CHECK(got[2].iface.id == 2);
  CHECK(got[2].raw.ts.sec == 100);
  CHECK(got[2].raw.ts.nsec == 500000000u);
  CHECK(got[3].iface.section == 1);
  CHECK(got[3].iface.id == 0);
  CHECK(got[3].iface.linktype == 228);
  CHECK(got[3].raw.ts.sec == 1);
  CHECK(got[3].raw.ts.nsec == 234000000u);
}

TEST_CASE("capture: pcapng times show the digits of their interface's resolution, as wiretap's precisions") {
  // if_tsresol -> digits (tshark 4.0 on the same file): 10^-r falls to s, ds, cs, ms, us or ns;
  // 2^-e as 10^-(e log10 2) does.
  const std::vector<std::pair<int, int>> want = {{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 3}, {5, 3}, {6, 6}, {7, 6},
                                                 {8, 6}, {9, 9}, {12, 9}, {0x80 | 3, 0}, {0x80 | 4, 1},
                                                 {0x80 | 7, 2}, {0x80 | 10, 3}, {0x80 | 17, 3}, {0x80 | 20, 6},
                                                 {0x80 | 27, 6}, {0x80 | 30, 9}, {0x80 | 34, 9}};
  Ng g;
  g.shb();
  for (const auto& [r, d] : want) g.idb(1, "if", r);
  for (uint32_t i = 0; i < want.size(); ++i) g.epb(i, 1000 + i);
  const auto got = ng_read(g.o);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(want[i].first);
    CHECK(got[i].iface.digits == want[i].second);
  }
  CHECK(got[2].raw.ts.sec == 10);        // 1002 hundredths
  CHECK(got[2].raw.ts.nsec == 20000000u);
  CHECK(got[11].raw.ts.sec == 126);      // 1011 eighths
  CHECK(got[11].raw.ts.nsec == 375000000u);
}

TEST_CASE("capture: pcapng lies are errors with tshark's reasons, never reads past the block") {
  capture::ReadStatus rs;
  std::string err;
  {  // a packet of an interface that does not exist
    Ng g;
    g.shb();
    g.idb(1);
    g.epb(0, 1);
    g.epb(3, 2);
    CHECK(ng_read(g.o, &rs, &err).size() == 1);
    CHECK(rs == capture::ReadStatus::Error);
    CHECK(err == "interface index 3 is not less than section interface count 1");
  }
  {  // a captured length past the block
    Ng g;
    g.shb();
    g.idb(1);
    g.epb(0, 1, {}, 200);
    CHECK(ng_read(g.o, &rs, &err).empty());
    CHECK(rs == capture::ReadStatus::Error);
    CHECK(err.find("cap_len 200") == 0);
  }
  {  // block lengths: not a multiple of 4, too large, header and trailer differ
    for (uint32_t bad : {33u, 0x7fffff00u, 36u, 44u}) {
      Ng g;
      g.shb();
      g.idb(1);
      g.epb(0, 1);
      const size_t at = g.o.size() - 40 + 4;  // the EPB's total length (the block is 40 bytes long)
      g.o[at] = static_cast<uint8_t>(bad);
      g.o[at + 1] = static_cast<uint8_t>(bad >> 8);
      g.o[at + 2] = static_cast<uint8_t>(bad >> 16);
      g.o[at + 3] = static_cast<uint8_t>(bad >> 24);
      CHECK(ng_read(g.o, &rs, &err).empty());
      CHECK((rs == capture::ReadStatus::Error || rs == capture::ReadStatus::CutShort));
    }
  }
  {  // cut inside the last block: the whole packets, then cut short
    Ng g;
    g.shb();
    g.idb(1);
    g.epb(0, 1);
    g.epb(0, 2);
    g.o.resize(g.o.size() - 7);
    CHECK(ng_read(g.o, &rs, &err).size() == 1);
    CHECK(rs == capture::ReadStatus::CutShort);
  }
  {  // a comment's length past the block: no comment, the packet is read
    Ng g;
    g.shb();
    g.idb(1);
    g.epb(0, 1, {"long comment here"});
    g.o[g.o.size() - 4 - 4 - 20 - 2] = 200;
    const auto got = ng_read(g.o, &rs);
    REQUIRE(got.size() == 1);
    CHECK(got[0].comments.empty());
    CHECK(rs == capture::ReadStatus::End);
  }
}

TEST_CASE("capture: TLS secrets blocks are handed over where they stand, across chunks and large blocks") {
  for (bool be : {false, true})
    for (bool ahead : {false, true}) {
      CAPTURE(be);
      CAPTURE(ahead);
      Ng g;
      g.be = be;
      g.shb();
      g.idb(1);
      auto dsb = [&](const std::string& text) {
        std::vector<uint8_t> b;
        put32(b, 0x544c534b, be);  // TLSK
        put32(b, static_cast<uint32_t>(text.size()), be);
        b.insert(b.end(), text.begin(), text.end());
        b.insert(b.end(), (4 - text.size() % 4) % 4, 0);
        g.block(10, b);
      };
      dsb("CLIENT_RANDOM first");
      for (int i = 0; i < 40000; ++i) g.epb(0, static_cast<uint64_t>(i));  // 1.6 MB of packet blocks
      dsb("CLIENT_RANDOM middle");
      g.block(0x0BAD, std::vector<uint8_t>(3u << 20, 0));  // a block of 3 MiB
      {
        std::vector<uint8_t> b;  // secrets of another kind: not a TLS key log
        put32(b, 0x57474b4c, be);
        put32(b, 4, be);
        put32(b, 0, be);
        g.block(10, b);
      }
      dsb("CLIENT_RANDOM last");
      g.epb(0, 40000);
      dsb("CLIENT_RANDOM after the last packet");
      FILE* f = fmemopen(g.o.data(), g.o.size(), "rb");
      REQUIRE(f);
      capture::PcapngReader r(f, ahead);
      REQUIRE(r.first_interface());
      CHECK(r.take_secrets() == std::vector<std::string>{"CLIENT_RANDOM first"});
      CHECK_FALSE(r.has_secrets());
      capture::RawPacket raw;
      uint64_t n = 0;
      std::vector<std::pair<uint64_t, std::string>> seen;  // (packets read, secret)
      capture::ReadStatus rs;
      while ((rs = r.next(raw)) == capture::ReadStatus::Packet) {
        ++n;
        for (auto& t : r.take_secrets()) seen.emplace_back(n, t);
      }
      CHECK(rs == capture::ReadStatus::End);
      for (auto& t : r.take_secrets()) seen.emplace_back(n + 1, t);
      CHECK(n == 40001);
      CHECK(seen == std::vector<std::pair<uint64_t, std::string>>{{40001, "CLIENT_RANDOM middle"},
                                                                  {40001, "CLIENT_RANDOM last"},
                                                                  {40002, "CLIENT_RANDOM after the last packet"}});
    }
}

TEST_CASE("capture: a capture filter on pcapng applies to each interface's link type") {
  // Ethernet (lo) and raw IPv4: "ip" matches an IPv4 packet on both, not the other bytes.
  Ng g;
  g.shb();
  g.idb(1, "eth");
  g.idb(101, "raw");
  auto add = [&](uint32_t ifid, std::vector<uint8_t> bytes) {
    std::vector<uint8_t> b;
    put32(b, ifid, false);
    put32(b, 0, false);
    put32(b, 0, false);
    put32(b, static_cast<uint32_t>(bytes.size()), false);
    put32(b, static_cast<uint32_t>(bytes.size()), false);
    b.insert(b.end(), bytes.begin(), bytes.end());
    b.insert(b.end(), (4 - bytes.size() % 4) % 4, 0);
    g.block(6, b);
  };
  std::vector<uint8_t> ip(20, 0);
  ip[0] = 0x45;
  std::vector<uint8_t> eth(14, 0);
  eth[12] = 0x08;
  eth.insert(eth.end(), ip.begin(), ip.end());
  std::vector<uint8_t> arp(14, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  arp.resize(42, 0);
  add(0, eth);
  add(0, arp);
  add(1, ip);
  const auto got = ng_read(g.o, nullptr, nullptr, "ip");
  REQUIRE(got.size() == 2);
  CHECK(got[0].iface.name == "eth");
  CHECK(got[1].iface.name == "raw");
}

TEST_CASE("capture: comments of a pcapng file reach the packets read through PcapSource") {
  Ng g;
  g.shb();
  g.idb(1);
  g.epb(0, 1);
  g.epb(0, 2, {"hello comment"});
  g.epb(0, 3);
  const auto& bytes = g.o;
  char path[] = "/tmp/mqsniff_cmt_XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  close(fd);
  auto src = capture::PcapSource::open_file(path);
  capture::RawPacket raw;
  std::vector<std::string> seen;
  while (src.next(raw) == capture::ReadStatus::Packet)
    seen.push_back(raw.comments && !raw.comments->empty() ? raw.comments->front() : "-");
  CHECK(seen == std::vector<std::string>{"-", "hello comment", "-"});
  unlink(path);
}
