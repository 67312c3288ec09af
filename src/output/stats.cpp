#include "src/output/stats.h"

#include "src/cli/option_table.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <deque>
#include <map>
#include <unordered_map>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/net/net_fields.h"
#include "dissectors/tcp/tcp_fields.h"
#include "filters/filter.h"
#include "src/cli/options.h"
#include "src/output/mqtt_ladder.h"
#include "src/output/mqtt_stats.h"
#include "src/output/stat_util.h"

namespace mqsniff::out {
using core::Address;
using core::AddrType;
using core::FieldId;
using core::FieldTree;
using core::Packet;
using core::Timestamp;

// Shared with the MQTT analysis statistics (stat_util.h).
std::string addr_text(const Address& a) {
  char buf[64];
  switch (a.type) {
    case AddrType::Ipv4: {
      uint32_t v = uint32_t(a.bytes[0]) << 24 | uint32_t(a.bytes[1]) << 16 | uint32_t(a.bytes[2]) << 8 | a.bytes[3];
      return std::string(buf, core::format_ipv4(buf, v));
    }
    case AddrType::Ipv6: return std::string(buf, core::format_ipv6(buf, a.bytes.data()));
    case AddrType::Ether: return std::string(buf, core::format_ether(buf, a.bytes.data()));
    default: return {};
  }
}

double secs(Timestamp t) { return static_cast<double>(t.sec) + t.nsec / 1e9; }
int64_t usecs(Timestamp t) {  // saturated, as core::to_ns
  int64_t r;
  if (__builtin_mul_overflow(t.sec, int64_t(1000000), &r) || __builtin_add_overflow(r, int64_t((t.nsec + 500) / 1000), &r))
    return t.sec < 0 ? INT64_MIN : INT64_MAX;
  return r;
}

// Wireshark's format_size(..., FORMAT_SIZE_UNIT_BYTES): "530 bytes", "100 kB".
std::string format_size(uint64_t n) {
  char buf[48];
  if (n / 1000 / 1000 / 1000 / 1000 >= 10) snprintf(buf, sizeof buf, "%" PRIu64 " TB", n / 1000 / 1000 / 1000 / 1000);
  else if (n / 1000 / 1000 / 1000 >= 10) snprintf(buf, sizeof buf, "%" PRIu64 " GB", n / 1000 / 1000 / 1000);
  else if (n / 1000 / 1000 >= 10) snprintf(buf, sizeof buf, "%" PRIu64 " MB", n / 1000 / 1000);
  else if (n / 1000 >= 10) snprintf(buf, sizeof buf, "%" PRIu64 " kB", n / 1000);
  else snprintf(buf, sizeof buf, "%" PRIu64 " bytes", n);
  return buf;
}

void appendf(std::string& out, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

const core::FieldNode* first_node(const FieldTree& t, FieldId id) {
  for (const auto& n : t.nodes())
    if (n.id == id) return &n;
  return nullptr;
}

bool source_is_client(uint16_t sport, uint16_t dport) {
  auto broker = [](uint16_t p) { return p == 1883 || p == 8883 || p == 8080 || p == 8081 || p == 443 || p == 8084; };
  if (broker(dport) != broker(sport)) return broker(dport);
  return sport > dport;
}

void TopicLevel::add(std::string_view topic, uint64_t n, uint64_t payload_bytes) {
  TopicLevel* cur = this;
  size_t i = 0;
  while (true) {
    size_t j = topic.find('/', i);
    cur = &cur->kids[std::string(topic.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i))];
    cur->messages += n;
    cur->bytes += payload_bytes;
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
}

namespace {

// A -z option's optional display filter.
struct TapFilter {
  std::string text;
  std::unique_ptr<filter::Filter> f;
  void compile(const std::string& s) {
    if (s.empty()) return;
    text = s;
    f = std::make_unique<filter::Filter>();
    filter::FilterError err;
    if (!f->compile(s, err)) throw cli::UsageError(filter::render_error(s, err), cli::kExitUsage);
  }
  bool pass(const FieldTree& t) const { return !f || f->matches(t); }
  void want(std::vector<FieldId>& ids) const {
    if (f) ids.insert(ids.end(), f->fields().begin(), f->fields().end());
  }
};

// ---------------------------------------------------------------- conv ----
// One end of a conversation: an address and (TCP, UDP) a port.
struct End {
  Address addr;
  uint16_t port = 0;
  bool operator==(const End& o) const { return port == o.port && addr.type == o.addr.type && addr.bytes == o.addr.bytes; }
  bool operator<(const End& o) const {
    if (addr.type != o.addr.type) return addr.type < o.addr.type;
    if (addr.bytes != o.addr.bytes) return addr.bytes < o.addr.bytes;
    return port < o.port;
  }
  std::string text(bool with_port) const {
    std::string t = addr_text(addr);
    if (with_port) t += ':' + std::to_string(port);
    return t;
  }
};
// Ends kept compact in the tables below (issue 16: a day of short
// connections lists a million conversations): an IPv4 address in its own 4
// bytes, any other (IPv6, Ethernet) as its position in a side table.
class EndStore {
 public:
  struct Ref {
    uint32_t v = 0;  // the IPv4 address, or the position in wide_
    uint16_t port = 0;
    uint8_t wide = 0;
  };
  Ref store(const End& e) {
    Ref r;
    r.port = e.port;
    if (e.addr.type == AddrType::Ipv4) {
      r.v = ipv4(e.addr);
    } else {
      r.wide = 1;
      r.v = static_cast<uint32_t>(wide_.size());
      wide_.push_back(e.addr);
    }
    return r;
  }
  bool same(Ref r, const End& e) const {
    if (r.port != e.port) return false;
    if (e.addr.type == AddrType::Ipv4) return !r.wide && r.v == ipv4(e.addr);
    return r.wide && wide_[r.v].type == e.addr.type && wide_[r.v].bytes == e.addr.bytes;
  }
  End load(Ref r) const {
    End e;
    e.port = r.port;
    if (r.wide) {
      e.addr = wide_[r.v];
    } else {
      e.addr.type = AddrType::Ipv4;
      for (int i = 0; i < 4; ++i) e.addr.bytes[i] = static_cast<uint8_t>(r.v >> (24 - 8 * i));
    }
    return e;
  }

 private:
  static uint32_t ipv4(const Address& a) {
    return uint32_t(a.bytes[0]) << 24 | uint32_t(a.bytes[1]) << 16 | uint32_t(a.bytes[2]) << 8 | a.bytes[3];
  }
  std::deque<Address> wide_;
};
// Relative time kept as nanoseconds, printed as seconds as secs() does.
double ns_secs(int64_t ns) {
  int64_t s = ns / 1000000000, r = ns % 1000000000;
  if (r < 0) { --s; r += 1000000000; }
  return secs(Timestamp{s, static_cast<uint32_t>(r)});
}
// FNV-1a over an end's address and port.
inline uint64_t end_hash(uint64_t h, const End& e) {
  for (uint8_t b : e.addr.bytes) h = (h ^ b) * 1099511628211ull;
  return (h ^ e.port) * 1099511628211ull;
}
constexpr uint64_t kFnvBasis = 1469598103934665603ull;

// An index from a key to an item of a table kept in order of appearance:
// open addressing over 4-byte slots (the item's position + 1), rebuilt from
// the items' own keys as it grows. Per entry 8-16 bytes, where a node-based
// map costs 60 and more (a million conversations).
class FlatIndex {
 public:
  // The item's position for a key of hash `h`: `same(i)` tells whether item i
  // has the key, `add()` appends a new item and returns its position (or
  // UINT32_MAX when full), `hash_of(i)` rehashes an existing item.
  template <typename Same, typename Add, typename HashOf>
  uint32_t find_or_add(uint64_t h, Same&& same, Add&& add, HashOf&& hash_of) {
    if ((count_ + 1) * 2 > slots_.size()) grow(hash_of);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const uint32_t v = slots_[i];
      if (v == 0) {
        const uint32_t pos = add();
        if (pos == UINT32_MAX) return pos;
        slots_[i] = pos + 1;
        ++count_;
        return pos;
      }
      if (same(v - 1)) return v - 1;
    }
  }

 private:
  template <typename HashOf>
  void grow(HashOf&& hash_of) {
    std::vector<uint32_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    const size_t mask = slots_.size() - 1;
    for (uint32_t v : old) {
      if (!v) continue;
      size_t i = hash_of(v - 1) & mask;
      while (slots_[i]) i = (i + 1) & mask;
      slots_[i] = v;
    }
  }
  std::vector<uint32_t> slots_;
  size_t count_ = 0;
};
class Conversations : public Stat {
public:
  Conversations(std::string kind, const std::string& filt) : kind_(std::move(kind)) { filter_.compile(filt); }
  void want(std::vector<FieldId>& ids) const override {
    if (kind_ == "TCP") ids.push_back(tcp::tcp_f::stream);
    filter_.want(ids);
  }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext& row) override {
    if (!filter_.pass(tree)) return;
    const bool ports = kind_ == "TCP" || kind_ == "UDP";
    if (kind_ == "TCP" && pkt.ip_proto != 6) return;
    if (kind_ == "UDP" && pkt.ip_proto != 17) return;
    if (kind_ == "IPv4" && pkt.net_src.type != AddrType::Ipv4) return;
    if (kind_ == "IPv6" && pkt.net_src.type != AddrType::Ipv6) return;
    if (pkt.net_src.type == AddrType::None) return;
    // One compact record per conversation (raw addresses; text only when
    // printed), found by tcp.stream for TCP and by its endpoints otherwise:
    // a day of short connections stays small (issue 16).
    End src{pkt.net_src, ports ? pkt.srcport : uint16_t(0)};
    End dst{pkt.net_dst, ports ? pkt.dstport : uint16_t(0)};
    uint32_t* slot = nullptr;
    const core::FieldNode* s = kind_ == "TCP" ? first_node(tree, tcp::tcp_f::stream) : nullptr;
    if (s) {
      if (s->u >= kMax) return;
      if (by_stream_.size() <= s->u) by_stream_.resize(s->u + 1, kNone);
      slot = &by_stream_[s->u];
    }
    uint32_t pos;
    if (slot && *slot != kNone) {
      pos = *slot;
    } else {
      auto add = [&]() -> uint32_t {
        if (items_.size() >= kMax) return UINT32_MAX;
        items_.push_back({ends_.store(src), ends_.store(dst), 0, 0, 0, 0, core::to_ns(row.rel), core::to_ns(row.rel)});
        return static_cast<uint32_t>(items_.size() - 1);
      };
      if (slot) {
        pos = add();
        if (pos == UINT32_MAX) return;
        *slot = pos;
      } else {
        // Either direction finds the conversation: the ends hashed in a fixed order.
        const bool fwd = !(dst < src);
        const End& lo = fwd ? src : dst;
        const End& hi = fwd ? dst : src;
        pos = by_ends_.find_or_add(
            pair_hash(lo, hi),
            [&](uint32_t i) {
              const Item& c = items_[i];
              return (ends_.same(c.src, lo) && ends_.same(c.dst, hi)) || (ends_.same(c.src, hi) && ends_.same(c.dst, lo));
            },
            add, [&](uint32_t i) { return item_hash(items_[i]); });
        if (pos == UINT32_MAX) return;
      }
    }
    Item& c = items_[pos];
    if (ends_.same(c.src, src)) {
      ++c.tx_frames;
      c.tx_bytes += row.len;
    } else {
      ++c.rx_frames;
      c.rx_bytes += row.len;
    }
    const int64_t t = core::to_ns(row.rel);
    c.start = std::min(c.start, t);
    c.stop = std::max(c.stop, t);
  }
  void print(std::string& out, Timestamp) override {
    const bool ports = kind_ == "TCP" || kind_ == "UDP";
    const char* pad = ports ? "            " : "";
    out += "================================================================================\n";
    out += kind_ + " Conversations\n";
    out += "Filter:" + (filter_.text.empty() ? std::string("<No Filter>") : filter_.text) + "\n";
    appendf(out, "%s                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n", pad);
    appendf(out, "%s                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n", pad);
    // Most frames first; equal counts keep their order of appearance.
    std::vector<uint32_t> order(items_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      return items_[x].rx_frames + items_[x].tx_frames > items_[y].rx_frames + items_[y].tx_frames;
    });
    for (uint32_t i : order) {
      const Item& c = items_[i];
      const std::string a = ends_.load(c.src).text(ports), b = ends_.load(c.dst).text(ports);
      if (ports) appendf(out, "%-26s <-> %-26s", a.c_str(), b.c_str());
      else appendf(out, "%-20s <-> %-20s", a.c_str(), b.c_str());
      appendf(out, "  %6" PRIu64 " %-9s  %6" PRIu64 " %-9s  %6" PRIu64 " %-9s  ", c.rx_frames,
              format_size(c.rx_bytes).c_str(), c.tx_frames, format_size(c.tx_bytes).c_str(), c.rx_frames + c.tx_frames,
              format_size(c.rx_bytes + c.tx_bytes).c_str());
      appendf(out, "%14.9f   %12.4f\n", ns_secs(c.start), ns_secs(c.stop) - ns_secs(c.start));
      drain_if_large(out);
    }
    out += "================================================================================\n";
  }

private:
  struct Item {  // 64 bytes
    EndStore::Ref src, dst;
    uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
    int64_t start, stop;  // ns since the first packet
  };
  static constexpr size_t kMax = 1000000;
  static constexpr uint32_t kNone = UINT32_MAX;
  std::string kind_;
  TapFilter filter_;
  EndStore ends_;
  std::deque<Item> items_;            // in order of appearance (a deque: no copy of them all as it grows)
  std::vector<uint32_t> by_stream_;   // TCP: tcp.stream -> item
  FlatIndex by_ends_;                 // others: the ends, in a fixed order -> item
  static uint64_t pair_hash(const End& lo, const End& hi) { return end_hash(end_hash(kFnvBasis, lo), hi); }
  uint64_t item_hash(const Item& c) const {
    const End a = ends_.load(c.src), b = ends_.load(c.dst);
    return b < a ? pair_hash(b, a) : pair_hash(a, b);
  }
};

