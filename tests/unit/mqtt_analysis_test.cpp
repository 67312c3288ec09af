// QoS flow analysis (mqtt.analysis.*): PUBLISH matched with PUBACK, or
// PUBREC/PUBREL/PUBCOMP, by packet identifier and direction.
#include <doctest/doctest.h>

#include "dissectors/mqtt/mqtt_analysis.h"
#include "helpers.h"

using namespace testutil;

namespace {
// One MQTT conversation, client 10.0.0.1:50000 <-> broker 10.0.0.2:1883, one second
// between frames; sequence numbers kept per direction.
// A second Conv on another client port may share the first one's Harness (a
// reconnection: one capture, two connections).
struct Conv {
  Harness own;
  Harness& h;
  uint16_t port;
  uint32_t seq[2] = {1000, 5000};
  explicit Conv(uint16_t client_port = 50000, Harness* shared = nullptr)
      : h(shared ? *shared : own), port(client_port) {
    h.st.mqtt_analysis = true;
  }
  Harness& send(bool from_client, const std::vector<uint8_t>& mqtt) {
    TcpSpec s;
    s.flags = 0x18;
    if (!from_client) std::swap(s.src, s.dst);
    s.sport = from_client ? port : 1883;
    s.dport = from_client ? 1883 : port;
    s.seq = seq[from_client ? 0 : 1];
    s.ack = seq[from_client ? 1 : 0];
    s.payload = mqtt;
    seq[from_client ? 0 : 1] += static_cast<uint32_t>(mqtt.size());
    h.run(eth(0x0800, ipv4_tcp(s)));
    return h;
  }
};
std::vector<uint8_t> publish(uint8_t qos, uint16_t id, bool dup = false) {
  std::vector<uint8_t> b;
  b.reserve(8);
  for (uint8_t x : {static_cast<uint8_t>(0x30 | qos << 1 | (dup ? 8 : 0)), uint8_t{0}, uint8_t{0}, uint8_t{1}, uint8_t{'t'}})
    b.push_back(x);
  if (qos) {
    b.push_back(static_cast<uint8_t>(id >> 8));
    b.push_back(static_cast<uint8_t>(id));
  }
  b.push_back('x');
  b[1] = static_cast<uint8_t>(b.size() - 2);
  return b;
}
std::vector<uint8_t> ack(uint8_t type, uint16_t id) {
  return {static_cast<uint8_t>(type << 4 | (type == 6 ? 2 : 0)), 2, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)};
}
// MQTT 3.1.1 CONNECT (keepalive 60) and CONNACK (return code 0).
std::vector<uint8_t> connect(const std::string& id, bool clean, uint8_t keepalive = 60) {
  std::vector<uint8_t> b = {0x10, 0, 0, 4, 'M', 'Q', 'T', 'T', 4, static_cast<uint8_t>(clean ? 2 : 0), 0, keepalive, 0,
                            static_cast<uint8_t>(id.size())};
  for (char ch : id) b.push_back(static_cast<uint8_t>(ch));
  b[1] = static_cast<uint8_t>(b.size() - 2);
  return b;
}
std::vector<uint8_t> connack(bool session_present) { return {0x20, 2, static_cast<uint8_t>(session_present), 0}; }
// SUBSCRIBE (QoS 0) / UNSUBSCRIBE of one filter, and a PUBLISH QoS 0 to `topic`.
std::vector<uint8_t> subscribe(const std::string& filter, bool sub = true) {
  std::vector<uint8_t> b = {static_cast<uint8_t>(sub ? 0x82 : 0xA2), 0, 0, 1, 0, static_cast<uint8_t>(filter.size())};
  for (char ch : filter) b.push_back(static_cast<uint8_t>(ch));
  if (sub) b.push_back(0);
  b[1] = static_cast<uint8_t>(b.size() - 2);
  return b;
}
std::vector<uint8_t> publish_to(const std::string& topic) {
  std::vector<uint8_t> b = {0x30, 0, 0, static_cast<uint8_t>(topic.size())};
  for (char ch : topic) b.push_back(static_cast<uint8_t>(ch));
  b.push_back('x');
  b[1] = static_cast<uint8_t>(b.size() - 2);
  return b;
}
const std::vector<uint8_t> kPingreq = {0xC0, 0}, kPingresp = {0xD0, 0};
}  // namespace

