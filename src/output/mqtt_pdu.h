// One MQTT control packet's fields read back from a packet's field tree:
// what the MQTT statistics (mqtt_stats.cpp) and the broker-log view
// (brokerlog.cpp) work from.
#pragma once
#include <string_view>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/tcp/tcp_fields.h"

namespace mqsniff::out {
namespace detail_mf = mqtt::mqtt_f;

// One MQTT control packet's fields, read back from the packet's tree (for the
// MQTT statistics and the broker-log view).
struct Pdu {
  int type = -1;
  int qos = 0;
  bool dup = false, retain = false;
  int msgid = -1;
  int kalive = -1;
  int conack = -1;  // CONNACK return / reason code
  std::vector<std::string_view> topics;  // PUBLISH topic, SUBSCRIBE / UNSUBSCRIBE filters
  std::vector<int> sub_qos;              // SUBSCRIBE: the QoS asked for each filter
  int version = 0;                       // CONNECT: protocol level
  bool clean = false, will_retain = false, session_present = false;
  int will_qos = 0;
  int reason = 0;                        // PUBACK/PUBREC/PUBCOMP reason code (5.0), else 0
  std::string_view clientid, username, passwd, willtopic;
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

// Calls fn(pdu) for each MQTT packet of the frame, in order.
template <typename Fn>
void each_pdu(const core::FieldTree& t, Fn fn) {
  const auto& nodes = t.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].id != detail_mf::proto) continue;
    // One reused Pdu: its lists keep their capacity (no allocation per packet).
    thread_local Pdu p;
    p.reset();
    for (size_t k = i + 1; k < nodes.size() && nodes[k].id != detail_mf::proto; ++k) {
      const core::FieldNode& n = nodes[k];
      switch (n.id) {
        case detail_mf::msgtype: if (p.type < 0) p.type = static_cast<int>(n.u); break;
        case detail_mf::qos: p.qos = static_cast<int>(n.u); break;
        case detail_mf::dupflag: p.dup = n.u != 0; break;
        case detail_mf::retain: p.retain = n.u != 0; break;
        case detail_mf::msgid: p.msgid = static_cast<int>(n.u); break;
        case detail_mf::kalive: p.kalive = static_cast<int>(n.u); break;
        case detail_mf::conack_val: case detail_mf::connack_reason_code: p.conack = static_cast<int>(n.u); break;
        case detail_mf::topic: p.topics.push_back(n.str()); break;
        case detail_mf::sub_qos: case detail_mf::subscription_options_qos: p.sub_qos.push_back(static_cast<int>(n.u)); break;
        case detail_mf::ver: p.version = static_cast<int>(n.u); break;
        case detail_mf::conflag_cleansess: p.clean = n.u != 0; break;
        case detail_mf::conflag_retain: p.will_retain = n.u != 0; break;
        case detail_mf::conflag_qos: p.will_qos = static_cast<int>(n.u); break;
        case detail_mf::conack_flags_sp: p.session_present = n.u != 0; break;
        case detail_mf::puback_reason_code: case detail_mf::pubrec_reason_code: case detail_mf::pubcomp_reason_code:
          p.reason = static_cast<int>(n.u);
          break;
        case detail_mf::clientid: p.clientid = n.str(); p.has_clientid = true; break;
        case detail_mf::username: p.username = n.str(); p.has_username = true; break;
        case detail_mf::passwd: p.passwd = n.str(); p.has_passwd = true; break;
        case detail_mf::willtopic: p.willtopic = n.str(); p.has_will = true; break;
        case detail_mf::willmsg: p.willmsg_len = n.b.n; break;
        case detail_mf::msg: p.msg_len = n.b.n; break;
        case detail_mf::analysis_response_to: p.resp = true; p.response_to = static_cast<uint32_t>(n.u); break;
        case detail_mf::analysis_time: p.time = n.t; break;
        case detail_mf::analysis_retransmission: p.retrans = n.u != 0; break;
        case detail_mf::analysis_unmatched: p.unmatched = n.u != 0; break;
        case detail_mf::analysis_incomplete: p.incomplete = static_cast<uint32_t>(n.u); break;
        case detail_mf::analysis_abandoned: p.abandoned = static_cast<uint32_t>(n.u); break;
        case detail_mf::analysis_keepalive_late: p.keepalive_late = true; break;
        case detail_mf::analysis_keepalive_expired: p.keepalive_expired = n.u != 0; break;
        case detail_mf::analysis_ping_unanswered: p.ping_unanswered = static_cast<uint32_t>(n.u); break;
        default: break;
      }
    }
    if (p.type > 0) fn(p);
  }
}

inline void want_pdu_fields(std::vector<core::FieldId>& ids) {
  ids.insert(ids.end(), {tcp::tcp_f::stream, detail_mf::proto, detail_mf::msgtype, detail_mf::qos, detail_mf::dupflag, detail_mf::retain, detail_mf::msgid,
                         detail_mf::kalive, detail_mf::conack_val, detail_mf::connack_reason_code, detail_mf::topic, detail_mf::clientid, detail_mf::username,
                         detail_mf::passwd, detail_mf::willtopic, detail_mf::willmsg, detail_mf::msg, detail_mf::analysis_response_to, detail_mf::analysis_time,
                         detail_mf::analysis_retransmission, detail_mf::analysis_unmatched, detail_mf::analysis_incomplete, detail_mf::analysis_abandoned,
                         detail_mf::analysis_keepalive_late, detail_mf::analysis_keepalive_expired, detail_mf::analysis_ping_unanswered, detail_mf::sub_qos,
                         detail_mf::subscription_options_qos, detail_mf::ver, detail_mf::conflag_cleansess, detail_mf::conflag_retain,
                         detail_mf::conflag_qos, detail_mf::conack_flags_sp, detail_mf::puback_reason_code, detail_mf::pubrec_reason_code,
                         detail_mf::pubcomp_reason_code});
}


}  // namespace mqsniff::out
