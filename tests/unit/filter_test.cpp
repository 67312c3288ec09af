#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "dissectors/mqtt/mqtt_topic.h"
#include "filters/filter.h"
#include "helpers.h"

using mqsniff::filter::Filter;
using mqsniff::filter::FilterError;
using mqsniff::mqtt::topic_matches;
using namespace testutil;

namespace {
// A 5.0-free MQTT PUBLISH (QoS 1, topic maison/salon/temperature) in TCP to 1883.
struct Pkt {
  Harness h;
  Pkt() {
    TcpSpec s;
    s.flags = 0x18;
    s.ack = 1;
    std::string raw = std::string("\x32\x22\x00\x18", 4) + "maison/salon/temperature" +
                      std::string("\x00\x01", 2) + "21.5";  // QoS 1, packet id 1, payload "21.5"
    std::vector<uint8_t> p(raw.begin(), raw.end());
    p[1] = static_cast<uint8_t>(p.size() - 2);
    s.payload = p;
    h.run(eth(0x0800, ipv4_tcp(s)));
  }
};
bool eval(const std::string& f) {
  static Pkt pkt;
  Filter flt;
  FilterError err;
  REQUIRE_MESSAGE(flt.compile(f, err), f << ": " << err.message);
  return flt.matches(pkt.h.tree);
}
std::string error_of(const std::string& f, size_t* pos = nullptr) {
  Filter flt;
  FilterError err;
  if (flt.compile(f, err)) return "";
  if (pos) *pos = err.pos;
  return err.message;
}
}  // namespace

