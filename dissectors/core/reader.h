// Bounds-checked cursor over packet bytes: every parser reads through this.
//
// A Reader is a non-owning view with two limits:
//   end_  - the length the protocol declares (IP total length, a TLV length...)
//   cap_  - the bytes actually present in memory (snaplen may cut a frame).
// Reading past cap_ but within end_ is `Truncated` (the packet was cut during
// capture); reading past end_ is `Malformed` (a length field lies). `Invalid`
// is latched by dissectors for values the specification forbids.
//
// Reads never throw and never pass cap_. The first failure latches the error
// and its offset; from then on every read returns 0/empty and remaining() is 0,
// so `while (r.remaining())` loops always terminate. A window can only shrink
// (sub()), never widen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mqsniff::core {

enum class ReadError : uint8_t { None = 0, Truncated, Malformed, Invalid };

using Bytes = std::span<const uint8_t>;

class Reader {
public:
  Reader() = default;
  // A reader over `captured` bytes whose protocol length is also `captured`.
  explicit Reader(Bytes captured) : base_(captured.data()), end_(captured.size()), cap_(captured.size()) {}
  // A reader whose declared length `declared` may exceed the captured bytes.
  Reader(Bytes captured, size_t declared)
      : base_(captured.data()), end_(declared), cap_(captured.size() < declared ? captured.size() : declared) {}

  bool ok() const { return err_ == ReadError::None; }
  ReadError error() const { return err_; }
  size_t error_offset() const { return err_off_; }
  // Where the read that failed would have ended (a cut read that stays
  // inside an enclosing segment is a truncation there, one past it is not).
  size_t error_end() const { return err_end_; }
  size_t pos() const { return pos_; }
  // Declared bytes left (0 once an error is latched).
  size_t remaining() const { return ok() ? end_ - pos_ : 0; }
  // Bytes left that are really in memory.
  size_t captured_remaining() const { return ok() && cap_ > pos_ ? cap_ - pos_ : 0; }
  bool truncated_window() const { return cap_ < end_; }
  size_t size() const { return end_; }
  const uint8_t* base() const { return base_; }

  uint8_t u8() {
    if (!need(1)) return 0;
    return base_[pos_++];
  }
  uint16_t be16() {
    if (!need(2)) return 0;
    uint16_t v = static_cast<uint16_t>(base_[pos_] << 8 | base_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t be24() {
    if (!need(3)) return 0;
    uint32_t v = uint32_t(base_[pos_]) << 16 | uint32_t(base_[pos_ + 1]) << 8 | base_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  uint32_t be32() {
    if (!need(4)) return 0;
    uint32_t v = uint32_t(base_[pos_]) << 24 | uint32_t(base_[pos_ + 1]) << 16 | uint32_t(base_[pos_ + 2]) << 8 |
                 base_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  uint64_t be64() {
    uint64_t hi = be32();
    return hi << 32 | be32();
  }
  uint16_t le16() {
    if (!need(2)) return 0;
    uint16_t v = static_cast<uint16_t>(base_[pos_] | base_[pos_ + 1] << 8);
    pos_ += 2;
    return v;
  }
  uint32_t le32() {
    if (!need(4)) return 0;
    uint32_t v = uint32_t(base_[pos_]) | uint32_t(base_[pos_ + 1]) << 8 | uint32_t(base_[pos_ + 2]) << 16 |
                 uint32_t(base_[pos_ + 3]) << 24;
    pos_ += 4;
    return v;
  }
  // n bytes as a view into the packet; empty span on failure.
  Bytes bytes(size_t n) {
    if (!need(n)) return {};
    Bytes b(base_ + pos_, n);
    pos_ += n;
    return b;
  }
  bool skip(size_t n) {
    if (!need(n)) return false;
    pos_ += n;
    return true;
  }
  // Peek without consuming; returns false (and latches nothing) if absent.
  bool peek_u8(size_t ahead, uint8_t& out) const {
    if (!ok() || pos_ + ahead >= cap_ || pos_ + ahead >= end_) return false;
    out = base_[pos_ + ahead];
    return true;
  }
  // Everything that is left and really captured (never latches an error).
  Bytes rest_captured() const { return ok() && cap_ > pos_ ? Bytes(base_ + pos_, cap_ - pos_) : Bytes{}; }

  // A child reader limited to exactly n declared bytes starting here; this
  // reader advances past them. If n exceeds what is declared, this reader
  // latches Malformed and the child covers only what is declared.
  Reader sub(size_t n) {
    Reader child;
    if (!ok()) return child;
    size_t avail = end_ - pos_;
    size_t take = n <= avail ? n : avail;
    child.base_ = base_ + pos_;
    child.end_ = take;
    child.cap_ = cap_ > pos_ ? (cap_ - pos_ < take ? cap_ - pos_ : take) : 0;
    if (n > avail) {
      fail(ReadError::Malformed);
    } else {
      pos_ += take;
    }
    return child;
  }

  void fail(ReadError e, size_t n = 0) {
    if (ok()) {
      err_ = e;
      err_off_ = pos_;
      err_end_ = pos_ + n;
    }
  }

private:
  bool need(size_t n) {
    if (!ok()) return false;
    if (n > end_ - pos_) {
      // Past the declared length: the length field lied, even when the
      // capture ended first (tshark's ReportedBoundsError wins over a cut).
      fail(ReadError::Malformed, n);
      return false;
    }
    if (n > (cap_ > pos_ ? cap_ - pos_ : 0)) {
      fail(ReadError::Truncated, n);
      return false;
    }
    return true;
  }

  const uint8_t* base_ = nullptr;
  size_t pos_ = 0;
  size_t end_ = 0;
  size_t cap_ = 0;
  ReadError err_ = ReadError::None;
  size_t err_off_ = 0;
  size_t err_end_ = 0;
};

// Fixed-width values at an offset of a view whose size was checked by the
// caller's structure (a TLV, a record): still checked here, 0 when they do not fit.
inline uint16_t be16_at(Bytes b, size_t off) {
  return off <= b.size() && b.size() - off >= 2 ? static_cast<uint16_t>(b[off] << 8 | b[off + 1]) : 0;
}
inline uint32_t be32_at(Bytes b, size_t off) {
  return off <= b.size() && b.size() - off >= 4
             ? uint32_t(b[off]) << 24 | uint32_t(b[off + 1]) << 16 | uint32_t(b[off + 2]) << 8 | b[off + 3]
             : 0;
}
inline uint32_t le32_at(Bytes b, size_t off) {
  return off <= b.size() && b.size() - off >= 4
             ? uint32_t(b[off + 3]) << 24 | uint32_t(b[off + 2]) << 16 | uint32_t(b[off + 1]) << 8 | b[off]
             : 0;
}

}  // namespace mqsniff::core
