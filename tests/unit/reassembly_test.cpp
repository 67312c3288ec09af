#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/tcp/reassembler.h"

using mqsniff::tcp::DirStream;
using mqsniff::tcp::ReassemblyLimits;
using mqsniff::tcp::ReassemblyStats;

namespace {
// A stream of real-shaped MQTT PUBLISH packets with varied sizes (1 B to 70 KB).
std::vector<uint8_t> make_stream(std::mt19937& rng, std::vector<std::vector<uint8_t>>& pdus, int n) {
  std::vector<uint8_t> s;
  for (int i = 0; i < n; ++i) {
    size_t plen = rng() % 4 == 0 ? rng() % 70000 : rng() % 200;
    std::vector<uint8_t> body = {0x00, 0x01, static_cast<uint8_t>('a' + i % 26)};
    for (size_t k = 0; k < plen; ++k) body.push_back(static_cast<uint8_t>(rng()));
    std::vector<uint8_t> p = {0x30};
    size_t len = body.size();
    do {
      uint8_t b = len % 128;
      len /= 128;
      p.push_back(static_cast<uint8_t>(b | (len ? 0x80 : 0)));
    } while (len);
    p.insert(p.end(), body.begin(), body.end());
    pdus.push_back(p);
    s.insert(s.end(), p.begin(), p.end());
  }
  return s;
}
struct Seg {
  uint32_t seq;
  std::vector<uint8_t> bytes;
};
}  // namespace

TEST_CASE("reassembly property: random segmentation, permutation and duplicates deliver the stream exactly") {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    std::vector<std::vector<uint8_t>> pdus;
    std::vector<uint8_t> stream = make_stream(rng, pdus, 30);
    const uint32_t isn = seed * 0x9e3779b9u;  // exercises sequence wraparound for some seeds
    std::vector<Seg> segs;
    for (size_t pos = 0; pos < stream.size();) {
      size_t n = 1 + rng() % 3000;
      n = std::min(n, stream.size() - pos);
      segs.push_back({static_cast<uint32_t>(isn + pos), {stream.begin() + static_cast<long>(pos),
                                                         stream.begin() + static_cast<long>(pos + n)}});
      pos += n;
    }
    // Local permutations (reordering within a window) and some duplicates,
    // with the first segment kept first so the stream start is known.
    for (size_t i = 1; i + 1 < segs.size(); ++i)
      if (rng() % 4 == 0) std::swap(segs[i], segs[i + 1 + rng() % std::min<size_t>(5, segs.size() - i - 1)]);
    std::vector<Seg> fed;
    for (auto& s : segs) {
      fed.push_back(s);
      if (rng() % 6 == 0) fed.push_back(s);  // exact duplicate
    }
    ReassemblyStats stats;
    ReassemblyLimits limits;
    std::vector<std::vector<uint8_t>> got;
    {
      DirStream ds(&stats, &limits);
      uint32_t frame = 0;
      for (auto& s : fed) {
        ds.feed(s.seq, s.bytes, ++frame, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false,
                [&](std::span<const uint8_t> p, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) {
                  got.emplace_back(p.begin(), p.end());
                });
      }
      CHECK(ds.buffered() == 0);
    }
    REQUIRE_MESSAGE(got.size() == pdus.size(), "seed " << seed);
    for (size_t i = 0; i < pdus.size(); ++i) CHECK_MESSAGE(got[i] == pdus[i], "seed " << seed << " pdu " << i);
    CHECK(stats.buffered == 0);
    CHECK(stats.gaps == 0);
  }
}

