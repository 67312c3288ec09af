// Template bodies of DirStream (included by reassembler.h).
#pragma once

#include <algorithm>
#include <cstring>

namespace mqsniff::tcp {

inline DirStream::~DirStream() {
  // A flow evicted or closed with data still held: that data is dropped.
  if (stats_) {
    stats_->bytes_dropped += pdu_.size() + ooo_bytes_;
    stats_->sub(pdu_.size() + ooo_bytes_);
  }
}

inline bool DirStream::reserve(size_t n) {
  if (buffered() + n > limits_->max_dir_bytes || stats_->total() + n > limits_->max_total_bytes) {
    ++stats_->cap_hits;
    return false;
  }
  stats_->add(n);
  return true;
}

inline DirStream::Completed& DirStream::completed() {
  static thread_local Completed c;
  return c;
}

template <typename OnPdu>
bool DirStream::close(uint32_t frame, FramerFn framer, OnPdu&& on_pdu) {
  if (!holds_until_close(framer)) return false;
  if (pdu_frames_.empty() || pdu_frames_.back() != frame) note_part(frame, 0);  // tshark lists the FIN: "#12(0)"
  complete_pdu(pdu_.size(), frame, on_pdu);
  return true;
}

template <typename OnPdu>
void DirStream::complete_pdu(size_t len, uint32_t frame, OnPdu&& on_pdu) {
  // The whole PDU moves to the thread's completed-PDU buffers (valid during
  // on_pdu; no other stream is fed meanwhile).
  Completed& done = completed();
  done.bytes.swap(pdu_);
  done.frames.swap(pdu_frames_);
  done.parts.swap(pdu_parts_);
  stats_->sub(done.bytes.size());
  release_pdu();
  on_pdu(std::span<const uint8_t>(done.bytes.data(), len), &done.frames, frame, &done.bytes);
  if (done.bytes.capacity() > kKeepCapacity) std::vector<uint8_t>().swap(done.bytes);
}

inline void DirStream::drop_pdu() {
  stats_->bytes_dropped += pdu_.size();
  stats_->sub(pdu_.size());
  release_pdu();
}

inline void DirStream::release_pdu() {
  // An idle direction holds no PDU buffer (it would cost up to the size of
  // its largest PDU per connection); the next PDU that spans segments
  // allocates its exact size once.
  std::vector<uint8_t>().swap(pdu_);
  pdu_frames_.clear();
  pdu_parts_.clear();
  pending_overlap_ = 0;
  if (pdu_frames_.capacity() > kKeepParts) {
    std::vector<uint32_t>().swap(pdu_frames_);
    std::vector<Part>().swap(pdu_parts_);
  }
}

inline void DirStream::give_up_hole(Out& out, FramerFn framer) {
  // The bytes between next_ and the first held segment were never captured.
  const uint32_t resume = ooo_->begin()->first;
  const uint64_t hole = static_cast<uint32_t>(resume - next_);
  // A PDU in progress whose length is known (a TLS record, an MQTT packet
  // past its length field) is lost, but the next one starts where it ends:
  // framing resumes there, as tshark resumes at the next TLS record.
  bool known = false;
  uint64_t rest = 0;
  if (!pdu_.empty()) {
    PduLen f = framer(pdu_);
    if (f.total_known && f.total > pdu_.size()) {
      known = true;
      rest = f.total - pdu_.size();
    }
  } else if (skip_) {
    known = true;
    rest = skip_;
  }
  drop_pdu();
  next_ = resume;
  if (known && rest >= hole) {
    skip_ = rest - hole;
    resync_ = false;
  } else {
    skip_ = 0;
    resync_ = true;
  }
  out.gap = true;
  ++stats_->gaps;
}

// The tail is a ring of up to kTail bytes: remembering a segment costs its
// length, not a shift of the whole tail. The ring grows with the data (a
// conversation of a few small PDUs holds a few dozen bytes, not 4 KiB each way).
inline void DirStream::remember(std::span<const uint8_t> c) {
  tail_end_ = next_;
  if (c.empty() || !limits_->compare_retransmissions) return;
  size_t cap = tail_.size();
  if (cap < kTail && tail_len_ + c.size() > cap) {  // grow: unroll the ring into a larger one
    size_t want = cap ? cap : 64;
    while (want < tail_len_ + c.size() && want < kTail) want *= 2;
    want = std::min(want, kTail);
    std::vector<uint8_t> bigger(want);
    for (size_t i = 0; i < tail_len_; ++i) bigger[i] = tail_[(tail_head_ + cap - tail_len_ + i) % cap];
    tail_.swap(bigger);
    cap = want;
    tail_head_ = tail_len_ % cap;
  }
  if (c.size() >= cap) {
    std::memcpy(tail_.data(), c.data() + (c.size() - cap), cap);
    tail_head_ = 0;
    tail_len_ = cap;
  } else {
    size_t first = std::min(c.size(), cap - tail_head_);
    std::memcpy(tail_.data() + tail_head_, c.data(), first);
    std::memcpy(tail_.data(), c.data() + first, c.size() - first);
    tail_head_ = (tail_head_ + c.size()) % cap;
    tail_len_ = std::min(cap, tail_len_ + c.size());
  }
  tail_end_ = next_;
}

inline bool DirStream::overlap_differs(uint32_t seq, std::span<const uint8_t> data) const {
  // Compare the part of `data` that falls inside the remembered tail.
  uint32_t tail_start = tail_end_ - static_cast<uint32_t>(tail_len_);
  uint32_t a = seq_gt(seq, tail_start) ? seq : tail_start;
  uint32_t end = seq + static_cast<uint32_t>(data.size());
  uint32_t b = seq_lt(end, tail_end_) ? end : tail_end_;
  if (!seq_lt(a, b)) return false;
  // Sequence numbers half the space apart compare both ways: stay inside the
  // remembered bytes whatever the arithmetic said (found by fuzz_frame).
  if (tail_len_ == 0 || a - tail_start >= tail_len_ || b - tail_start > tail_len_ ||
      static_cast<size_t>(b - a) > data.size())
    return false;
  const size_t cap = tail_.size();
  size_t idx = (tail_head_ + cap - tail_len_ + (a - tail_start)) % cap;
  size_t n = b - a;
  const uint8_t* d = data.data() + (a - seq);
  size_t first = std::min(n, cap - idx);
  if (std::memcmp(tail_.data() + idx, d, first) != 0) return true;
  return n > first && std::memcmp(tail_.data(), d + first, n - first) != 0;
}

template <typename OnPdu>
void DirStream::deliver(std::span<const uint8_t> c, uint32_t frame, FramerFn framer, PlausibleFn plausible, Out& out,
                        OnPdu& on_pdu) {
  next_ += static_cast<uint32_t>(c.size());
  remember(c);
  if (resync_) {
    // After a gap, only a segment whose first bytes look like the start of a
    // PDU is framed; anything else would be garbage cut from mid-PDU.
    if (!plausible || !plausible(c)) {
      stats_->bytes_dropped += c.size();
      out.resync_dropped = true;
      return;
    }
    resync_ = false;
  }
  if (skip_) {  // the tail of an oversized PDU, or of one lost in a gap
    size_t n = std::min<uint64_t>(skip_, c.size());
    skip_ -= n;
    stats_->bytes_skipped += n;
    c = c.subspan(n);
    out.consumed = true;
    if (c.empty()) return;
    out.lost_head = true;
    out.lost_head_bytes = static_cast<uint32_t>(n);
  }
  const bool had_pdu = !pdu_.empty();
  if (!pdu_.empty()) {
    // Complete the PDU in progress: add only what it still needs.
    while (!c.empty()) {
      PduLen f = framer(pdu_);
      size_t want;
      if (f.kind == PduLen::Kind::Bad) {
        drop_pdu();
        break;
      } else if (f.kind == PduLen::Kind::Pdu) {
        want = 0;
      } else if (f.until_close) {
        want = c.size();  // everything, until the sender closes
      } else if (f.total_known) {
        want = f.total - pdu_.size();
      } else {
        want = 1;  // the length field itself is split: one byte at a time
      }
      if (want == 0) break;
      size_t take = std::min(want, c.size());
      if (!reserve(take)) {
        out.capped = true;
        stats_->drop(Drop::ReassemblyCap, take);
        drop_pdu();
        c = c.subspan(take);
        break;
      }
      pdu_.insert(pdu_.end(), c.begin(), c.begin() + static_cast<long>(take));
      note_part(frame, take);
      c = c.subspan(take);
      PduLen g = framer(pdu_);
      if (g.kind == PduLen::Kind::Pdu) {
        ++out.pdus;
        complete_pdu(g.total, frame, on_pdu);
        break;
      }
    }
    if (!pdu_.empty()) {
      out.consumed = true;
      return;
    }
  }
  size_t pos = 0;
  while (pos < c.size()) {
    PduLen f = framer(c.subspan(pos));
    if (f.kind == PduLen::Kind::Pdu) {
      ++out.pdus;
      on_pdu(c.subspan(pos, f.total), nullptr, frame, nullptr);  // zero copy when c is the packet
      pos += f.total;
      continue;
    }
    if (f.kind == PduLen::Kind::Bad) {
      on_pdu(c.subspan(pos), nullptr, frame, nullptr);  // the dissector marks it malformed
      ++out.pdus;
      return;
    }
    size_t rest = c.size() - pos;
    if (f.total_known && f.total > limits_->max_dir_bytes) {
      skip_ = f.total - rest;  // never buffer a PDU larger than the cap
      stats_->bytes_skipped += rest;
      out.capped = true;
      out.consumed = true;
      return;
    }
    if (!reserve(rest)) {
      out.capped = true;
      stats_->drop(Drop::ReassemblyCap, rest);
      return;
    }
    if (f.total_known) pdu_.reserve(std::min<size_t>(f.total, kReserveAtMost));
    pdu_.assign(c.begin() + static_cast<long>(pos), c.end());
    pdu_frames_.assign(1, frame);
    pdu_parts_.assign(1, Part{0, static_cast<uint32_t>(rest) & 0x7fffffffu, 0});
    out.consumed = true;
    out.tail_pdu = true;
    out.tail_len_known = f.total_known;
    if (!had_pdu && pos == 0) out.started_pdu = true;
    return;
  }
}

template <typename OnPdu>
void DirStream::drain_ooo(FramerFn framer, PlausibleFn plausible, Out& out, OnPdu& on_pdu) {
  while (ooo_ && !ooo_->empty()) {
    auto it = ooo_->begin();
    uint32_t seq = it->first;
    if (seq_gt(seq, next_)) break;
    Held h = std::move(it->second);
    ooo_->erase(it);
    if (ooo_->empty()) ooo_.reset();
    ooo_bytes_ -= h.bytes.size();
    stats_->sub(h.bytes.size());
    uint32_t end = seq + static_cast<uint32_t>(h.bytes.size());
    if (!seq_gt(end, next_)) continue;  // already covered
    size_t skip = next_ - seq;
    deliver(std::span<const uint8_t>(h.bytes).subspan(skip), h.frame, framer, plausible, out, on_pdu);
  }
}

template <typename OnPdu>
DirStream::Out DirStream::feed(uint32_t rel_seq, std::span<const uint8_t> data, uint32_t frame, FramerFn framer,
                               PlausibleFn plausible, bool peer_acked_beyond, OnPdu&& on_pdu) {
  Out out;
  if (data.empty()) return out;
  if (!started_) {
    started_ = true;
    next_ = rel_seq;
  }
  uint32_t end = rel_seq + static_cast<uint32_t>(data.size());
  if (!seq_gt(end, next_)) {
    out.cls = SegClass::Retransmission;  // every byte already delivered: first data wins
    out.differs = overlap_differs(rel_seq, data);
    out.in_open_pdu = !pdu_.empty() && !seq_gt(next_ - static_cast<uint32_t>(pdu_.size()), rel_seq);
    out.at_open_pdu_start = out.in_open_pdu && rel_seq == next_ - static_cast<uint32_t>(pdu_.size());
    return out;
  }
  if (seq_gt(rel_seq, next_)) {
    out.cls = SegClass::OutOfOrder;
    if (!ooo_) ooo_ = std::make_unique<std::map<uint32_t, Held>>();
    auto it = ooo_->find(rel_seq);
    if (it != ooo_->end()) {
      out.differs = it->second.bytes.size() >= data.size()
                        ? std::memcmp(it->second.bytes.data(), data.data(), data.size()) != 0
                        : std::memcmp(it->second.bytes.data(), data.data(), it->second.bytes.size()) != 0;
      return out;  // duplicate of held data: keep the first copy
    }
    if (ooo_->size() >= limits_->max_ooo_segments || !reserve(data.size())) {
      out.capped = true;
      ++stats_->cap_hits;
      stats_->drop(Drop::ReassemblyCap, data.size());
      // Holding more is not allowed: give up on the hole.
      if (!ooo_->empty()) {
        give_up_hole(out, framer);
        drain_ooo(framer, plausible, out, on_pdu);
      }
      if (ooo_ && ooo_->empty()) ooo_.reset();
      return out;
    }
    ooo_->emplace(rel_seq, Held{std::vector<uint8_t>(data.begin(), data.end()), frame});
    ooo_bytes_ += data.size();
    if (peer_acked_beyond) {  // the peer has the missing bytes; we never will
      give_up_hole(out, framer);
      drain_ooo(framer, plausible, out, on_pdu);
    }
    return out;
  }
  if (seq_lt(rel_seq, next_)) {
    out.cls = SegClass::PartialOverlap;
    out.differs = overlap_differs(rel_seq, data.first(next_ - rel_seq));
    // Repeating the end of the PDU in progress: its part is listed from where it begins.
    if (!pdu_.empty() && !skip_ && next_ - rel_seq <= pdu_.size()) {
      pending_overlap_ = next_ - rel_seq;
    }
    data = data.subspan(next_ - rel_seq);
  }
  deliver(data, frame, framer, plausible, out, on_pdu);
  pending_overlap_ = 0;  // (taken by this segment's first part, if any)
  drain_ooo(framer, plausible, out, on_pdu);
  return out;
}

}  // namespace mqsniff::tcp