// ----------------------------------------------------------- endpoints ----
class Endpoints : public Stat {
public:
  Endpoints(std::string kind, const std::string& filt) : kind_(std::move(kind)) { filter_.compile(filt); }
  void want(std::vector<FieldId>& ids) const override { filter_.want(ids); }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext& row) override {
    if (!filter_.pass(tree)) return;
    if (kind_ == "TCP" && pkt.ip_proto != 6) return;
    if (kind_ == "UDP" && pkt.ip_proto != 17) return;
    if (kind_ == "IPv4" && pkt.net_src.type != AddrType::Ipv4) return;
    if (kind_ == "IPv6" && pkt.net_src.type != AddrType::Ipv6) return;
    if (pkt.net_src.type == AddrType::None) return;
    const bool ports = kind_ == "TCP" || kind_ == "UDP";
    add(End{pkt.net_src, ports ? pkt.srcport : uint16_t(0)}, true, row.len);
    add(End{pkt.net_dst, ports ? pkt.dstport : uint16_t(0)}, false, row.len);
  }
  void print(std::string& out, Timestamp) override {
    const bool ports = kind_ == "TCP" || kind_ == "UDP";
    out += "================================================================================\n";
    out += kind_ + " Endpoints\n";
    out += "Filter:" + (filter_.text.empty() ? std::string("<No Filter>") : filter_.text) + "\n";
    appendf(out, "                       |  %sPackets  | |  Bytes  | | Tx Packets | | Tx Bytes | | Rx Packets | | Rx Bytes |\n",
            ports ? "Port  ||  " : "");
    std::vector<uint32_t> order(items_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
      return items_[x].rx_frames + items_[x].tx_frames > items_[y].rx_frames + items_[y].tx_frames;
    });
    for (uint32_t i : order) {
      const Item& e = items_[i];
      const std::string addr = ends_.load(e.end).text(false);
      const unsigned port = e.end.port;
      if (ports)
        appendf(out, "%-20s      %5u     %6" PRIu64 "     %9" PRIu64 "     %6" PRIu64 "       %9" PRIu64 "      %6" PRIu64
                     "       %9" PRIu64 "   \n",
                addr.c_str(), port, e.tx_frames + e.rx_frames, e.tx_bytes + e.rx_bytes, e.tx_frames, e.tx_bytes,
                e.rx_frames, e.rx_bytes);
      else
        appendf(out, "%-20s      %6" PRIu64 "     %9" PRIu64 "     %6" PRIu64 "       %9" PRIu64 "      %6" PRIu64
                     "       %9" PRIu64 "   \n",
                addr.c_str(), e.tx_frames + e.rx_frames, e.tx_bytes + e.rx_bytes, e.tx_frames, e.tx_bytes,
                e.rx_frames, e.rx_bytes);
      drain_if_large(out);
    }
    out += "================================================================================\n";
  }

