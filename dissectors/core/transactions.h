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

class Transactions {
 public:
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
