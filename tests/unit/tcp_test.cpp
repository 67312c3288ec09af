#include <doctest/doctest.h>

#include "dissectors/tcp/flow_table.h"
#include "helpers.h"

using namespace testutil;

namespace {
std::vector<uint8_t> seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint16_t flags,
                         std::vector<uint8_t> opts = {}, std::vector<uint8_t> payload = {}, uint16_t win = 512,
                         bool reverse = false) {
  TcpSpec s;
  if (reverse) std::swap(s.src, s.dst);
  s.sport = sport;
  s.dport = dport;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.options = std::move(opts);
  s.payload = std::move(payload);
  s.window = win;
  return eth(0x0800, ipv4_tcp(s));
}
const std::vector<uint8_t> kWs7 = {1, 3, 3, 7};
}  // namespace

TEST_CASE("tcp: relative sequence numbers and scaled window after a full handshake") {
  Harness h;
  h.run(seg(50000, 8090, 1000, 0, 0x02, kWs7));
  CHECK(h.field("tcp.seq") == "0");
  CHECK(h.field("tcp.ack") == "0");
  CHECK(h.field("tcp.stream") == "0");
  CHECK_FALSE(h.has("tcp.window_size_scalefactor"));
  h.run(seg(8090, 50000, 77777, 1001, 0x12, kWs7, {}, 512, true));
  CHECK(h.field("tcp.seq") == "0");
  CHECK(h.field("tcp.ack") == "1");
  h.run(seg(50000, 8090, 1001, 77778, 0x10));
  CHECK(h.field("tcp.window_size") == "65536");
  CHECK(h.field("tcp.window_size_scalefactor") == "128");
  h.run(seg(50000, 8090, 1001, 77778, 0x18, {}, {1, 2, 3}));
  CHECK(h.field("tcp.len") == "3");
  CHECK(h.field("tcp.nxtseq") == "4");
  CHECK(h.field("tcp.payload") == "010203");
  CHECK(h.field("frame.protocols") == "eth:ethertype:ip:tcp:data");
  CHECK(h.cols.info == "50000 \xe2\x86\x92 8090 [PSH, ACK] Seq=1 Ack=1 Win=65536 Len=3");
}

TEST_CASE("tcp: window not scaled when only one side offered scaling") {
  Harness h;
  h.run(seg(50000, 1883, 1000, 0, 0x02, kWs7));
  h.run(seg(1883, 50000, 5, 1001, 0x12, {}, {}, 512, true));
  h.run(seg(50000, 1883, 1001, 6, 0x10));
  CHECK(h.field("tcp.window_size") == "512");
  CHECK(h.field("tcp.window_size_scalefactor") == "-2");
}

TEST_CASE("tcp: capture started mid-stream shows Seq=1 and an unknown scale") {
  Harness h;
  h.run(seg(1883, 50000, 90000, 4000, 0x10, {}, {}, 512, true));
  CHECK(h.field("tcp.seq") == "1");
  CHECK(h.field("tcp.ack") == "1");
  CHECK(h.field("tcp.window_size_scalefactor") == "-1");
  h.run(seg(50000, 1883, 4000, 90000, 0x18, {}, {9}));
  CHECK(h.field("tcp.seq") == "1");
  CHECK(h.field("tcp.ack") == "1");
}

TEST_CASE("tcp: only the SYN/ACK captured: its sender's window is scaled by its own offer, the other's is not") {
  Harness h;
  h.run(seg(1883, 50000, 5, 1001, 0x12, kWs7, {}, 512, true));  // the SYN was missed
  h.run(seg(1883, 50000, 6, 1001, 0x10, {}, {}, 512, true));
  CHECK(h.field("tcp.window_size") == "65536");  // 512 << 7, as tshark
  CHECK(h.field("tcp.window_size_scalefactor") == "128");
  h.run(seg(50000, 1883, 1001, 6, 0x10, {}, {}, 512));
  CHECK(h.field("tcp.window_size") == "512");
  CHECK(h.field("tcp.window_size_scalefactor") == "-1");
}

TEST_CASE("tcp: streams numbered by first appearance; port reuse starts a new stream") {
  Harness h;
  h.run(seg(50000, 1883, 1000, 0, 0x02));
  CHECK(h.field("tcp.stream") == "0");
  h.run(seg(50001, 1883, 1000, 0, 0x02));
  CHECK(h.field("tcp.stream") == "1");
  h.run(seg(1883, 50000, 1, 1001, 0x12, {}, {}, 512, true));
  CHECK(h.field("tcp.stream") == "0");
  h.run(seg(50000, 1883, 1000, 0, 0x02));  // SYN retransmission: same ISN, same stream
  CHECK(h.field("tcp.stream") == "0");
  h.run(seg(50000, 1883, 555555, 0, 0x02));  // new ISN on the same 4-tuple
  CHECK(h.field("tcp.stream") == "2");
  CHECK(h.field("tcp.seq") == "0");
}