private:
  struct Item {  // 40 bytes
    EndStore::Ref end;
    uint64_t tx_frames, tx_bytes, rx_frames, rx_bytes;
  };
  void add(const End& end, bool tx, uint32_t len) {
    const uint32_t pos = index_.find_or_add(
        end_hash(kFnvBasis, end), [&](uint32_t i) { return ends_.same(items_[i].end, end); },
        [&]() -> uint32_t {
          if (items_.size() >= 1000000) return UINT32_MAX;
          items_.push_back({ends_.store(end), 0, 0, 0, 0});
          return static_cast<uint32_t>(items_.size() - 1);
        },
        [&](uint32_t i) { return end_hash(kFnvBasis, ends_.load(items_[i].end)); });
    if (pos == UINT32_MAX) return;
    Item& e = items_[pos];
    if (tx) {
      ++e.tx_frames;
      e.tx_bytes += len;
    } else {
      ++e.rx_frames;
      e.rx_bytes += len;
    }
  }
  std::string kind_;
  TapFilter filter_;
  EndStore ends_;
  std::deque<Item> items_;  // in order of appearance
  FlatIndex index_;
};

// ------------------------------------------------------------- io,stat ----
class IoStat : public Stat {
public:
  IoStat(uint64_t interval_us, unsigned prec, const std::vector<std::string>& filters)
      : interval_(interval_us), prec_(prec) {
    for (const auto& f : filters) {
      cols_.emplace_back();
      cols_.back().filter.compile(f);
    }
    if (cols_.empty()) cols_.emplace_back();
  }
  void want(std::vector<FieldId>& ids) const override {
    for (const auto& c : cols_) c.filter.want(ids);
  }
  void packet(const Packet&, const FieldTree& tree, const RowContext& row) override {
    const uint64_t t = static_cast<uint64_t>(std::max<int64_t>(0, usecs(row.rel)));
    const uint64_t r = interval_ == 0 ? 0 : std::min<uint64_t>(t / interval_, kMaxRows - 1);
    for (auto& c : cols_) {
      if (!c.filter.pass(tree)) continue;
      auto& b = c.bucket(r);
      b.first += 1;
      b.second += row.len;
    }
  }
  void print(std::string& out, Timestamp elapsed) override;

private:
  // Frames and bytes per interval, added up as the packets come: memory
  // grows with the capture's duration over the interval, not with its
  // packets, in pages of rows made when a packet falls in them (a stray far
  // timestamp costs one page, not every row up to it).
  static constexpr uint64_t kMaxRows = 10000000;
  static constexpr uint64_t kPageRows = 4096;
  using Bucket = std::pair<uint64_t, uint64_t>;  // frames, bytes
  struct Column {
    TapFilter filter;
    std::map<uint64_t, std::unique_ptr<Bucket[]>> pages;
    Bucket* cur = nullptr;
    uint64_t cur_no = 0;
    Bucket& bucket(uint64_t r) {
      const uint64_t no = r / kPageRows;
      if (!cur || no != cur_no) {
        auto& page = pages[no];
        if (!page) page.reset(new Bucket[kPageRows]());
        cur = page.get();
        cur_no = no;
      }
      return cur[r % kPageRows];
    }
    // Row r of a table whose final row, `last`, is cut at the capture's
    // end and holds everything from there on.
    Bucket row(uint64_t r, uint64_t last) const {
      if (r < last) {
        auto it = pages.find(r / kPageRows);
        return it == pages.end() ? Bucket{0, 0} : it->second[r % kPageRows];
      }
      Bucket tail{0, 0};
      for (auto it = pages.lower_bound(last / kPageRows); it != pages.end(); ++it)
        for (uint64_t i = 0; i < kPageRows; ++i)
          if (it->first * kPageRows + i >= last) {
            tail.first += it->second[i].first;
            tail.second += it->second[i].second;
          }
      return tail;
    }
    // Calls f(r, bucket) for the rows before `last` that have packets, then
    // for the final row.
    template <typename F>
    void each(uint64_t last, F&& f) const {
      for (const auto& [no, page] : pages)
        for (uint64_t i = 0; i < kPageRows && no * kPageRows + i < last; ++i)
          if (page[i].first) f(no * kPageRows + i, page[i]);
      f(last, row(last, last));
    }
  };
  uint64_t interval_;  // µs; 0: the whole capture
  unsigned prec_;
  std::vector<Column> cols_;
};

