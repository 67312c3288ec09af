// IPv4 fragment reassembly (RFC 791 §3.2), bounded:
//   - at most kMaxDatagrams datagrams in progress (oldest dropped first),
//   - at most 65,535 bytes each (the IPv4 limit), and a global byte cap,
//   - a datagram whose fragments stop arriving for `timeout` seconds of
//     capture time is dropped.
// Overlapping fragments: the first data wins (as in TCP reassembly). Drops are
// counted in `dropped`.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dissectors/core/field_tree.h"

namespace mqsniff::net {

class Ipv4Defrag {
public:
  struct Key {
    uint32_t src, dst;
    uint16_t id;
    uint8_t proto;
    bool operator==(const Key& o) const { return src == o.src && dst == o.dst && id == o.id && proto == o.proto; }
  };
  struct Result {
    bool complete = false;
    std::span<const uint8_t> data;     // the reassembled payload (valid until the next add)
    std::vector<uint32_t> frames;      // frames that carried it
  };
  static constexpr size_t kMaxDatagrams = 1024;
  static constexpr size_t kMaxTotalBytes = 16u << 20;

  // Adds one fragment (payload at byte offset `off`; `more` = MF flag).
  Result add(const Key& k, uint32_t off, bool more, std::span<const uint8_t> payload, uint32_t frame,
             core::Timestamp ts);
  uint64_t dropped() const { return dropped_; }
  size_t in_progress() const { return slots_.size(); }
  int64_t timeout_sec = 30;

private:
  struct Slot {
    Key key;
    std::vector<uint8_t> buf;
    std::vector<std::pair<uint32_t, uint32_t>> have;  // received [begin, end) ranges
    uint32_t total = 0;  // known once the last fragment (MF=0) arrived
    bool total_known = false;
    std::vector<uint32_t> frames;
    core::Timestamp last;
  };
  void erase(size_t i);
  std::vector<Slot> slots_;
  std::vector<uint8_t> done_;
  size_t bytes_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace mqsniff::net
