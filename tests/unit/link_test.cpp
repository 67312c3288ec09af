#include <doctest/doctest.h>

#include "helpers.h"

using namespace testutil;

TEST_CASE("link: Ethernet + IPv4 + TCP SYN decodes like tshark") {
  Harness h;
  TcpSpec s;
  s.options = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x01, 0x01, 0x03, 0x03, 0x07};
  auto& pkt = h.run(eth(0x0800, ipv4_tcp(s)));
  CHECK_FALSE(pkt.truncated);
  CHECK_FALSE(pkt.malformed);
  CHECK(h.field("frame.protocols") == "eth:ethertype:ip:tcp");
  CHECK(h.field("eth.type") == "0x0800");
  CHECK(h.field("eth.addr") == "00:00:00:00:00:02,00:00:00:00:00:01");
  CHECK(h.field("ip.src") == "10.0.0.1");
  CHECK(h.field("ip.addr") == "10.0.0.1,10.0.0.2");
  CHECK(h.field("ip.flags") == "0x02");
  CHECK(h.field("ip.flags.df") == "1");
  CHECK(h.field("ip.id") == "0x1234");
  CHECK(h.field("tcp.port") == "50000,1883");
  CHECK(h.field("tcp.flags") == "0x0002");
  CHECK(h.field("tcp.flags.str") == "\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7\xc2\xb7S\xc2\xb7");
  CHECK(h.field("tcp.seq") == "0");
  CHECK(h.field("tcp.options.mss_val") == "1460");
  CHECK(h.field("tcp.options.wscale.multiplier") == "128");
  CHECK(h.field("tcp.option_kind") == "2,4,1,1,1,3");
  CHECK(h.cols.protocol == "TCP");
  CHECK(h.cols.info == "50000 \xe2\x86\x92 1883 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM WS=128");
}

TEST_CASE("link: 802.1Q and QinQ tags") {
  Harness h;
  TcpSpec s;
  std::vector<uint8_t> inner = ipv4_tcp(s);
  std::vector<uint8_t> tagged;
  put16(tagged, (5 << 13) | 56);
  put16(tagged, 0x0800);
  tagged.insert(tagged.end(), inner.begin(), inner.end());
  h.run(eth(0x8100, tagged));
  CHECK(h.field("vlan.id") == "56");
  CHECK(h.field("vlan.priority") == "5");
  CHECK(h.field("frame.protocols") == "eth:ethertype:vlan:ethertype:ip:tcp");

  std::vector<uint8_t> qinq;
  put16(qinq, 100);
  put16(qinq, 0x8100);
  qinq.insert(qinq.end(), tagged.begin(), tagged.end());
  h.run(eth(0x88a8, qinq));
  CHECK(h.field("ieee8021ad.id") == "100");
  CHECK(h.field("vlan.id") == "56");
  CHECK(h.field("frame.protocols") == "eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:ip:tcp");
}

TEST_CASE("link: Linux cooked v1 and v2, BSD loopback, raw IP") {
  Harness h;
  TcpSpec s;
  auto ip = ipv4_tcp(s);
  std::vector<uint8_t> sll = {0, 4, 0x03, 0x04, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00};
  sll.insert(sll.end(), ip.begin(), ip.end());
  h.run(sll, mqsniff::core::kLinkSll);
  CHECK(h.field("sll.pkttype") == "4");
  CHECK(h.field("sll.src.eth") == "01:02:03:04:05:06");
  CHECK(h.field("frame.protocols") == "sll:ethertype:ip:tcp");

  std::vector<uint8_t> sll2 = {0x08, 0x00, 0, 0, 0, 0, 0, 7, 0x03, 0x04, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0};
  sll2.insert(sll2.end(), ip.begin(), ip.end());
  h.run(sll2, mqsniff::core::kLinkSll2);
  CHECK(h.field("sll.ifindex") == "7");
  CHECK(h.field("tcp.dstport") == "1883");

  std::vector<uint8_t> null = {2, 0, 0, 0};
  null.insert(null.end(), ip.begin(), ip.end());
  h.run(null, mqsniff::core::kLinkNull);
  CHECK(h.field("null.family") == "2");
  CHECK(h.field("frame.protocols") == "null:ip:tcp");

  std::vector<uint8_t> loop = {0, 0, 0, 2};
  loop.insert(loop.end(), ip.begin(), ip.end());
  h.run(loop, mqsniff::core::kLinkLoop);
  CHECK(h.field("frame.protocols") == "null:ip:tcp");

  h.run(ip, mqsniff::core::kLinkRawDlt);
  CHECK(h.field("frame.protocols") == "raw:ip:tcp");
  h.run(ip, mqsniff::core::kLinkIpv4);
  CHECK(h.field("frame.protocols") == "ip:tcp");
}