TEST_CASE("reassembly: a PDU larger than the per-direction cap is skipped, never buffered") {
  ReassemblyStats stats;
  ReassemblyLimits limits;
  limits.max_dir_bytes = 1000;
  DirStream ds(&stats, &limits);
  // PUBLISH announcing 100,000 bytes, then a normal PUBLISH after it.
  std::vector<uint8_t> head = {0x30, 0xa0, 0x8d, 0x06};  // remaining length 100000
  int pdus = 0;
  auto cb = [&](std::span<const uint8_t>, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) { ++pdus; };
  auto out = ds.feed(0, head, 1, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  CHECK(out.capped);
  CHECK(ds.buffered() == 0);
  std::vector<uint8_t> filler(100000, 'x');
  ds.feed(4, filler, 2, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  CHECK(pdus == 0);
  std::vector<uint8_t> next = {0x30, 0x04, 0x00, 0x01, 't', 'v'};
  ds.feed(100004, next, 3, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  CHECK(pdus == 1);
  CHECK(stats.bytes_skipped == 100004);  // the 4 header bytes and the 100000 announced ones
  CHECK(stats.peak <= 1000);
}

TEST_CASE("reassembly: the global cap bounds many flows with a hole near the start") {
  ReassemblyStats stats;
  ReassemblyLimits limits;
  limits.max_total_bytes = 64 * 1024;
  std::vector<std::unique_ptr<DirStream>> flows;
  std::vector<uint8_t> chunk(1400, 'y');
  auto cb = [](std::span<const uint8_t>, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) {};
  for (int f = 0; f < 200; ++f) {
    flows.push_back(std::make_unique<DirStream>(&stats, &limits));
    std::vector<uint8_t> start = {0x30, 0x7f};  // starts a PDU, then a hole
    flows.back()->feed(0, start, 1, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
    for (uint32_t k = 0; k < 20; ++k)  // megabytes beyond the hole
      flows.back()->feed(1000 + k * 1400, chunk, 2 + k, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start,
                         false, cb);
    CHECK(stats.buffered <= limits.max_total_bytes);
  }
  CHECK(stats.peak <= limits.max_total_bytes);
  CHECK(stats.cap_hits > 0);
  flows.clear();
  CHECK(stats.buffered == 0);  // eviction releases and counts what was held
  CHECK(stats.bytes_dropped > 0);
}

TEST_CASE("reassembly: a hole acknowledged by the peer is a gap; framing resumes at a plausible header") {
  ReassemblyStats stats;
  ReassemblyLimits limits;
  DirStream ds(&stats, &limits);
  std::vector<std::vector<uint8_t>> got;
  auto cb = [&](std::span<const uint8_t> p, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) { got.emplace_back(p.begin(), p.end()); };
  std::vector<uint8_t> a = {0x30, 0x0a, 0x00, 0x01, 't'};  // first half of a PUBLISH
  ds.feed(0, a, 1, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  std::vector<uint8_t> mid = {'m', 'i', 'd', 'd', 'l'};  // bytes after a hole, mid-PDU
  auto out = ds.feed(20, mid, 2, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, true, cb);
  CHECK(out.gap);
  CHECK(out.resync_dropped);
  CHECK(got.empty());
  std::vector<uint8_t> next = {0xc0, 0x00};  // PINGREQ: a plausible start
  ds.feed(25, next, 3, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == next);
  CHECK(stats.gaps == 1);
}

TEST_CASE("reassembly: a hole inside a PDU of known length: that PDU is lost, framing resumes where it ends") {
  ReassemblyStats stats;
  ReassemblyLimits limits;
  DirStream ds(&stats, &limits);
  std::vector<std::vector<uint8_t>> got;
  auto cb = [&](std::span<const uint8_t> p, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) { got.emplace_back(p.begin(), p.end()); };
  auto frame = &mqsniff::mqtt::frame_length;
  auto plausible = &mqsniff::mqtt::plausible_start;
  std::vector<uint8_t> a = {0x30, 0x0a, 0x00, 0x01, 't'};  // a 12-byte PUBLISH: its first 5 bytes
  ds.feed(0, a, 1, frame, plausible, false, cb);
  // Bytes 5..8 never captured; this segment holds the PUBLISH's last 4 bytes, then a PINGREQ.
  std::vector<uint8_t> b = {'a', 'b', 'c', 'd', 0xc0, 0x00};
  auto out = ds.feed(8, b, 2, frame, plausible, true, cb);
  CHECK(out.gap);
  CHECK(out.lost_head);
  CHECK_FALSE(out.resync_dropped);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == std::vector<uint8_t>{0xc0, 0x00});
  // A hole longer than what the PDU still needed: the next start is unknown, resynchronise.
  DirStream ds2(&stats, &limits);
  got.clear();
  ds2.feed(0, a, 1, frame, plausible, false, cb);
  std::vector<uint8_t> c = {'x', 'y', 0xc0, 0x00};
  auto out2 = ds2.feed(20, c, 2, frame, plausible, true, cb);
  CHECK(out2.gap);
  CHECK(out2.resync_dropped);
  CHECK(got.empty());
}

TEST_CASE("reassembly: retransmissions are delivered once; a differing out-of-order copy is flagged") {
  ReassemblyStats stats;
  ReassemblyLimits limits;
  DirStream ds(&stats, &limits);
  int n = 0;
  auto cb = [&](std::span<const uint8_t>, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) { ++n; };
  std::vector<uint8_t> p = {0xc0, 0x00, 0xd0, 0x00};
  ds.feed(0, {p.data(), 2}, 1, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  auto r = ds.feed(0, {p.data(), 2}, 2, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  CHECK(r.cls == DirStream::SegClass::Retransmission);
  CHECK(n == 1);
  std::vector<uint8_t> later = {0xe0, 0x00}, other = {0xe1, 0x00};
  ds.feed(4, later, 3, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  auto d = ds.feed(4, other, 4, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  CHECK(d.differs);
  ds.feed(2, {p.data() + 2, 2}, 5, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
  CHECK(n == 3);  // PINGRESP, then the held DISCONNECT (first copy wins)
}

TEST_CASE("reassembly: an in-order retransmission with other bytes is flagged only when comparison is on") {
  for (bool compare : {true, false}) {
    CAPTURE(compare);
    ReassemblyStats stats;
    ReassemblyLimits limits;
    limits.compare_retransmissions = compare;
    DirStream ds(&stats, &limits);
    int n = 0;
    auto cb = [&](std::span<const uint8_t>, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) { ++n; };
    std::vector<uint8_t> first = {0xc0, 0x00}, again = {0xd0, 0x00};
    ds.feed(0, first, 1, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
    auto r = ds.feed(0, again, 2, &mqsniff::mqtt::frame_length, &mqsniff::mqtt::plausible_start, false, cb);
    CHECK(r.cls == DirStream::SegClass::Retransmission);
    CHECK(r.differs == compare);
    CHECK(n == 1);  // delivered once either way
  }
}

TEST_CASE("reassembly: a retransmission compared with the tail never reads outside it, even half the sequence space away") {
  using mqsniff::tcp::DirStream;
  mqsniff::tcp::ReassemblyStats stats;
  mqsniff::tcp::ReassemblyLimits limits;
  DirStream ds(&stats, &limits);
  ds.start_at(1);
  std::vector<uint8_t> seg(600, 0x30);
  auto framer = [](std::span<const uint8_t> b) {
    mqsniff::tcp::PduLen r;
    r.kind = b.empty() ? mqsniff::tcp::PduLen::Kind::NeedMore : mqsniff::tcp::PduLen::Kind::Pdu;
    r.total = static_cast<uint32_t>(b.size());
    r.total_known = true;
    return r;
  };
  auto plausible = [](std::span<const uint8_t>) { return true; };
  auto sink = [](std::span<const uint8_t>, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) {};
  // Before anything was delivered, and then around it: sequence numbers near
  // 2^31 away from the stream make the wrap-around comparisons ambiguous.
  for (uint32_t seq : {0x7fffff00u, 0x80000100u, 0xffffff00u, 1u, 0x7ffffe00u, 0x800001f0u}) {
    ds.feed(seq, seg, 1, framer, plausible, false, sink);
  }
  CHECK(ds.next() != 0);
}

#include <string>

#include "dissectors/http/http.h"

TEST_CASE("reassembly: an HTTP/1.0 body that runs until the close is one PDU at the FIN, within the caps") {
  ReassemblyStats stats;
  ReassemblyLimits limits;
  limits.max_dir_bytes = 4096;
  DirStream ds(&stats, &limits);
  const std::string head = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n";
  std::vector<uint8_t> a(head.begin(), head.end());
  std::vector<uint8_t> b(1000, 'x'), c(500, 'y');
  std::vector<size_t> sizes;
  std::vector<uint32_t> frames;
  auto cb = [&](std::span<const uint8_t> pdu, const std::vector<uint32_t>* fr, uint32_t, std::vector<uint8_t>*) {
    sizes.push_back(pdu.size());
    if (fr) frames = *fr;
  };
  ds.feed(1, a, 6, &mqsniff::http::pdu_length, &mqsniff::http::plausible, false, cb);
  ds.feed(1 + static_cast<uint32_t>(a.size()), b, 8, &mqsniff::http::pdu_length, &mqsniff::http::plausible, false, cb);
  ds.feed(1 + static_cast<uint32_t>(a.size() + b.size()), c, 10, &mqsniff::http::pdu_length, &mqsniff::http::plausible,
          false, cb);
  CHECK(sizes.empty());  // nothing until the server closes
  CHECK(ds.holds_until_close(&mqsniff::http::pdu_length));
  CHECK(ds.close(12, &mqsniff::http::pdu_length, cb));
  REQUIRE(sizes.size() == 1);
  CHECK(sizes[0] == a.size() + b.size() + c.size());
  CHECK(frames == std::vector<uint32_t>{6, 8, 10, 12});  // the FIN's frame is listed, with no data
  CHECK(ds.buffered() == 0);
  CHECK_FALSE(ds.close(13, &mqsniff::http::pdu_length, cb));  // a second FIN completes nothing
  // A body past the per-direction cap is dropped and counted, never held.
  DirStream big(&stats, &limits);
  big.feed(1, a, 1, &mqsniff::http::pdu_length, &mqsniff::http::plausible, false, cb);
  std::vector<uint8_t> huge(8192, 'z');
  auto out = big.feed(1 + static_cast<uint32_t>(a.size()), huge, 2, &mqsniff::http::pdu_length, &mqsniff::http::plausible,
                      false, cb);
  CHECK(out.capped);
  CHECK(big.buffered() <= limits.max_dir_bytes);
  CHECK(stats.peak <= limits.max_dir_bytes + a.size());
}
