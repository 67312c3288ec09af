// Per-direction TCP stream reassembly with bounded memory (design §6).
//
// A DirStream turns one direction's segments into in-order bytes and cuts
// them into application PDUs with a framer:
//   - in-order bytes are framed straight from the packet buffer (no copy)
//     when a PDU lies within one segment;
//   - only the bytes of a PDU that spans segments are copied (`pdu`), with the
//     list of frames that carried them (tcp.segment);
//   - segments beyond the next expected byte are kept (copied) until the hole
//     fills; exact and partial retransmissions are delivered once: the first
//     data wins, and retransmitted bytes that differ are flagged;
//   - a hole the peer has acknowledged (the capture missed it) or one that
//     holds back more than the caps allow is a gap: bytes before it are
//     delivered, the partial PDU is dropped and framing resynchronises at the
//     next segment start.
// Limits: bytes buffered per direction (pdu + out-of-order), bytes buffered in
// all flows together, out-of-order segments per direction. A PDU announcing
// more than the per-direction cap is skipped (counted, never allocated).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

namespace mqsniff::tcp {

struct ReassemblyLimits {
  size_t max_dir_bytes = 32u << 20;     // per direction: PDU in progress + out-of-order data
  size_t max_total_bytes = 64u << 20;   // all flows together, TLS handshake fragments included
  size_t max_ooo_segments = 4096;       // per direction
  bool enabled = true;                  // -o tcp.desegment_tcp_streams:FALSE turns it off
  // Keep the last bytes of each direction to tell whether a retransmission
  // carries different data (tcp.segment.overlap.conflict and its expert).
  // Off when no output or filter can show that: no copy of every payload.
  bool compare_retransmissions = true;
};

// PDUs dissected in one frame at most. A 1448-byte segment holds at most 724
// MQTT PDUs, a 64 KB one 32,768; data held behind a hole and released at once
// can hold millions: PDUs beyond the cap are framed (the stream stays in step)
// but not dissected: one frame must not build a tree of millions of PDUs.
inline constexpr size_t kMaxPdusPerFrame = 8192;

// What was given up, by cause (the end-of-run summary names each).
enum class Drop : uint8_t {
  ReassemblyCap,   // TCP data over the per-direction or total cap
  TlsHandshake,    // a handshake message across records over the caps
  TlsPlaintext,    // decrypted bytes of a PDU over the caps
  WebSocket,       // MQTT bytes across WebSocket frames over the caps
  MqttState,       // topic aliases, subscriptions, stored sessions not kept
  Count
};

// One budget for all per-connection memory: the bytes buffered by TCP
// reassembly (and by the TLS and WebSocket layers above it), plus the state
// of every conversation (its slot, its streams, analysis and session state)
// and the stored MQTT sessions. `max_total_bytes` bounds the sum.
struct ReassemblyStats {
  size_t buffered = 0;  // bytes held right now in all flows
  size_t peak = 0;
  size_t state = 0;       // conversation and session state right now (FlowTable::account)
  size_t state_peak = 0;  // the highest state + buffered seen
  uint64_t dropped_by[static_cast<size_t>(Drop::Count)] = {};
  uint64_t evicted_memory = 0;  // conversations forgotten to keep the budget
  void drop(Drop cause, uint64_t bytes) {
    dropped_by[static_cast<size_t>(cause)] += bytes;
    bytes_dropped += bytes;
  }
  size_t total() const { return buffered + state; }
  uint64_t bytes_dropped = 0;  // buffered data thrown away (caps, gaps, eviction)
  uint64_t bytes_skipped = 0;  // oversized PDUs never buffered
  uint64_t gaps = 0;
  uint64_t cap_hits = 0;
  uint64_t pdus_undissected = 0;  // framed beyond the per-frame PDU cap, not dissected
  void add(size_t n) {
    buffered += n;
    if (buffered > peak) peak = buffered;
    if (buffered + state > state_peak) state_peak = buffered + state;
  }
  void sub(size_t n) { buffered -= n < buffered ? n : buffered; }
  // Another state's counts added (worker threads: one report for the run;
  // the peaks add up to a bound, not the exact joint peak).
  void add_counts(const ReassemblyStats& o) {
    peak += o.peak;
    state_peak += o.state_peak;
    for (size_t i = 0; i < static_cast<size_t>(Drop::Count); ++i) dropped_by[i] += o.dropped_by[i];
    evicted_memory += o.evicted_memory;
    bytes_dropped += o.bytes_dropped;
    bytes_skipped += o.bytes_skipped;
    gaps += o.gaps;
    cap_hits += o.cap_hits;
    pdus_undissected += o.pdus_undissected;
  }
};

// A buffer of stream bytes kept outside the reassembler (a handshake message
// across TLS records, decrypted bytes short of a PDU, MQTT bytes across
// WebSocket frames): its capacity is counted in the same budget.
inline void recharge(ReassemblyStats* s, size_t& charged, size_t now) {
  if (s) {
    if (now > charged) s->add(now - charged);
    else s->sub(charged - now);
  }
  charged = now;
}
// Room for `more` bytes in a buffer holding `held` already, under the caps?
inline bool budget_room(const ReassemblyStats* s, const ReassemblyLimits* l, size_t held, size_t more) {
  return !s || !l || (held + more <= l->max_dir_bytes && s->total() + more <= l->max_total_bytes);
}

// What a framer says about the bytes at the start of a view.
struct PduLen {
  enum class Kind : uint8_t { Pdu, NeedMore, Bad } kind = Kind::NeedMore;
  size_t total = 0;          // PDU length when known
  bool total_known = false;  // NeedMore with a known total (header complete)
  bool until_close = false;  // NeedMore: the PDU ends where the sender closes (an HTTP/1.0 body)
};
using FramerFn = PduLen (*)(std::span<const uint8_t>);
// After a gap: could a PDU start at the first byte of this view?
using PlausibleFn = bool (*)(std::span<const uint8_t>);

class DirStream {
public:
  DirStream(ReassemblyStats* stats, const ReassemblyLimits* limits) : stats_(stats), limits_(limits) {}
  ~DirStream();
  DirStream(const DirStream&) = delete;
  DirStream& operator=(const DirStream&) = delete;