TEST_CASE("link: IPv6 with a hop-by-hop extension header, then TCP") {
  Harness h;
  std::vector<uint8_t> v = {0x60, 0, 0, 0};
  TcpSpec s;
  std::vector<uint8_t> tcp = ipv4_tcp(s);
  tcp.erase(tcp.begin(), tcp.begin() + 20);  // keep the TCP part
  put16(v, static_cast<uint16_t>(8 + tcp.size()));
  v.push_back(0);    // next: hop-by-hop
  v.push_back(64);
  for (int i = 0; i < 15; ++i) v.push_back(0);
  v.push_back(1);    // ::1
  for (int i = 0; i < 15; ++i) v.push_back(0);
  v.push_back(1);
  std::vector<uint8_t> hbh = {6, 0, 1, 4, 0, 0, 0, 0};  // next: TCP, PadN
  v.insert(v.end(), hbh.begin(), hbh.end());
  v.insert(v.end(), tcp.begin(), tcp.end());
  h.run(eth(0x86dd, v));
  CHECK(h.field("frame.protocols") == "eth:ethertype:ipv6:ipv6.hopopts:tcp");
  CHECK(h.field("ipv6.addr") == "::1,::1");
  CHECK(h.field("ipv6.hopopts.nxt") == "6");
  CHECK(h.field("tcp.dstport") == "1883");
  CHECK(h.cols.protocol == "TCP");
}

TEST_CASE("link: every truncation of a frame is marked, never read past") {
  TcpSpec s;
  s.flags = 0x18;
  s.ack = 5;
  s.options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  s.payload = {0x30, 0x07, 0, 5, 'w', 'o', 'r', 'l', 'd'};
  auto full = eth(0x0800, ipv4_tcp(s));
  const size_t headers_end = 14 + 20 + 20 + s.options.size();
  for (size_t cut = 0; cut < full.size(); ++cut) {
    Harness h;
    std::vector<uint8_t> part(full.begin(), full.begin() + static_cast<long>(cut));
    auto& pkt = h.run(part, mqsniff::core::kLinkEthernet, static_cast<uint32_t>(full.size()));
    if (cut == headers_end) {
      // Not one byte of the payload kept (a headers-only capture): tshark
      // shows no payload, calls no dissector and marks nothing.
      CHECK_FALSE(pkt.truncated);
      CHECK_FALSE(h.has("tcp.payload"));
      CHECK(h.field("frame.protocols") == "eth:ethertype:ip:tcp");
      CHECK(h.cols.info.find("[Packet size limited during capture]") == std::string::npos);
      continue;
    }
    CHECK_MESSAGE(pkt.truncated, "cut at " << cut);
    CHECK_FALSE(pkt.malformed);
    CHECK(h.has("_ws.short"));
    CHECK(h.cols.info.find("[Packet size limited during capture]") != std::string::npos);
  }
}

TEST_CASE("link: hostile lengths are malformed, not crashes") {
  Harness h;
  TcpSpec s;
  auto ip = ipv4_tcp(s);
  SUBCASE("IHL below 5") {
    ip[0] = 0x43;
    auto& pkt = h.run(eth(0x0800, ip));
    CHECK(pkt.malformed);
    CHECK(h.cols.info.rfind("Bogus IPv4 header length", 0) == 0);
  }
  SUBCASE("total length below the header length") {
    ip[2] = 0;
    ip[3] = 10;
    auto& pkt = h.run(eth(0x0800, ip));
    CHECK(pkt.malformed);
  }
  SUBCASE("TCP data offset beyond the segment") {
    ip[20 + 12] = 0xF0;
    auto& pkt = h.run(eth(0x0800, ip));
    CHECK(pkt.malformed);
    CHECK(h.cols.info.find("Bogus TCP header length") != std::string::npos);
  }
  SUBCASE("TCP option length 0 stops option parsing") {
    s.options = {0x08, 0x00, 0, 0};
    auto& pkt = h.run(eth(0x0800, ipv4_tcp(s)));
    CHECK_FALSE(pkt.truncated);
    CHECK(h.has("tcp.option.len.invalid"));
  }
  SUBCASE("UDP length larger than the datagram") {
    std::vector<uint8_t> v = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
                              0x30, 0x39, 0, 53, 0x10, 0x00, 0, 0};
    auto& pkt = h.run(eth(0x0800, v));
    CHECK(pkt.malformed);
    CHECK(h.has("udp.length.bad"));
  }
}

TEST_CASE("link: IPv4 fragments are recognised and not handed to TCP") {
  Harness h;
  TcpSpec s;
  auto ip = ipv4_tcp(s);
  ip[6] = 0x20;  // MF
  h.run(eth(0x0800, ip));
  CHECK(h.field("ip.flags.mf") == "1");
  CHECK_FALSE(h.has("tcp"));
  CHECK(h.cols.info == "Fragmented IP protocol (proto=TCP 6, off=0, ID=1234)");
}

