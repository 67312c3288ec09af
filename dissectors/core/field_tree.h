// The per-packet field tree: a flat, reusable arena of nodes. Dissectors write
// into it, renderers and the filter engine read it; nothing reads packet bytes
// after dissection. Vectors are cleared between packets and never freed, so a
// steady-state packet costs no heap allocation.
//
// Values that are bytes or strings are views: into the packet buffer, into a
// reassembled PDU buffer that outlives rendering, or into the tree's own
// string arena (generated text such as frame.protocols).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "dissectors/core/field_registry.h"

namespace mqsniff::core {

struct Timestamp {
  int64_t sec = 0;
  uint32_t nsec = 0;
};
// Nanoseconds since the epoch, saturated at int64's range: a pcapng timestamp
// (64-bit ticks at any if_tsresol) can name a time past 2262 or far before 1970.
inline int64_t to_ns(Timestamp t) {
  int64_t r;
  if (__builtin_mul_overflow(t.sec, int64_t(1000000000), &r) || __builtin_add_overflow(r, int64_t(t.nsec), &r))
    return t.sec < 0 ? INT64_MIN : INT64_MAX;
  return r;
}
// a - b, saturated (for differences of to_ns() values).
inline int64_t sat_sub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return a < b ? INT64_MIN : INT64_MAX;
  return r;
}
// a - b as (sec, nsec) with nsec in [0, 1e9), seconds saturated.
inline Timestamp ts_sub(Timestamp a, Timestamp b) {
  int64_t s = sat_sub(a.sec, b.sec);
  int64_t n = int64_t(a.nsec) - int64_t(b.nsec);
  if (n < 0) {
    n += 1000000000;
    if (s != INT64_MIN) --s;
  }
  return {s, static_cast<uint32_t>(n)};
}

enum class ValueKind : uint8_t { None, UInt, Int, Bool, Double, String, Bytes, Ipv4, Ipv6, Ether, Time };

struct FieldNode {
  FieldId id = kNoField;
  ValueKind kind = ValueKind::None;
  uint8_t flags = 0;  // kHidden ...
  int32_t parent = -1;
  uint32_t offset = 0;  // in the frame (or in the PDU buffer for reassembled data)
  uint32_t length = 0;
  union {
    uint64_t u;
    int64_t i;
    double d;
    struct {
      const uint8_t* p;
      uint32_t n;
    } b;  // String / Bytes
    uint8_t ip6[16];
    uint8_t ether[6];
    uint32_t ip4;  // host order
    Timestamp t;
  };
  FieldNode() : u(0) {}

  std::string_view str() const { return {reinterpret_cast<const char*>(b.p), b.n}; }
  static constexpr uint8_t kHidden = 1;     // not in -V (filters, -e and JSON see it)
  static constexpr uint8_t kGenerated = 2;  // shown in brackets by -V, as tshark shows what it computed
  // mqsniff's own mark for filters and -e only (with kHidden): not written by
  // -T json/ek either, where it would turn tshark's plain layer into an object.
  static constexpr uint8_t kFilterOnly = 4;
};

// Which fields a run needs at all: the filter's and -e's fields, or all.
class WantSet {
public:
  WantSet() : bits_(kMaxFieldId / 64 + 1, 0) {}
  void set_all() { all_ = true; }
  bool all() const { return all_; }
  void add(FieldId id) {
    if (id < kMaxFieldId) {
      bits_[id / 64] |= uint64_t(1) << (id % 64);
      protos_ |= uint64_t(1) << (id / kBlock);
    }
  }
  // Is any field of this protocol's block wanted? Lets a dissector skip all
  // of its field bookkeeping at once.
  [[gnu::always_inline]] bool any(Proto p) const { return all_ || (protos_ >> static_cast<unsigned>(p) & 1); }
  [[gnu::always_inline]] bool has(FieldId id) const {
    return all_ || (id < kMaxFieldId && (bits_[id / 64] >> (id % 64) & 1));
  }

private:
  bool all_ = false;
  uint64_t protos_ = 0;
  std::vector<uint64_t> bits_;
};

