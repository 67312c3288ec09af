// libFuzzer target: arbitrary bytes as the payload of TCP segments to port
// 1883, through the MQTT framer and dissector. The first byte sets the
// session's protocol level (3, 4, 5 or unknown) so v5 paths are reached
// without a CONNECT; bit 2 the direction. The analyses run (QoS flows,
// sessions in a store of this input's own, keepalive, subscriptions).
#include <cstdint>
#include <vector>

#include "dissectors/core/packet.h"
#include "fuzz/fuzz_common.h"
#include "dissectors/core/reader.h"
#include "dissectors/mqtt/mqtt_dissect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  if (size < 1) return 0;
  core::FieldTree tree(fuzz::want_all());
  core::Columns cols;
  core::Packet pkt(tree);
  pkt.cols = &cols;
  std::vector<uint8_t> payload(data + 1, data + size);  // exact size for ASan
  pkt.frame.caplen = pkt.frame.len = static_cast<uint32_t>(payload.size());
  pkt.frame.data = payload.empty() ? nullptr : payload.data();
  mqtt::MqttSession s;
  static const uint8_t kLevels[] = {0, 3, 4, 5};
  s.version = kLevels[data[0] & 3];
  s.analyze = true;  // the MQTT analyses (mqtt.analysis.*) on every PDU
  mqtt::SessionStore store;
  s.sessions = &store;
  s.dir = (data[0] >> 2) & 1;
  core::Reader r{core::Bytes(payload.data(), payload.size())};
  mqtt::dissect_segment(r, pkt, s);
  return 0;
}
