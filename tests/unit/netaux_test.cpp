// The protocols around MQTT, from bytes: ARP, ICMP/ICMPv6, DNS, HTTP framing
// and JSON bodies, GTP-U and VXLAN, hostile inputs included.
#include <doctest/doctest.h>

#include <string>

#include "dissectors/http/http.h"
#include "helpers.h"

using namespace testutil;

namespace {

std::vector<uint8_t> ipv4(uint8_t proto, const std::vector<uint8_t>& payload, uint32_t src = 0x0A000001,
                          uint32_t dst = 0x0A000002) {
  std::vector<uint8_t> v = {0x45, 0};
  put16(v, static_cast<uint16_t>(20 + payload.size()));
  put16(v, 1);
  put16(v, 0x4000);
  v.push_back(64);
  v.push_back(proto);
  put16(v, 0);
  put32(v, src);
  put32(v, dst);
  v.insert(v.end(), payload.begin(), payload.end());
  return v;
}
std::vector<uint8_t> udp(uint16_t sp, uint16_t dp, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> v;
  put16(v, sp);
  put16(v, dp);
  put16(v, static_cast<uint16_t>(8 + payload.size()));
  put16(v, 0);
  v.insert(v.end(), payload.begin(), payload.end());
  return v;
}
// The Internet checksum written into bytes [at, at + 2) of msg.
void set_checksum(std::vector<uint8_t>& msg, size_t at) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < msg.size(); i += 2) sum += uint32_t(msg[i]) << 8 | msg[i + 1];
  if (msg.size() & 1) sum += uint32_t(msg.back()) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const uint16_t c = static_cast<uint16_t>(~sum);
  msg[at] = static_cast<uint8_t>(c >> 8);
  msg[at + 1] = static_cast<uint8_t>(c);
}
std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("arp: request, reply and gratuitous ARP as tshark words them") {
  Harness h;
  std::vector<uint8_t> req = {0, 1, 8, 0, 6, 4, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 2, 10, 77, 0, 2, 0, 0, 0, 0, 0, 0, 10, 77, 0, 1};
  h.run(eth(0x0806, req));
  CHECK(h.cols.protocol == "ARP");
  CHECK(h.cols.info == "Who has 10.77.0.1? Tell 10.77.0.2");
  CHECK(h.field("arp.opcode") == "1");
  CHECK(h.field("arp.src.hw_mac") == "52:54:00:12:34:02");
  CHECK(h.field("arp.dst.proto_ipv4") == "10.77.0.1");
  CHECK(h.field("frame.protocols") == "eth:ethertype:arp");
  std::vector<uint8_t> grat = req;
  grat[27] = 2;  // target = sender
  h.run(eth(0x0806, grat));
  CHECK(h.cols.info == "Gratuitous ARP for 10.77.0.2 (Request)");
  CHECK(h.field("arp.isgratuitous") == "1");
  // Cut short: the fixed part only, marked.
  auto& pkt = h.run(eth(0x0806, std::vector<uint8_t>(req.begin(), req.begin() + 12)));
  CHECK(pkt.malformed);
  CHECK(h.field("arp.opcode") == "1");
}

TEST_CASE("icmp: echo pairing, checksum, and the datagram an error quotes") {
  Harness h;
  std::vector<uint8_t> echo = {8, 0, 0, 0, 0x11, 0x04, 0, 1};
  for (int i = 0; i < 8; ++i) echo.push_back(static_cast<uint8_t>(i));
  set_checksum(echo, 2);
  h.run(eth(0x0800, ipv4(1, echo)));
  CHECK(h.cols.info == "Echo (ping) request  id=0x1104, seq=1/256, ttl=64");
  CHECK(h.field("icmp.checksum.status") == "1");
  std::vector<uint8_t> reply = echo;
  reply[0] = 0;
  set_checksum(reply, 2);
  h.run(eth(0x0800, ipv4(1, reply, 0x0A000002, 0x0A000001)));
  CHECK(h.cols.info == "Echo (ping) reply    id=0x1104, seq=1/256, ttl=64 (request in 1)");
  CHECK(h.field("icmp.resp_to") == "1");
  CHECK(h.field("icmp.resptime") == "1000");
  reply[9] ^= 0xff;  // a damaged reply: bad checksum
  h.run(eth(0x0800, ipv4(1, reply, 0x0A000002, 0x0A000001)));
  CHECK(h.field("icmp.checksum.status") == "0");

  // Port unreachable quoting a UDP datagram: the quoted addresses and ports
  // are fields, the columns stay the error's.
  std::vector<uint8_t> quoted = ipv4(17, udp(40000, 9999, bytes("probe")), 0x0A000002, 0x0A000001);
  std::vector<uint8_t> unreach = {3, 3, 0, 0, 0, 0, 0, 0};
  unreach.insert(unreach.end(), quoted.begin(), quoted.end());
  set_checksum(unreach, 2);
  auto& pkt = h.run(eth(0x0800, ipv4(1, unreach)));
  CHECK(h.cols.protocol == "ICMP");
  CHECK(h.cols.info == "Destination unreachable (Port unreachable)");
  CHECK(h.field("frame.protocols") == "eth:ethertype:ip:icmp:ip:udp:data");
  CHECK(h.field("ip.src") == "10.0.0.1,10.0.0.2");
  CHECK(h.field("udp.dstport") == "9999");
  CHECK(pkt.srcport == 0);  // the conversation is still the error's (no ports)
  CHECK_FALSE(pkt.malformed);
}