TEST_CASE("filter: evaluation table (Wireshark 4.x semantics)") {
  struct Case {
    const char* f;
    bool want;
  };
  static const Case kCases[] = {
      {"mqtt", true}, {"tcp", true}, {"udp", false}, {"ip", true}, {"ipv6", false}, {"frame", true}, {"eth", true},
      {"mqtt.msgtype == 3", true}, {"mqtt.msgtype eq 3", true}, {"mqtt.msgtype == 0x3", true},
      {"mqtt.msgtype == 03", true}, {"mqtt.msgtype == 0b11", true}, {"mqtt.msgtype != 3", false},
      {"mqtt.msgtype ne 4", true}, {"mqtt.msgtype < 4", true}, {"mqtt.msgtype lt 3", false},
      {"mqtt.msgtype <= 3", true}, {"mqtt.msgtype le 2", false}, {"mqtt.msgtype > 2", true},
      {"mqtt.msgtype gt 3", false}, {"mqtt.msgtype >= 3", true}, {"mqtt.msgtype ge 4", false},
      {"mqtt.qos == 1", true}, {"mqtt.retain == 0", true}, {"mqtt.retain == False", true},
      {"mqtt.retain == TRUE", false}, {"mqtt.dupflag == 0", true}, {"mqtt.retain", true},
      {"mqtt.msgid == 1", true}, {"mqtt.len == 32", true},
      {"mqtt.topic == \"maison/salon/temperature\"", true}, {"mqtt.topic == maison/salon/temperature", true},
      {"mqtt.topic != \"x\"", true}, {"mqtt.topic contains \"salon\"", true}, {"mqtt.topic contains \"SALON\"", false},
      {"mqtt.topic matches \"SALON\"", true}, {"mqtt.topic matches \"(?-i)SALON\"", false},
      {"mqtt.topic ~ \"^maison/\"", true}, {"mqtt.topic matches \"temp$\"", false},
      {"mqtt.topic > \"a\"", true}, {"mqtt.topic < \"a\"", false},
      {"lower(mqtt.topic) == \"maison/salon/temperature\"", true},
      {"upper(mqtt.topic) == \"MAISON/SALON/TEMPERATURE\"", true}, {"len(mqtt.topic) == 24", true},
      {"len(mqtt.topic) > 30", false}, {"count(tcp.port) == 2", true}, {"count(mqtt.topic) == 1", true},
      {"count(ip.addr) == 2", true},
      {"mqtt.msg == \"21.5\"", true}, {"mqtt.msg == 32:31:2e:35", true}, {"mqtt.msg == 32-31-2e-35", true},
      {"mqtt.msg == 32.31.2e.35", true}, {"mqtt.msg contains \"1.5\"", true}, {"mqtt.msg contains 2e:35", true},
      {"mqtt.msg contains \"x\"", false},
      {"tcp.port == 1883", true}, {"tcp.port == 50000", true}, {"tcp.port == 80", false},
      {"tcp.port != 1883", false}, {"tcp.port != 80", true}, {"tcp.port === 1883", false},
      {"tcp.port !== 1883", true}, {"tcp.port ~= 1883", true}, {"tcp.port any_eq 1883", true},
      {"tcp.port all_ne 1883", false},
      {"tcp.port in {1883, 8883}", true}, {"tcp.port in {1883 8883}", true}, {"tcp.port in {80 443}", false},
      {"tcp.port in {1000..2000}", true}, {"tcp.port in {2000..3000}", false}, {"tcp.port not in {80, 443}", true},
      {"tcp.port not in {1883}", false}, {"mqtt.msgtype in {1..3}", true},
      {"mqtt.topic in {\"a\", \"maison/salon/temperature\"}", true}, {"mqtt.topic in {\"a\" \"b\"}", false},
      {"ip.src == 10.0.0.1", true}, {"ip.dst == 10.0.0.2", true}, {"ip.addr == 10.0.0.2", true},
      {"ip.addr == 10.0.0.3", false}, {"ip.addr == 10.0.0.0/8", true}, {"ip.addr == 10.0.0.0/30", true},
      {"ip.addr == 192.168.0.0/16", false}, {"ip.src != 10.0.0.1", false}, {"ip.src > 10.0.0.0", true},
      {"eth.src == 00:00:00:00:00:01", true}, {"eth.dst == 00:00:00:00:00:01", false},
      {"eth.addr == 00:00:00:00:00:02", true}, {"eth.type == 0x0800", true},
      {"tcp.flags.push == 1", true}, {"tcp.flags.syn == 1", false}, {"tcp.flags.syn", true},
      {"tcp.flags & 0x08", true}, {"tcp.len == 34", true}, {"frame.len > 60", true},
      {"frame.number == 1", true}, {"frame.time_relative == 0", true}, {"frame.time_relative > 1", false},
      {"mqtt and tcp", true}, {"mqtt && udp", false}, {"mqtt or udp", true}, {"udp || ipv6", false},
      {"not mqtt", false}, {"!udp", true}, {"not not mqtt", true}, {"mqtt xor tcp", false},
      {"mqtt ^^ udp", true}, {"udp or mqtt and tcp", true}, {"(udp or mqtt) and tcp", true},
      {"udp or (mqtt and udp)", false}, {"!(mqtt.msgtype == 4)", true},
      {"mqtt.msgtype == 3 and mqtt.qos == 1 and tcp.port == 1883", true},
      {"mqtt.msgtype == 3 and not mqtt.retain == 1", true},
      {"mqtt.topic matches_topic \"maison/+/temperature\"", true},
      {"mqtt.topic matches_topic \"maison/#\"", true}, {"mqtt.topic matches_topic \"#\"", true},
      {"mqtt.topic matches_topic \"maison/+\"", false}, {"mqtt.topic matches_topic \"+/+/+\"", true},
      {"mqtt.topic matches_topic \"maison/chambre_1/#\"", false},
      {"mqtt.conack.val == 0", false}, {"udp.port == 53", false}, {"mqtt.username", false},
      {"tcp.srcport == 50000", true}, {"tcp.dstport == 1883", true}, {"tcp.srcport == 1883", false},
      {"tcp.stream == 0", true}, {"tcp.seq == 1", true}, {"tcp.flags.ack == 1", true}, {"tcp.flags.fin == 0", true},
      {"tcp.flags.reset", true}, {"tcp.flags.reset == 1", false}, {"ip.ttl == 64", true}, {"ip.proto == 6", true},
      {"ip.flags.df == 1", true}, {"ip.len > 50", true}, {"ip.id == 0x1234", true},
      {"eth.type != 0x86dd", true}, {"mqtt.hdrflags == 0x32", true}, {"mqtt.hdrflags & 0x02", true},
      {"mqtt.hdrflags & 0x01", false}, {"mqtt.topic_len == 24", true}, {"mqtt.msgtype in {1, 2, 3}", true},
      {"mqtt.msgtype in {8..14}", false}, {"mqtt.msgtype not in {1..2}", true}, {"tcp.port in {1883, 1000..2000}", true},
      {"frame.protocols contains \"mqtt\"", true}, {"frame.protocols == \"eth:ethertype:ip:tcp:mqtt\"", true},
      {"mqtt.topic matches \"^MAISON/(salon|cuisine)/\"", true}, {"mqtt.topic contains \"/\"", true},
      {"(mqtt.msgtype == 3) && (tcp.port == 1883)", true}, {"((mqtt))", true}, {"!(!mqtt)", true},
      // Every filter of shared/labs.md (on a plaintext MQTT PUBLISH):
      {"tls", false}, {"tls.handshake.type == 1", false}, {"tls.handshake.type == 2", false},
      {"tls.handshake.type == 11", false}, {"tls.record.content_type == 23", false},
      {"mqtt.msgtype == 1", false}, {"mqtt.msgtype == 14", false}, {"mqtt.msgtype == 15", false},
      {"mqtt.topic[0:6] == \"maison\"", true}, {"mqtt.topic[0:6] == \"salon\"", false},
      {"mqtt.topic[-5:] == \"ature\"", true}, {"mqtt.topic[7-11] == \"salon\"", true},
      {"mqtt.topic[0] == \"m\"", true}, {"mqtt.topic[:3] == \"mai\"", true}, {"mqtt.msg[0:2] == 32:31", true},
      {"mqtt.msg[-1] == 35", true}, {"mqtt.topic[100:2] == \"xx\"", false}, {"mqtt.topic[20:10] == \"ature\"", false},
      // Wireshark 4.0: fields compared with fields, arithmetic, layers, functions, value names.
      {"tcp.srcport > tcp.dstport", true}, {"tcp.srcport == tcp.dstport", false}, {"ip.src != ip.dst", true},
      {"tcp.dstport + 1 == 1884", true}, {"{tcp.dstport - 1883} == 0", true}, {"tcp.dstport * 2 == 3766", true},
      {"tcp.dstport / 2 == 941", true}, {"tcp.dstport % 10 == 3", true}, {"-tcp.dstport == -1883", true},
      {"tcp.dstport / 0 == 1", false}, {"tcp.dstport - 1883", false}, {"tcp.dstport - 1882", true},
      {"tcp.flags & 0x18 == 0x18", true}, {"tcp.flags & 0x02 == 0x02", false},
      {"tcp.srcport - tcp.dstport == 48117", true}, {"abs(tcp.dstport - tcp.srcport) == 48117", true},
      {"max(tcp.srcport, tcp.dstport) == 50000", true}, {"min(tcp.port) == 1883", true},
      {"max(tcp.dstport, 2000) == 2000", true}, {"string(tcp.dstport) == \"1883\"", true},
      {"string(ip.src) == \"10.0.0.1\"", true}, {"string(eth.src) == \"00:00:00:00:00:01\"", true},
      {"len(tcp.dstport) == 2", true}, {"count(mqtt.msgtype) == 1", true}, {"count(udp.port) == 0", false},
      {"ip.addr#1 == 10.0.0.2", true}, {"ip.addr#2 == 10.0.0.2", false}, {"mqtt.topic#1 contains \"salon\"", true},
      {"ip.addr#[1:1] == 10.0.0.1", true}, {"mqtt#1", true}, {"mqtt#2", false},
      {"mqtt.msgtype == \"Publish Message\"", true}, {"mqtt.msgtype == \"publish message\"", true},
      {"mqtt.qos == \"At least once delivery (Acknowledged deliver)\"", true}, {"tcp.flags.push == Set", true},
      {"tcp.flags.syn == \"Not set\"", true}, {"mqtt.retain == 2", false}, {"tcp.flags.push == 2", true},
      {"frame contains \"salon\"", true}, {"tcp contains \"salon\"", true}, {"mqtt[0] == 32", true},
      {"mqtt[0] == 0x32", true}, {"mqtt[0] & 0xf0 == 30", true}, {"tcp[2:2] == 07:5b", true},
      {"tcp.port in {tcp.srcport}", true}, {"mqtt.topic contains mqtt.topic", true},
      {"tcp.dstport < tcp.srcport < 60000", true}, {"tcp.dstport < tcp.srcport < 2000", false},
      {"mqtt.topic > 3", true},
  };
  for (const auto& c : kCases) CHECK_MESSAGE(eval(c.f) == c.want, std::string(c.f));
}