TEST_CASE("link: unknown link type is counted and reported once") {
  Harness h;
  std::vector<uint8_t> junk = {1, 2, 3, 4};
  h.run(junk, 147);
  CHECK(h.st.unknown_link_packets == 1);
  CHECK_FALSE(h.st.warning.empty());
  h.st.warning.clear();
  h.run(junk, 147);
  CHECK(h.st.unknown_link_packets == 2);
  CHECK(h.st.warning.empty());
  CHECK(h.field("data.len") == "4");
}

TEST_CASE("link: Ethernet padding, trailer and FCS after the datagram, as tshark reads them") {
  // An ARP request (42 bytes) in a frame padded to 60, then variants.
  std::vector<uint8_t> arp = {0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2};
  auto frame = [&](const std::vector<uint8_t>& tail) {
    auto f = eth(0x0806, arp);
    f.insert(f.end(), tail.begin(), tail.end());
    return f;
  };
  Harness h;
  SUBCASE("zero padding to 60 bytes") {
    h.run(frame(std::vector<uint8_t>(18, 0)));
    CHECK(h.field("eth.padding").size() == 36);
    CHECK_FALSE(h.has("eth.trailer"));
    CHECK_FALSE(h.has("eth.fcs"));
  }
  SUBCASE("padding then an FCS in a 64-byte frame") {
    std::vector<uint8_t> t(22, 0);
    t[18] = 0xde;
    t[19] = 0xad;
    t[20] = 0xbe;
    t[21] = 0xef;
    h.run(frame(t));
    CHECK(h.field("eth.fcs") == "0xdeadbeef");
    CHECK(h.field("eth.fcs.status") == "2");
  }
  SUBCASE("a non-zero pad is a trailer with tshark's note") {
    h.run(frame(std::vector<uint8_t>(18, 0x55)));
    CHECK_FALSE(h.has("eth.padding"));
    CHECK(h.field("eth.trailer").size() == 36);
    CHECK(h.has("eth.padding_bad"));
  }
  SUBCASE("a padding the capture cut is tshark's cut; a cut right after the datagram is nothing") {
    auto f = frame(std::vector<uint8_t>(22, 0));  // 64 bytes on the wire
    h.run(std::vector<uint8_t>(f.begin(), f.begin() + 49), core::kLinkEthernet, 64);
    CHECK(h.pkt->truncated);
    h.run(std::vector<uint8_t>(f.begin(), f.begin() + 42), core::kLinkEthernet, 64);
    CHECK_FALSE(h.pkt->truncated);
    CHECK_FALSE(h.has("eth.padding"));
  }
}

TEST_CASE("link: IPv6 fragments are reassembled in any order, apart from IPv4's, and listed as tshark lists them") {
  // A 24-byte UDP datagram (8 header + 16 payload) over IPv6, in two fragments.
  std::vector<uint8_t> udpd = {0x30, 0x39, 0x27, 0x0f, 0, 24, 0, 0};
  for (int i = 0; i < 16; ++i) udpd.push_back(static_cast<uint8_t>('a' + i));
  auto frag = [&](uint16_t off, bool more, const std::vector<uint8_t>& part) {
    std::vector<uint8_t> v = {0x60, 0, 0, 0};
    put16(v, static_cast<uint16_t>(8 + part.size()));
    v.push_back(44);  // Fragment header
    v.push_back(64);
    for (int i = 0; i < 15; ++i) v.push_back(0);
    v.push_back(1);  // ::1
    for (int i = 0; i < 15; ++i) v.push_back(0);
    v.push_back(1);
    v.push_back(17);
    v.push_back(0);
    put16(v, static_cast<uint16_t>(off | (more ? 1 : 0)));
    put32(v, 0xabcd0001);
    v.insert(v.end(), part.begin(), part.end());
    return eth(0x86dd, v);
  };
  std::vector<uint8_t> a(udpd.begin(), udpd.begin() + 16), b(udpd.begin() + 16, udpd.end());
  Harness h;
  h.run(frag(16, false, b));  // the last fragment first
  CHECK(h.cols.info.rfind("IPv6 fragment (off=16 more=n", 0) == 0);
  CHECK_FALSE(h.has("udp"));
  h.run(frag(0, true, a));
  CHECK(h.field("ipv6.fragment.count") == "2");
  CHECK(h.field("ipv6.fragment") == "2,1");  // by offset
  CHECK(h.field("ipv6.reassembled.length") == "24");
  CHECK(h.field("udp.length") == "24");
  CHECK(h.cols.protocol == "UDP");
}
