#include "dissectors/mqtt/mqtt_analysis.h"

#include "dissectors/core/expert.h"
#include "dissectors/mqtt/mqtt_fields.h"

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
  for (core::FieldId id = mqtt_f::analysis_response_to; id <= mqtt_f::analysis_response_in; ++id)
    if (want.has(id)) return true;
  return false;
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