unsigned magnitude(uint64_t v, unsigned max_w) {
  unsigned mag = 0;
  for (unsigned i = 0; i < max_w; ++i) {
    ++mag;
    if ((v /= 10) == 0) break;
  }
  return mag;
}

// A column label centred as tshark centres it.
void printcenter(std::string& out, const char* label, int lenval, int numpad) {
  int lenlab = static_cast<int>(strlen(label));
  const char* spaces = "      ";
  int len = 6 - (((lenval - lenlab) / 2) + numpad);
  if (len > 0 && len < 6) {
    const char* sp = spaces + len;
    if ((lenval - lenlab) % 2 == 0) appendf(out, "%s%s%s|", sp, label, sp);
    else appendf(out, "%s%s%s|", sp - 1, label, sp);
  } else if (len > 0 && len <= 15) {
    appendf(out, "%s|", label);
  }
}

void IoStat::print(std::string& out, Timestamp elapsed) {
  uint64_t duration = static_cast<uint64_t>(std::max<int64_t>(0, usecs(elapsed)));
  uint64_t interval = interval_;
  bool whole = interval == 0 || interval > duration;
  if (whole) interval = duration;
  unsigned dur_mag = magnitude(duration / 1000000, 5);
  unsigned invl_mag = magnitude(interval / 1000000, 5);
  unsigned prec = prec_;
  unsigned borderlen;
  if (whole) {
    prec = dur_mag >= 2 ? 1 : dur_mag == 1 ? 3 : 6;
    borderlen = 30 + dur_mag + (prec == 0 ? 0 : prec + 1);
  } else {
    borderlen = 25 + std::max(invl_mag, dur_mag) + (prec == 0 ? 0 : prec + 1);
  }
  uint64_t dv = 1000000;
  for (unsigned i = 0; i < prec; ++i) dv /= 10;
  if (duration % dv > 5 * (dv / 10)) {
    duration += 5 * (dv / 10);
    duration = duration / dv * dv;
    dur_mag = magnitude(duration / 1000000, 5);
  }
  if (whole) interval = duration;
  if (interval == 0) interval = 1;
  unsigned invl_col_w = prec == 0 ? 2 * dur_mag + 8 : 2 * dur_mag + 2 * prec + 10;
  invl_col_w = std::max(invl_col_w, 12u);

  // Rows per column: the buckets kept by interval_, all in one row when the
  // interval covers the whole capture.
  size_t rows = duration == 0 ? 1 : static_cast<size_t>((duration + interval - 1) / interval);
  rows = std::min<size_t>(rows, kMaxRows);
  if (whole) rows = 1;
  const uint64_t last_row = rows - 1;
  std::vector<Bucket> tails(cols_.size());
  std::vector<uint64_t> max_fr(cols_.size()), max_by(cols_.size());
  for (size_t j = 0; j < cols_.size(); ++j) {
    cols_[j].each(last_row, [&](uint64_t r, const Bucket& b) {
      if (r == last_row) tails[j] = b;
      max_fr[j] = std::max(max_fr[j], b.first);
      max_by[j] = std::max(max_by[j], b.second);
    });
  }
  auto val = [&](size_t j, uint64_t r) { return r == last_row ? tails[j] : cols_[j].row(r, last_row); };
  unsigned tabrow_w = invl_col_w;
  std::vector<unsigned> frw(cols_.size()), valw(cols_.size());
  for (size_t j = 0; j < cols_.size(); ++j) {
    frw[j] = std::max(6u, magnitude(max_fr[j], 15));
    valw[j] = std::max(5u, magnitude(max_by[j], 15));
    tabrow_w += frw[j] + 3 + valw[j] + 3;
  }
  borderlen = std::max(borderlen, tabrow_w);
  unsigned maxfltr_w = 0;
  for (const auto& c : cols_)
    maxfltr_w = std::max<unsigned>(maxfltr_w, c.filter.text.empty() ? 26u : static_cast<unsigned>(c.filter.text.size() + 11));
  if (maxfltr_w > borderlen && borderlen < 102) borderlen = std::min(maxfltr_w, 102u);
  if (borderlen - tabrow_w == 1) ++borderlen;

  auto line_to_border = [&](std::string s) {
    if (s.size() < borderlen) s += std::string(borderlen - s.size() - 1, ' ') + "|";
    else s += "|";
    out += s + "\n";
  };
  out += "\n" + std::string(borderlen, '=') + "\n";
  line_to_border("| IO Statistics");
  line_to_border("|");
  // Duration and interval, with the interval's precision.
  auto time_text = [&](uint64_t us, unsigned p) {
    char buf[64];
    if (p == 0) snprintf(buf, sizeof buf, "%" PRIu64, us / 1000000);
    else {
      uint64_t d = 1000000;
      for (unsigned i = 0; i < p; ++i) d /= 10;
      snprintf(buf, sizeof buf, "%" PRIu64 ".%0*" PRIu64, us / 1000000, static_cast<int>(p), (us % 1000000) / d);
    }
    return std::string(buf);
  };
  unsigned dur_prec = prec == 0 ? 6 : prec;
  uint64_t elapsed_us = static_cast<uint64_t>(std::max<int64_t>(0, usecs(elapsed)));
  uint64_t dpv = 1000000;
  for (unsigned i = 0; i < dur_prec; ++i) dpv /= 10;
  uint64_t dur_rounded = (elapsed_us + dpv / 2) / dpv * dpv;
  int dur_w = static_cast<int>(magnitude(elapsed_us / 1000000, 5) + (prec == 0 ? 0 : prec + 1));
  char buf[256];
  std::string dur_text = time_text(dur_rounded, dur_prec);
  if (prec == 0) {
    // tshark 4.0 pads the microseconds of a whole-second interval's duration
    // with spaces, not zeros ("7.  4236"); printed the same for scripts.
    char b2[64];
    snprintf(b2, sizeof b2, "%" PRIu64 ".%6" PRIu64, dur_rounded / 1000000, dur_rounded % 1000000);
    dur_text = b2;
  }
  snprintf(buf, sizeof buf, "| Duration: %*s secs", dur_w, dur_text.c_str());
  line_to_border(buf);
  snprintf(buf, sizeof buf, "| Interval: %*s secs", dur_w, time_text(interval, prec).c_str());
  line_to_border(buf);
  line_to_border("|");
  for (size_t j = 0; j < cols_.size(); ++j) {
    snprintf(buf, sizeof buf, j == 0 ? "| Col%2zu: " : "|    %2zu: ", j + 1);
    std::string l = buf;
    l += cols_[j].filter.text.empty() ? "Frames and bytes" : cols_[j].filter.text;
    line_to_border(l);
  }
  out += "|-" + std::string(borderlen - 3, '-') + "|\n";
  // Column numbers, then labels.
  std::string filler = tabrow_w < borderlen ? std::string(borderlen - tabrow_w - 1, ' ') + "|" : "";
  out += "|" + std::string(invl_col_w - 2, ' ') + "|";
  for (size_t j = 0; j < cols_.size(); ++j) appendf(out, "%-2zu%*s|", j + 1, static_cast<int>(frw[j] + valw[j] + 3), "");
  out += filler + "\n";
  out += "| Interval" + std::string(invl_col_w - 11, ' ') + "|";
  for (size_t j = 0; j < cols_.size(); ++j) {
    printcenter(out, "Frames", static_cast<int>(frw[j]), 1);
    printcenter(out, "Bytes", static_cast<int>(valw[j]), 1);
  }
  out += filler + "\n|-" + std::string(tabrow_w - 3, '-') + "|" + filler + "\n";
  for (size_t r = 0; r < rows; ++r) {
    uint64_t t = r * interval;
    uint64_t end = t + interval;
    bool last = end >= duration;
    if (last) end = duration;
    if (prec == 0) {
      if (last) {
        int maxw = dur_mag >= 3 ? static_cast<int>(dur_mag) + 1 : 3;
        appendf(out, "| %s%*" PRIu64 " <> %-*s|", dur_mag == 1 ? " " : "", static_cast<int>(dur_mag), t / 1000000, maxw, "Dur");
      } else if (dur_mag == 1) {
        appendf(out, "|  %*" PRIu64 " <> %*" PRIu64 "  |", static_cast<int>(dur_mag), t / 1000000, static_cast<int>(dur_mag), end / 1000000);
      } else {
        appendf(out, "| %*" PRIu64 " <> %*" PRIu64 " |", static_cast<int>(dur_mag), t / 1000000, static_cast<int>(dur_mag), end / 1000000);
      }
    } else {
      appendf(out, "| %*" PRIu64 ".%0*" PRIu64 " <> %*" PRIu64 ".%0*" PRIu64 " |", static_cast<int>(dur_mag), t / 1000000,
              static_cast<int>(prec), (t % 1000000) / dv, static_cast<int>(dur_mag), end / 1000000, static_cast<int>(prec),
              (end % 1000000) / dv);
    }
    for (size_t j = 0; j < cols_.size(); ++j) {
      const Bucket v = val(j, r);
      appendf(out, " %*" PRIu64 " | %*" PRIu64 " |", static_cast<int>(frw[j]), v.first, static_cast<int>(valw[j]), v.second);
    }
    out += filler + "\n";
    drain_if_large(out);
    if (last) break;
  }
  out += std::string(borderlen, '=') + "\n";
}