  enum class SegClass : uint8_t { InOrder, Retransmission, PartialOverlap, OutOfOrder };

  struct Out {
    SegClass cls = SegClass::InOrder;
    bool differs = false;      // retransmitted bytes differ from the first copy
    bool gap = false;          // a hole was given up on before this data
    bool consumed = false;     // some bytes went into a PDU still in progress (or were skipped)
    bool capped = false;       // a cap dropped data in this frame
    bool started_pdu = false;  // this segment began a PDU that is still incomplete
    bool tail_pdu = false;     // ... anywhere in it (also after whole PDUs)
    bool tail_len_known = false;  // ... and its header, with the PDU's length, was whole
    bool resync_dropped = false;  // bytes after a gap that do not start a PDU were dropped
    bool lost_head = false;       // the first bytes ended a PDU lost in a gap (skipped), PDUs followed
    uint32_t lost_head_bytes = 0; // ... how many
    bool in_open_pdu = false;     // Retransmission: the bytes copy some of the PDU still in progress
    bool at_open_pdu_start = false;  // ... from its first byte
    uint32_t pdus = 0;         // PDUs emitted for this frame
  };

  // Called for every PDU completed by this segment: on_pdu(bytes, frames, src, donor).
  // `donor`, when non-null, is the buffer holding a reassembled PDU: the
  // callee may swap it out to keep the bytes without copying them.
  // `frames` is non-null for a PDU reassembled from several segments (the
  // frames that carried it, this one last); `src` is the frame whose data
  // completed it. The bytes are only valid during the call unless they lie in
  // the current packet: the caller copies what it keeps.
  // During on_pdu for a reassembled PDU: the bytes each of its frames gave (parallel to `frames`).
  // A frame's part of a reassembled PDU: where its bytes lie in the PDU, how
  // many, and whether they overlap bytes an earlier frame gave (a copy tshark's
  // reassembly takes again: "[Segment overlap: True]").
  struct Part {
    uint32_t off = 0;
    uint32_t len : 31 = 0;
    uint32_t overlap : 1 = 0;
  };
  static_assert(sizeof(Part) == 8);
  const std::vector<Part>& pdu_frame_bytes() const { return completed().parts; }
  // A copy of bytes of the PDU in progress, all already held (an out-of-order
  // copy, a zero-window probe sent again): listed as an overlapping part.
  void note_overlap(uint32_t frame, uint32_t rel_seq, size_t len) {
    if (pdu_.empty() || skip_) return;
    const uint32_t start = next_ - static_cast<uint32_t>(pdu_.size());
    if (seq_lt(rel_seq, start)) return;
    const size_t off = rel_seq - start;
    if (off >= pdu_.size() || pdu_frames_.size() >= kMaxFrames) return;
    pdu_frames_.push_back(frame);
    pdu_parts_.push_back(Part{static_cast<uint32_t>(off), static_cast<uint32_t>(std::min(len, pdu_.size() - off)) & 0x7fffffffu, 1});
  }