// Bump allocator for generated strings, in fixed chunks kept across packets.
class StringArena {
public:
  char* alloc(size_t n);
  std::string_view copy(std::string_view s) {
    char* p = alloc(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }
  std::string_view copy_prefixed(char c, std::string_view s) {
    char* p = alloc(s.size() + 1);
    p[0] = c;
    if (!s.empty()) std::memcpy(p + 1, s.data(), s.size());
    return {p, s.size() + 1};
  }
  void reset() {
    chunk_ = 0;
    used_ = 0;
  }

private:
  static constexpr size_t kChunk = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<size_t> sizes_;
  size_t chunk_ = 0, used_ = 0;
};

// Summary-line columns, filled only when some output needs them.
struct Columns {
  std::string_view protocol;
  std::array<char, 64> src{}, dst{};
  uint8_t src_len = 0, dst_len = 0;
  std::string info;
  void reset() {
    protocol = {};
    src_len = dst_len = 0;
    info.clear();
  }
  void set_src(std::string_view s) { src_len = copy(src, s); }
  void set_dst(std::string_view s) { dst_len = copy(dst, s); }
  std::string_view src_view() const { return {src.data(), src_len}; }
  std::string_view dst_view() const { return {dst.data(), dst_len}; }

private:
  static uint8_t copy(std::array<char, 64>& to, std::string_view s) {
    size_t n = s.size() < to.size() ? s.size() : to.size();
    std::memcpy(to.data(), s.data(), n);
    return static_cast<uint8_t>(n);
  }
};

class FieldTree {
public:
  explicit FieldTree(const WantSet* want = nullptr) : want_(want) {
    nodes_.reserve(256);
    stack_.reserve(16);
  }
  void set_want(const WantSet* w) { want_ = w; }
  void reset() {
    nodes_.clear();
    stack_.clear();
    arena_.reset();
    appended_.clear();
    layer_data_.clear();
    opened_.clear();
    layer_seq_ = 0;
    frame_ = {};
    late_ = false;
    ++generation_;
  }
  // The bytes a protocol layer's value covers, for display filters
  // (`frame contains "x"`, `mqtt[0] == 30`): the frame's bytes from the layer's
  // offset, unless the layer lives in a reassembled buffer (set_layer_data).
  void set_frame_bytes(const uint8_t* p, uint32_t n) { frame_ = {p, n}; }
  // A new entry in frame.protocols (a dissector called): protocol nodes opened
  // from here on belong to a new layer. `field#2` counts these layers, as
  // tshark does: two MQTT PDUs of one segment are both in layer 1.
  void mark_layer() { ++layer_seq_; }
  // Each opened protocol node with the layer mark it was opened under, in order.
  const std::vector<std::pair<int32_t, uint32_t>>& opened() const { return opened_; }
  void set_layer_data(int32_t idx, std::span<const uint8_t> b) {
    if (idx >= 0) layer_data_.push_back({idx, b});
  }
  std::span<const uint8_t> layer_bytes(int32_t idx) const {
    for (const auto& [i, b] : layer_data_)
      if (i == idx) return b;
    if (idx < 0 || static_cast<size_t>(idx) >= nodes_.size()) return {};
    uint32_t off = nodes_[idx].offset;
    return off <= frame_.size() ? frame_.subspan(off) : std::span<const uint8_t>{};
  }
  // Text added after a node's line in -V (tshark's proto_item_append_text:
  // "Certificate: 3082… (id-at-commonName=localhost)"); nothing else shows it.
  void append_text(int32_t idx, std::string_view text) {
    if (idx < 0 || static_cast<size_t>(idx) >= nodes_.size()) return;
    appended_.push_back({idx, arena_.copy(text)});
  }
  // The same for text that outlives the tree (a string literal): not copied.
  void append_static(int32_t idx, std::string_view text) {
    if (idx < 0 || static_cast<size_t>(idx) >= nodes_.size()) return;
    appended_.push_back({idx, text});
  }
  // The whole -V line of a value node, when tshark words it its own way
  // ("Host: broker:8080\r\n" for http.host): the value stays what filters,
  // -e and JSON see. Carried with the appended texts, marked by a leading \x01.
  void set_display(int32_t idx, std::string_view text) {
    if (idx < 0 || static_cast<size_t>(idx) >= nodes_.size()) return;
    std::string_view c = arena_.copy_prefixed('\x01', text);
    appended_.push_back({idx, c});
  }
  const std::vector<std::pair<int32_t, std::string_view>>& appended() const { return appended_; }
  // Changes at every reset(): what was derived from one packet's tree can be
  // recognised as such (a cache keyed by tree and generation).
  uint64_t generation() const { return generation_; }
  // The hot path: most fields are not wanted, and this test must be a few
  // instructions inlined at every call site.
  [[gnu::always_inline]] bool wants(FieldId id) const { return !want_ || want_->has(id); }
  [[gnu::always_inline]] bool wants_any(Proto p) const { return !want_ || want_->any(p); }