TEST_CASE("tcp: sequence numbers wrap around 2^32") {
  Harness h;
  h.run(seg(50000, 1883, 0xFFFFFFF0u, 0, 0x02));
  h.run(seg(50000, 1883, 0xFFFFFFF1u, 0, 0x18, {}, std::vector<uint8_t>(40, 'x')));
  CHECK(h.field("tcp.seq") == "1");
  h.run(seg(50000, 1883, 0x00000019u, 0, 0x18, {}, {1}));
  CHECK(h.field("tcp.seq") == "41");
}

TEST_CASE("tcp: SACK edges relative to the other direction, timestamps, experts") {
  Harness h;
  h.run(seg(50000, 1883, 1000, 0, 0x02));
  h.run(seg(1883, 50000, 5000, 1001, 0x12, {}, {}, 512, true));
  std::vector<uint8_t> sack = {1, 1, 5, 10, 0, 0, 0x13, 0x89 + 0, 0, 0, 0x13, 0x99};
  // left edge 5001 (0x1389) relative to server ISN 5000 -> 1; right edge 5017 -> 17
  h.run(seg(50000, 1883, 1001, 5001, 0x10, sack));
  CHECK(h.field("tcp.options.sack_le") == "1");
  CHECK(h.field("tcp.options.sack_re") == "17");
  CHECK(h.cols.info.find("SLE=1 SRE=17") != std::string::npos);
  h.run(seg(50000, 1883, 1001, 5001, 0x11));
  CHECK(h.field("_ws.expert.message") == "Connection finish (FIN),This frame initiates the connection closing");
  h.run(seg(1883, 50000, 5001, 1002, 0x11, {}, {}, 512, true));
  CHECK(h.field("_ws.expert.message") == "Connection finish (FIN),This frame undergoes the connection closing");
}

TEST_CASE("flow table: bounded, evicts the least recently used flow") {
  mqsniff::tcp::FlowTable ft(4);
  mqsniff::core::Address a, b;
  a.type = b.type = mqsniff::core::AddrType::Ipv4;
  a.bytes[0] = 10;
  b.bytes[0] = 192;
  int dir;
  for (uint16_t p = 1; p <= 4; ++p) CHECK(ft.lookup(a, p, b, 80, dir).stream == p - 1u);
  CHECK(ft.size() == 4);
  CHECK(ft.lookup(a, 1, b, 80, dir).stream == 0);  // touch flow 1: now most recent
  CHECK(ft.lookup(b, 80, a, 1, dir).stream == 0);  // other direction, same conversation
  CHECK(dir == 1);
  CHECK(ft.lookup(a, 5, b, 80, dir).stream == 4);  // evicts flow 2 (least recent)
  CHECK(ft.evicted() == 1);
  CHECK(ft.size() == 4);
  CHECK(ft.lookup(a, 1, b, 80, dir).stream == 0);  // still there
  CHECK(ft.lookup(a, 2, b, 80, dir).stream == 5);  // came back as a new conversation
  CHECK(ft.size() == 4);
}

TEST_CASE("flow table: many flows, every lookup finds its own stream after deletions") {
  mqsniff::tcp::FlowTable ft(1000);
  mqsniff::core::Address a, b;
  a.type = b.type = mqsniff::core::AddrType::Ipv4;
  int dir;
  std::vector<uint32_t> stream_of(3000);
  for (uint32_t i = 0; i < 3000; ++i) {
    a.bytes[1] = static_cast<uint8_t>(i >> 8);
    a.bytes[2] = static_cast<uint8_t>(i);
    stream_of[i] = ft.lookup(a, 1000, b, 1883, dir).stream;
  }
  CHECK(ft.size() == 1000);
  CHECK(ft.evicted() == 2000);
  for (uint32_t i = 2000; i < 3000; ++i) {  // the last 1000 are still tracked
    a.bytes[1] = static_cast<uint8_t>(i >> 8);
    a.bytes[2] = static_cast<uint8_t>(i);
    CHECK(ft.lookup(a, 1000, b, 1883, dir).stream == stream_of[i]);
  }
}

