// Buffered output: lines are appended to a large buffer written to the file
// descriptor in big chunks (no per-line flush unless line_buffered, -l).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace mqsniff::out {

// An output buffer written through raw pointers: room(n) makes n bytes
// writable at the end, done(p) marks where the writing stopped (for formats
// that write much text: -T json / ek).
class RawBuf {
public:
  char* room(size_t n) {
    if (cap_ - size_ < n) {
      size_t cap = std::max(cap_ * 2, size_ + n + 4096);
      auto p = std::make_unique<char[]>(cap);
      if (size_) std::memcpy(p.get(), p_.get(), size_);
      p_ = std::move(p);
      cap_ = cap;
    }
    return p_.get() + size_;
  }
  void done(char* end) { size_ = static_cast<size_t>(end - p_.get()); }
  void append(std::string_view s) {
    char* o = room(s.size());
    std::memcpy(o, s.data(), s.size());
    done(o + s.size());
  }
  std::string_view view() const { return {p_.get(), size_}; }
  size_t size() const { return size_; }
  void clear() { size_ = 0; }

private:
  std::unique_ptr<char[]> p_;
  size_t size_ = 0, cap_ = 0;
};

class Writer {
public:
  explicit Writer(int fd = 1, size_t cap = 1 << 20) : fd_(fd), cap_(cap) { buf_.reserve(cap); }
  ~Writer() { flush(); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::string& buf() { return buf_; }
  void write(std::string_view s) {
    buf_.append(s);
    maybe_flush();
  }
  // Called after each packet's output.
  void end_record() {
    if (line_buffered_) flush();
    else maybe_flush();
  }
  void set_line_buffered(bool b) { line_buffered_ = b; }
  bool failed() const { return failed_; }
  void flush() {
    write_all(buf_.data(), buf_.size());
    buf_.clear();
  }
  // A large block written as it is, after what is buffered (no copy).
  void write_through(std::string_view s) {
    flush();
    write_all(s.data(), s.size());
  }
  bool line_buffered() const { return line_buffered_; }
  // Part of a record written out once the buffer is full (a frame whose
  // tree runs to megabytes is not held whole).
  void spill() { maybe_flush(); }

private:
  void write_all(const char* p, size_t len) {
    size_t off = 0;
    while (off < len && !failed_) {
      ssize_t n = ::write(fd_, p + off, len - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        failed_ = true;  // EPIPE (| head) or disk full: stop writing, caller exits
        break;
      }
      off += static_cast<size_t>(n);
    }
  }
  void maybe_flush() {
    if (buf_.size() >= cap_ - cap_ / 8) flush();
  }
  int fd_;
  size_t cap_;
  bool line_buffered_ = false;
  bool failed_ = false;
  std::string buf_;
};

}  // namespace mqsniff::out
