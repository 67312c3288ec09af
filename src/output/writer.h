// Buffered output: lines are appended to a large buffer written to the file
// descriptor in big chunks (no per-line flush unless line_buffered, -l).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

namespace mqsniff::out {

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
    size_t off = 0;
    while (off < buf_.size() && !failed_) {
      ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        failed_ = true;  // EPIPE (| head) or disk full: stop writing, caller exits
        break;
      }
      off += static_cast<size_t>(n);
    }
    buf_.clear();
  }

private:
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
