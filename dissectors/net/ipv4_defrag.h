// IPv4 fragment reassembly (RFC 791 §3.2), bounded:
//   - at most kMaxDatagrams datagrams in progress (oldest dropped first),
//   - at most 65,535 bytes each (the IPv4 limit), and a global byte cap,
//   - a datagram whose fragments stop arriving for `timeout` seconds of
//     capture time is dropped.
// Overlapping fragments: the first data wins (as in TCP reassembly). Drops are
// counted in `dropped`.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "dissectors/core/field_tree.h"

namespace mqsniff::tcp {
class StreamForward;
}

namespace mqsniff::net {

class Ipv4Defrag {
public:
  // A datagram: IPv4 (addresses in the first 4 bytes, 16-bit id, protocol)
  // or IPv6 (RFC 8200 §4.5: addresses and the Fragment header's 32-bit id).
  struct Key {
    std::array<uint8_t, 16> src{}, dst{};
    uint32_t id = 0;
    uint8_t proto = 0;
    bool v6 = false;
    static Key v4(uint32_t s, uint32_t d, uint16_t ident, uint8_t p) {
      Key k;
      std::memcpy(k.src.data(), &s, 4);
      std::memcpy(k.dst.data(), &d, 4);
      k.id = ident;
      k.proto = p;
      return k;
    }
    bool operator==(const Key& o) const {
      return v6 == o.v6 && id == o.id && proto == o.proto && src == o.src && dst == o.dst;
    }
  };
  struct Part {
    uint32_t frame, offset, length;
  };
  struct Result {
    bool complete = false;
    std::span<const uint8_t> data;     // the reassembled payload (valid until the next add)
    std::vector<uint32_t> frames;      // frames that carried it
    std::vector<Part> parts;           // each fragment, by offset ("#17(1256), #18(1252)")
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
    std::vector<Part> parts;
    core::Timestamp last;
  };
  void erase(size_t i);
  std::vector<Slot> slots_;
  std::vector<uint8_t> done_;
  size_t bytes_ = 0;
  uint64_t dropped_ = 0;
};

// tshark's list of the fragments of a reassembled datagram, under the
// current item: "[2 IPv4 Fragments (2508 bytes): #17(1256), #18(1252)]" with
// a "[Frame: 17, payload: 0-1255 (1256 bytes)]" line each, the count, the
// length and the data.
struct FragmentFields {
  core::FieldId list, fragment, count, length, data;
  const char* name;  // "IPv4", "IPv6"
};
void add_fragment_list(core::FieldTree& t, const FragmentFields& f, const std::vector<Ipv4Defrag::Part>& parts,
                       std::span<const uint8_t> whole);

// -2: the first pass notes, for each fragment's frame, the frame that
// completed its datagram; the second pass shows it on the earlier fragments
// ("[Reassembled IPv4 in frame: 12]", under the current item).
void note_reassembled_in(tcp::StreamForward* fwd, const std::vector<Ipv4Defrag::Part>& parts, uint32_t frame);
// Returns the frame, 0 when not known.
uint32_t add_reassembled_in(core::FieldTree& t, core::FieldId field, const tcp::StreamForward* fwd, uint32_t frame);

}  // namespace mqsniff::net