// -------------------------------------------------------------- follow ----
class Follow : public Stat {
public:
  Follow(bool hex, uint64_t stream) : hex_(hex), stream_(stream) {}
  void want(std::vector<FieldId>& ids) const override {
    ids.push_back(tcp::tcp_f::stream);
    ids.push_back(tcp::tcp_f::payload);
    ids.push_back(tcp::tcp_f::a_retransmission);
  }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext&) override {
    const core::FieldNode* s = first_node(tree, tcp::tcp_f::stream);
    if (!s || s->u != stream_) return;
    std::string src = endpoint(pkt.net_src, pkt.srcport);
    if (nodes_[0].empty()) {
      nodes_[0] = src;
      nodes_[1] = endpoint(pkt.net_dst, pkt.dstport);
    }
    const core::FieldNode* p = first_node(tree, tcp::tcp_f::payload);
    if (!p || p->b.n == 0 || first_node(tree, tcp::tcp_f::a_retransmission)) return;
    if (bytes_ + p->b.n > kMaxBytes) {
      truncated_ = true;
      return;
    }
    bytes_ += p->b.n;
    chunks_.push_back({src == nodes_[0] ? 0 : 1, std::string(reinterpret_cast<const char*>(p->b.p), p->b.n)});
  }
  void print(std::string& out, Timestamp) override {
    out += "\n===================================================================\n";
    out += std::string("Follow: tcp,") + (hex_ ? "hex" : "ascii") + "\n";
    out += "Filter: tcp.stream eq " + std::to_string(stream_) + "\n";
    out += "Node 0: " + nodes_[0] + "\nNode 1: " + nodes_[1] + "\n";
    uint64_t off[2] = {0, 0};
    for (const auto& [node, data] : chunks_) {
      if (!hex_) {
        if (node) out += '\t';
        out += std::to_string(data.size()) + "\n";
        for (char ch : data) {
          unsigned char c = static_cast<unsigned char>(ch);
          out += (c >= 0x20 && c < 0x7f) || c == '\n' ? static_cast<char>(c) : '.';
        }
        out += '\n';
        continue;
      }
      for (size_t i = 0; i < data.size(); i += 16) {
        if (node) out += '\t';
        appendf(out, "%08" PRIx64 "  ", off[node] + i);
        size_t n = std::min<size_t>(16, data.size() - i);
        std::string hexpart, ascii;
        for (size_t k = 0; k < 16; ++k) {
          if (k == 8) hexpart += ' ';
          if (k < n) appendf(hexpart, "%02x ", static_cast<unsigned char>(data[i + k]));
          else hexpart += "   ";
        }
        for (size_t k = 0; k < n; ++k) {
          if (k == 8) ascii += ' ';
          unsigned char c = static_cast<unsigned char>(data[i + k]);
          ascii += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.';
        }
        out += hexpart + " " + ascii + "\n";
      }
      off[node] += data.size();
    }
    if (truncated_) out += "(mqsniff: the stream exceeded 64 MiB; the rest is not shown)\n";
    out += "===================================================================\n";
  }