  // A protocol layer: always recorded (existence tests, frame.protocols).
  // Becomes the parent of the fields added until close().
  int32_t open(FieldId proto, uint32_t offset, uint32_t length) {
    push(proto, ValueKind::None, offset, length);
    int32_t idx = static_cast<int32_t>(nodes_.size() - 1);
    opened_.push_back({idx, layer_seq_});
    stack_.push_back(idx);
    return idx;
  }
  void close() {
    if (!stack_.empty()) stack_.pop_back();
  }
  void set_length(int32_t idx, uint32_t length) {
    if (idx >= 0 && static_cast<size_t>(idx) < nodes_.size()) nodes_[idx].length = length;
  }
  // The text a protocol node prints with `-e proto` (tshark prints the tree label).
  void set_label(int32_t idx, std::string_view text) {
    if (idx < 0 || static_cast<size_t>(idx) >= nodes_.size()) return;
    std::string_view c = arena_.copy(text);
    FieldNode& n = nodes_[idx];
    n.kind = ValueKind::String;
    n.b.p = reinterpret_cast<const uint8_t*>(c.data());
    n.b.n = static_cast<uint32_t>(c.size());
  }
  // Replace a string node's value (generated text, copied into the arena).
  void set_string(int32_t idx, std::string_view text) {
    if (idx < 0 || static_cast<size_t>(idx) >= nodes_.size()) return;
    std::string_view c = arena_.copy(text);
    nodes_[idx].b.p = reinterpret_cast<const uint8_t*>(c.data());
    nodes_[idx].b.n = static_cast<uint32_t>(c.size());
  }
  // A protocol node whose value is its bytes (TCP option "protocols").
  void set_bytes(int32_t idx, const uint8_t* p, size_t n) {
    if (idx < 0 || static_cast<size_t>(idx) >= nodes_.size()) return;
    FieldNode& f = nodes_[idx];
    f.kind = ValueKind::Bytes;
    f.b.p = p;
    f.b.n = static_cast<uint32_t>(n);
  }
  // The most recent node of this field, or -1.
  int32_t last_of(FieldId id) const {
    for (size_t i = nodes_.size(); i-- > 0;)
      if (nodes_[i].id == id) return static_cast<int32_t>(i);
    return -1;
  }
  // Make an added field the parent of following fields (subtrees, -V), until close().
  void enter(int32_t idx) {
    // Entering anything but the node just added (an earlier layer, or the top
    // level from inside a subtree) adds nodes out of tree order.
    if (idx != static_cast<int32_t>(nodes_.size()) - 1) late_ = true;
    stack_.push_back(idx);
  }
  // Whether the node array is in tree order (preorder): -V can draw it as is.
  bool in_tree_order() const { return !late_; }
  // The node new fields go under (-1: the top level).
  int32_t top() const { return stack_.empty() ? -1 : stack_.back(); }

