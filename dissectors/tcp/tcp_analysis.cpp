#include "dissectors/tcp/tcp_analysis.h"

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/tcp/flow_table.h"
#include "dissectors/tcp/tcp_fields.h"

namespace mqsniff::tcp {

namespace {
constexpr uint16_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
bool lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
bool gt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }
bool le(uint32_t a, uint32_t b) { return !gt(a, b); }
int64_t ns(core::Timestamp t) { return core::to_ns(t); }
}  // namespace

Analysis analyze_segment(TcpFlow& flow, int dir, const SegmentFacts& s) {
  Analysis a;
  AnalysisState& fwd = flow.an[static_cast<size_t>(dir)];
  AnalysisState& rev = flow.an[static_cast<size_t>(1 - dir)];
  const bool ctl = s.flags & (kSyn | kFin | kRst);

  if (s.flags & kAck) rev.bif_valid = true;  // (an ACK from this side: the peer's count is good again)
  // Zero window (a window of 0 on anything but SYN/FIN/RST).
  if (s.window == 0 && !ctl) a.zero_window = true;
  // Previous segment not captured: data starts beyond what we expected.
  if (fwd.nextseq && gt(s.seq, fwd.nextseq) && !(s.flags & kRst)) {
    a.lost_segment = true;
    fwd.bif_valid = false;  // (tshark: until an ACK is seen from the other side)
  }
  // Keep-alive: zero or one byte just below the next expected byte.
  if (s.seglen <= 1 && !ctl && fwd.nextseq && fwd.nextseq - 1 == s.seq) a.keep_alive = true;
  // Zero-window probe: one byte of new data into the peer's closed window
  // (BSD, Windows and lwIP stacks probe so; Linux sends a keep-alive). As
  // tshark, the other checks are skipped and the byte does not move the
  // next expected sequence number (the next probe is again at it). Its ACK:
  // the same acknowledgement, a zero window again.
  if (s.seglen == 1 && fwd.nextseq && s.seq == fwd.nextseq && rev.have_window && rev.window == 0)
    a.zero_window_probe = true;
  else if (s.seglen == 0 && s.window == 0 && fwd.have_window && fwd.window == 0 && s.seq == fwd.nextseq &&
           fwd.have_ack && s.ack == fwd.lastack && rev.last_was_zwp)
    a.zero_window_probe_ack = true;
  const bool probe = a.zero_window_probe || a.zero_window_probe_ack;
  // Window update: a pure ACK that only changes the window.
  if (!probe && s.seglen == 0 && s.window && fwd.have_window && s.window != fwd.window && s.seq == fwd.nextseq &&
      fwd.have_ack && s.ack == fwd.lastack && !ctl)
    a.window_update = true;
  // Window full: this data fills the receiver's advertised window exactly
  // (only when the receiver's scaling is known: its SYN was captured).
  if (!probe && s.seglen > 0 && !ctl && rev.have_ack && rev.have_window && flow.dir[1 - dir].win_scale != -1) {
    int scale = flow.dir[1 - dir].win_scale;
    uint64_t win = uint64_t(rev.window) << (scale > 0 ? scale : 0);
    if (uint32_t(s.seq + s.seglen) == uint32_t(rev.lastack + win)) a.window_full = true;
  }
  // Keep-alive ACK: a repeat of our last ACK answering the peer's keep-alive.
  if (!probe && s.seglen == 0 && s.window && fwd.have_window && s.window == fwd.window && s.seq == fwd.nextseq &&
      fwd.have_ack && s.ack == fwd.lastack && rev.last_was_keepalive && !ctl)
    a.keep_alive_ack = true;
  // Duplicate ACK.
  if (!probe && !a.keep_alive_ack && s.seglen == 0 && s.window && fwd.have_window && s.window == fwd.window &&
      s.seq == fwd.nextseq && fwd.have_ack && s.ack == fwd.lastack && !ctl && (s.flags & kAck)) {
    ++fwd.dupacknum;
    a.duplicate_ack = true;
    a.dupack_num = fwd.dupacknum;
    a.dupack_frame = fwd.lastnondupack;
  }
  // An ACK for data we never saw.
  // (An acknowledgement this side already sent is not news: a FIN or a
  // duplicate repeating it is not flagged again, as in tshark.)
  if (!probe && (s.flags & kAck) && rev.maxseqtobeacked && gt(s.ack, rev.maxseqtobeacked) &&
      !(fwd.have_ack && s.ack == fwd.lastack)) {
    a.ack_lost_segment = true;
    rev.maxseqtobeacked = rev.nextseq;  // tshark: do not say it again for the same data
  }
  // Retransmission family: data (or SYN/FIN) below what was already seen.
  // (Data the peer already acknowledged is a spurious retransmission even as
  // the first segment seen of this direction: a capture started late.)
  if ((s.seglen > 0 || (s.flags & (kSyn | kFin))) && !a.keep_alive && !probe) {
    const bool not_advanced = fwd.nextseq && lt(s.seq, fwd.nextseq);
    int64_t t = core::sat_sub(ns(s.ts), ns(fwd.nextseq_time));
    // tshark keeps this time unsigned: a segment stamped before the one that
    // set the highest sequence number (two interfaces of one pcapng, each
    // written in its own batches) is far, not close — a retransmission, not out of order.
    if (t < 0) t = INT64_MAX;
    int64_t ooo_thres = ns(flow.first_rtt) ? ns(flow.first_rtt) : 3000000;  // 3 ms without an RTT
    if (not_advanced && t < 20000000 && rev.dupacknum >= 2 && rev.have_ack && rev.lastack == s.seq) {
      a.fast_retransmission = true;
    } else if (not_advanced && t < ooo_thres &&
               fwd.nextseq != s.seq + s.seglen + ((s.flags & (kSyn | kFin)) ? 1u : 0u)) {  // (a SYN or FIN counts one)
      a.out_of_order = true;
    } else if (rev.have_ack && s.seglen > 0 && le(s.seq + s.seglen, rev.lastack)) {
      a.spurious_retransmission = true;
    } else if (not_advanced) {
      a.retransmission = true;
      // The RTO, as tshark measures it: since the oldest segment of this
      // direction not yet acknowledged (the one likely retransmitted here),
      // else since the frame that sent the highest sequence number.
      if (!fwd.unacked.empty()) {
        a.rto = core::ts_sub(s.ts, fwd.unacked.front().ts);
        a.rto_frame = fwd.unacked.front().frame;
      } else if (fwd.data_frame) {
        a.rto = core::ts_sub(s.ts, fwd.data_time);
        a.rto_frame = fwd.data_frame;
      }
    }
  }

  // This ACK acknowledges the peer's segments: tshark names the one whose end
  // it matches exactly (and when it was sent), forgets those it covers, and
  // keeps those beyond it. A retransmitted segment is listed again, so the
  // ACK that answers it names it.
  // (tshark walks that list with a segment's acknowledgement field even
  // without the ACK flag: a retransmitted SYN, its field 0 made relative to the
  // peer's ISN, forgets the peer's segments that lie below that number.)
  if (!rev.unacked.empty()) {
    const bool has_ack = s.flags & kAck;
    const uint32_t ack = has_ack ? s.ack : s.ack_field;
    bool named = !has_ack;
    size_t kept = 0;
    for (size_t k = 0; k < rev.unacked.size(); ++k) {
      auto& u = rev.unacked[k];
      if (u.end == ack) {
        if (!named) {
          a.acks_frame = u.frame;
          a.ack_rtt = core::ts_sub(s.ts, u.ts);
          named = true;
        }
      } else if (gt(u.end, ack)) {
        if (gt(ack, u.seq)) u.seq = ack;  // partly acknowledged: what is left
        rev.unacked[kept++] = u;
      }
    }
    rev.unacked.resize(kept);
  }
  // The handshake's round trip, once known, on every segment with an analysis
  // (an ACK, or a flagged segment: a SYN retransmitted after the handshake);
  // bytes in flight and since the last PSH (data only).
  if (((s.flags & kAck) || a.any()) && (flow.first_rtt.sec || flow.first_rtt.nsec)) {
    a.have_irtt = true;
    a.irtt = flow.first_rtt;
  }

  // Update the direction's state.
  uint32_t nextseq = s.seq + s.seglen + ((s.flags & (kSyn | kFin)) ? 1 : 0);
  if (s.seglen > 0 || (s.flags & (kSyn | kFin))) {
    if (fwd.unacked.size() >= AnalysisState::kMaxUnacked) fwd.unacked.erase(fwd.unacked.begin());
    fwd.unacked.push_back({s.seq, nextseq, s.frame, s.ts});
  }
  // Bytes in flight, as tshark counts them by default: the span of this
  // direction's unacknowledged segments (this one included), less what the
  // peer's last SACK blocks reported received; not after a gap until the
  // peer ACKs. Neither line is shown when nothing is left in flight.
  if (s.seglen > 0 && fwd.bif_valid && !fwd.unacked.empty()) {
    uint32_t first = fwd.unacked.front().seq, last = fwd.unacked.front().end;
    for (const auto& u : fwd.unacked) {  // (plain comparisons of relative numbers, as tshark's)
      if (u.seq < first) first = u.seq;
      if (u.end > last) last = u.end;
    }
    uint32_t in_flight = last - first - rev.sack_delivered;
    if (s.flags & (kSyn | kFin)) --in_flight;  // (a SYN or FIN counts one in the span, none in flight)
    fwd.push_bytes += s.seglen;
    if (in_flight > 0 && in_flight < 2000000000u) {
      a.have_in_flight = true;
      a.bytes_in_flight = in_flight;
      a.push_bytes_sent = fwd.push_bytes;
    }
    if (s.flags & 0x08) fwd.push_bytes = 0;  // PSH
  }
  fwd.sack_delivered = s.sack_bytes;
  if (!a.zero_window_probe && (!fwd.nextseq || gt(nextseq, fwd.nextseq))) {
    fwd.nextseq = nextseq;
    fwd.nextseq_time = s.ts;
    fwd.data_frame = s.frame;  // the frame that sent the highest sequence number (data, SYN or FIN)
    fwd.data_time = s.ts;
  }
  // Only contiguous data moves the "to be ACKed" mark (tshark's rule).
  if (s.seq == fwd.maxseqtobeacked || !fwd.maxseqtobeacked) fwd.maxseqtobeacked = fwd.nextseq;
  // The count of duplicates and the ACK they repeat start again when the
  // acknowledgement number changes (tshark 4.0): a segment repeating it, with
  // data or a retransmitted FIN, counts nothing and keeps both ("Dup ACK 231#1",
  // and "66#3" after a retransmission between 66#2 and it).
  if (!fwd.have_ack || s.ack != fwd.lastack || !(s.flags & kAck)) {
    fwd.dupacknum = 0;
    fwd.lastnondupack = s.frame;
  }
  if (s.flags & kAck) {
    fwd.lastack = s.ack;
    fwd.have_ack = true;
  }
  fwd.window = s.window;
  fwd.have_window = true;
  fwd.last_was_keepalive = a.keep_alive;
  fwd.last_was_zwp = a.zero_window_probe;
  return a;
}