private:
  static std::string endpoint(const Address& a, uint16_t port) {
    std::string s = addr_text(a);
    if (a.type == AddrType::Ipv6) s = "[" + s + "]";
    return s + ":" + std::to_string(port);
  }
  static constexpr uint64_t kMaxBytes = 64ull << 20;
  bool hex_;
  uint64_t stream_;
  std::string nodes_[2];
  std::vector<std::pair<int, std::string>> chunks_;
  uint64_t bytes_ = 0;
  bool truncated_ = false;
};

// -------------------------------------------------------------- expert ----
class Expert : public Stat {
public:
  void want(std::vector<FieldId>& ids) const override {
    using namespace link;
    ids.insert(ids.end(), {ws_f::expert, ws_f::expert_message, ws_f::expert_severity, ws_f::expert_group});
  }
  void packet(const Packet&, const FieldTree& tree, const RowContext&) override {
    const auto& reg = core::FieldRegistry::instance();
    const auto& nodes = tree.nodes();
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].id != link::ws_f::expert) continue;
      std::string msg;
      uint32_t sev = 0, grp = 0;
      for (size_t k = i + 1; k < nodes.size() && nodes[k].parent == static_cast<int32_t>(i); ++k) {
        if (nodes[k].id == link::ws_f::expert_message) msg = std::string(nodes[k].str());
        if (nodes[k].id == link::ws_f::expert_severity) sev = static_cast<uint32_t>(nodes[k].u);
        if (nodes[k].id == link::ws_f::expert_group) grp = static_cast<uint32_t>(nodes[k].u);
      }
      // The protocol the item belongs to: its nearest protocol ancestor.
      std::string proto;
      for (int32_t p = nodes[i].parent; p >= 0; p = nodes[static_cast<size_t>(p)].parent) {
        const core::FieldDef* d = reg.def(nodes[static_cast<size_t>(p)].id);
        if (d && d->type == core::FieldType::Protocol && d->id != link::ws_f::expert) {
          proto = std::string(d->short_name.empty() ? d->abbrev : d->short_name);
          break;
        }
      }
      std::string key = std::to_string(sev) + '|' + std::to_string(grp) + '|' + proto + '|' + msg;
      auto it = index_.find(key);
      if (it == index_.end()) {
        if (items_.size() >= 100000) continue;
        it = index_.emplace(key, items_.size()).first;
        items_.push_back({sev, grp, proto, msg, 0});
      }
      ++items_[it->second].count;
    }
  }
  void print(std::string& out, Timestamp) override {
    static const std::pair<core::Severity, const char*> kSev[] = {{core::Severity::Error, "Errors"},
                                                                  {core::Severity::Warn, "Warns"},
                                                                  {core::Severity::Note, "Notes"},
                                                                  {core::Severity::Chat, "Chats"},
                                                                  {core::Severity::Comment, "Comments"}};
    for (auto [sev, name] : kSev) {
      uint64_t total = 0;
      for (const auto& e : items_)
        if (e.sev == static_cast<uint32_t>(sev)) total += e.count;
      if (!total) continue;
      appendf(out, "\n%s (%" PRIu64 ")\n=============\n   Frequency      Group           Protocol  Summary\n", name, total);
      for (const auto& e : items_)
        if (e.sev == static_cast<uint32_t>(sev))
          appendf(out, "%12" PRIu64 " %10s %18s  %s\n", e.count, core::group_name(static_cast<core::ExpertGroup>(e.grp)),
                  e.proto.c_str(), e.msg.c_str());
    }
  }