TEST_CASE("filter: errors say where and why") {
  struct Case {
    const char* f;
    const char* msg;
    size_t pos;
  };
  static const Case kCases[] = {
      {"mqtt.topc == \"a\"", "Left side of \"==\" expression must be a field or function, not mqtt.topc.", 0},
      {"mqtt.topik", "mqtt.topik is neither a field nor a protocol name.", 0},
      {"mqtt.msgtype == 3 && mqtt.topik", "mqtt.topik is neither a field nor a protocol name.", 21},
      {"1883 == tcp.port", "Left side of \"==\" expression must be a field or function, not 1883.", 0},
      {"ip.addr == 300.1.1.1", "\"300.1.1.1\" is not a valid hostname or IPv4 address.", 11},
      {"ip.addr == 10.0.0.0/33", "is not a valid prefix length", 11},
      {"ip.src == \"10.0.0.1\"", "IPv4 address cannot be converted from a string (\"10.0.0.1\").", 10},
      {"ipv6.addr == ::g", "is not a valid IPv6 address", 13},
      {"(mqtt.msgtype == 3", "Unexpected end of filter expression.", 0},
      {"mqtt.msgtype == 3)", "\")\" was unexpected in this context.", 17},
      {"mqtt.msgtype ==", "Unexpected end of filter expression.", 15},
      {"mqtt.msgtype contains 3", "cannot participate in 'contains' comparison.", 22},
      {"mqtt.msgtype == \"3\"", "\"3\" cannot be found among the possible values for mqtt.msgtype.", 16},
      {"mqtt.msgtype == abc", "\"abc\" cannot be found among the possible values for mqtt.msgtype.", 16},
      {"tcp.port == \"1883\"", "Unsigned integer (2 bytes) cannot be converted from a string (\"1883\").", 12},
      {"tcp.port == 65536", "\"65536\" too big for this field, maximum 65535.", 12},
      {"mqtt.retain == true", "\"true\" cannot be found among the possible values for mqtt.retain.", 15},
      {"mqtt.topic == \"abc", "The final quote was missing from a quoted string.", 18},
      {"tcp.port in {1883, 8883", "Unexpected end of filter expression.", 12},
      {"tcp.port in {}", "A set must contain at least one element.", 0},
      {"tcp.port + 1 in {1884}", "\"in\" was unexpected in this context.", 13},
      {"mqtt.msg == zz:11", "\"zz:11\" is not a valid byte string.", 12},
      {"eth.src == 00:11", "is not a valid MAC address", 11},
      {"mqtt.topic matches \"(\"", "is not a valid regular expression", 19},
      {"mqtt.topic matches mqtt.topic", "Matches requires a double quoted string on the right side.", 19},
      {"frame.time_relative > abc", "is not a valid time", 22},
      {"mqtt.msgtype == 3 and", "Unexpected end of filter expression.", 21},
      {"== 3", "\"==\" was unexpected in this context.", 0},
      {"mqtt.msgtype # 3", "Expected digit or \"[\", not \" \"", 14},
      {"ip.addr#-1 == 10.0.0.1", "Expected digit or \"[\", not \"-\"", 8},
      {"ip.addr#[2-1] == 10.0.0.1", "Range 2-1 isn't valid because 2 is greater or equal than 1", 9},
      {"mqtt.topic[a:b] == \"x\"", "is not a valid slice", 10},
      {"mqtt.topic[0:2 == \"x\"", "Unexpected end of filter expression.", 10},
      {"tcp.port == ip.src", "tcp.port and ip.src are not of compatible types.", 12},
      {"frame contains mqtt.topic", "frame and mqtt.topic are not of compatible types.", 15},
      {"tcp.port + ip.src == 1", "FT_IPv4 cannot +.", 11},
      {"mqtt.topic + 1 == 1", "FT_STRING cannot +.", 0},
      {"tcp.port + \"a\" == 1", "\"a\" is not a valid arithmetic operand.", 11},
      {"frame.time_delta * 2 > 1", "FT_RELATIVE_TIME cannot *.", 0},
      {"foo(tcp.port) == 1", "Function 'foo' does not exist", 0},
      {"max() == 1", "Function max needs at least 1 arguments.", 0},
      {"abs(tcp.port, 1) == 1", "Function abs can only accept 1 arguments.", 0},
      {"len(1) == 1", "Only fields can be used as parameter for len()", 4},
      {"upper(tcp.port) == \"a\"", "Only string type fields can be used as parameter for upper()", 6},
      {"string(mqtt.topic) == \"a\"", "String conversion for field \"mqtt.topic\" is not supported", 7},
      {"max(tcp.port, frame.len) > 1", "Arguments to 'max' must have the same type (expected FT_UINT16, got FT_UINT32)", 14},
  };
  for (const auto& c : kCases) {
    size_t pos = 999;
    std::string m = error_of(c.f, &pos);
    CHECK_MESSAGE(m.find(c.msg) != std::string::npos, std::string(c.f) << " -> " << m);
    CHECK_MESSAGE(pos == c.pos, std::string(c.f) << " -> at " << pos);
  }
  CHECK(error_of("mqtt.topc == \"a\"").find("Did you mean mqtt.topic") != std::string::npos);
  CHECK(error_of("mqtt.topik").find("Did you mean mqtt.topic") != std::string::npos);
}

