// Requests waiting for their response (ICMP echo, DNS queries): a bounded
// table keyed by a hash of what pairs them (addresses, identifiers). When
// full, the oldest request is forgotten first, so memory stays fixed
// whatever the capture holds.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dissectors/core/field_tree.h"

namespace mqsniff::core {

// -2 (tshark's two passes): which frame answered each request, learnt in the
// first pass and read in the second (icmp.resp_in, dns.response_in,
// http.response_in). Bounded: at most kMax pairs (beyond, not_kept counts).
class ResponseIndex {
 public:
  static constexpr size_t kMax = 1 << 20;
  bool complete = false;  // the first pass is over: read, do not note
  uint64_t not_kept = 0;
  void note(uint64_t request_frame, uint64_t response_frame) {
    if (map_.size() >= kMax && !map_.count(request_frame)) {
      ++not_kept;
      return;
    }
    map_.emplace(request_frame, response_frame);  // the first answer stays
  }
  uint64_t response_to(uint64_t request_frame) const {
    auto it = map_.find(request_frame);
    return it == map_.end() ? 0 : it->second;
  }

 private:
  std::unordered_map<uint64_t, uint64_t> map_;
};

class Transactions {
 public:
  // -2: where the pairs go (first pass) or come from (second pass); null without -2.
  ResponseIndex* forward = nullptr;
  void answered_by(uint64_t request_frame, uint64_t response_frame) {
    if (forward && !forward->complete) forward->note(request_frame, response_frame);
  }
  // -2's second pass: every response of the file is known.
  bool second_pass() const { return forward && forward->complete; }
  // The frame that answers this request, known in -2's second pass (0: none or unknown).
  uint64_t response_in(uint64_t request_frame) const {
    return forward && forward->complete ? forward->response_to(request_frame) : 0;
  }
  struct Request {
    uint64_t frame = 0;
    Timestamp ts;
    std::string note;  // what the response reports of its request (HTTP: the full URI)
    uint64_t resp_frame = 0;  // the response that answered it (0: none yet)
  };
  static constexpr size_t kDefaultCap = 16384;
  explicit Transactions(size_t cap = kDefaultCap) : cap_(cap ? cap : 1) {}

  // Records a request (a retransmitted one keeps its first frame).
  void request(uint64_t key, uint64_t frame, Timestamp ts, std::string note = {}) {
    if (map_.count(key)) return;
    if (ring_.size() < cap_) {
      ring_.push_back(key);
    } else {
      map_.erase(ring_[next_]);
      ring_[next_] = key;
      next_ = (next_ + 1) % cap_;
    }
    map_.emplace(key, Request{frame, ts, std::move(note)});
  }
  // The request a response answers, or null.
  const Request* find(uint64_t key) const {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  // The request a response answers the first time, or null (unknown, or
  // already answered: a later response to it pairs with nothing, as tshark's DNS).
  // The request under key, to read or update (null if none).
  Request* lookup(uint64_t key) {
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second;
  }
  // A new request under key, replacing an answered one.
  void replace(uint64_t key, uint64_t frame, Timestamp ts) {
    if (Request* q = lookup(key)) {
      *q = Request{frame, ts, {}, 0};
      return;
    }
    request(key, frame, ts);
  }
  size_t size() const { return map_.size(); }

 private:
  size_t cap_;
  std::unordered_map<uint64_t, Request> map_;
  std::vector<uint64_t> ring_;
  size_t next_ = 0;
};

// 64-bit mixing of the values that pair a request with its response.
inline uint64_t tx_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 33);
}
inline uint64_t tx_mix_bytes(uint64_t h, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = 0;
    for (size_t k = i; k < n && k < i + 8; ++k) v = v << 8 | p[k];
    h = tx_mix(h, v);
  }
  return h;
}

}  // namespace mqsniff::core
