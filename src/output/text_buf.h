// A growable text buffer whose appends are inlined where they are used.
//
// std::string<char>'s members live in libstdc++.so (an extern template), so
// each `s += "x"` is a call, a strlen and a memcpy call; -V writes about 80
// lines of 5-10 such pieces per packet. TextBuf keeps the write pointer in
// the caller's registers: a literal's length is known at compile time and
// the copy of a few bytes is a couple of moves.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

namespace mqsniff::out {

class TextBuf {
 public:
  TextBuf() = default;
  TextBuf(const TextBuf&) = delete;
  TextBuf& operator=(const TextBuf&) = delete;
  ~TextBuf() { std::free(begin_); }

  size_t size() const { return static_cast<size_t>(end_ - begin_); }
  bool empty() const { return end_ == begin_; }
  const char* data() const { return begin_; }
  char& operator[](size_t i) { return begin_[i]; }
  char back() const { return end_[-1]; }
  std::string_view view() const { return {begin_, size()}; }
  void clear() { end_ = begin_; }
  // Shrinks, or grows with spaces (callers only shrink).
  void resize(size_t n) {
    if (n <= size()) {
      end_ = begin_ + n;
      return;
    }
    append(n - size(), ' ');
  }

  // Room for n more bytes; returns where they go (the caller then calls commit).
  char* reserve_more(size_t n) {
    if (static_cast<size_t>(cap_ - end_) < n) [[unlikely]] grow(n);
    return end_;
  }
  void commit(char* new_end) { end_ = new_end; }

  void append(const char* p, size_t n) {
    if (n == 0) return;  // (memcpy from or to a null pointer is undefined, even for 0 bytes)
    char* o = reserve_more(n);
    std::memcpy(o, p, n);
    end_ = o + n;
  }
  void append(size_t n, char c) {
    if (n == 0) return;
    char* o = reserve_more(n);
    std::memset(o, c, n);
    end_ = o + n;
  }
  TextBuf& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  TextBuf& operator+=(const char* s) { return *this += std::string_view(s); }
  TextBuf& operator+=(const std::string& s) { return *this += std::string_view(s); }
  TextBuf& operator+=(char c) {
    *reserve_more(1) = c;
    ++end_;
    return *this;
  }
  void push_back(char c) { *this += c; }

 private:
  [[gnu::noinline]] void grow(size_t n) {
    const size_t used = size();
    size_t cap = static_cast<size_t>(cap_ - begin_);
    size_t want = cap ? cap * 2 : 4096;
    while (want - used < n) want *= 2;
    char* p = static_cast<char*>(std::realloc(begin_, want));
    if (!p) throw std::bad_alloc();
    begin_ = p;
    end_ = p + used;
    cap_ = p + want;
  }

  char* begin_ = nullptr;
  char* end_ = nullptr;
  char* cap_ = nullptr;
};

inline void append_uint(TextBuf& s, uint64_t v) {
  char* o = s.reserve_more(20);
  s.commit(std::to_chars(o, o + 20, v).ptr);
}
inline void append_int(TextBuf& s, int64_t v) {
  char* o = s.reserve_more(20);
  s.commit(std::to_chars(o, o + 20, v).ptr);
}

}  // namespace mqsniff::out