TEST_CASE("mqtt analysis: QoS 1 and QoS 2 flows, latency to completion") {
  Conv c;
  c.send(true, publish(1, 1));                                   // frame 1
  CHECK_FALSE(c.h.has("mqtt.analysis.response_to"));
  auto& h = c.send(false, ack(4, 1));                            // 2: PUBACK
  CHECK(h.field("mqtt.analysis.response_to") == "1");
  CHECK(h.field("mqtt.analysis.time") == "1.000000000");
  c.send(true, publish(2, 2));                                   // 3
  CHECK(c.send(false, ack(5, 2)).field("mqtt.analysis.response_to") == "3");  // 4: PUBREC
  CHECK(c.send(true, ack(6, 2)).field("mqtt.analysis.response_to") == "3");   // 5: PUBREL (from the sender)
  auto& done = c.send(false, ack(7, 2));                         // 6: PUBCOMP
  CHECK(done.field("mqtt.analysis.response_to") == "3");
  CHECK(done.field("mqtt.analysis.time") == "3.000000000");
  CHECK_FALSE(done.has("mqtt.analysis.unmatched"));
}

TEST_CASE("mqtt analysis: identifiers free again after completion, per direction, wrapping at 65535") {
  Conv c;
  c.send(true, publish(1, 65535));  // 1
  c.send(true, publish(1, 1));      // 2: two in flight
  c.send(false, publish(1, 1));     // 3: the broker's own id 1 does not collide with the client's
  CHECK(c.send(true, ack(4, 1)).field("mqtt.analysis.response_to") == "3");       // 4: the client acks the broker's
  CHECK(c.send(false, ack(4, 1)).field("mqtt.analysis.response_to") == "2");      // 5
  CHECK(c.send(false, ack(4, 65535)).field("mqtt.analysis.response_to") == "1");  // 6: acks out of order
  auto& again = c.send(true, publish(1, 1));  // 7: reused after completion
  CHECK_FALSE(again.has("mqtt.analysis.incomplete"));
  CHECK(c.send(false, ack(4, 1)).field("mqtt.analysis.response_to") == "7");
}

TEST_CASE("mqtt analysis: DUP retransmission, a reused identifier, an acknowledgement of nothing") {
  Conv c;
  c.send(true, publish(2, 5));                     // 1
  auto& dup = c.send(true, publish(2, 5, true));   // 2: the same message again
  CHECK(dup.field("mqtt.analysis.retransmission") == "1");
  CHECK_FALSE(dup.has("mqtt.analysis.incomplete"));
  CHECK(c.send(false, ack(5, 5)).field("mqtt.analysis.response_to") == "1");  // 3: PUBREC of the first copy
  auto& reuse = c.send(true, publish(1, 5));       // 4: a new message with the id of an open flow
  CHECK(reuse.field("mqtt.analysis.incomplete") == "1");
  CHECK(c.send(false, ack(4, 5)).field("mqtt.analysis.response_to") == "4");
  auto& none = c.send(false, ack(4, 99));          // 6
  CHECK(none.field("mqtt.analysis.unmatched") == "1");
  CHECK_FALSE(none.has("mqtt.analysis.response_to"));
  // A PUBCOMP for a QoS 1 flow is not its completion.
  c.send(true, publish(1, 6));                      // 7
  CHECK(c.send(false, ack(7, 6)).field("mqtt.analysis.unmatched") == "1");
  CHECK(c.send(false, ack(4, 6)).field("mqtt.analysis.response_to") == "7");
}

TEST_CASE("mqtt analysis: at most kMaxInflight open flows per direction") {
  Conv c;
  const size_t n = mqsniff::mqtt::MqttAnalysis::kMaxInflight;
  for (size_t i = 0; i < n + 1; ++i) c.send(true, publish(1, static_cast<uint16_t>(i + 1)));
  CHECK(c.send(false, ack(4, static_cast<uint16_t>(n))).field("mqtt.analysis.response_to") == std::to_string(n));
  CHECK(c.send(false, ack(4, static_cast<uint16_t>(n + 1))).field("mqtt.analysis.unmatched") == "1");  // not tracked
}

TEST_CASE("mqtt analysis: off unless asked for") {
  Conv c;
  c.h.st.mqtt_analysis = false;
  c.send(true, publish(1, 1));
  CHECK_FALSE(c.send(false, ack(4, 1)).has("mqtt.analysis.response_to"));
}

TEST_CASE("mqtt analysis: -2, the first pass's outcomes point forward in the second") {
  mqsniff::mqtt::QosForward fw;
  auto run = [&](Conv& c) {
    c.h.st.qos_forward = &fw;
    c.send(true, publish(1, 1));   // 1: completed in frame 2
    c.send(false, ack(4, 1));      // 2
    c.send(true, publish(2, 2));   // 3: PUBREC only, never completed
    return &c.send(false, ack(5, 2));
  };
  Conv first;
  run(first);
  CHECK(fw.response_in.size() == 1);
  CHECK(fw.response_in.at(1) == 2);
  fw.first_pass_done = true;
  Conv second;
  second.h.st.qos_forward = &fw;
  CHECK(second.send(true, publish(1, 1)).field("mqtt.analysis.response_in") == "2");
  second.send(false, ack(4, 1));
  auto& open = second.send(true, publish(2, 2));
  CHECK(open.field("mqtt.analysis.incomplete") == "3");
  CHECK_FALSE(open.has("mqtt.analysis.response_in"));
}