TEST_CASE("filter: error rendering with a caret") {
  std::string r = mqsniff::filter::render_error("mqtt.topc == \"a\"", {"x", 0, 9});
  CHECK(r == "x\n    mqtt.topc == \"a\"\n    ^~~~~~~~~");
}

TEST_CASE("filter: a bare boolean field gets a hint; fields are reported for the dissectors") {
  Filter f;
  FilterError err;
  REQUIRE(f.compile("mqtt.retain && tcp.port == 1883", err));
  REQUIRE(f.hints().size() == 1);
  CHECK(f.hints()[0].find("did you mean mqtt.retain == 1?") != std::string::npos);
  CHECK(f.fields().size() == 2);
}

TEST_CASE("MQTT topic names, topic filters and strings a broker accepts (§1.5.4, §4.7)") {
  using mqsniff::mqtt::valid_string;
  using mqsniff::mqtt::valid_topic_filter;
  using mqsniff::mqtt::valid_topic_name;
  for (const char* f : {"a", "a/b", "+", "#", "+/+", "a/+/c", "a/#", "/+", "+/", "$SYS/#", "$share/g/a/+", "a//b"})
    CHECK_MESSAGE(valid_topic_filter(f), f);
  for (const char* f : {"", "a#", "a/b#", "a/#/c", "#/", "a+", "+a", "a/+b/c", "a/b+"})
    CHECK_MESSAGE(!valid_topic_filter(f), f);
  for (const char* t : {"a", "a/b", "/", "a//b", "$SYS/x"}) CHECK_MESSAGE(valid_topic_name(t), t);
  for (const char* t : {"", "a/#", "a/+/b", "+", "#"}) CHECK_MESSAGE(!valid_topic_name(t), t);
  CHECK(valid_string("plant/caf\xc3\xa9"));
  CHECK_FALSE(valid_string("plant/caf\xe9"));
  CHECK_FALSE(valid_string(std::string_view("plant/\0x", 8)));
  CHECK_FALSE(valid_string("\xed\xa0\x80"));  // a UTF-16 surrogate
}

