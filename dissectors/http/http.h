// HTTP/1.x on TCP (RFC 9112): requests and responses on the ports tshark
// registers for HTTP, framed from the header block's end and Content-Length
// or chunked encoding; responses paired with their request; bodies shown as
// JSON, text lines or media, as tshark shows them.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"
#include "dissectors/core/transactions.h"
#include "dissectors/tcp/reassembler.h"

namespace mqsniff::http {

// tshark 4.0's default HTTP TCP ports.
inline constexpr uint16_t kPorts[] = {80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710};

// Per connection: request and response numbering. The requests awaiting
// their response (pipelined ones answered in order) live in one table for
// all connections (DissectState::http_tx, bounded: the oldest are forgotten),
// keyed by the conversation and the request's number, so an idle connection
// holds nothing but its two counters.
struct HttpSession {
  uint32_t requests = 0, responses = 0;
  uint32_t answered = 0;  // final responses seen: the next one answers request answered + 1
  bool cut_read = false;  // a segment the capture cut was read as HTTP: the conversation is taken up
  static constexpr size_t kMaxUri = 2048;  // a longer request URI is kept cut to this for http.response_for.uri
  // The URI of the last request line read (tshark's conversation keeps it): a
  // response that answers no recorded request (the request's header block was
  // cut) still names it.
  std::unique_ptr<std::string> last_uri;  // (allocated once a request is seen: most conversations are not HTTP)
  void remember_uri(std::string_view uri) {
    if (!last_uri) last_uri = std::make_unique<std::string>();
    last_uri->assign(uri.substr(0, kMaxUri));
  }
};

// Framer: a header block (at most 64 KiB to its blank line) and its body.
tcp::PduLen pdu_length(std::span<const uint8_t> b);
bool plausible(std::span<const uint8_t> b);
// Too short to tell whether it starts a request or a response ("GE", "HTTP/1.").
bool could_begin(std::span<const uint8_t> b);
// The first line of a message whose header block is whole in b (for the
// Info of a segment that starts a longer message), or empty.
std::string_view first_line(std::span<const uint8_t> b);

// tx: the requests awaiting their response (all connections); conv: this connection (tcp.stream).
void dissect_pdu(core::Bytes pdu, uint32_t base, core::Packet& pkt, HttpSession& s, core::Transactions& tx, uint32_t conv,
                 bool first);

// A segment the snapshot length cut (it cannot be reassembled) that starts an
// HTTP message: its start line and header lines as far as they go, marked
// cut. One that does not start a message is tshark's "Continuation" when the
// conversation is HTTP (sess given), else false.
bool dissect_cut(core::Bytes captured, uint32_t base, core::Packet& pkt, HttpSession* sess, core::Transactions* tx,
                 uint32_t conv);

// A JSON document (RFC 8259) as tshark's json dissector shows it: layer
// "json", json.object/array/member/key/value.* and the path fields; `col` is
// the Protocol column it gives ("HTTP/JSON", "MQTT/JSON"). Also used for MQTT
// 5.0 payloads whose Content Type is application/json.
void dissect_json(std::string_view body, std::string_view media, uint32_t off, core::Packet& pkt, std::string_view col);
// Text shown line by line (tshark's data-text-lines, "Line-based text data:
// text/plain (2 lines)"); `info`: " (text/plain)" added to the Info column.
void dissect_text_lines(std::string_view body, std::string_view media, uint32_t off, core::Packet& pkt, bool info);

}  // namespace mqsniff::http