  template <typename OnPdu>
  Out feed(uint32_t rel_seq, std::span<const uint8_t> data, uint32_t frame, FramerFn framer, PlausibleFn plausible,
           bool peer_acked_beyond, OnPdu&& on_pdu);

  // The peer acknowledged `rel_ack`: if a hole below it is still open, the
  // capture missed those bytes.
  bool hole_acked(uint32_t rel_ack) const { return started_ && ooo_ && !ooo_->empty() && seq_gt(rel_ack, next_); }
  bool started() const { return started_; }
  // Skipping the rest of a PDU (oversized, or lost in a gap).
  bool skipping() const { return skip_ != 0; }
  // The stream's first byte is known (the SYN was seen): data beyond it is
  // out of order, not the start of the capture.
  void start_at(uint32_t rel_seq) {
    if (!started_) {
      started_ = true;
      next_ = rel_seq;
    }
  }
  uint32_t next() const { return next_; }
  // The PDU in progress ends where the stream does (its framer says so).
  bool holds_until_close(FramerFn framer) const { return !pdu_.empty() && framer(pdu_).until_close; }
  // The sender closed (FIN in `frame`, which may carry no data): the PDU that
  // ran until the close is complete. Returns whether there was one.
  template <typename OnPdu>
  bool close(uint32_t frame, FramerFn framer, OnPdu&& on_pdu);
  // A segment the snapshot length cut, dissected on its own: when it is the
  // next data, the stream moves past it (the segment after it is not a gap).
  // Returns whether it did. One past a hole nothing waits on moves past it
  // too: the bytes missing before it, should they come late, are out of
  // order (tshark's TCP hands those to no dissector either). Inside a PDU
  // (one being skipped, or one whole segments began, which can no longer
  // complete), its bytes count towards that PDU: the stream's bytes up to
  // the PDU's end are its rest, as tshark's reassembly holds them.
  bool pass_over(uint32_t rel_seq, uint32_t len, FramerFn framer = nullptr) {
    if ((ooo_ && !ooo_->empty()) || (started_ && seq_lt(rel_seq, next_))) return false;
    const uint64_t advance = started_ ? static_cast<uint32_t>(rel_seq + len - next_) : len;
    if (!pdu_.empty()) {
      const PduLen f = framer ? framer(pdu_) : PduLen{};
      if (rel_seq != next_ || !(f.until_close || (f.total_known && f.total > pdu_.size()))) return false;
      // (A PDU that runs until the sender closes owns everything up to the FIN.)
      const uint64_t rest = f.until_close ? UINT64_MAX / 2 : f.total - pdu_.size();
      drop_pdu();
      skip_ = rest > len ? rest - len : 0;
    } else if (skip_) {
      skip_ = skip_ > advance ? skip_ - advance : 0;
    }
    started_ = true;
    next_ = rel_seq + len;
    resync_ = false;  // (its dissector read it from its first byte; so is the next one)
    return true;
  }
  // After pass_over: the last PDU the cut segment's dissector read runs `n`
  // bytes further (its length was captured): those bytes are skipped as its
  // rest. (tshark's tracking keys the latest such PDU: it replaces one the
  // stream was skipping.)
  void skip_rest(uint64_t n) {
    if (pdu_.empty()) skip_ = n;
  }
  size_t buffered() const { return pdu_.size() + ooo_bytes_; }
  // Heap bytes besides the buffered data (which the budget counts as it
  // comes): the comparison ring, frame lists, spare capacity, held-segment nodes.
  size_t heap_bytes() const {
    return tail_.capacity() + (pdu_.capacity() - pdu_.size()) + 4 * pdu_frames_.capacity() + sizeof(Part) * pdu_parts_.capacity() +
           (ooo_ ? sizeof(*ooo_) + ooo_->size() * kHeldNodeBytes : 0);
  }
  static constexpr size_t kHeldNodeBytes = 96;  // a map node with its vector, roughly
  // Back to a fresh stream (nothing may be held); the retransmission ring
  // keeps its capacity for the next connection that takes it from the pool.
  void recycle() {
    started_ = false;
    next_ = 0;
    skip_ = 0;
    resync_ = false;
    release_pdu();
    ooo_.reset();
    tail_head_ = tail_len_ = 0;
    tail_end_ = 0;
  }

