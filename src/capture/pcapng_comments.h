// The comments of a pcapng file's packets (opt_comment, option 1 of an
// Enhanced, Simple or obsolete Packet Block), which libpcap does not hand
// over: the bytes libpcap reads are passed through this scanner as they are
// read, and the reader asks, packet by packet, for the next packet block's
// comments. Bounded: a block larger than kMaxBlock is skipped (its packet
// gets no comments), and only the packets libpcap has read ahead are queued.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace mqsniff::capture {

class PcapngComments {
public:
  static constexpr size_t kMaxBlock = 16u << 20;
  // Bytes of the file, in order.
  void feed(const uint8_t* p, size_t n);
  // The next packet block's comments (empty when it has none, or when no
  // packet block is queued). Valid until the next call.
  const std::vector<std::string>& next_packet();
  // Packet blocks seen but not yet asked for.
  size_t queued() const { return queue_.size(); }
  // No more scanning (a capture filter skips packets, so blocks and packets no longer line up).
  void disable() {
    broken_ = true;
    queue_.clear();
  }

private:
  void block_done();
  bool big_endian_ = false;
  bool broken_ = false;  // bytes that are no block: the rest is not scanned
  uint8_t head_[12];
  size_t head_got_ = 0;
  uint32_t type_ = 0, total_ = 0;
  size_t got_ = 0;      // bytes of the current block seen (header included)
  bool keep_ = false;   // the current block's fixed part and options are buffered
  size_t opt_start_ = 0;  // where its options begin (known once the fixed part is read)
  std::vector<uint8_t> block_;
  std::deque<std::vector<std::string>> queue_;
  std::vector<std::string> current_;
};

}  // namespace mqsniff::capture
