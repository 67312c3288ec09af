// libFuzzer target: arbitrary bytes as a WebSocket byte stream (HTTP Upgrade
// header blocks and frames, cut by the framer), through the WebSocket layer
// and the MQTT stream parser behind it, session state carried across PDUs.
#include <cstdint>
#include <vector>

#include "dissectors/core/packet.h"
#include "dissectors/websocket/ws_dissect.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  core::FieldTree tree(fuzz::want_all());
  core::Columns cols;
  core::Packet pkt(tree);
  pkt.cols = &cols;
  std::vector<uint8_t> buf(data, data + size);  // exact size for ASan
  pkt.frame.caplen = pkt.frame.len = static_cast<uint32_t>(buf.size());
  pkt.frame.data = buf.empty() ? nullptr : buf.data();
  websocket::WsSession ws;
  mqtt::MqttSession ms;
  http::HttpSession hs;
  core::Transactions tx;
  fuzz::for_each_pdu(buf, websocket::ws_pdu_length, [&](std::span<const uint8_t> pdu, uint32_t off, bool first) {
    ws.dir = ms.dir = static_cast<uint8_t>(off & 1);
    websocket::dissect_ws_pdu(pdu, off, pkt, ws, ms, {hs, tx, 0}, first);
  });
  return 0;
}
