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
#include <string>
#include <vector>

#include "src/capture/pcap_source.h"

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

// ---------------------------------------------------------------- pcapng comments
namespace {
std::vector<uint8_t> pcapng_with_comments(bool be, const std::vector<std::vector<std::string>>& per_packet,
                                          bool simple_second = false) {
  std::vector<uint8_t> o;
  auto block = [&](uint32_t type, const std::vector<uint8_t>& body) {
    const uint32_t total = 12 + static_cast<uint32_t>(body.size());
    put32(o, type, be);
    put32(o, total, be);
    o.insert(o.end(), body.begin(), body.end());
    put32(o, total, be);
  };
  std::vector<uint8_t> shb;
  put32(shb, 0x1a2b3c4d, be);
  put16(shb, 1, be);
  put16(shb, 0, be);
  put32(shb, 0xffffffff, be);
  put32(shb, 0xffffffff, be);
  o.insert(o.end(), {0x0a, 0x0d, 0x0d, 0x0a});  // the same bytes in both orders
  put32(o, 12 + static_cast<uint32_t>(shb.size()), be);
  o.insert(o.end(), shb.begin(), shb.end());
  put32(o, 12 + static_cast<uint32_t>(shb.size()), be);
  std::vector<uint8_t> idb;
  put16(idb, 1, be);
  put16(idb, 0, be);
  put32(idb, 65535, be);
  block(1, idb);
  for (size_t i = 0; i < per_packet.size(); ++i) {
    const std::vector<uint8_t> data = {1, 2, 3, 4, 5};
    std::vector<uint8_t> b;
    if (simple_second && i == 1) {
      put32(b, 5, be);
      b.insert(b.end(), data.begin(), data.end());
      b.insert(b.end(), 3, 0);
      block(3, b);
      continue;
    }
    put32(b, 0, be);
    put32(b, 0, be);
    put32(b, static_cast<uint32_t>(i), be);
    put32(b, 5, be);
    put32(b, 5, be);
    b.insert(b.end(), data.begin(), data.end());
    b.insert(b.end(), 3, 0);
    for (const auto& c : per_packet[i]) {
      put16(b, 1, be);
      put16(b, static_cast<uint16_t>(c.size()), be);
      b.insert(b.end(), c.begin(), c.end());
      b.insert(b.end(), (4 - c.size() % 4) % 4, 0);
    }
    if (!per_packet[i].empty()) {
      put16(b, 0, be);
      put16(b, 0, be);
    }
    block(6, b);
  }
  return o;
}
}  // namespace

TEST_CASE("capture: pcapng packet comments are found in both byte orders, whatever the read sizes") {
  const std::vector<std::vector<std::string>> want = {{}, {"hello comment"}, {"a", "second one!"}, {}};
  for (bool be : {false, true}) {
    const auto file = pcapng_with_comments(be, want);
    for (size_t chunk : {size_t{1}, size_t{3}, size_t{7}, size_t{4096}}) {
      capture::PcapngComments c;
      for (size_t i = 0; i < file.size(); i += chunk) c.feed(file.data() + i, std::min(chunk, file.size() - i));
      CHECK(c.queued() == want.size());
      for (const auto& w : want) CHECK(c.next_packet() == w);
      CHECK(c.next_packet().empty());  // nothing queued: no comments
    }
  }
  // A Simple Packet Block has no options: it still counts as a packet.
  const auto file = pcapng_with_comments(false, {{"x"}, {}, {"z"}}, true);
  capture::PcapngComments c;
  c.feed(file.data(), file.size());
  CHECK(c.next_packet() == std::vector<std::string>{"x"});
  CHECK(c.next_packet().empty());
  CHECK(c.next_packet() == std::vector<std::string>{"z"});
}

TEST_CASE("capture: pcapng comment scanning survives lies: lengths past the block, a broken block, disable") {
  auto file = pcapng_with_comments(false, {{"fine"}, {"long comment here"}});
  // The second packet's comment claims 200 bytes: ignored, the packet still counted.
  const std::string needle = "long comment here";
  auto at = std::search(file.begin(), file.end(), needle.begin(), needle.end());
  REQUIRE(at != file.end());
  const size_t len_off = static_cast<size_t>(at - file.begin()) - 2;
  file[len_off] = 200;
  capture::PcapngComments c;
  c.feed(file.data(), file.size());
  CHECK(c.next_packet() == std::vector<std::string>{"fine"});
  CHECK(c.next_packet().empty());
  // A block length below 12: scanning stops, nothing crashes.
  std::vector<uint8_t> junk = {6, 0, 0, 0, 4, 0, 0, 0, 9, 9, 9, 9};
  capture::PcapngComments d;
  d.feed(junk.data(), junk.size());
  d.feed(file.data(), file.size());
  CHECK(d.queued() == 0);
  capture::PcapngComments e;
  e.disable();
  e.feed(file.data(), file.size());
  CHECK(e.queued() == 0);
}

TEST_CASE("capture: comments of a pcapng file reach the packets read through PcapSource") {
  const auto bytes = pcapng_with_comments(false, {{}, {"hello comment"}, {}});
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