TEST_CASE("mqtt analysis: a session resumed on a new connection (clean session 0) keeps its open flows") {
  Conv a(50000);
  a.send(true, connect("dev", false));              // 1
  a.send(false, connack(false));                    // 2
  a.send(true, publish(2, 7));                      // 3: QoS 2, only its PUBREC comes
  a.send(false, ack(5, 7));                         // 4
  a.send(true, publish(1, 8));                      // 5: QoS 1, no PUBACK
  Conv b(50001, &a.h);
  b.send(true, connect("dev", false));              // 6: the same client, session kept
  CHECK_FALSE(b.send(false, connack(true)).has("mqtt.analysis.abandoned"));  // 7
  auto& dup = b.send(true, publish(1, 8, true));    // 8: resent with DUP on the new connection
  CHECK(dup.field("mqtt.analysis.retransmission") == "1");
  CHECK(b.send(false, ack(4, 8)).field("mqtt.analysis.response_to") == "5");  // 9
  CHECK(b.send(true, ack(6, 7)).field("mqtt.analysis.response_to") == "3");   // 10: PUBREL of the old flow
  auto& comp = b.send(false, ack(7, 7));            // 11
  CHECK(comp.field("mqtt.analysis.response_to") == "3");
  CHECK(comp.field("mqtt.analysis.time") == "8.000000000");  // from the first connection's PUBLISH
}

TEST_CASE("mqtt analysis: Session Present 0 abandons the open flows; clean session 1 starts afresh") {
  Conv a(50000);
  a.send(true, connect("dev", false));
  a.send(false, connack(false));
  a.send(true, publish(2, 3));                      // 3: never answered (a broker that dies)
  Conv b(50001, &a.h);
  b.send(true, connect("dev", false));
  CHECK(b.send(false, connack(false)).field("mqtt.analysis.abandoned") == "1");  // the broker lost the session
  auto& again = b.send(true, publish(2, 3, true));  // 6: the DUP copy starts a flow of its own
  CHECK_FALSE(again.has("mqtt.analysis.retransmission"));
  CHECK(b.send(false, ack(5, 3)).field("mqtt.analysis.response_to") == "6");
  // Clean session 1: nothing of the earlier session is resumed.
  b.send(true, publish(1, 4));                      // 8: left open
  Conv c(50002, &a.h);
  c.send(true, connect("dev", true));
  CHECK_FALSE(c.send(false, connack(false)).has("mqtt.analysis.abandoned"));
  CHECK(c.send(false, ack(4, 4)).field("mqtt.analysis.unmatched") == "1");
  // Another client's identifiers are its own.
  Conv d(50003, &a.h);
  d.send(true, connect("other", false));
  d.send(false, connack(false));
  CHECK(d.send(false, ack(5, 3)).field("mqtt.analysis.unmatched") == "1");
}

TEST_CASE("mqtt analysis: the session store is bounded") {
  mqsniff::mqtt::SessionStore store;
  std::vector<std::shared_ptr<mqsniff::mqtt::MqttAnalysis>> held;
  for (size_t i = 0; i < mqsniff::mqtt::SessionStore::kMaxSessions; ++i) held.push_back(store.resume("c" + std::to_string(i)));
  CHECK(store.size() == mqsniff::mqtt::SessionStore::kMaxSessions);
  CHECK(store.resume("one more") == nullptr);  // all held by connections
  CHECK(store.refused() == 1);
  held.resize(10);                             // connections closed, nothing in flight
  CHECK(store.resume("one more") != nullptr);  // room made
  CHECK(store.size() == 11);
  CHECK(store.resume("c3") == held[3]);        // a held session is the same one
}