TEST_CASE("flow table: idle conversations expire, oldest first, a few per packet") {
  mqsniff::tcp::FlowTable ft(100);
  mqsniff::core::Address a, b;
  a.type = b.type = mqsniff::core::AddrType::Ipv4;
  int dir;
  for (uint16_t p = 1; p <= 10; ++p) ft.lookup(a, p, b, 80, dir).last_ts = {p, 0};
  ft.expire_idle({20, 0}, 15'000'000'000LL, 100);  // idle > 15 s: ports 1..4 (last seen at 1..4 s)
  CHECK(ft.expired() == 4);
  CHECK(ft.size() == 6);
  ft.expire_idle({100, 0}, 15'000'000'000LL, 2);  // budget: two per call
  CHECK(ft.size() == 4);
  CHECK(ft.lookup(a, 1, b, 80, dir).stream == 10);  // came back: a new conversation
}

TEST_CASE("tcp: a closed conversation is forgotten once quiet for the closed timeout (5 s by default)") {
  auto close_conv = [](Harness& h, uint16_t port) {
    h.run(seg(port, 1883, 1000, 0, 0x02));
    h.run(seg(1883, port, 5000, 1001, 0x12, {}, {}, 512, true));
    h.run(seg(port, 1883, 1001, 5001, 0x11));                     // FIN
    h.run(seg(1883, port, 5001, 1002, 0x11, {}, {}, 512, true));  // FIN
  };
  Harness h;
  close_conv(h, 50000);  // frames 1-4, t = 1001..1004 s
  CHECK(h.field("tcp.stream") == "0");
  h.run(seg(50000, 1883, 1002, 5002, 0x10));                     // the last ACK, 1 s later: still stream 0
  CHECK(h.field("tcp.stream") == "0");
  CHECK(h.st.tcp_flows.size() == 1);
  h.clock_offset += 10;
  h.run(seg(50001, 1883, 1, 0, 0x02));                            // any packet lets the table forget it
  CHECK(h.field("tcp.stream") == "1");
  CHECK(h.st.tcp_flows.forgotten() == 1);
  CHECK(h.st.tcp_flows.size() == 1);
  h.run(seg(50000, 1883, 1002, 5002, 0x10));                      // a straggler 10 s late: a new conversation
  CHECK(h.field("tcp.stream") == "2");

  // -o tcp.flow_closed_timeout:0 keeps closed conversations (tshark's numbering).
  Harness keep;
  keep.st.tcp_closed_timeout_ns = 0;
  close_conv(keep, 50000);
  keep.clock_offset += 100;
  keep.run(seg(50001, 1883, 1, 0, 0x02));
  keep.run(seg(50000, 1883, 1002, 5002, 0x10));
  CHECK(keep.field("tcp.stream") == "0");
  CHECK(keep.st.tcp_flows.forgotten() == 0);

  // A RST closes too; a packet after the close restarts the quiet period.
  Harness r;
  r.run(seg(50000, 1883, 1000, 0, 0x02));
  r.run(seg(1883, 50000, 0, 1001, 0x14, {}, {}, 512, true));       // RST/ACK
  r.clock_offset += 4;
  r.run(seg(50000, 1883, 1001, 1, 0x10));                         // 5 s after the RST, still the same stream
  CHECK(r.field("tcp.stream") == "0");
  r.clock_offset += 3;
  r.run(seg(50002, 1883, 1, 0, 0x02));                            // 4 s after that packet: not yet forgotten
  CHECK(r.st.tcp_flows.forgotten() == 0);
  r.clock_offset += 5;
  r.run(seg(50003, 1883, 1, 0, 0x02));
  CHECK(r.st.tcp_flows.forgotten() == 1);
}

TEST_CASE("time: seconds to nanoseconds saturate at the edges (pcapng if_tsresol can name any 64-bit time)") {
  using mqsniff::core::Timestamp;
  using mqsniff::core::to_ns;
  using mqsniff::core::sat_sub;
  using mqsniff::core::ts_sub;
  CHECK(to_ns({1, 5}) == 1000000005);
  CHECK(to_ns({-1, 0}) == -1000000000);
  CHECK(to_ns({9223372036, 854775807}) == INT64_MAX);          // the last representable nanosecond
  CHECK(to_ns({9223372036, 854775808}) == INT64_MAX);          // one more: saturated
  CHECK(to_ns({18000000000, 0}) == INT64_MAX);                 // the fuzzed 1.8e10 s
  CHECK(to_ns({INT64_MAX, 999999999}) == INT64_MAX);
  CHECK(to_ns({INT64_MIN, 0}) == INT64_MIN);
  CHECK(sat_sub(INT64_MAX, INT64_MIN) == INT64_MAX);
  CHECK(sat_sub(INT64_MIN, 1) == INT64_MIN);
  CHECK(sat_sub(10, 3) == 7);
  Timestamp d = ts_sub({INT64_MIN, 0}, {1, 1});
  CHECK(d.sec == INT64_MIN);
  CHECK(d.nsec == 999999999);
  d = ts_sub({INT64_MAX, 0}, {-5, 0});
  CHECK(d.sec == INT64_MAX);
}

TEST_CASE("tcp: a retransmission at 1.8e10 s (and across a jump to the far past) is analysed without overflow") {
  Harness h;
  h.clock_offset = 18000000000LL;  // frames at ~1.8e10 s: ns() of them overflowed int64 before
  h.run(seg(50000, 1883, 1000, 0, 0x02));
  h.run(seg(1883, 50000, 5000, 1001, 0x12, {}, {}, 512, true));
  h.run(seg(50000, 1883, 1001, 5001, 0x18, {}, {1, 2, 3, 4}));
  h.run(seg(50000, 1883, 1001, 5001, 0x18, {}, {1, 2, 3, 4}));  // the same segment again
  CHECK(h.field("tcp.analysis.retransmission") != "");
  h.clock_offset = INT64_MIN / 2;  // time jumps back: differences saturate, nothing overflows
  h.run(seg(50000, 1883, 1001, 5001, 0x18, {}, {1, 2, 3, 4}));
  CHECK(h.field("tcp.stream") == "0");
}

TEST_CASE("memory budget: conversations' state is counted; past 7/8 of the budget the least recently used go") {
  Harness h;
  // Each MQTT connection: a CONNECT from the client (its state: slot, streams, sessions).
  const std::vector<uint8_t> connect = {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0};
  h.run(seg(40000, 1883, 1, 1, 0x18, {}, connect));
  const size_t one = h.st.reassembly_stats.state;
  CHECK(one >= sizeof(mqsniff::tcp::TcpFlow) + sizeof(mqsniff::tcp::TcpFlow::Streams));
  CHECK(one == h.st.tcp_flows.flows_bytes());
  h.run(seg(40001, 1883, 1, 1, 0x18, {}, connect));
  CHECK(h.st.reassembly_stats.state == 2 * one);
  // A budget for about 10 such connections: the 11th and later push the oldest out.
  Harness b;
  b.st.reassembly.max_total_bytes = one * 10 * 8 / 7 + 8;
  for (uint16_t p = 0; p < 30; ++p) b.run(seg(static_cast<uint16_t>(41000 + p), 1883, 1, 1, 0x18, {}, connect));
  CHECK(b.st.reassembly_stats.state <= b.st.reassembly.max_total_bytes / 8 * 7);
  CHECK(b.st.reassembly_stats.evicted_memory == 20);
  CHECK(b.st.tcp_flows.size() == 10);
  CHECK(b.field("tcp.stream") == "29");  // numbering goes on
  // The most recent conversations are those kept: the 21st's next packet continues it.
  b.run(seg(41025, 1883, 1 + static_cast<uint32_t>(connect.size()), 1, 0x18, {}, {0xc0, 0x00}));
  CHECK(b.field("tcp.stream") == "25");
  CHECK(b.field("mqtt.msgtype") == "12");
  // The first one's was forgotten: its next packet is a new conversation.
  b.run(seg(41000, 1883, 1 + static_cast<uint32_t>(connect.size()), 1, 0x18, {}, {0xc0, 0x00}));
  CHECK(b.field("tcp.stream") == "30");
  CHECK(b.st.reassembly_stats.evicted_memory >= 21);  // (the PINGREQs grew two conversations a little)
  CHECK(b.st.reassembly_stats.state <= b.st.reassembly.max_total_bytes / 8 * 7);
}

TEST_CASE("memory budget: buffers outside the reassembler obey it (recharge, budget_room)") {
  mqsniff::tcp::ReassemblyStats rs;
  mqsniff::tcp::ReassemblyLimits l;
  l.max_total_bytes = 1000;
  l.max_dir_bytes = 600;
  size_t charged = 0;
  mqsniff::tcp::recharge(&rs, charged, 400);
  CHECK(rs.buffered == 400);
  CHECK(mqsniff::tcp::budget_room(&rs, &l, 400, 200));   // 600 in this buffer, 600 in all
  CHECK(!mqsniff::tcp::budget_room(&rs, &l, 400, 201));  // over the per-direction cap
  rs.state = 500;
  CHECK(!mqsniff::tcp::budget_room(&rs, &l, 0, 101));    // conversation state counts in the total
  CHECK(mqsniff::tcp::budget_room(&rs, &l, 0, 100));
  mqsniff::tcp::recharge(&rs, charged, 100);
  CHECK(rs.buffered == 100);
  CHECK(rs.peak == 400);
  mqsniff::tcp::recharge(&rs, charged, 0);
  CHECK(rs.buffered == 0);
  CHECK(charged == 0);
}
