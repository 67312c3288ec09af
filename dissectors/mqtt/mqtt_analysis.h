// MQTT session analysis: QoS flows matched across packets of one connection.
//
// MQTT 3.1.1 §4.3 / 5.0 §4.3: a PUBLISH at QoS 1 is answered by a PUBACK from
// its receiver; at QoS 2 by PUBREC (receiver), PUBREL (sender), PUBCOMP
// (receiver). Packet identifiers belong to the sender of the PUBLISH (§2.3.1):
// client and broker number their PUBLISHes independently, so flows are kept
// per direction of the PUBLISH, and an identifier is free again (and may be
// reused, wrapping at 65535) once its flow completes.
//
// Per packet, under mqtt.analysis.* (mqsniff's own fields):
//   response_to     on PUBACK/PUBREC/PUBREL/PUBCOMP: the frame of the PUBLISH
//   time            ... the time since that PUBLISH (on PUBACK / PUBCOMP: the
//                   flow's completion latency)
//   retransmission  on a PUBLISH with DUP set (§3.3.1.1) while its flow is open,
//                   or a repeated PUBREC/PUBREL
//   incomplete      the frame of a PUBLISH whose flow never completed: in one
//                   pass, on the PUBLISH that reuses its identifier; with -2,
//                   on that PUBLISH itself too (the flow was still open at the end)
//   response_in     with -2 only (tshark's two passes): on a PUBLISH, the frame
//                   of the PUBACK or PUBCOMP that completed its flow
//   unmatched       on an acknowledgement whose PUBLISH was not captured
//   abandoned       on a CONNACK with Session Present 0 answering a client
//                   that asked to resume its session: how many of its open
//                   flows the broker (and so the client, §3.2.2.2) dropped
// Flows still open at the end of the capture are counted by -z mqtt,qos.
//
// Keep Alive (§3.1.2.10), per connection, on the client's packets:
//   keepalive_late     the silence before this client packet, when over 1.1 x
//                      the Keep Alive (timers fire a little late; 5.0: the
//                      CONNACK's Server Keep Alive replaces the client's)
//   keepalive_expired  ... over 1.5 x: the broker should have closed first
//   ping_unanswered    on a PINGREQ: the earlier PINGREQ that got no PINGRESP
//   ping_response_to   on a PINGRESP: its PINGREQ (ping_time: the round trip)
// Subscriptions, per session: the topic filters the client subscribed to (and
// did not unsubscribe from) in the capture; on each PUBLISH the broker sends
// it, `subscription` names those that match its topic ($share/GROUP/
// stripped). At most kMaxSubscriptions per client.
//
// Sessions outlive connections (§4.1): a client that connects with Clean
// Session 0 (5.0: Clean Start 0) resumes the flows its client identifier left
// open on an earlier connection, so a PUBLISH resent with DUP after a
// reconnection, or a PUBREL sent on the new connection, belongs to the flow the
// old connection began. Such sessions are kept by client identifier in a
// SessionStore (kMaxSessions; beyond, a connection's flows are its own). Clean
// Session 1 discards the stored session; a CONNACK with Session Present 0 drops
// its open flows (counted incomplete).
//
// Limit: at most kMaxInflight open flows per direction (mosquitto's default is
// 20; MQTT 5.0's Receive Maximum defaults to 65,535): beyond it a new flow is
// not tracked and its acknowledgement shows as unmatched.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dissectors/core/packet.h"