TEST_CASE("mqtt analysis: Keep Alive, late and expired silences, pings answered or not") {
  Conv c;
  c.send(true, connect("k", true, 10));               // frame 1, t=1001
  c.send(false, connack(false));                      // 2
  CHECK_FALSE(c.send(true, kPingreq).has("mqtt.analysis.keepalive_late"));  // 3: 2 s after the CONNECT
  auto& pong = c.send(false, kPingresp);              // 4
  CHECK(pong.field("mqtt.analysis.ping_response_to") == "3");
  CHECK(pong.field("mqtt.analysis.ping_time") == "1.000000000");
  c.h.clock_offset += 10;                             // 12 s of silence: over 1.1 x 10, within 1.5 x
  auto& late = c.send(true, kPingreq);                // 5
  CHECK(late.field("mqtt.analysis.keepalive_late") == "12.000000000");
  CHECK_FALSE(late.has("mqtt.analysis.keepalive_expired"));
  c.h.clock_offset += 20;                             // 21 s: over 1.5 x 10, and the last PINGREQ unanswered
  auto& expired = c.send(true, kPingreq);             // 6
  CHECK(expired.field("mqtt.analysis.keepalive_late") == "21.000000000");
  CHECK(expired.field("mqtt.analysis.keepalive_expired") == "1");
  CHECK(expired.field("mqtt.analysis.ping_unanswered") == "5");
  CHECK(c.send(false, kPingresp).field("mqtt.analysis.ping_response_to") == "6");
  // Keep Alive 0: no timing at all.
  Conv off(50001);
  off.send(true, connect("z", true, 0));
  off.h.clock_offset += 1000;
  CHECK_FALSE(off.send(true, kPingreq).has("mqtt.analysis.keepalive_late"));
}

TEST_CASE("mqtt analysis: the subscriptions a delivery was made for") {
  Conv c;
  c.send(true, connect("s", false));
  c.send(false, connack(false));
  c.send(true, subscribe("maison/+/temperature"));
  c.send(true, subscribe("maison/#"));
  c.send(true, subscribe("$share/g/jardin/#"));
  CHECK(c.send(false, publish_to("maison/salon/temperature")).field("mqtt.analysis.subscription") ==
        "maison/+/temperature,maison/#");
  CHECK(c.send(false, publish_to("jardin/arrosage")).field("mqtt.analysis.subscription") == "$share/g/jardin/#");
  CHECK_FALSE(c.send(false, publish_to("$SYS/x")).has("mqtt.analysis.subscription"));
  CHECK_FALSE(c.send(true, publish_to("maison/salon/temperature")).has("mqtt.analysis.subscription"));  // from the client
  c.send(true, subscribe("maison/#", false));          // UNSUBSCRIBE
  CHECK(c.send(false, publish_to("maison/a/temperature")).field("mqtt.analysis.subscription") == "maison/+/temperature");
  // The session's subscriptions survive a reconnection that resumes it, not one the broker answers with Session Present 0.
  Conv d(50001, &c.h);
  d.send(true, connect("s", false));
  d.send(false, connack(true));
  CHECK(d.send(false, publish_to("maison/b/temperature")).field("mqtt.analysis.subscription") == "maison/+/temperature");
  Conv e(50002, &c.h);
  e.send(true, connect("s", false));
  e.send(false, connack(false));
  CHECK_FALSE(e.send(false, publish_to("maison/b/temperature")).has("mqtt.analysis.subscription"));
}

TEST_CASE("mqtt analysis: stored sessions and subscriptions are counted and bounded in bytes") {
  using mqsniff::mqtt::MqttAnalysis;
  using mqsniff::mqtt::SessionStore;
  SessionStore store;
  CHECK(store.bytes() == 0);
  auto a = store.resume("client-a");
  const size_t one = store.bytes();
  CHECK(one >= sizeof(MqttAnalysis));
  // Subscriptions grow the session; the store re-counts it when asked.
  mqsniff::mqtt::analyze_subscribe(*a, std::string(1000, 'x'), true);
  store.recount(*a);
  CHECK(store.bytes() >= one + 1000);
  // At most kMaxSubscriptionBytes of topic filters per client: the rest is counted as not kept.
  for (int i = 0; i < 40; ++i) mqsniff::mqtt::analyze_subscribe(*a, std::to_string(i) + std::string(1000, 'y'), true);
  CHECK(a->subscription_bytes <= MqttAnalysis::kMaxSubscriptionBytes);
  CHECK(a->not_kept > 0);
  mqsniff::mqtt::analyze_subscribe(*a, std::string(1000, 'x'), false);  // unsubscribing gives the bytes back
  CHECK(a->subscription_bytes < MqttAnalysis::kMaxSubscriptionBytes - 900);
  // A client identifier longer than kMaxClientId gets no stored session.
  CHECK(store.resume(std::string(SessionStore::kMaxClientId + 1, 'c')) == nullptr);
  // trim() drops sessions nobody holds until the bytes fit; held ones stay.
  for (int i = 0; i < 100; ++i) store.resume("idle-" + std::to_string(i));
  const size_t before = store.bytes();
  CHECK(store.size() == 101);
  CHECK(store.trim(before / 2) > 0);
  CHECK(store.bytes() <= before / 2);
  CHECK(store.resume("client-a") == a);  // still stored: a connection holds it
  const size_t stored = store.size();
  CHECK(store.trim(0) == stored - 1);
  CHECK(store.size() == 1);
}
