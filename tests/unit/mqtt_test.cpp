#include <doctest/doctest.h>

#include "dissectors/core/value_names.h"
#include "dissectors/mqtt/mqtt_framer.h"
#include "helpers.h"

using namespace testutil;
using mqsniff::mqtt::Frame;
using mqsniff::mqtt::frame_mqtt;

namespace {
Frame frame_of(std::vector<uint8_t> b) { return frame_mqtt(std::span<const uint8_t>(b.data(), b.size())); }
// An MQTT payload in a TCP segment to port 1883.
std::vector<uint8_t> mqtt_frame(const std::vector<uint8_t>& payload, uint32_t seq = 1000, uint16_t sport = 50000,
                                uint16_t dport = 1883) {
  TcpSpec s;
  s.seq = seq;
  s.flags = 0x18;
  s.ack = 1;
  s.sport = sport;
  s.dport = dport;
  s.payload = payload;
  return eth(0x0800, ipv4_tcp(s));
}
// The broker's answer on the same connection as mqtt_frame's packets.
std::vector<uint8_t> broker_frame(const std::vector<uint8_t>& payload, uint32_t seq) {
  TcpSpec s;
  s.seq = seq;
  s.flags = 0x18;
  s.ack = 1;
  s.sport = 1883;
  s.dport = 50000;
  std::swap(s.src, s.dst);
  s.payload = payload;
  return eth(0x0800, ipv4_tcp(s));
}
}  // namespace

TEST_CASE("mqtt framer: remaining length boundaries (§2.2.3)") {
  CHECK(frame_of({0x30}).kind == Frame::Kind::NeedMore);
  CHECK(frame_of({0xc0, 0x00}).kind == Frame::Kind::Pdu);
  Frame f = frame_of({0x30, 0x7f});
  CHECK(f.kind == Frame::Kind::NeedMore);
  CHECK(f.remaining == 127);
  f = frame_of({0x30, 0xff, 0xff, 0xff, 0x7f});  // 268,435,455: the largest legal value
  CHECK(f.kind == Frame::Kind::NeedMore);
  CHECK(f.remaining == 268435455u);
  CHECK(f.header_len == 5);
  CHECK(frame_of({0x30, 0xff, 0xff, 0xff, 0xff, 0x01}).kind == Frame::Kind::Bad);  // 5 length bytes
  CHECK(frame_of({0x30, 0x80}).kind == Frame::Kind::NeedMore);  // varint split across segments
}

TEST_CASE("mqtt framer: every split of a valid packet needs more until it is whole") {
  std::vector<uint8_t> pub = {0x30, 0x0c, 0x00, 0x05, 'w', 'o', 'r', 'l', 'd', 'h', 'e', 'l', 'l', 'o'};
  for (size_t cut = 0; cut < pub.size(); ++cut) {
    std::vector<uint8_t> part(pub.begin(), pub.begin() + static_cast<long>(cut));
    CHECK(frame_of(part).kind == Frame::Kind::NeedMore);
  }
  CHECK(frame_of(pub).kind == Frame::Kind::Pdu);
}

