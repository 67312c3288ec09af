// TCP sequence analysis as tshark 4.0 does it (tcp_analyze_sequence_number):
// retransmission (fast, spurious), out-of-order, previous segment not
// captured, ACKed unseen segment, duplicate ACK, window update, window full,
// keep-alive (and its ACK), zero window. Kept per direction in the flow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/core/field_tree.h"

namespace mqsniff::tcp {

struct TcpFlow;

struct AnalysisState {  // per direction
  uint32_t nextseq = 0;        // highest relative seq + len seen (0: none yet)
  core::Timestamp nextseq_time;
  uint32_t data_frame = 0;     // the last frame that sent new data (tshark's RTO reference)
  core::Timestamp data_time;
  uint32_t maxseqtobeacked = 0;  // end of the contiguous data seen (0: none); ACKs beyond it ACK unseen data
  uint32_t lastack = 0;        // last relative ack sent in this direction
  bool have_ack = false;
  uint32_t window = 0;         // last raw window sent in this direction
  bool have_window = false;
  uint32_t dupacknum = 0;
  uint32_t lastnondupack = 0;  // frame number
  bool last_was_keepalive = false;
  bool last_was_zwp = false;   // the last segment was a zero-window probe
  uint32_t push_bytes = 0;     // data sent since the last PSH
  bool bif_valid = true;       // bytes in flight counted (tshark stops after a gap, until the peer ACKs)
  uint32_t sack_delivered = 0;  // what the SACK blocks of this direction's last segment reported received
  // Segments not acknowledged yet (their end, frame and time), for "This is an
  // ACK to the segment in frame N" and its RTT. At most kMaxUnacked.
  struct Unacked {
    uint32_t seq, end, frame;  // (seq moves up when an ACK covers part of the segment)
    core::Timestamp ts;
  };
  static constexpr size_t kMaxUnacked = 64;
  std::vector<Unacked> unacked;
};

struct Analysis {
  bool retransmission = false, fast_retransmission = false, spurious_retransmission = false, out_of_order = false,
       lost_segment = false, ack_lost_segment = false, window_update = false, window_full = false,
       keep_alive = false, keep_alive_ack = false, zero_window = false, duplicate_ack = false,
       reused_ports = false,  // (set by TCP: a SYN with a new ISN on a four-tuple seen before)
       zero_window_probe = false, zero_window_probe_ack = false;
  uint32_t dupack_num = 0, dupack_frame = 0;
  // The SEQ/ACK analysis values tshark shows on every segment they apply to.
  uint32_t acks_frame = 0;          // this ACK acknowledges the segment in that frame
  core::Timestamp ack_rtt{};        // ... sent that long ago
  bool have_irtt = false;
  core::Timestamp irtt{};           // the handshake's round trip (SYN -> ACK of the SYN-ACK)
  bool have_in_flight = false;
  uint32_t rto_frame = 0;           // a retransmission: the frame that first sent it
  core::Timestamp rto{};            // ... and how long ago
  uint32_t bytes_in_flight = 0, push_bytes_sent = 0;
  bool any() const {
    return retransmission || fast_retransmission || spurious_retransmission || out_of_order || lost_segment ||
           ack_lost_segment || window_update || window_full || keep_alive || keep_alive_ack || zero_window ||
           duplicate_ack || reused_ports || zero_window_probe || zero_window_probe_ack;
  }
};

struct SegmentFacts {
  uint32_t seq = 0, ack = 0, seglen = 0;  // relative
  uint16_t flags = 0;
  uint32_t window = 0;  // raw window field
  uint32_t frame = 0;
  core::Timestamp ts;
  bool opens_midstream = false;  // the conversation's first packet, not a SYN (capture started mid-connection)
  uint32_t sack_bytes = 0;       // the bytes its SACK blocks report received
  uint32_t ack_field = 0;        // the acknowledgement field made relative, even without the ACK flag
};

// Analyses one segment and updates the direction's state. `first_rtt` is the
// handshake's round-trip time (zero when not seen).
Analysis analyze_segment(TcpFlow& flow, int dir, const SegmentFacts& s);

// "[TCP Retransmission] " ... as tshark prefixes the Info column.
void append_analysis_info(std::string& out, const Analysis& a);
// tcp.analysis.* fields and their expert items.
void add_analysis_fields(core::FieldTree& t, const Analysis& a, uint32_t off);

}  // namespace mqsniff::tcp