private:
  struct Item {
    uint32_t sev, grp;
    std::string proto, msg;
    uint64_t count;
  };
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

// ----------------------------------------------------------- mqtt,tree ----
// mqsniff's own (tshark 4.0 has no MQTT statistics): MQTT packets by message
// type, PUBLISH messages by topic and by QoS, in the stats-tree layout.
class MqttTree : public Stat {
public:
  void want(std::vector<FieldId>& ids) const override {
    ids.insert(ids.end(), {mqtt::mqtt_f::proto, mqtt::mqtt_f::msgtype, mqtt::mqtt_f::topic, mqtt::mqtt_f::qos,
                           mqtt::mqtt_f::msg, mqtt::mqtt_f::clientid, tcp::tcp_f::stream});
  }
  void packet(const Packet&, const FieldTree& tree, const RowContext&) override {
    const auto& nodes = tree.nodes();
    const core::FieldNode* sn = first_node(tree, tcp::tcp_f::stream);
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].id != mqtt::mqtt_f::proto) continue;
      // This PDU's fields: until the next MQTT layer.
      int type = -1, qos = -1;
      std::string topic;
      size_t bytes = 0;
      std::string_view clientid;
      bool has_clientid = false;
      for (size_t k = i + 1; k < nodes.size() && nodes[k].id != mqtt::mqtt_f::proto; ++k) {
        if (nodes[k].id == mqtt::mqtt_f::msgtype && type < 0) type = static_cast<int>(nodes[k].u);
        if (nodes[k].id == mqtt::mqtt_f::qos && qos < 0) qos = static_cast<int>(nodes[k].u);
        if (nodes[k].id == mqtt::mqtt_f::topic && topic.empty()) topic = std::string(nodes[k].str());
        if (nodes[k].id == mqtt::mqtt_f::msg) bytes = nodes[k].b.n;
        if (nodes[k].id == mqtt::mqtt_f::clientid) {
          clientid = nodes[k].str();
          has_clientid = true;
        }
      }
      if (type < 0) continue;
      ++total_;
      ++types_[type];
      if (sn) {
        if (type == 1 && has_clientid && (stream_client_.count(sn->u) || stream_client_.size() < kMaxClients))
          stream_client_[sn->u] = std::string(clientid);
        if (stream_packets_.count(sn->u) || stream_packets_.size() < kMaxClients) ++stream_packets_[sn->u];
      }
      if (type == 3) {
        ++publishes_;
        ++qos_[qos < 0 ? 0 : qos & 3];
        if (topics_.count(topic) || topics_.size() < kMaxTopics) {
          auto& t = topics_[topic];
          ++t.first;
          t.second += bytes;
        } else {
          ++other_topics_;
        }
      }
    }
  }
  void print(std::string& out, Timestamp) override {
    const std::string rule(78, '=');
    out += "\n" + rule + "\nMQTT Statistics (mqsniff):\n";
    appendf(out, "%-40s %10s %10s %14s\n", "Topic / Item", "Count", "Percent", "Payload bytes");
    out += std::string(78, '-') + "\n";
    auto row = [&](const std::string& name, uint64_t n, uint64_t of, const std::string& extra = "") {
      char pct[32] = "";
      if (of) snprintf(pct, sizeof pct, "%.2f%%", 100.0 * static_cast<double>(n) / static_cast<double>(of));
      if (extra.empty()) appendf(out, "%-40s %10" PRIu64 " %10s\n", name.c_str(), n, pct);
      else appendf(out, "%-40s %10" PRIu64 " %10s %14s\n", name.c_str(), n, pct, extra.c_str());
    };
    row("MQTT Packets", total_, total_);
    out += " Message Types\n";
    for (auto [t, n] : types_) row("  " + std::string(mqtt::msgtype_name(static_cast<uint8_t>(t))), n, total_);
    row(" Publish Messages", publishes_, total_);
    out += "  By QoS\n";
    for (auto [q, n] : qos_) row("   QoS " + std::to_string(q), n, publishes_);
    out += "  By Topic\n";
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> tp(topics_.begin(), topics_.end());
    std::stable_sort(tp.begin(), tp.end(), [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    for (const auto& [name, n] : tp) row("   " + name, n.first, publishes_, std::to_string(n.second));
    if (other_topics_) row("   (other topics)", other_topics_, publishes_);
    TopicLevel root;
    for (const auto& [topic, n] : topics_) root.add(topic, n.first, n.second);
    out += "  By Topic Level\n";
    auto walk = [&](auto&& self, const TopicLevel& node, int depth) -> void {
      for (const auto& [name, k] : node.kids) {
        row(std::string(static_cast<size_t>(3 + depth), ' ') + (name.empty() ? "(empty)" : name), k.messages, publishes_,
            std::to_string(k.bytes));
        self(self, k, depth + 1);
      }
    };
    walk(walk, root, 0);
    // Packets per client (the CONNECT's client id; connections without one captured: by stream).
    std::map<std::string, uint64_t> clients;
    for (const auto& [stream, n] : stream_packets_) {
      auto it = stream_client_.find(stream);
      clients[it != stream_client_.end() ? "'" + it->second + "'" : "(stream " + std::to_string(stream) + ", no CONNECT)"] += n;
    }
    out += " By Client Id\n";
    for (const auto& [name, n] : clients) row("  " + name, n, total_);
    out += std::string(78, '-') + "\n";
  }

private:
  static constexpr size_t kMaxTopics = 10000, kMaxClients = 10000;
  uint64_t total_ = 0, publishes_ = 0, other_topics_ = 0;
  std::map<int, uint64_t> types_, qos_;
  std::map<std::string, std::pair<uint64_t, uint64_t>> topics_;  // messages, payload bytes
  std::map<uint64_t, std::string> stream_client_;
  std::map<uint64_t, uint64_t> stream_packets_;
};

[[noreturn]] void bad_z(const std::string& spec) {
  std::string m = "Invalid -z argument \"" + spec + "\"; it must be one of:";
  for (const auto& st : cli::stat_specs()) m += std::string("\n     ") + st.name;
  throw cli::UsageError(m, cli::kExitUsage);
}

const char* kind_name(const std::string& k) {
  if (k == "tcp") return "TCP";
  if (k == "udp") return "UDP";
  if (k == "ip") return "IPv4";
  if (k == "ipv6") return "IPv6";
  return nullptr;
}

}  // namespace