TEST_CASE("mqtt: a PUBLISH decodes like tshark") {
  Harness h;
  h.run(mqtt_frame({0x30, 0x0c, 0x00, 0x05, 'w', 'o', 'r', 'l', 'd', 'h', 'e', 'l', 'l', 'o'}));
  CHECK(h.cols.protocol == "MQTT");
  CHECK(h.cols.info == "Publish Message [world]");
  CHECK(h.field("mqtt.topic") == "world");
  CHECK(h.field("mqtt.msg") == "68656c6c6f");
  CHECK(h.field("mqtt.hdrflags") == "0x30");
  CHECK(h.field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt");
}

TEST_CASE("mqtt: several packets in one segment give several occurrences") {
  Harness h;
  h.run(mqtt_frame({0x32, 0x06, 0x00, 0x01, 'a', 0x00, 0x07, 'x', 0x40, 0x02, 0x00, 0x07, 0xc0, 0x00}));
  CHECK(h.cols.info == "Publish Message (id=7) [a], Publish Ack (id=7), Ping Request");
  CHECK(h.field("mqtt.msgtype") == "3,4,12");
  CHECK(h.field("mqtt.msgid") == "7,7");
}

TEST_CASE("mqtt: CONNECT sets the session version; v5 properties are then parsed") {
  Harness h;
  // CONNECT v5: "MQTT", level 5, flags clean session, keepalive 60, properties {session expiry 0x11 = 30}, id "c"
  h.run(mqtt_frame({0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c, 0x05, 0x11, 0x00, 0x00,
                    0x00, 0x1e, 0x00, 0x01, 'c'}));
  CHECK(h.field("mqtt.ver") == "5");
  CHECK(h.field("mqtt.property_id") == "0x11");
  CHECK(h.field("mqtt.prop_number") == "30");
  CHECK(h.field("mqtt.clientid") == "c");
  // PUBLISH v5 with a user property k=v
  h.run(mqtt_frame({0x30, 0x0e, 0x00, 0x01, 't', 0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', 'p', 'l', 'd'},
                   1000 + 21));
  CHECK(h.field("mqtt.prop_key") == "k");
  CHECK(h.field("mqtt.prop_value") == "v");
  CHECK(h.field("mqtt.msg") == "706c64");
}

TEST_CASE("mqtt: hostile packets are marked malformed and never over-read") {
  Harness h;
  SUBCASE("topic length past the packet") {
    auto& pkt = h.run(mqtt_frame({0x30, 0x03, 0xff, 0xff, 'a'}));
    CHECK(pkt.malformed);
    CHECK(h.cols.info.find("[Malformed Packet]") != std::string::npos);
  }
  SUBCASE("five-byte remaining length") {
    auto& pkt = h.run(mqtt_frame({0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00}));
    CHECK(pkt.malformed);
  }
  SUBCASE("property length past the packet") {
    h.run(mqtt_frame({0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c, 0x7f, 0x11, 0x00}));
    CHECK(h.pkt->malformed);
  }
  SUBCASE("every truncation of a CONNECT") {
    std::vector<uint8_t> c = {0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xc2, 0x00, 0x3c,
                              0x00, 0x01, 'c', 0x00, 0x01, 'u'};
    for (size_t cut = 0; cut < c.size(); ++cut) {
      Harness hh;
      std::vector<uint8_t> part(c.begin(), c.begin() + static_cast<long>(cut));
      hh.run(mqtt_frame(part));
      CHECK_FALSE(hh.has("mqtt.username"));
    }
  }
}

TEST_CASE("mqtt 5.0: topic aliases are resolved per direction and marked") {
  Harness h;
  std::vector<uint8_t> connect = {0x10, 0x0e, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c, 0x00, 0x00, 0x01, 'c'};
  h.run(mqtt_frame(connect));
  // PUBLISH topic "a/b" with Topic Alias 7, then PUBLISH with an empty topic and alias 7.
  std::vector<uint8_t> p1 = {0x30, 0x0b, 0x00, 0x03, 'a', '/', 'b', 0x03, 0x23, 0x00, 0x07, 'h', 'i'};
  std::vector<uint8_t> p2 = {0x30, 0x08, 0x00, 0x00, 0x03, 0x23, 0x00, 0x07, 'y', 'o'};
  h.run(mqtt_frame(p1, 1000 + 16));
  CHECK(h.field("mqtt.prop.topic_alias") == "7");
  CHECK_FALSE(h.has("mqtt.topic_alias_resolved"));
  h.run(mqtt_frame(p2, 1000 + 16 + 13));
  CHECK(h.field("mqtt.topic") == "a/b");  // the (empty) topic on the wire, then the resolved one
  CHECK(h.field("mqtt.topic_alias_resolved") == "1");
  CHECK(h.cols.info == "Publish Message [a/b]");
}

TEST_CASE("mqtt 5.0: one named field per property, Will properties apart") {
  Harness h;
  // CONNECT 5.0 with a will: properties {receive maximum 10}, will properties {will delay 5, user k=v}
  std::vector<uint8_t> c = {0x10, 0x24, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x06, 0x00, 0x3c,
                            0x03, 0x21, 0x00, 0x0a,                       // properties
                            0x00, 0x01, 'c',                              // client id
                            0x0c, 0x18, 0x00, 0x00, 0x00, 0x05, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',  // will props
                            0x00, 0x01, 'w', 0x00, 0x01, 'x'};            // will topic, will payload
  h.run(mqtt_frame(c));
  CHECK_FALSE(h.pkt->malformed);
  CHECK(h.field("mqtt.prop.receive_maximum") == "10");
  CHECK(h.field("mqtt.willprop.will_delay_interval") == "5");
  CHECK(h.field("mqtt.willprop.user_property") == "k=v");
  CHECK(h.field("mqtt.prop.user_property") == "");
  CHECK(h.field("mqtt.willtopic") == "w");
}

TEST_CASE("mqtt: the version is inferred when CONNECT was not captured") {
  Harness h;
  // A 5.0 CONNACK (reason 0, properties {topic alias maximum 10}) from the broker.
  h.run(mqtt_frame({0x20, 0x06, 0x00, 0x00, 0x03, 0x22, 0x00, 0x0a}, 5000, 1883, 50000));
  CHECK(h.field("mqtt.version_inferred") == "5");
  CHECK(h.field("mqtt.prop.topic_alias_maximum") == "10");
  CHECK(h.field("mqtt.connack.reason_code") == "0");
  Harness h3;
  h3.run(mqtt_frame({0x20, 0x02, 0x00, 0x00}, 5000, 1883, 50000));
  CHECK(h3.field("mqtt.version_inferred") == "4");
  CHECK(h3.field("mqtt.conack.val") == "0");
  Harness hp;  // a lone PUBLISH is ambiguous: say so, as tshark does
  hp.run(mqtt_frame({0x30, 0x04, 0x00, 0x01, 't', 'x'}));
  CHECK(hp.has("mqtt.unknown_version"));
  Harness ha;  // AUTH exists only in 5.0 (reason Continue authentication, no properties)
  ha.run(mqtt_frame({0xf0, 0x02, 0x18, 0x00}, 5000, 1883, 50000));
  CHECK(ha.field("mqtt.version_inferred") == "5");
  CHECK(ha.field("mqtt.auth.reason_code") == "24");
  CHECK(!ha.has("mqtt.unknown_version"));
}

TEST_CASE("mqtt: a level that is neither 3.1 nor 3.1.1 gets 5.0's reason codes, as in tshark") {
  Harness h;
  // A mosquitto bridge: "MQTT" level 0x84 (3.1.1 with the bridge bit), then the
  // broker's CONNACK and a SUBACK granting QoS 1 and refusing one filter.
  h.run(mqtt_frame({0x10, 0x0e, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x84, 0x00, 0x00, 0x3c, 0x00, 0x02, 'g', 'w'}));
  CHECK(h.field("mqtt.ver") == "132");
  h.run(broker_frame({0x20, 0x02, 0x00, 0x00}, 5000));
  CHECK(h.field("mqtt.connack.reason_code") == "0");
  CHECK(!h.has("mqtt.conack.val"));
  CHECK(!h.has("mqtt.properties"));  // no 5.0 properties for all that
  h.run(broker_frame({0x90, 0x04, 0x00, 0x01, 0x01, 0x80}, 5004));
  CHECK(h.field("mqtt.suback.reason_code") == "1,128");
  CHECK(!h.has("mqtt.suback.qos"));
  Harness h4;  // 3.1.1 keeps its return codes
  h4.run(mqtt_frame({0x10, 0x0e, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x00, 0x00, 0x3c, 0x00, 0x02, 'g', 'w'}));
  h4.run(broker_frame({0x90, 0x04, 0x00, 0x01, 0x01, 0x80}, 5000));
  CHECK(h4.field("mqtt.suback.qos") == "1,128");
}

TEST_CASE("mqtt: value names as tshark shows them, Unknown where its table has none") {
  using mqsniff::core::value_name;
  auto name = [](const char* field, uint64_t v) {
    const char* n = value_name(field, v);
    return std::string(n ? n : "(none)");
  };
  CHECK(name("mqtt.ver", 4) == "MQTT v3.1.1");
  CHECK(name("mqtt.ver", 0x84) == "Unknown");
  CHECK(name("mqtt.suback.qos", 0x80) == "Failure");  // 3.1.1 §3.9.3: a refused subscription
  CHECK(name("mqtt.conack.val", 6) == "Unknown");
  // Each packet type names the reason codes it may carry (5.0 §3.x), others are Unknown.
  CHECK(name("mqtt.connack.reason_code", 0x86) == "Bad User Name or Password");
  CHECK(name("mqtt.connack.reason_code", 0x10) == "Unknown");
  CHECK(name("mqtt.connack.reason_code", 1) == "Unknown");
  CHECK(name("mqtt.puback.reason_code", 0x10) == "No matching subscribers");
  CHECK(name("mqtt.pubrel.reason_code", 0x92) == "Packet Identifier not found");
  CHECK(name("mqtt.pubrel.reason_code", 0x80) == "Unknown");
  CHECK(name("mqtt.suback.reason_code", 2) == "Granted QoS 2");
  CHECK(name("mqtt.suback.reason_code", 0x9e) == "Shared Subscription not supported");
  CHECK(name("mqtt.unsuback.reason_code", 0x11) == "No subscription existed");
  CHECK(name("mqtt.disconnect.reason_code", 0) == "Normal disconnection");
  CHECK(name("mqtt.disconnect.reason_code", 0x8e) == "Session taken over");
  CHECK(name("mqtt.disconnect.reason_code", 0x91) == "Unknown");
  CHECK(name("mqtt.auth.reason_code", 0x18) == "Continue authentication");
  CHECK(name("mqtt.auth.reason_code", 0x80) == "Unknown");
  CHECK(name("mqtt.subscription_options_retain", 1) == "Send msgs if subscription does not exist");
  CHECK(name("mqtt.property_id", 0x7f) == "Unknown");
}

TEST_CASE("mqtt: specification violations are malformed with a reason, and dissection goes on") {
  SUBCASE("SUBSCRIBE with fixed-header flags 0 instead of 2") {
    Harness h;
    h.run(mqtt_frame({0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}));
    CHECK(h.pkt->malformed);
    CHECK(h.field("_ws.expert.message").find("Fixed-header flags") != std::string::npos);
    CHECK(h.field("mqtt.topic") == "a");  // still dissected
  }
  SUBCASE("PUBLISH with QoS 3") {
    Harness h;
    h.run(mqtt_frame({0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01}));
    CHECK(h.pkt->malformed);
  }
  SUBCASE("a topic that is not UTF-8") {
    Harness h;
    h.run(mqtt_frame({0x30, 0x05, 0x00, 0x02, 0xff, 0xfe, 'x'}));
    CHECK(h.pkt->malformed);
    CHECK(h.field("_ws.expert.message").find("Invalid UTF-8 in Topic") != std::string::npos);
  }
  SUBCASE("a binary password is fine") {
    Harness h;
    h.run(mqtt_frame({0x10, 0x14, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xc2, 0x00, 0x3c, 0x00, 0x01, 'c', 0x00,
                      0x01, 'u', 0x00, 0x02, 0xff, 0x00}));
    CHECK_FALSE(h.pkt->malformed);
    CHECK(h.field("mqtt.passwd_len") == "2");
  }
  SUBCASE("a repeated property") {
    Harness h;
    h.run(mqtt_frame({0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c, 0x06, 0x21, 0x00, 0x01,
                      0x21, 0x00, 0x02, 0x00, 0x00}));
    CHECK(h.pkt->malformed);
    CHECK(h.field("_ws.expert.message").find("appears more than once") != std::string::npos);
  }
  SUBCASE("an empty topic without an alias gets tshark's expert") {
    Harness h;
    h.run(mqtt_frame({0x30, 0x03, 0x00, 0x00, 'x'}));
    CHECK(h.has("mqtt.illegal_topic_length"));
    CHECK(h.field("_ws.expert.message").find("Length cannot be 0") != std::string::npos);
  }
  SUBCASE("bytes after a 3.1.1 PINGREQ") {
    Harness h;
    h.run(mqtt_frame({0xc0, 0x01, 0x00}));
    CHECK(h.pkt->malformed);
  }
}

TEST_CASE("mqtt: a 5.0 payload goes where its Content Type sends it in tshark") {
  // A 5.0 session (CONNECT level 5), then PUBLISHes with a Content Type property.
  auto publish = [](const std::string& ct, const std::string& msg) {
    std::vector<uint8_t> props = {0x03, 0x00, static_cast<uint8_t>(ct.size())};
    props.insert(props.end(), ct.begin(), ct.end());
    std::vector<uint8_t> body = {0x00, 0x01, 't', static_cast<uint8_t>(props.size())};
    body.insert(body.end(), props.begin(), props.end());
    body.insert(body.end(), msg.begin(), msg.end());
    std::vector<uint8_t> p = {0x30, static_cast<uint8_t>(body.size())};
    p.insert(p.end(), body.begin(), body.end());
    return p;
  };
  const std::vector<uint8_t> connect = {0x10, 0x0f, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3c,
                                        0x00, 0x00, 0x02, 'i', 'd'};
  auto run = [&](const std::string& ct, const std::string& msg) {
    auto h = std::make_unique<Harness>();
    h->run(mqtt_frame(connect));
    h->run(mqtt_frame(publish(ct, msg), 1000 + static_cast<uint32_t>(connect.size())));
    return h;
  };
  auto h = run("text/plain", "line one\nline two\n");
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt:data-text-lines");
  CHECK(h->cols.info == "Publish Message [t] (text/plain)");
  h = run("TEXT/PLAIN", "x");  // case does not matter, the Info keeps it as written
  CHECK(h->cols.info == "Publish Message [t] (TEXT/PLAIN)");
  h = run("text/plain; charset=utf-8", "x");  // parameters: no match
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt");
  h = run("application/json", "{\"v\":1}");
  CHECK(h->cols.protocol == "MQTT/JSON");
  CHECK(h->field("json.path_with_value") == "/v:1");
  h = run("application/json", "not json");  // the JSON layer, then the text
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt:json:data-text-lines");
  CHECK(h->cols.info == "Publish Message [t], JavaScript Object Notation (application/json)");
  h = run("application/octet-stream", "\x01\x02");
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt:data");
  CHECK(h->field("data.data") == "0102");
  h = run("application/vnd.acme+yaml", "a: 1");  // a type tshark has no dissector for: the message only
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt");
  // XML: tshark's grammar (attributes need no quotes; a backslash escapes nothing).
  h = run("application/xml", "<?xml version=\"1.0\"?><r a=1><v>21.5</v><!-- c --></r>");
  CHECK(h->cols.protocol == "MQTT/XML");
  CHECK(h->field("xml.tag") == "<r a=1>,<v>");
  CHECK(h->field("xml.attribute") == "a=1");
  CHECK(h->field("xml.cdata") == "21.5");
  CHECK(h->field("xml.comment") == "<!-- c -->");
  CHECK(h->field("xml.xmlpi.xml.version") == "1.0");
  CHECK(!h->pkt->malformed);
  h = run("text/xml", "<a x=\"q\\\"t\">t</a>");  // no escape: the tag fails, then "</a>" closes nothing
  CHECK(h->has("xml.unrecognized_text"));
  CHECK(h->has("xml.closing_unopened_tag"));
  CHECK(h->field("xml.unknown") == "x=\"q\\\"t\">t");
  h = run("application/xml", "<");  // one byte: tshark's exception
  CHECK(h->pkt->malformed);
  CHECK(h->cols.protocol == "MQTT");
  // CBOR: the first item; a map whose pair is missing is malformed.
  h = run("application/cbor", std::string("\xa1\x61k\x38\x63", 5));
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt:cbor");
  CHECK(h->field("cbor.type.textstring") == "k");
  CHECK(h->field("cbor.type.nint") == "-100");
  CHECK(h->field("cbor.item.pairs") == "1");
  CHECK(!h->pkt->malformed);
  h = run("application/cbor", "\xa1");
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt:cbor");
  CHECK(h->pkt->malformed);
  CHECK(h->cols.info == "Publish Message [t][Malformed Packet]");
  // Form data: tshark's parsing (an '&' before the '=' stays in the key).
  h = run("application/x-www-form-urlencoded", "a=1+2&x&y=%41");
  CHECK(h->field("urlencoded-form.key") == "a,x&y");
  CHECK(h->field("urlencoded-form.value") == "1 2,A");
  CHECK(h->cols.info == "Publish Message [t] (application/x-www-form-urlencoded)");
  h = run("application/x-www-form-urlencoded", "k=v%4");  // an escape cut by the end
  CHECK(h->pkt->malformed);
  CHECK(h->field("urlencoded-form.value").empty());
  // An empty payload: the tree and the Info text, no layer (tshark drops a
  // layer that took no bytes); CBOR has no item: malformed.
  h = run("text/plain", "");
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt");
  CHECK(h->cols.info == "Publish Message [t] (text/plain)");
  CHECK(h->has("data-text-lines"));
  h = run("application/cbor", "");
  CHECK(h->field("frame.protocols") == "eth:ethertype:ip:tcp:mqtt:cbor");
  CHECK(h->pkt->malformed);
}