  [[gnu::always_inline]] int32_t add_uint(FieldId id, uint64_t v, uint32_t off, uint32_t len, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& n = push(id, ValueKind::UInt, off, len);
    n.u = v;
    n.flags = flags;
    return last();
  }
  [[gnu::always_inline]] int32_t add_int(FieldId id, int64_t v, uint32_t off, uint32_t len) {
    if (!wants(id)) return -1;
    push(id, ValueKind::Int, off, len).i = v;
    return last();
  }
  [[gnu::always_inline]] int32_t add_bool(FieldId id, bool v, uint32_t off, uint32_t len, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& n = push(id, ValueKind::Bool, off, len);
    n.u = v ? 1 : 0;
    n.flags = flags;
    return last();
  }
  [[gnu::always_inline]] int32_t add_bytes(FieldId id, const uint8_t* p, size_t n, uint32_t off, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& f = push(id, ValueKind::Bytes, off, static_cast<uint32_t>(n));
    f.b.p = p;
    f.b.n = static_cast<uint32_t>(n);
    f.flags = flags;
    return last();
  }
  // A copy of bytes that live as long as this packet's fields (a message
  // reassembled in a buffer that will be reused).
  std::span<const uint8_t> keep(std::span<const uint8_t> b) {
    std::string_view c = arena_.copy(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
    return {reinterpret_cast<const uint8_t*>(c.data()), c.size()};
  }
  // Bytes that do not outlive this call (a buffer about to be reused): copied into the arena.
  int32_t add_bytes_copy(FieldId id, const uint8_t* p, size_t n, uint32_t off) {
    if (!wants(id)) return -1;
    std::string_view c = arena_.copy(std::string_view(reinterpret_cast<const char*>(p), n));
    return add_bytes(id, reinterpret_cast<const uint8_t*>(c.data()), c.size(), off);
  }
  [[gnu::always_inline]] int32_t add_string(FieldId id, std::string_view s, uint32_t off, uint32_t len,
                                            uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& f = push(id, ValueKind::String, off, len);
    f.b.p = reinterpret_cast<const uint8_t*>(s.data());
    f.b.n = static_cast<uint32_t>(s.size());
    f.flags = flags;
    return last();
  }
  // A generated string: copied into the tree's arena.
  [[gnu::always_inline]] int32_t add_string_copy(FieldId id, std::string_view s, uint32_t off, uint32_t len) {
    if (!wants(id)) return -1;
    return add_string(id, arena_.copy(s), off, len);
  }
  [[gnu::always_inline]] int32_t add_ipv4(FieldId id, uint32_t host_order, uint32_t off, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& f = push(id, ValueKind::Ipv4, off, 4);
    f.ip4 = host_order;
    f.flags = flags;
    return last();
  }
  [[gnu::always_inline]] int32_t add_ipv6(FieldId id, const uint8_t* a, uint32_t off, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& f = push(id, ValueKind::Ipv6, off, 16);
    std::memcpy(f.ip6, a, 16);
    f.flags = flags;
    return last();
  }
  [[gnu::always_inline]] int32_t add_ether(FieldId id, const uint8_t* a, uint32_t off, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& f = push(id, ValueKind::Ether, off, 6);
    std::memcpy(f.ether, a, 6);
    f.flags = flags;
    return last();
  }
  [[gnu::always_inline]] int32_t add_double(FieldId id, double v, uint32_t off = 0, uint32_t len = 0, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    FieldNode& f = push(id, ValueKind::Double, off, len);
    f.d = v;
    f.flags = flags;
    return last();
  }
  [[gnu::always_inline]] int32_t add_time(FieldId id, Timestamp t, uint32_t off = 0, uint32_t len = 0) {
    if (!wants(id)) return -1;
    push(id, ValueKind::Time, off, len).t = t;
    return last();
  }
  // A field with no value (FT_NONE expert markers, flags).
  [[gnu::always_inline]] int32_t add_none(FieldId id, uint32_t off, uint32_t len, uint8_t flags = 0) {
    if (!wants(id)) return -1;
    push(id, ValueKind::None, off, len).flags = flags;
    return last();
  }

  void nodes_flags(int32_t idx, uint8_t flags) {
    if (idx >= 0) nodes_[idx].flags |= flags;
  }
  const std::vector<FieldNode>& nodes() const { return nodes_; }
  StringArena& arena() { return arena_; }
  bool has(FieldId id) const {
    for (const auto& n : nodes_)
      if (n.id == id) return true;
    return false;
  }

private:
  [[gnu::noinline]] FieldNode& push(FieldId id, ValueKind k, uint32_t off, uint32_t len) {
    nodes_.emplace_back();
    FieldNode& n = nodes_.back();
    n.id = id;
    n.kind = k;
    n.parent = stack_.empty() ? -1 : stack_.back();
    n.offset = off;
    n.length = len;
    return n;
  }
  int32_t last() const { return static_cast<int32_t>(nodes_.size() - 1); }

  const WantSet* want_;
  std::vector<FieldNode> nodes_;
  std::vector<int32_t> stack_;
  std::vector<std::pair<int32_t, std::string_view>> appended_;
  std::vector<std::pair<int32_t, std::span<const uint8_t>>> layer_data_;
  std::span<const uint8_t> frame_;
  std::vector<std::pair<int32_t, uint32_t>> opened_;
  uint32_t layer_seq_ = 0;
  uint64_t generation_ = 0;
  bool late_ = false;
  StringArena arena_;
};

// Makes an added field the parent of the fields added while it lives (a
// subtree in -V and JSON); nothing when the field was not added (idx < 0).
class Subtree {
public:
  Subtree(FieldTree& t, int32_t idx) : t_(t), on_(idx >= 0) {
    if (on_) t_.enter(idx);
  }
  ~Subtree() { end(); }
  Subtree(const Subtree&) = delete;
  Subtree& operator=(const Subtree&) = delete;
  void end() {
    if (on_) t_.close();
    on_ = false;
  }
  bool on() const { return on_; }

private:
  FieldTree& t_;
  bool on_;
};

}  // namespace mqsniff::core
