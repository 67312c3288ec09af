#include "dissectors/mqtt/mqtt_analysis.h"

#include "dissectors/core/expert.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/mqtt/mqtt_topic.h"

#include <algorithm>
#include <cstdio>

namespace mqsniff::mqtt {

namespace {

QosFlow* find(std::vector<QosFlow>& v, uint16_t id) {
  for (auto& f : v)
    if (f.id == id) return &f;
  return nullptr;
}

void erase(std::vector<QosFlow>& v, QosFlow* f) {
  *f = v.back();
  v.pop_back();
}

void responds(core::Packet& pkt, const QosFlow& f, uint32_t off) {
  auto& t = pkt.tree;
  t.add_uint(mqtt_f::analysis_response_to, f.publish_frame, off, 0);
  t.add_time(mqtt_f::analysis_time, core::ts_sub(pkt.frame.ts, f.ts), off, 0);
}

void unmatched(core::Packet& pkt, uint32_t off) {
  pkt.tree.add_bool(mqtt_f::analysis_unmatched, true, off, 0);
  core::add_expert(pkt.tree, "Acknowledgement of a PUBLISH that was not captured (or not in flight)",
                   core::Severity::Note, core::ExpertGroup::Sequence, off, 0);
}

// -2, second pass: a new flow's PUBLISH points at the packet that will
// complete it, or is marked as never completed.
void forward_fields(const MqttAnalysis& a, core::Packet& pkt, uint32_t off) {
  if (!a.forward || !a.forward->first_pass_done || a.forward->not_kept) return;
  const uint32_t frame = static_cast<uint32_t>(pkt.frame.number);
  if (auto it = a.forward->response_in.find(frame); it != a.forward->response_in.end())
    pkt.tree.add_uint(mqtt_f::analysis_response_in, it->second, off, 0);
  else
    pkt.tree.add_uint(mqtt_f::analysis_incomplete, frame, off, 0);
}

}  // namespace

bool analysis_wanted(const core::WantSet& want) {
  for (core::FieldId id = mqtt_f::analysis_response_to; id <= mqtt_f::analysis_subscription; ++id)
    if (want.has(id)) return true;
  return false;
}

std::shared_ptr<MqttAnalysis> SessionStore::resume(std::string_view clientid) {
  if (clientid.size() > kMaxClientId) {
    ++refused_;
    return nullptr;
  }
  std::string key(clientid);
  if (auto it = map_.find(key); it != map_.end()) return it->second;
  if (map_.size() >= kMaxSessions) {
    // Sessions nobody holds with nothing in flight carry no information.
    for (auto it = map_.begin(); it != map_.end();) {
      auto next = std::next(it);
      if (it->second.use_count() == 1 && it->second->inflight[0].empty() && it->second->inflight[1].empty())
        erase_counted(it);
      it = next;
    }
    if (map_.size() >= kMaxSessions) {
      ++refused_;
      return nullptr;
    }
  }
  auto a = std::make_shared<MqttAnalysis>();
  a->persistent = true;
  auto it = map_.emplace(std::move(key), a).first;
  bytes_ += it->first.capacity() + kEntryBytes;
  recount(*a);
  return a;
}

void SessionStore::discard(std::string_view clientid) {
  if (map_.empty()) return;
  if (auto it = map_.find(std::string(clientid)); it != map_.end()) erase_counted(it);
}

size_t SessionStore::trim(size_t target) {
  size_t gone = 0;
  for (int pass = 0; pass < 2 && bytes_ > target; ++pass) {
    for (auto it = map_.begin(); it != map_.end() && bytes_ > target;) {
      auto next = std::next(it);
      const bool idle = it->second->inflight[0].empty() && it->second->inflight[1].empty();
      if (it->second.use_count() == 1 && (idle || pass == 1)) {
        erase_counted(it);
        ++gone;
      }
      it = next;
    }
  }
  refused_ += gone;
  return gone;
}

void analyze_connect(std::shared_ptr<MqttAnalysis>& a, SessionStore* store, std::string_view clientid, bool clean) {
  QosForward* fw = a ? a->forward : nullptr;
  a.reset();
  // An empty client identifier gets a server-assigned one and no stored session (§3.1.3.1).
  if (store && !clientid.empty()) {
    if (clean) store->discard(clientid);
    else a = store->resume(clientid);
  }
  if (!a) a = std::make_shared<MqttAnalysis>();
  if (fw) a->forward = fw;
}

void analyze_connack(MqttAnalysis& a, core::Packet& pkt, bool session_present, uint8_t rc, uint32_t off) {
  if (!a.persistent || session_present || rc != 0) return;
  a.subscriptions.clear();  // the broker lost them with the session
  const size_t n = a.inflight[0].size() + a.inflight[1].size();
  if (n == 0) return;
  a.inflight[0].clear();
  a.inflight[1].clear();
  pkt.tree.add_uint(mqtt_f::analysis_abandoned, n, off, 0);
  core::add_expert(pkt.tree,
                   "The broker kept no session (Session Present 0): " + std::to_string(n) +
                       " open QoS flow(s) of the client's earlier connection are abandoned",
                   core::Severity::Warn, core::ExpertGroup::Sequence, off, 0);
}

void analyze_keepalive(KeepaliveTrack& k, core::Packet& pkt, uint8_t type, bool from_client, uint32_t off) {
  constexpr uint8_t kConnect = 1, kPingreq = 12, kPingresp = 13;
  const core::Timestamp now = pkt.frame.ts;
  auto& t = pkt.tree;
  if (!from_client) {
    if (type == kPingresp && k.ping_frame) {
      t.add_uint(mqtt_f::analysis_ping_response_to, k.ping_frame, off, 0);
      t.add_time(mqtt_f::analysis_ping_time, core::ts_sub(now, k.ping_ts), off, 0);
      k.ping_frame = 0;
    }
    return;
  }
  const int32_t ka = k.effective();
  if (type != kConnect && k.have_client && ka > 0) {
    const core::Timestamp gap = core::ts_sub(now, k.last_client);
    const double g = static_cast<double>(gap.sec) + gap.nsec / 1e9;
    if (g > KeepaliveTrack::kLate * ka) {
      t.add_time(mqtt_f::analysis_keepalive_late, gap, off, 0);
      const bool expired = g > KeepaliveTrack::kExpire * ka;
      if (expired) t.add_bool(mqtt_f::analysis_keepalive_expired, true, off, 0);
      if (t.wants(link::ws_f::expert) || t.wants(link::ws_f::expert_message)) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 expired ? "The client was silent %.3f s, over 1.5 x its Keep Alive of %d s: the broker should have closed the connection"
                         : "The client was silent %.3f s, over its Keep Alive of %d s",
                 g, ka);
        core::add_expert(t, msg, expired ? core::Severity::Warn : core::Severity::Note, core::ExpertGroup::Sequence,
                         off, 0);
      }
    }
  }
  k.have_client = true;
  k.last_client = now;
  if (type == kPingreq) {
    if (k.ping_frame) t.add_uint(mqtt_f::analysis_ping_unanswered, k.ping_frame, off, 0);
    k.ping_frame = static_cast<uint32_t>(pkt.frame.number);
    k.ping_ts = now;
  }
}

