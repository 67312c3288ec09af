// One MQTT control packet's fields read back from a packet's field tree:
// what the MQTT statistics (mqtt_stats.cpp) and the broker-log view
// (brokerlog.cpp) work from.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/tcp/tcp_fields.h"
#include "dissectors/tls/tls_fields.h"

namespace mqsniff::out {
namespace detail_mf = mqtt::mqtt_f;

// One MQTT control packet's fields, read back from the packet's tree (for the
// MQTT statistics and the broker-log view).
struct Pdu {
  int type = -1;
  int flags = 0;  // the fixed header's low four bits
  int qos = 0;
  bool dup = false, retain = false;
  int msgid = -1;
  int kalive = -1;
  int conack = -1;  // CONNACK return / reason code
  bool conack_v5 = false;  // ... a 5.0 reason code (mqtt.connack.reason_code)
  std::vector<std::string_view> topics;  // PUBLISH topic, SUBSCRIBE / UNSUBSCRIBE filters
  std::vector<int> sub_qos;              // SUBSCRIBE: the QoS asked for each filter
  // SUBSCRIBE 5.0: how many filters come before the first whose Subscription
  // Options a broker refuses (reserved bits, Retain Handling 3, QoS 3); all: none.
  size_t sub_valid = SIZE_MAX;
  size_t sub_options = 0;                // Subscription Options read so far
  size_t nul_topic = SIZE_MAX;           // the first topic (filter) holding a NUL (shown up to it)
  int version = 0;                       // CONNECT: protocol level
  bool clean = false, will_retain = false, session_present = false;
  int will_qos = 0;
  int reason = 0;                        // PUBACK/PUBREC/PUBCOMP/DISCONNECT reason code (5.0), else 0
  uint64_t remaining = 0;                // Remaining Length (the packet is a few bytes more)
  int64_t max_packet = -1;               // 5.0 CONNACK/CONNECT Maximum Packet Size property
  std::string_view clientid, username, passwd, willtopic;
  std::string_view assigned_id;          // 5.0 CONNACK: Assigned Client Identifier
  int max_qos = -1, retain_available = -1;  // 5.0 CONNACK: Maximum QoS, Retain Available (-1: absent)
  int topic_alias = -1;                  // 5.0 PUBLISH: Topic Alias (-1: absent)
  bool has_clientid = false, has_username = false, has_passwd = false, has_will = false;
  size_t msg_len = 0, willmsg_len = 0;
  bool resp = false, retrans = false, unmatched = false;
  uint32_t response_to = 0, incomplete = 0, abandoned = 0;
  bool keepalive_late = false, keepalive_expired = false;
  uint32_t ping_unanswered = 0;
  core::Timestamp time{};
  void reset() {
    auto t = std::move(topics);
    auto q = std::move(sub_qos);
    t.clear();
    q.clear();
    *this = Pdu{};
    topics = std::move(t);
    sub_qos = std::move(q);
  }
};

// What the MQTT statistics read from one frame's tree, in one pass however
// many of them ask (the -z mqtt,* family, the ladder and --report each do):
// its MQTT packets and the TCP facts around them.
struct FrameFacts {
  const core::FieldTree* tree = nullptr;
  uint64_t generation = 0;
  std::vector<Pdu> pdus;  // the first `count` are this frame's (kept for their capacity)
  size_t count = 0;
  const core::FieldNode* stream = nullptr;  // tcp.stream
  bool syn = false, ack = false, fin = false, rst = false;  // the first TCP header's flags
  bool mqtt = false, tls = false;  // an MQTT / a TLS layer
  int server_keepalive = -1;       // 5.0 CONNACK Server Keep Alive
};

void parse_frame(const core::FieldTree& t, FrameFacts& out);

// The facts of this tree (cached until the tree is reset for the next packet).
inline const FrameFacts& frame_facts(const core::FieldTree& t) {
  thread_local FrameFacts cache;
  if (cache.tree != &t || cache.generation != t.generation()) {
    cache.tree = &t;
    cache.generation = t.generation();
    parse_frame(t, cache);
  }
  return cache;
}

// Calls fn(pdu) for each MQTT packet of the frame, in order.
template <typename Fn>
void each_pdu(const core::FieldTree& t, Fn fn) {
  const FrameFacts& f = frame_facts(t);
  for (size_t i = 0; i < f.count; ++i) fn(static_cast<const Pdu&>(f.pdus[i]));
}

inline void parse_frame(const core::FieldTree& t, FrameFacts& out) {
  out.count = 0;
  out.stream = nullptr;
  out.syn = out.ack = out.fin = out.rst = out.mqtt = out.tls = false;
  out.server_keepalive = -1;
  bool flags_seen[4] = {false, false, false, false};
  Pdu* cur = nullptr;
  auto commit = [&] {
    if (cur && cur->type > 0) ++out.count;
    cur = nullptr;
  };
  for (const core::FieldNode& n : t.nodes()) {
    switch (n.id) {
      case tcp::tcp_f::stream: if (!out.stream) out.stream = &n; continue;
      case tcp::tcp_f::flags_syn: if (!flags_seen[0]) flags_seen[0] = true, out.syn = n.u != 0; continue;
      case tcp::tcp_f::flags_ack: if (!flags_seen[1]) flags_seen[1] = true, out.ack = n.u != 0; continue;
      case tcp::tcp_f::flags_fin: if (!flags_seen[2]) flags_seen[2] = true, out.fin = n.u != 0; continue;
      case tcp::tcp_f::flags_reset: if (!flags_seen[3]) flags_seen[3] = true, out.rst = n.u != 0; continue;
      case tls::tls_f::proto: out.tls = true; continue;
      case detail_mf::prop_first + 0x13:
        if (out.server_keepalive < 0) out.server_keepalive = static_cast<int>(n.u);
        continue;
      case detail_mf::proto:
        commit();
        out.mqtt = true;
        // Reused Pdus: their lists keep their capacity (no allocation per packet).
        if (out.pdus.size() == out.count) out.pdus.emplace_back();
        cur = &out.pdus[out.count];
        cur->reset();
        continue;
      default: break;
    }
    if (!cur) continue;
    Pdu& p = *cur;
    const core::FieldNode& nn = n;
    switch (nn.id) {
      case detail_mf::msgtype: if (p.type < 0) p.type = static_cast<int>(nn.u); break;
      case detail_mf::hdrflags: p.flags = static_cast<int>(nn.u & 0x0f); break;
      case detail_mf::qos: p.qos = static_cast<int>(nn.u); break;
      case detail_mf::dupflag: p.dup = nn.u != 0; break;
      case detail_mf::retain: p.retain = nn.u != 0; break;
      case detail_mf::msgid: p.msgid = static_cast<int>(nn.u); break;
      case detail_mf::kalive: p.kalive = static_cast<int>(nn.u); break;
      case detail_mf::conack_val: case detail_mf::connack_reason_code:
        p.conack = static_cast<int>(nn.u);
        p.conack_v5 = nn.id == detail_mf::connack_reason_code;
        break;
      case detail_mf::topic:
        if (nn.length > nn.b.n && !(nn.flags & core::FieldNode::kGenerated) && p.nul_topic == SIZE_MAX) p.nul_topic = p.topics.size();
        p.topics.push_back(nn.str());
        break;
      case detail_mf::sub_qos: case detail_mf::subscription_options_qos: p.sub_qos.push_back(static_cast<int>(nn.u)); break;
      case detail_mf::subscription_options:
        if (p.sub_valid == SIZE_MAX && ((nn.u & 0xc0) || ((nn.u >> 4) & 3) == 3 || (nn.u & 3) == 3)) p.sub_valid = p.sub_options;
        ++p.sub_options;
        break;
      case detail_mf::ver: p.version = static_cast<int>(nn.u); break;
      case detail_mf::conflag_cleansess: p.clean = nn.u != 0; break;
      case detail_mf::conflag_retain: p.will_retain = nn.u != 0; break;
      case detail_mf::conflag_qos: p.will_qos = static_cast<int>(nn.u); break;
      case detail_mf::conack_flags_sp: p.session_present = nn.u != 0; break;
      case detail_mf::puback_reason_code: case detail_mf::pubrec_reason_code: case detail_mf::pubcomp_reason_code:
      case detail_mf::disconnect_reason_code:
        p.reason = static_cast<int>(nn.u);
        break;
      case detail_mf::len: p.remaining = nn.u; break;
      case detail_mf::prop_first + 0x27: p.max_packet = static_cast<int64_t>(nn.u); break;  // Maximum Packet Size
      case detail_mf::prop_first + 0x12: p.assigned_id = nn.str(); break;  // Assigned Client Identifier
      case detail_mf::prop_first + 0x24: p.max_qos = static_cast<int>(nn.u); break;
      case detail_mf::prop_first + 0x25: p.retain_available = static_cast<int>(nn.u); break;
      case detail_mf::prop_first + 0x23: p.topic_alias = static_cast<int>(nn.u); break;
      case detail_mf::clientid: p.clientid = nn.str(); p.has_clientid = true; break;
      case detail_mf::username: p.username = nn.str(); p.has_username = true; break;
      case detail_mf::passwd: p.passwd = nn.str(); p.has_passwd = true; break;
      case detail_mf::willtopic: p.willtopic = nn.str(); p.has_will = true; break;
      case detail_mf::willmsg: p.willmsg_len = nn.b.n; break;
      case detail_mf::msg: p.msg_len = nn.b.n; break;
      case detail_mf::analysis_response_to: p.resp = true; p.response_to = static_cast<uint32_t>(nn.u); break;
      case detail_mf::analysis_time: p.time = nn.t; break;
      case detail_mf::analysis_retransmission: p.retrans = nn.u != 0; break;
      case detail_mf::analysis_unmatched: p.unmatched = nn.u != 0; break;
      case detail_mf::analysis_incomplete: p.incomplete = static_cast<uint32_t>(nn.u); break;
      case detail_mf::analysis_abandoned: p.abandoned = static_cast<uint32_t>(nn.u); break;
      case detail_mf::analysis_keepalive_late: p.keepalive_late = true; break;
      case detail_mf::analysis_keepalive_expired: p.keepalive_expired = nn.u != 0; break;
      case detail_mf::analysis_ping_unanswered: p.ping_unanswered = static_cast<uint32_t>(nn.u); break;
      default: break;
    }
  }
  commit();
}

inline void want_pdu_fields(std::vector<core::FieldId>& ids) {
  ids.insert(ids.end(), {tcp::tcp_f::stream, detail_mf::proto, detail_mf::msgtype, detail_mf::qos, detail_mf::dupflag, detail_mf::retain, detail_mf::msgid,
                         detail_mf::kalive, detail_mf::conack_val, detail_mf::connack_reason_code, detail_mf::topic, detail_mf::clientid, detail_mf::username,
                         detail_mf::passwd, detail_mf::willtopic, detail_mf::willmsg, detail_mf::msg, detail_mf::analysis_response_to, detail_mf::analysis_time,
                         detail_mf::analysis_retransmission, detail_mf::analysis_unmatched, detail_mf::analysis_incomplete, detail_mf::analysis_abandoned,
                         detail_mf::analysis_keepalive_late, detail_mf::analysis_keepalive_expired, detail_mf::analysis_ping_unanswered, detail_mf::sub_qos,
                         detail_mf::subscription_options_qos, detail_mf::ver, detail_mf::conflag_cleansess, detail_mf::conflag_retain,
                         detail_mf::conflag_qos, detail_mf::conack_flags_sp, detail_mf::puback_reason_code, detail_mf::pubrec_reason_code,
                         detail_mf::pubcomp_reason_code, detail_mf::disconnect_reason_code, detail_mf::len,
                         detail_mf::prop_first + 0x27, detail_mf::prop_first + 0x12, detail_mf::prop_first + 0x24,
                         detail_mf::prop_first + 0x25, detail_mf::prop_first + 0x23, detail_mf::subscription_options,
                         detail_mf::hdrflags});
}


}  // namespace mqsniff::out