namespace mqsniff::mqtt {

struct QosFlow {
  core::Timestamp ts;       // the PUBLISH's time
  uint32_t publish_frame;   // ... and frame
  uint16_t id;              // packet identifier
  uint8_t qos;              // 1 or 2
  uint8_t stage;            // QoS 2: 0 published, 1 PUBREC seen, 2 PUBREL seen
};

// -2: what the first pass learnt, for the second to point forward. At most
// kMax completions are remembered (beyond: no response_in / incomplete from
// it, and the -q summary says so).
struct QosForward {
  static constexpr size_t kMax = 1 << 20;  // about 40 MiB at most
  std::unordered_map<uint32_t, uint32_t> response_in;  // PUBLISH frame -> completing frame
  bool first_pass_done = false;
  uint64_t not_kept = 0;
};

struct MqttAnalysis {
  static constexpr size_t kMaxInflight = 1024;
  static constexpr size_t kMaxSubscriptions = 256;
  static constexpr size_t kMaxSubscriptionBytes = 16 * 1024;  // topic filter bytes per client
  std::vector<std::string> subscriptions;  // the client's topic filters
  size_t subscription_bytes = 0;
  size_t counted = 0;     // bytes the SessionStore counts for it (stored sessions)
  uint64_t not_kept = 0;  // subscriptions over the limits
  // By the direction the PUBLISH went: [0] from the client, [1] from the
  // broker (before a CONNECT is seen: by the TCP direction).
  std::vector<QosFlow> inflight[2];
  QosForward* forward = nullptr;     // -2 (set by TCP), or null
  bool persistent = false;           // shared through the SessionStore
  size_t heap_bytes() const {
    size_t n = sizeof(MqttAnalysis) + 32 /* shared_ptr control block */ +
               subscriptions.capacity() * sizeof(std::string) + subscription_bytes +
               (inflight[0].capacity() + inflight[1].capacity()) * sizeof(QosFlow);
    return n;
  }
};

// Keep Alive timing of one connection (not of the session: a new connection
// starts its own).
struct KeepaliveTrack {
  static constexpr double kLate = 1.1, kExpire = 1.5;
  int32_t keepalive = -1;         // the CONNECT's, in seconds (-1: no CONNECT seen)
  int32_t server_keepalive = -1;  // 5.0 CONNACK Server Keep Alive
  bool have_client = false;
  core::Timestamp last_client{};  // the client's last packet
  uint32_t ping_frame = 0;        // a PINGREQ not answered yet (0: none)
  core::Timestamp ping_ts{};
  int32_t effective() const { return server_keepalive >= 0 ? server_keepalive : keepalive; }
};

// The sessions of clients that connected with Clean Session 0, by client
// identifier, capture-wide. Bounded: at most kMaxSessions; when full, the
// sessions no connection holds and with no open flow are dropped first.
class SessionStore {
public:
  static constexpr size_t kMaxSessions = 16384;
  static constexpr size_t kMaxClientId = 1024;  // a longer client identifier gets no stored session
  // Bytes the stored sessions hold (keys and state), counted in TCP's memory
  // budget: recount() after a packet changed a stored session.
  size_t bytes() const { return bytes_; }
  void recount(MqttAnalysis& a) {
    const size_t now = a.heap_bytes();
    bytes_ = bytes_ - a.counted + now;
    a.counted = now;
  }
  // Drops stored sessions no connection holds until at most `target` bytes
  // remain (those with flows in progress last). Returns how many went.
  size_t trim(size_t target);
  // The session of this client identifier (made if new); null when full.
  std::shared_ptr<MqttAnalysis> resume(std::string_view clientid);
  // Clean Session 1: the stored session ends (§3.1.2.4).
  void discard(std::string_view clientid);
  size_t size() const { return map_.size(); }
  uint64_t refused() const { return refused_; }

private:
  std::unordered_map<std::string, std::shared_ptr<MqttAnalysis>> map_;
  uint64_t refused_ = 0;
  size_t bytes_ = 0;
  static constexpr size_t kEntryBytes = 64;  // the hash node and bucket, roughly
  void erase_counted(std::unordered_map<std::string, std::shared_ptr<MqttAnalysis>>::iterator it) {
    bytes_ -= it->second->counted + it->first.capacity() + kEntryBytes;
    it->second->counted = 0;
    it->second->persistent = false;  // a connection still holding it counts it as its own
    map_.erase(it);
  }
};

// Whether any mqtt.analysis.* field is wanted (by a filter, -e, -V/JSON or a -z statistic).
bool analysis_wanted(const core::WantSet& want);
// A CONNECT (the flow's analysis is replaced by the client's session, or a
// fresh one) and its CONNACK (Session Present 0 with return code 0 drops the
// resumed flows). `store` may be null (no sharing).
void analyze_connect(std::shared_ptr<MqttAnalysis>& a, SessionStore* store, std::string_view clientid, bool clean);
void analyze_connack(MqttAnalysis& a, core::Packet& pkt, bool session_present, uint8_t rc, uint32_t off);
// Keep Alive: every MQTT packet of a connection whose CONNECT was seen (the
// CONNECT itself sets k.keepalive first).
void analyze_keepalive(KeepaliveTrack& k, core::Packet& pkt, uint8_t type, bool from_client, uint32_t off);
// Subscriptions: a SUBSCRIBE's or UNSUBSCRIBE's topic filter, from the client.
void analyze_subscribe(MqttAnalysis& a, std::string_view filter, bool subscribe);
// A PUBLISH from the broker: the client's subscriptions that match its topic.
void analyze_delivery(const MqttAnalysis& a, core::Packet& pkt, std::string_view topic, uint32_t off);
// After a PUBLISH of direction `dir` (QoS > 0) with identifier `id`.
void analyze_publish(MqttAnalysis& a, core::Packet& pkt, unsigned dir, uint16_t id, uint8_t qos, bool dup,
                     uint32_t off);
// After a PUBACK (4), PUBREC (5), PUBREL (6) or PUBCOMP (7) of direction `dir`.
void analyze_ack(MqttAnalysis& a, core::Packet& pkt, unsigned dir, uint8_t type, uint16_t id, uint32_t off);

}  // namespace mqsniff::mqtt