TEST_CASE("MQTT topic filter matching (§4.7)") {
  struct Case {
    const char* filter;
    const char* topic;
    bool want;
  };
  static const Case kCases[] = {
      {"maison/+/temperature", "maison/salon/temperature", true},
      {"maison/+/temperature", "maison/salon/humidite", false},
      {"maison/+/temperature", "maison/temperature", false},
      {"maison/+/temperature", "maison/a/b/temperature", false},
      {"maison/#", "maison", true},
      {"maison/#", "maison/salon", true},
      {"maison/#", "maison/salon/temperature", true},
      {"maison/#", "maisons/x", false},
      {"#", "anything/at/all", true},
      {"#", "$SYS/broker/uptime", false},
      {"+/monitor", "$SYS/monitor", false},
      {"$SYS/#", "$SYS/broker/uptime", true},
      {"+", "a", true},
      {"+", "a/b", false},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"a/b", "a/b", true},
      {"a/b", "a/b/", false},
      {"a//b", "a//b", true},
      {"maison/salon/#", "maison/salon/temperature", true},
      {"maison/#", "maison/#", false},  // a SUBSCRIBE's filter is not a publication
  };
  for (const auto& c : kCases)
    CHECK_MESSAGE(topic_matches(c.filter, c.topic) == c.want, (std::string(c.filter) + " vs " + c.topic));
}