TEST_CASE("dns: compressed names, answers, pairing, and hostile names") {
  Harness h;
  // Query: id 0x33ff, A broker.lab.
  std::vector<uint8_t> q = {0x33, 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  for (uint8_t c : std::string("\x06" "broker" "\x03" "lab")) q.push_back(c);
  q.push_back(0);
  put16(q, 1);
  put16(q, 1);
  h.run(eth(0x0800, ipv4(17, udp(40000, 53, q))));
  CHECK(h.cols.protocol == "DNS");
  CHECK(h.cols.info == "Standard query 0x33ff A broker.lab");
  CHECK(h.field("dns.qry.name") == "broker.lab");
  CHECK(h.field("dns.count.labels") == "2");
  // Response with a compressed answer name (pointer to offset 12).
  std::vector<uint8_t> r = q;
  r[2] = 0x81;
  r[3] = 0x80;
  r[7] = 1;  // one answer
  for (uint8_t c : {0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 10, 77, 0, 1}) r.push_back(c);
  h.run(eth(0x0800, ipv4(17, udp(53, 40000, r), 0x0A000002, 0x0A000001)));
  CHECK(h.cols.info == "Standard query response 0x33ff A broker.lab A 10.77.0.1");
  CHECK(h.field("dns.resp.name") == "broker.lab");
  CHECK(h.field("dns.a") == "10.77.0.1");
  CHECK(h.field("dns.resp.ttl") == "3600");
  CHECK(h.field("dns.response_to") == "1");
  // A name whose pointer points at itself: malformed, and the walk ends.
  std::vector<uint8_t> loop = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1};
  for (uint8_t c : {0xc0, 0x11, 0x00, 0x01, 0x00, 0x01, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4}) loop.push_back(c);
  auto& pkt = h.run(eth(0x0800, ipv4(17, udp(53, 40000, loop))));
  CHECK(pkt.malformed);
  // A header cut short.
  auto& cut = h.run(eth(0x0800, ipv4(17, udp(53, 40000, {0x12, 0x34, 0x81}))));
  CHECK(cut.malformed);
}

TEST_CASE("http: framing by Content-Length and chunks, continuation, and the header limit") {
  using tcp::PduLen;
  auto frame = [](std::string_view s) { return http::pdu_length(std::span<const uint8_t>(
                                            reinterpret_cast<const uint8_t*>(s.data()), s.size())); };
  CHECK(frame("GE").kind == PduLen::Kind::NeedMore);
  CHECK(frame("GET / HTTP/1.1\r\nHost: x\r\n").kind == PduLen::Kind::NeedMore);
  PduLen get = frame("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2");
  CHECK(get.kind == PduLen::Kind::Pdu);
  CHECK(get.total == 27);
  PduLen partial = frame("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n12345");
  CHECK(partial.kind == PduLen::Kind::NeedMore);
  CHECK(partial.total_known);
  CHECK(partial.total == 49);
  PduLen chunked = frame("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nrest");
  CHECK(chunked.kind == PduLen::Kind::Pdu);
  CHECK(chunked.total == 60);
  CHECK(frame("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").kind == PduLen::Kind::Bad);
  CHECK(frame("\x01\x02 not http").kind == PduLen::Kind::Pdu);  // continuation data
  std::string huge = "GET / HTTP/1.1\r\nX: " + std::string(70000, 'a');
  CHECK(frame(huge).kind == PduLen::Kind::Bad);
  CHECK(frame("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n").kind == PduLen::Kind::Bad);
}

TEST_CASE("http: a request and its JSON response over TCP, paired") {
  Harness h;
  TcpSpec s;
  s.dport = 8080;
  s.flags = 0x18;
  s.payload = bytes("GET /config.json HTTP/1.1\r\nHost: broker:8080\r\n\r\n");
  h.run(eth(0x0800, ipv4_tcp(s)));
  CHECK(h.cols.protocol == "HTTP");
  CHECK(h.cols.info == "GET /config.json HTTP/1.1 ");
  CHECK(h.field("http.request.full_uri") == "http://broker:8080/config.json");
  TcpSpec r;
  r.src = s.dst;
  r.dst = s.src;
  r.sport = 8080;
  r.dport = s.sport;
  r.seq = 5000;
  r.ack = 1000 + static_cast<uint32_t>(s.payload.size());
  r.flags = 0x18;
  r.payload = bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n"
                    "{\"a\":[1,true],\"b\":{\"c\":\"d\"}}");
  r.payload.resize(r.payload.size() - 1);  // 27 bytes of body: the closing brace is missing
  h.run(eth(0x0800, ipv4_tcp(r)));
  CHECK(h.cols.protocol == "HTTP/JSON");
  CHECK(h.field("http.request_in") == "1");
  CHECK(h.field("http.response_for.uri") == "http://broker:8080/config.json");
  CHECK(h.field("json.key") == "a,c,b");
  CHECK(h.field("json.value.string") == "d");
  CHECK(h.field("json.path_with_value") == "/a/[]:1,/a/[]:true,/b/c:d");
  CHECK(h.field("json.member_with_value") == "[]:1,[]:true,c:d");
}

