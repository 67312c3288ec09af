// Read-ahead of a capture on a helper thread (double buffering): while the
// caller works through the records of one chunk, the thread reads the next
// into a spare buffer, so the kernel's copy (or zlib's inflating) leaves the
// dissection thread. Each buffer has kHead bytes of room in front, where the
// caller carries over the start of a record cut by the chunk boundary, so
// records stay contiguous without another copy of the chunk.
//
// Used by the classic pcap block reader (pread at an offset) and by the
// pcapng reader (fread from its stream, gzip-compressed or not).
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace mqsniff::capture {

class ReadAhead {
public:
  // Reads up to n bytes into dst (on the helper thread); 0 at the end, < 0 on an error.
  using ReadFn = std::function<ssize_t(uint8_t* dst, size_t n)>;
  static constexpr size_t kHead = 262144 + 65536;  // a record (and its block's options) carried over
  static constexpr size_t kChunk = 1u << 20;
  static constexpr size_t kBuffer = kHead + kChunk;

  // Starts reading the first chunk at once.
  explicit ReadAhead(ReadFn read) : read_(std::move(read)), spare_(new uint8_t[kBuffer]) {
    thread_ = std::thread([this] { run(); });
    request();
  }
  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // A buffer of kBuffer bytes for the caller's first chunk.
  static std::unique_ptr<uint8_t[]> make_buffer() { return std::unique_ptr<uint8_t[]>(new uint8_t[kBuffer]); }

  // The next chunk into `cur` (a buffer of kBuffer bytes, from make_buffer):
  // the `keep` bytes at `carry` (keep <= kHead, typically the unread end of
  // `cur`) are copied in front of it, the buffers are swapped, and the one
  // given back is read into next. Returns the chunk's length — its bytes at
  // cur.get() + kHead, the carried bytes just before — or <= 0 at the end
  // (or on an error), when nothing changes.
  ssize_t next(std::unique_ptr<uint8_t[]>& cur, const uint8_t* carry, size_t keep) {
    if (ended_) return 0;
    ssize_t n;
    {
      std::unique_lock<std::mutex> lk(m_);
      cv_.wait(lk, [&] { return ready_; });
      n = got_;
    }
    if (n <= 0) {
      ended_ = true;
      return n;
    }
    if (keep) std::memcpy(spare_.get() + kHead - keep, carry, keep);
    cur.swap(spare_);  // the caller's last record is no longer needed
    request();
    return n;
  }

private:
  void run() {
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      cv_.wait(lk, [&] { return want_ || stop_; });
      if (stop_) return;
      want_ = false;
      uint8_t* dst = spare_.get() + kHead;
      lk.unlock();
      const ssize_t n = read_(dst, kChunk);
      lk.lock();
      got_ = n;
      ready_ = true;
      cv_.notify_all();
    }
  }
  void request() {
    {
      std::lock_guard<std::mutex> lk(m_);
      want_ = true;
      ready_ = false;
    }
    cv_.notify_all();
  }

  ReadFn read_;
  std::unique_ptr<uint8_t[]> spare_;  // being read into (helper) or holding the next chunk
  std::mutex m_;
  std::condition_variable cv_;
  bool want_ = false, ready_ = false, stop_ = false;
  bool ended_ = false;  // (caller side)
  ssize_t got_ = 0;
  std::thread thread_;
};

}  // namespace mqsniff::capture