TEST_CASE("filter: nesting and length are bounded (a fuzzer's 1,906 parentheses overflowed the stack)") {
  const std::string deep = std::string(1906, '(');
  CHECK(error_of(deep).find("nested too deeply") != std::string::npos);
  CHECK(error_of(std::string(300, '(') + "mqtt" + std::string(300, ')')).find("nested too deeply") != std::string::npos);
  CHECK(error_of(std::string(400, '!') + "mqtt").find("nested too deeply") != std::string::npos);
  std::string minus;
  for (int i = 0; i < 400; ++i) minus += "- ";
  CHECK(error_of("tcp.port == " + minus + "1").find("nested too deeply") != std::string::npos);
  CHECK(error_of(std::string(400, '{') + "1").find("nested too deeply") != std::string::npos);
  std::string chain = "tcp.port == 0";
  for (int i = 1; i <= 5000; ++i) chain += " || tcp.port == " + std::to_string(i);
  CHECK(error_of(chain).find("too many terms") != std::string::npos);
  // What people write still compiles: 200 levels, 3,000 alternatives.
  CHECK(error_of(std::string(200, '(') + "mqtt" + std::string(200, ')')).empty());
  std::string wide = "tcp.port == 0";
  for (int i = 1; i < 3000; ++i) wide += " || tcp.port == " + std::to_string(i);
  CHECK(error_of(wide).empty());
}

TEST_CASE("filter: arithmetic over repeated fields is bounded (a fuzzer's chain of sums ran out of memory)") {
  // tcp.port has two values; every '+' pairs each value of the left with each
  // of the right, as Wireshark does, so 40 terms would make 2^40 sums.
  std::string sum = "tcp.port";
  for (int i = 0; i < 40; ++i) sum += " + tcp.port";
  CHECK(eval(sum + " > 0"));
  // The pairs still mean what they mean for a few terms: 50000+1883+1883 is one of them.
  CHECK(eval("tcp.port + tcp.port + tcp.port == 53766"));
  CHECK_FALSE(eval("tcp.port + tcp.port == 1"));
}