void append_analysis_info(std::string& out, const Analysis& a) {
  // tshark prefixes these in this order (last prepended first).
  std::string p;
  if (a.retransmission) p += "[TCP Retransmission] ";
  if (a.fast_retransmission) p += "[TCP Fast Retransmission] ";
  if (a.spurious_retransmission) p += "[TCP Spurious Retransmission] ";
  if (a.out_of_order) p += "[TCP Out-Of-Order] ";
  if (a.reused_ports) p += "[TCP Port numbers reused] ";
  if (a.lost_segment) p += "[TCP Previous segment not captured] ";
  if (a.ack_lost_segment) p += "[TCP ACKed unseen segment] ";
  if (a.window_update) p += "[TCP Window Update] ";
  if (a.window_full) p += "[TCP Window Full] ";
  if (a.keep_alive) p += "[TCP Keep-Alive] ";
  if (a.keep_alive_ack) p += "[TCP Keep-Alive ACK] ";
  if (a.zero_window_probe) p += "[TCP ZeroWindowProbe] ";
  if (a.zero_window_probe_ack) p += "[TCP ZeroWindowProbeAck] ";
  if (a.zero_window) p += "[TCP ZeroWindow] ";
  if (a.duplicate_ack) {
    p += "[TCP Dup ACK ";
    core::append_uint(p, a.dupack_frame);
    p += '#';
    core::append_uint(p, a.dupack_num);
    p += "] ";
  }
  out.insert(0, p);
}