void Stats::add(const std::string& spec) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (true) {
    size_t j = spec.find(',', i);
    parts.push_back(spec.substr(i, j == std::string::npos ? std::string::npos : j - i));
    if (j == std::string::npos) break;
    i = j + 1;
  }
  auto rest_from = [&](size_t k) {  // a filter may itself contain commas
    std::string r;
    for (size_t m = k; m < parts.size(); ++m) r += (m > k ? "," : "") + parts[m];
    return r;
  };
  if ((parts[0] == "conv" || parts[0] == "endpoints") && parts.size() >= 2) {
    const char* k = kind_name(parts[1]);
    if (!k) bad_z(spec);
    std::string filt = rest_from(2);
    if (parts[0] == "conv") stats_.push_back(std::make_unique<Conversations>(k, filt));
    else stats_.push_back(std::make_unique<Endpoints>(k, filt));
  } else if (parts[0] == "io" && parts.size() >= 3 && parts[1] == "stat") {
    const std::string& iv = parts[2];
    double v = 0;
    char* end = nullptr;
    v = strtod(iv.c_str(), &end);
    if (iv.empty() || *end || v < 0) throw cli::UsageError("Invalid interval \"" + iv + "\" for -z io,stat", cli::kExitUsage);
    unsigned prec = 0;
    auto dot = iv.find('.');
    if (dot != std::string::npos) prec = static_cast<unsigned>(std::min<size_t>(6, iv.size() - dot - 1));
    std::vector<std::string> filters(parts.begin() + 3, parts.end());
    stats_.push_back(std::make_unique<IoStat>(static_cast<uint64_t>(v * 1e6 + 0.5), prec, filters));
  } else if (parts[0] == "follow" && parts.size() == 4 && parts[1] == "tcp" && (parts[2] == "ascii" || parts[2] == "hex")) {
    char* end = nullptr;
    unsigned long long n = strtoull(parts[3].c_str(), &end, 10);
    if (parts[3].empty() || *end) bad_z(spec);
    stats_.push_back(std::make_unique<Follow>(parts[2] == "hex", n));
  } else if (spec == "expert" || parts[0] == "expert") {
    stats_.push_back(std::make_unique<Expert>());
  } else if (spec == "mqtt,tree") {
    stats_.push_back(std::make_unique<MqttTree>());
  } else if (auto m = make_mqtt_stat(parts, show_secrets)) {
    stats_.push_back(std::move(m));
  } else {
    bad_z(spec);
  }
}

std::vector<FieldId> Stats::wanted() const {
  std::vector<FieldId> ids;
  for (const auto& s : stats_) s->want(ids);
  return ids;
}

void Stats::packet(const Packet& pkt, const FieldTree& tree, const RowContext& row) {
  for (auto& s : stats_) s->packet(pkt, tree, row);
}

void Stats::add_ladder_svg(const std::string& path) { stats_.push_back(make_ladder_svg(path)); }

void Stats::add_report(const std::string& path, const std::string& title) {
  stats_.push_back(make_mqtt_report(path, title, show_secrets));
}

bool Stats::write_files(std::string& error) const {
  for (const auto& s : stats_)
    if (!s->write_file(error)) return false;
  return true;
}

void Stats::print(std::string& out, Timestamp elapsed, const std::function<void()>& drain) {
  for (auto it = stats_.rbegin(); it != stats_.rend(); ++it) {
    (*it)->drain = drain;
    (*it)->print(out, elapsed);
    (*it)->drain = nullptr;
  }
}

}  // namespace mqsniff::out
