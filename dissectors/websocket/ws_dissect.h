// MQTT over WebSocket (MQTT 3.1.1 §6, MQTT 5.0 §6; RFC 6455): the HTTP
// Upgrade handshake, then WebSocket frames whose (unmasked) payloads form a
// byte stream per direction that carries MQTT control packets - an MQTT
// packet may span several frames and a frame may hold several packets.
//
// The TCP layer reassembles whole HTTP header blocks and whole WebSocket
// frames (ws_pdu_length is the framer); this layer unmasks and feeds the MQTT
// stream parser of the conversation.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "dissectors/core/packet.h"
#include "dissectors/http/http.h"
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/tcp/reassembler.h"

namespace mqsniff::websocket {

struct WsSession {
  uint8_t dir = 0;  // direction of the PDU being dissected (set by TCP)
  // MQTT bytes received in WebSocket payloads, not yet a whole MQTT packet.
  std::unique_ptr<std::vector<uint8_t>> pending[2];
  static constexpr size_t kMaxPending = 1 << 20;  // an MQTT packet larger than this is dropped
  // The pending bytes are counted in TCP reassembly's budget (set by TCP).
  tcp::ReassemblyStats* budget = nullptr;
  const tcp::ReassemblyLimits* limits = nullptr;
  size_t charged[2] = {0, 0};
  void charge(int d) { tcp::recharge(budget, charged[d], pending[d] ? pending[d]->capacity() : 0); }
  // A fragmented message (RFC 6455 §5.4) in progress, per direction: the
  // frames of its fragments and their payload bytes, for tshark's list of
  // them once it completes (the list keeps its first kMaxParts frames).
  struct Fragments {
    bool open = false;
    uint64_t total = 0;
    std::vector<std::pair<uint32_t, uint32_t>> parts;
  };
  static constexpr size_t kMaxParts = 256;
  Fragments frags[2];
  void release() {
    for (int d = 0; d < 2; ++d) {
      pending[d].reset();
      charge(d);
      frags[d] = {};
    }
  }
};

// Framer: an HTTP header block (up to "\r\n\r\n", at most 16 KiB) or one
// WebSocket frame.
tcp::PduLen ws_pdu_length(std::span<const uint8_t> b);
bool ws_plausible(std::span<const uint8_t> b);
// The Upgrade request or its response (HTTP), not a WebSocket frame.
bool is_http_message(std::span<const uint8_t> b);
// Heuristic: a stream that starts with an HTTP request asking to upgrade to WebSocket.
bool looks_like_ws_upgrade(std::span<const uint8_t> b);

// The connection's HTTP state, for the Upgrade request and its 101 response
// (numbered and paired as any HTTP message).
struct HttpContext {
  http::HttpSession& session;
  core::Transactions& tx;  // requests awaiting their response (all connections)
  uint32_t conv;           // tcp.stream
};
void dissect_ws_pdu(core::Bytes pdu, uint32_t base, core::Packet& pkt, WsSession& ws, mqtt::MqttSession& mqtt,
                    const HttpContext& http, bool first);

}  // namespace mqsniff::websocket