void add_analysis_fields(core::FieldTree& t, const Analysis& a, uint32_t off) {
  // (tshark keeps this only for a segment that acknowledges something, carries data or is flagged;
  // the iRTT is shown inside it.)
  if (!a.any() && !a.acks_frame && !a.have_in_flight) return;
  using core::ExpertGroup;
  using core::Severity;
  // [SEQ/ACK analysis]: what this segment acknowledges, the handshake's RTT,
  // bytes in flight; then [TCP Analysis Flags], each flag an expert item of its own field.
  core::Subtree seqack(t, t.add_none(tcp_f::analysis, off, 0));
  if (a.acks_frame) {
    t.add_uint(tcp_f::a_acks_frame, a.acks_frame, off, 0);
    // (tshark shows no RTT of zero: times of a coarse resolution, or the same packet on two interfaces)
    if (a.ack_rtt.sec || a.ack_rtt.nsec) t.add_time(tcp_f::a_ack_rtt, a.ack_rtt, off, 0);
  }
  if (a.have_irtt) t.add_time(tcp_f::a_initial_rtt, a.irtt, off, 0);
  if (a.have_in_flight) {
    t.add_uint(tcp_f::a_bytes_in_flight, a.bytes_in_flight, off, 0);
    t.add_uint(tcp_f::a_push_bytes_sent, a.push_bytes_sent, off, 0);
  }
  if (!a.any()) return;
  core::Subtree sub(t, t.add_none(tcp_f::analysis_flags, off, 0));
  auto flag = [&](bool on, FieldId id, const char* msg, Severity sev) {
    if (!on) return;
    core::add_expert(t, msg, sev, ExpertGroup::Sequence, off, 0, id);
  };
  // A spurious retransmission is a retransmission too (tshark flags both, spurious first).
  flag(a.spurious_retransmission, tcp_f::a_spurious_retransmission,
       "This frame is a (suspected) spurious retransmission", Severity::Note);
  flag(a.retransmission || a.spurious_retransmission, tcp_f::a_retransmission,
       "This frame is a (suspected) retransmission", Severity::Note);
  if (a.rto_frame && (a.rto.sec || a.rto.nsec)) {  // (tshark shows no RTO of zero: the same packet on two interfaces)
    t.add_time(tcp_f::a_rto, a.rto, off, 0);
    t.add_uint(tcp_f::a_rto_frame, a.rto_frame, off, 0);
  }
  flag(a.fast_retransmission, tcp_f::a_fast_retransmission, "This frame is a (suspected) fast retransmission",
       Severity::Note);
  flag(a.out_of_order, tcp_f::a_out_of_order, "This frame is a (suspected) out-of-order segment", Severity::Warn);
  flag(a.reused_ports, tcp_f::a_reused_ports,
       "A new tcp session is started with the same ports as an earlier session in this trace", Severity::Note);
  flag(a.lost_segment, tcp_f::a_lost_segment, "Previous segment(s) not captured (common at capture start)",
       Severity::Warn);
  flag(a.ack_lost_segment, tcp_f::a_ack_lost_segment, "ACKed segment that wasn't captured (common at capture start)",
       Severity::Warn);
  flag(a.window_update, tcp_f::a_window_update, "TCP window update", Severity::Chat);
  flag(a.window_full, tcp_f::a_window_full, "TCP window specified by the receiver is now completely full",
       Severity::Warn);
  flag(a.keep_alive, tcp_f::a_keep_alive, "TCP keep-alive segment", Severity::Note);
  flag(a.keep_alive_ack, tcp_f::a_keep_alive_ack, "ACK to a TCP keep-alive segment", Severity::Note);
  flag(a.zero_window, tcp_f::a_zero_window, "TCP Zero Window segment", Severity::Warn);
  flag(a.zero_window_probe, tcp_f::a_zero_window_probe, "TCP Zero Window Probe", Severity::Note);
  flag(a.zero_window_probe_ack, tcp_f::a_zero_window_probe_ack, "ACK to a TCP Zero Window Probe", Severity::Note);
  if (a.duplicate_ack) {
    // tshark: the flag under [TCP Analysis Flags], then the number and the
    // frame it repeats, with the expert item under that frame.
    t.set_label(t.add_none(tcp_f::a_duplicate_ack, off, 0), "This is a TCP duplicate ack");
    sub.end();
    t.add_uint(tcp_f::a_duplicate_ack_num, a.dupack_num, off, 0);
    core::Subtree under(t, t.add_uint(tcp_f::a_duplicate_ack_frame, a.dupack_frame, off, 0));
    std::string m = "Duplicate ACK (#";
    core::append_uint(m, a.dupack_num);
    m += ')';
    core::add_expert(t, m, Severity::Note, ExpertGroup::Sequence, off, 0, tcp_f::a_duplicate_ack);
  }
}

}  // namespace mqsniff::tcp