  static bool seq_lt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }
  static bool seq_gt(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

private:
  struct Held {
    std::vector<uint8_t> bytes;
    uint32_t frame;
  };
  template <typename OnPdu>
  void deliver(std::span<const uint8_t> c, uint32_t frame, FramerFn framer, PlausibleFn plausible, Out& out,
               OnPdu& on_pdu);
  template <typename OnPdu>
  void drain_ooo(FramerFn framer, PlausibleFn plausible, Out& out, OnPdu& on_pdu);
  void give_up_hole(Out& out, FramerFn framer);
  void drop_pdu();
  void release_pdu();
  // Hands the PDU held in pdu_ (its first `len` bytes) to on_pdu.
  template <typename OnPdu>
  void complete_pdu(size_t len, uint32_t frame, OnPdu&& on_pdu);
  // The PDU just completed and its frames: one set per thread, valid during
  // on_pdu (a stream is never fed from inside another's on_pdu).
  struct Completed {
    std::vector<uint8_t> bytes;
    std::vector<uint32_t> frames;
    std::vector<Part> parts;
  };
  static Completed& completed();
  bool reserve(size_t n);

  ReassemblyStats* stats_;
  const ReassemblyLimits* limits_;
  bool started_ = false;
  uint32_t next_ = 0;                  // next expected relative sequence number
  std::vector<uint8_t> pdu_;           // bytes of the PDU in progress
  std::vector<uint32_t> pdu_frames_;   // frames that carried them (capped at kMaxFrames)
  std::vector<Part> pdu_parts_;        // ... and which bytes each gave
  // Bytes of the segment being fed that repeat the end of the PDU in
  // progress (it began before the next expected byte): its part starts there.
  uint32_t pending_overlap_ = 0;
  // A frame's part of the PDU in progress (`bytes` just appended to it; one
  // entry per frame and contiguous run, in order).
  void note_part(uint32_t frame, size_t bytes) {
    const uint32_t at = static_cast<uint32_t>(pdu_.size() - bytes);
    const uint32_t back = std::min<uint32_t>(pending_overlap_, at);
    pending_overlap_ = 0;
    if (!back && !pdu_frames_.empty() && pdu_frames_.back() == frame && !pdu_parts_.back().overlap &&
        pdu_parts_.back().off + pdu_parts_.back().len == at) {
      pdu_parts_.back().len += static_cast<uint32_t>(bytes);
    } else if (pdu_frames_.size() < kMaxFrames) {
      pdu_frames_.push_back(frame);
      pdu_parts_.push_back(Part{at - back, (static_cast<uint32_t>(bytes) + back) & 0x7fffffffu, back != 0});
    }
  }
  uint64_t skip_ = 0;                  // bytes of an oversized PDU still to skip
  bool resync_ = false;                // after a gap: wait for a segment that starts a PDU
  std::unique_ptr<std::map<uint32_t, Held>> ooo_;  // out-of-order segments by relative seq (while any)
  size_t ooo_bytes_ = 0;
  // The last bytes delivered (up to kTail), to compare retransmissions with.
  std::vector<uint8_t> tail_;  // a ring of up to kTail bytes, grown with the data
  size_t tail_head_ = 0;       // where the next byte goes
  size_t tail_len_ = 0;        // valid bytes (ending at tail_head_)
  uint32_t tail_end_ = 0;      // relative seq just past the tail
  void remember(std::span<const uint8_t> c);
  bool overlap_differs(uint32_t seq, std::span<const uint8_t> data) const;
  static constexpr size_t kTail = 4096;
  static constexpr size_t kMaxFrames = 4096;
  static constexpr size_t kKeepCapacity = 16 * 1024;  // the thread's completed-PDU buffer keeps at most this
  static constexpr size_t kKeepParts = 64;            // frame-list entries an idle direction keeps
  static constexpr size_t kReserveAtMost = 256 * 1024;  // a PDU's first allocation (larger ones grow)
};

}  // namespace mqsniff::tcp

#include "dissectors/tcp/reassembler_impl.h"
