// RFC 6455 §5.2 base framing:
//   FIN(1) RSV(3) opcode(4) | MASK(1) len(7) [len16 | len64] [masking key(4)] payload
// Client-to-server frames are masked (payload XOR key[i % 4]); server frames are not.
#include "dissectors/websocket/ws_dissect.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "dissectors/core/expert.h"
#include "dissectors/core/frame_list.h"
#include "dissectors/core/reader.h"
#include "dissectors/http/http.h"
#include "dissectors/websocket/ws_fields.h"

namespace mqsniff::websocket {
using core::Packet;
using core::Reader;

namespace {

constexpr size_t kMaxHttpHeader = 16 * 1024;

bool starts_with(std::span<const uint8_t> b, std::string_view s) {
  return b.size() >= s.size() && std::equal(s.begin(), s.end(), b.begin());
}


bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(name[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

const char* opcode_name(uint8_t op) {
  switch (op) {
    case 0: return "Continuation";
    case 1: return "Text";
    case 2: return "Binary";
    case 8: return "Connection Close";
    case 9: return "Ping";
    case 10: return "Pong";
    default: return "Unknown";
  }
}

// A frame of a fragmented message: remembered; the last one lists them all
// beside the WebSocket layer, as tshark's reassembly does. Control frames
// (never fragmented) may come between the fragments.
void note_fragment(Packet& pkt, WsSession::Fragments& fr, bool fin, uint8_t op, size_t len) {
  if (fin && op != 0) return;  // a whole message in one frame
  if (op != 0) {                // the first fragment
    fr.open = true;
    fr.total = 0;
    fr.parts.clear();
  }
  if (!fr.open) return;  // a continuation whose message began before the capture
  if (fr.parts.size() < WsSession::kMaxParts)
    fr.parts.emplace_back(static_cast<uint32_t>(pkt.frame.number), static_cast<uint32_t>(len));
  fr.total += len;
  if (!fin) return;
  auto& t = pkt.tree;
  t.enter(-1);
  {
    const int32_t fi = t.add_none(websocket_f::fragments, 0, 0);
    if (fi >= 0 && t.wants(websocket_f::fragments))
      t.set_label(fi, "[" + core::frame_list_label("Reassembled websocket Fragments", fr.total, fr.parts) + "]");
    core::Subtree list(t, fi);
    core::add_frame_items(t, websocket_f::fragment, fr.parts, false);
    t.add_uint(websocket_f::fragment_count, fr.parts.size(), 0, 0);
    t.add_uint(websocket_f::reassembled_length, fr.total, 0, 0);
  }
  t.close();
  fr = {};
}

// Whole MQTT packets from the direction's WebSocket payload stream.
void feed_mqtt(core::Bytes data, Packet& pkt, WsSession& ws, mqtt::MqttSession& ms) {
  const int d = ws.dir & 1;
  auto& pend = ws.pending[d];
  if (!pend) pend = std::make_unique<std::vector<uint8_t>>();
  if (pend->size() + data.size() > WsSession::kMaxPending ||
      !tcp::budget_room(ws.budget, ws.limits, pend->size(), data.size())) {
    if (ws.budget) {
      ws.budget->drop(tcp::Drop::WebSocket, pend->size() + data.size());
      ++ws.budget->cap_hits;
    }
    pend.reset();
    ws.charge(d);
    core::add_expert(pkt.tree, "MQTT packet over the WebSocket reassembly limit (1 MiB) or the memory budget: dropped",
                     core::Severity::Warn, core::ExpertGroup::Reassemble);
    return;
  }
  pend->insert(pend->end(), data.begin(), data.end());
  size_t used = 0;
  while (used < pend->size()) {
    std::span<const uint8_t> rest(pend->data() + used, pend->size() - used);
    tcp::PduLen f = mqtt::frame_length(rest);
    if (f.kind == tcp::PduLen::Kind::NeedMore) break;
    size_t n = f.kind == tcp::PduLen::Kind::Pdu ? f.total : rest.size();  // Bad: the rest, marked malformed
    core::Bytes pdu = pkt.tree.keep(rest.subspan(0, n));
    mqtt::dissect_pdu(pdu, 0, pkt, ms, !pkt.has_layer("mqtt"));
    used += n;
  }
  pend->erase(pend->begin(), pend->begin() + static_cast<long>(used));
  if (pend->empty() && pend->capacity() > 4096) pend.reset();  // an idle connection keeps no big buffer
  ws.charge(d);
}

}  // namespace

bool is_http_message(std::span<const uint8_t> b) { return starts_with(b, "GET ") || starts_with(b, "HTTP/"); }

tcp::PduLen ws_pdu_length(std::span<const uint8_t> b) {
  tcp::PduLen r;
  if (b.empty()) return r;
  if (is_http_message(b) || (b.size() < 5 && (b[0] == 'G' || b[0] == 'H'))) {
    std::string_view s(reinterpret_cast<const char*>(b.data()), std::min(b.size(), kMaxHttpHeader + 4));
    size_t end = s.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (b.size() > kMaxHttpHeader) r.kind = tcp::PduLen::Kind::Bad;
      return r;
    }
    r.total = static_cast<uint32_t>(end + 4);
    r.total_known = true;
    r.kind = tcp::PduLen::Kind::Pdu;
    return r;
  }
  if (b.size() < 2) return r;
  uint64_t len = b[1] & 0x7f;
  size_t hdr = 2;
  if (len == 126) {
    if (b.size() < 4) return r;
    len = static_cast<uint64_t>(b[2]) << 8 | b[3];
    hdr = 4;
  } else if (len == 127) {
    if (b.size() < 10) return r;
    len = 0;
    for (int i = 0; i < 8; ++i) len = len << 8 | b[2 + i];
    hdr = 10;
  }
  if (b[1] & 0x80) hdr += 4;
  if (b[0] & 0x70) {  // no extension negotiated: RSV must be 0
    r.kind = tcp::PduLen::Kind::Bad;
    return r;
  }
  // A frame announcing more than the reassembly caps (up to 2^63 bytes) is
  // skipped by the reassembler to where it would end, as tshark waits for it.
  if (len > (uint64_t(1) << 62)) len = uint64_t(1) << 62;
  r.total = hdr + static_cast<size_t>(len);
  r.total_known = true;
  if (b.size() >= r.total) r.kind = tcp::PduLen::Kind::Pdu;
  return r;
}

bool ws_plausible(std::span<const uint8_t> b) {
  if (b.empty()) return false;
  if (is_http_message(b)) return true;
  uint8_t op = b[0] & 0x0f;
  return (b[0] & 0x70) == 0 && (op <= 2 || (op >= 8 && op <= 10));
}

bool looks_like_ws_upgrade(std::span<const uint8_t> b) {
  if (!starts_with(b, "GET ")) return false;
  std::string_view s(reinterpret_cast<const char*>(b.data()), std::min<size_t>(b.size(), kMaxHttpHeader));
  size_t pos = 0;
  while (pos < s.size()) {
    size_t eol = s.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    std::string_view line = s.substr(pos, eol - pos);
    if (iequals_prefix(line, "upgrade:")) {
      std::string_view v = trim(line.substr(8));
      return v.size() == 9 && iequals_prefix(v, "websocket");
    }
    if (line.empty()) break;
    pos = eol + 2;
  }
  return false;
}

void dissect_ws_pdu(core::Bytes pdu, uint32_t base, Packet& pkt, WsSession& ws, mqtt::MqttSession& ms,
                    const HttpContext& http, bool first) {
  if (is_http_message(pdu)) {  // the Upgrade request or the 101 response: HTTP's own dissection
    http::dissect_pdu(pdu, base, pkt, http.session, http.tx, http.conv, first);
    return;
  }
  auto& t = pkt.tree;
  if (!pkt.has_layer("http")) pkt.layer("http");  // tshark stacks WebSocket on the HTTP conversation
  if (!pkt.has_layer("websocket")) pkt.layer("websocket");
  int32_t idx = t.open(websocket_f::proto, base, static_cast<uint32_t>(pdu.size()));
  if (t.wants(websocket_f::proto)) t.set_label(idx, "WebSocket");
  Reader r(pdu);
  uint8_t b0 = r.u8();
  uint8_t b1 = r.u8();
  const bool fin = b0 & 0x80, masked = b1 & 0x80;
  const uint8_t op = b0 & 0x0f;
  t.add_bool(websocket_f::fin, fin, base, 1);
  t.add_uint(websocket_f::rsv, (b0 >> 4) & 7, base, 1);
  t.add_uint(websocket_f::opcode, op, base, 1);
  t.add_bool(websocket_f::mask, masked, base + 1, 1);
  t.add_uint(websocket_f::payload_length, b1 & 0x7f, base + 1, 1);
  uint64_t len = b1 & 0x7f;
  if (len == 126) {
    len = r.be16();
    t.add_uint(websocket_f::payload_length_ext_16, len, base + 2, 2);
  } else if (len == 127) {
    len = r.be64();
    t.add_uint(websocket_f::payload_length_ext_64, len, base + 2, 8);
  }
  core::Bytes key;
  if (masked) {
    key = r.bytes(4);
    if (r.ok()) t.add_bytes(websocket_f::masking_key, key.data(), key.size(), base + static_cast<uint32_t>(r.pos()) - 4);
  }
  uint32_t poff = base + static_cast<uint32_t>(r.pos());
  core::Bytes body = r.bytes(static_cast<size_t>(std::min<uint64_t>(len, r.remaining())));
  if (!r.ok() || body.size() < len) {
    t.close();
    pkt.check(r, "WebSocket");
    if (body.size() < len) pkt.mark_truncated("WebSocket");
    return;
  }
  // Unmask into the tree's arena (the bytes must outlive this call).
  core::Bytes plain = body;
  if (masked && !body.empty()) {
    std::span<const uint8_t> kept = t.keep(body);
    uint8_t* w = const_cast<uint8_t*>(kept.data());
    for (size_t i = 0; i < kept.size(); ++i) w[i] ^= key[i & 3];
    plain = kept;
  }
  if (masked) t.add_none(websocket_f::masked_payload, poff, static_cast<uint32_t>(body.size()));
  {
    core::Subtree payload(t, t.add_none(websocket_f::payload, poff, static_cast<uint32_t>(body.size())));
    if (op == 8 && !plain.empty()) {  // Close (RFC 6455 §5.5.1): a status code, then a UTF-8 reason
      core::Subtree close(t, t.add_none(websocket_f::payload_close, poff, static_cast<uint32_t>(plain.size())));
      if (plain.size() >= 2) t.add_uint(websocket_f::close_status_code, plain[0] << 8 | plain[1], poff, 2);
      if (plain.size() > 2)
        t.add_string(websocket_f::close_reason,
                     std::string_view(reinterpret_cast<const char*>(plain.data()) + 2, plain.size() - 2), poff + 2,
                     static_cast<uint32_t>(plain.size() - 2));
    }
  }
  t.add_bytes(websocket_f::unmasked_payload, plain.data(), plain.size(), poff);
  t.close();
  note_fragment(pkt, ws.frags[ws.dir & 1], fin, op, body.size());
  pkt.set_protocol("WebSocket");
  if (pkt.cols) {
    std::string info = std::string("WebSocket ") + opcode_name(op) + (fin ? " [FIN] " : "[FRAGMENT] ");
    if (masked) info += fin ? "[MASKED]" : " [MASKED]";
    if (first) pkt.cols->info = info;
    else pkt.cols->info += ", " + info;
  }
  // Text, binary and continuation frames carry the MQTT byte stream.
  if ((op <= 2) && !plain.empty()) feed_mqtt(plain, pkt, ws, ms);
}

}  // namespace mqsniff::websocket
