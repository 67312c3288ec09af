#include "src/capture/pcapng_comments.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace mqsniff::capture {

namespace {
uint32_t rd32(const uint8_t* p, bool be) {
  return be ? uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]
            : uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}
uint16_t rd16(const uint8_t* p, bool be) { return be ? uint16_t(p[0] << 8 | p[1]) : uint16_t(p[1] << 8 | p[0]); }
constexpr uint32_t kShb = 0x0a0d0d0a, kEpb = 6, kSpb = 3, kPb = 2;
constexpr size_t kFixed = 28;  // an EPB's (or PB's) fields before the packet's bytes
}  // namespace

void PcapngComments::feed(const uint8_t* p, size_t n) {
  if (broken_) return;
  while (n) {
    if (head_got_ < 8 || (head_got_ < 12 && rd32(head_, false) == kShb)) {
      // The block's type and total length; a Section Header Block also its
      // byte-order magic, which says how to read the length.
      const size_t want = head_got_ < 8 ? 8 : 12;
      const size_t k = std::min(n, want - head_got_);
      std::memcpy(head_ + head_got_, p, k);
      head_got_ += k;
      p += k;
      n -= k;
      if (head_got_ < want) return;
      if (want == 8 && rd32(head_, false) == kShb) continue;  // read the magic first
      if (rd32(head_, false) == kShb) {
        type_ = kShb;
        big_endian_ = rd32(head_ + 8, false) == 0x4d3c2b1a;
      } else {
        type_ = rd32(head_, big_endian_);
      }
      total_ = rd32(head_ + 4, big_endian_);
      got_ = head_got_;
      if (total_ < 12 || total_ < got_) {  // not a block: nothing more can be read from this stream
        head_got_ = 12;
        total_ = 0;
        broken_ = true;
        return;
      }
      // Of an Enhanced (or obsolete) Packet Block only its fixed part and its
      // options are kept: the packet's bytes are not copied.
      keep_ = (type_ == kEpb || type_ == kPb) && total_ <= kMaxBlock;
      opt_start_ = SIZE_MAX;
      block_.clear();
      if (keep_) block_.assign(head_, head_ + got_);
      if (got_ == total_) block_done();
      continue;
    }
    const size_t k = std::min(n, static_cast<size_t>(total_) - got_);
    if (keep_) {
      const size_t a = got_, b = got_ + k;
      if (a < kFixed) {
        const size_t e = std::min(b, kFixed);
        block_.insert(block_.end(), p, p + (e - a));
        if (e == kFixed) {
          const uint32_t caplen = rd32(block_.data() + 20, big_endian_);
          opt_start_ = kFixed + ((static_cast<size_t>(caplen) + 3) & ~size_t{3});
        }
      }
      if (opt_start_ != SIZE_MAX) {
        const size_t from = std::max(a, opt_start_);
        if (from < b) block_.insert(block_.end(), p + (from - a), p + k);
      }
    }
    got_ += k;
    p += k;
    n -= k;
    if (got_ == total_) block_done();
  }
}

void PcapngComments::block_done() {
  head_got_ = 0;
  if (type_ != kEpb && type_ != kSpb && type_ != kPb) return;
  std::vector<std::string> comments;
  if (keep_ && opt_start_ != SIZE_MAX && opt_start_ <= total_ && block_.size() == kFixed + (total_ - std::min<size_t>(opt_start_, total_))) {
    // block_: the fixed part (type ... original length), then the options and the trailing length.
    size_t o = kFixed;
    const size_t end = block_.size() - 4;
    while (o + 4 <= end) {
      const uint16_t code = rd16(block_.data() + o, big_endian_);
      const uint16_t len = rd16(block_.data() + o + 2, big_endian_);
      if (code == 0) break;
      if (o + 4 + len > end) break;
      if (code == 1) comments.emplace_back(reinterpret_cast<const char*>(block_.data() + o + 4), len);
      o += 4 + ((static_cast<size_t>(len) + 3) & ~size_t{3});
    }
  }
  queue_.push_back(std::move(comments));
  block_.clear();
  if (block_.capacity() > (64u << 10)) block_.shrink_to_fit();
}

const std::vector<std::string>& PcapngComments::next_packet() {
  current_.clear();
  if (!queue_.empty()) {
    current_ = std::move(queue_.front());
    queue_.pop_front();
  }
  return current_;
}

}  // namespace mqsniff::capture