TEST_CASE("tunnels: GTP-U and VXLAN carry packets dissected as any other") {
  Harness h;
  TcpSpec s;
  std::vector<uint8_t> inner = ipv4_tcp(s);
  std::vector<uint8_t> gtp = {0x30, 0xff};
  put16(gtp, static_cast<uint16_t>(inner.size()));
  put32(gtp, 0xabcd);
  gtp.insert(gtp.end(), inner.begin(), inner.end());
  h.run(eth(0x0800, ipv4(17, udp(2152, 2152, gtp), 0x0A140001, 0x0A140002)));
  CHECK(h.cols.protocol == "GTP <TCP>");
  CHECK(h.field("gtp.teid") == "0x0000abcd");
  CHECK(h.field("frame.protocols") == "eth:ethertype:ip:udp:gtp:ip:tcp");
  CHECK(h.field("tcp.dstport") == "1883");

  std::vector<uint8_t> vx = {0x08, 0, 0, 0, 0, 0, 42, 0};
  std::vector<uint8_t> frame = eth(0x0800, inner);
  vx.insert(vx.end(), frame.begin(), frame.end());
  h.run(eth(0x0800, ipv4(17, udp(40000, 4789, vx))));
  CHECK(h.field("vxlan.vni") == "42");
  CHECK(h.field("frame.protocols") == "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp");
  // A GTP-U header announcing extension headers that are not there.
  std::vector<uint8_t> bad = {0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85};
  auto& pkt = h.run(eth(0x0800, ipv4(17, udp(2152, 2152, bad))));
  CHECK((pkt.malformed || pkt.truncated));
}

TEST_CASE("ipv4: the Local Network Control Block's TTL note follows tshark's three rules") {
  auto note = [](uint8_t last, uint8_t ttl) {
    Harness h;
    std::vector<uint8_t> ip = ipv4(17, udp(40000, 9, bytes("x")), 0x0A000001, 0xE0000000u | last);
    ip[8] = ttl;
    h.run(eth(0x0800, ip));
    return h.field("_ws.expert.message");
  };
  const std::string one = "\"Time To Live\" != 1 for a packet sent to the Local Network Control Block (see RFC 3171)";
  const std::string all = "\"Time To Live\" != 255 for a packet sent to the Local Network Control Block (see RFC 3171)";
  CHECK(note(1, 1).empty());  // 224.0.0.1: TTL 1
  CHECK(note(1, 64) == one);
  CHECK(note(22, 255) == one);
  for (uint8_t last : {uint8_t(18), uint8_t(102), uint8_t(251)}) {  // VRRP, GLBP, mDNS: 255
    CHECK(note(last, 255).empty());
    CHECK(note(last, 1) == all);
  }
  for (uint8_t ttl : {uint8_t(1), uint8_t(64), uint8_t(255)}) CHECK(note(252, ttl).empty());  // LLMNR: any
}

TEST_CASE("llmnr: RFC 4795 header flags (Conflict, Tentative) over DNS's message") {
  Harness h;
  std::vector<uint8_t> q = {0x4c, 0x31, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 6, 'b', 'r', 'o', 'k', 'e', 'r', 0, 0, 1, 0, 1};
  h.run(eth(0x0800, ipv4(17, udp(50000, 5355, q), 0x0A000002, 0xE00000FC)));
  CHECK(h.cols.protocol == "LLMNR");
  CHECK(h.cols.info == "Standard query 0x4c31 A broker");
  CHECK(h.field("frame.protocols") == "eth:ethertype:ip:udp:llmnr");
  CHECK(h.field("dns.flags.conflict") == "0");
  CHECK(h.field("dns.flags.tentative") == "0");
  CHECK_FALSE(h.has("dns.flags.recdesired"));
  std::vector<uint8_t> r = q;
  r[2] = 0x85;  // response, conflict, tentative
  r[7] = 1;
  for (uint8_t b : {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 78, 0, 1}) r.push_back(b);
  h.run(eth(0x0800, ipv4(17, udp(5355, 50000, r), 0x0A4E0001, 0x0A000002)));
  CHECK(h.cols.info == "Standard query response 0x4c31 A broker A 10.78.0.1");
  CHECK(h.field("dns.flags.conflict") == "1");
  CHECK(h.field("dns.flags.tentative") == "1");
  CHECK(h.field("dns.a") == "10.78.0.1");
}