void analyze_subscribe(MqttAnalysis& a, std::string_view filter, bool subscribe) {
  auto it = std::find(a.subscriptions.begin(), a.subscriptions.end(), filter);
  if (!subscribe) {
    if (it != a.subscriptions.end()) {
      a.subscription_bytes -= it->size();
      a.subscriptions.erase(it);
    }
  } else if (it == a.subscriptions.end()) {
    if (a.subscriptions.size() < MqttAnalysis::kMaxSubscriptions &&
        a.subscription_bytes + filter.size() <= MqttAnalysis::kMaxSubscriptionBytes) {
      a.subscriptions.emplace_back(filter);
      a.subscription_bytes += filter.size();
    } else {
      ++a.not_kept;
    }
  }
}

void analyze_delivery(const MqttAnalysis& a, core::Packet& pkt, std::string_view topic, uint32_t off) {
  for (const auto& s : a.subscriptions)
    if (topic_matches(split_shared(s).filter, topic)) pkt.tree.add_string_copy(mqtt_f::analysis_subscription, s, off, 0);
}

void analyze_publish(MqttAnalysis& a, core::Packet& pkt, unsigned dir, uint16_t id, uint8_t qos, bool dup,
                     uint32_t off) {
  auto& v = a.inflight[dir & 1];
  auto& t = pkt.tree;
  QosFlow* f = find(v, id);
  if (dup && f && f->qos == qos) {
    // The same message sent again (a DUP PUBLISH whose first copy was not
    // captured, or whose flow completed, starts a flow of its own).
    t.add_bool(mqtt_f::analysis_retransmission, true, off, 0);
    core::add_expert(t, "Retransmitted PUBLISH (DUP flag set)", core::Severity::Note, core::ExpertGroup::Sequence,
                     off, 0);
    return;
  }
  if (f) {
    // The identifier is in use by a flow that never completed: a new message reuses it.
    t.add_uint(mqtt_f::analysis_incomplete, f->publish_frame, off, 0);
    core::add_expert(t, "The QoS flow of the PUBLISH with this packet identifier never completed",
                     core::Severity::Warn, core::ExpertGroup::Sequence, off, 0);
    *f = QosFlow{pkt.frame.ts, static_cast<uint32_t>(pkt.frame.number), id, qos, 0};
    forward_fields(a, pkt, off);
    return;
  }
  if (v.size() >= MqttAnalysis::kMaxInflight) return;
  v.push_back(QosFlow{pkt.frame.ts, static_cast<uint32_t>(pkt.frame.number), id, qos, 0});
  forward_fields(a, pkt, off);
}

void analyze_ack(MqttAnalysis& a, core::Packet& pkt, unsigned dir, uint8_t type, uint16_t id, uint32_t off) {
  constexpr uint8_t kPuback = 4, kPubrec = 5, kPubrel = 6, kPubcomp = 7;
  // PUBREL comes from the PUBLISH's sender, the others from its receiver.
  auto& v = a.inflight[type == kPubrel ? dir & 1 : (dir & 1) ^ 1];
  QosFlow* f = find(v, id);
  const uint8_t want_qos = type == kPuback ? 1 : 2;
  // (A PUBREL or PUBCOMP whose earlier steps were not captured still belongs to the flow.)
  if (!f || f->qos != want_qos) {
    unmatched(pkt, off);
    return;
  }
  responds(pkt, *f, off);
  if (type == kPuback || type == kPubcomp) {
    if (a.forward && !a.forward->first_pass_done) {
      if (a.forward->response_in.size() < QosForward::kMax) a.forward->response_in[f->publish_frame] = static_cast<uint32_t>(pkt.frame.number);
      else ++a.forward->not_kept;
    }
    erase(v, f);
    return;
  }
  const uint8_t stage = type == kPubrec ? 1 : 2;
  if (f->stage >= stage) pkt.tree.add_bool(mqtt_f::analysis_retransmission, true, off, 0);
  f->stage = stage;
}

}  // namespace mqsniff::mqtt
