#include "dissectors/tcp/flow_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

// The slab is an anonymous mapping, which LeakSanitizer does not scan: the
// stream state the flows point to would look leaked. Register it as a root.
#if defined(__SANITIZE_ADDRESS__)
#define MQSNIFF_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define MQSNIFF_LSAN 1
#endif
#endif
#ifdef MQSNIFF_LSAN
#include <sanitizer/lsan_interface.h>
#endif

namespace mqsniff::tcp {

template <typename Flow>
FlowIndex<Flow>::FlowIndex(size_t max_flows) : max_(max_flows ? max_flows : 1) {
  size_t cap = 16;
  while (cap < max_ * 2) cap <<= 1;
  index_.assign(cap, 0);
  mask_ = cap - 1;
  // Reserve (not commit) the slab, aligned to 2 MiB so huge pages can back
  // it when it is large (a small table keeps 4 KiB pages: its first flow must
  // not cost zeroing a whole 2 MiB page).
  constexpr size_t kHuge = 2u << 20;
  const bool huge = max_ * sizeof(Flow) >= 4 * kHuge;
  const size_t unit = huge ? kHuge : 4096;
  slab_bytes_ = (max_ * sizeof(Flow) + unit - 1) / unit * unit;
  slab_map_bytes_ = slab_bytes_ + unit;
  slab_map_ = mmap(nullptr, slab_map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (slab_map_ == MAP_FAILED) throw std::bad_alloc();
  auto base = (reinterpret_cast<uintptr_t>(slab_map_) + unit - 1) & ~uintptr_t(unit - 1);
  slab_ = reinterpret_cast<Flow*>(base);
  if (huge) madvise(slab_, slab_bytes_, MADV_HUGEPAGE);  // advice only: 4 KiB pages still work
#ifdef MQSNIFF_LSAN
  __lsan_register_root_region(slab_map_, slab_map_bytes_);
#endif
}

template <typename Flow>
FlowIndex<Flow>::~FlowIndex() {
  for (uint32_t i = 0; i < allocated_; ++i) slab_[i].~Flow();
#ifdef MQSNIFF_LSAN
  __lsan_unregister_root_region(slab_map_, slab_map_bytes_);
#endif
  munmap(slab_map_, slab_map_bytes_);
}

template <typename Flow>
uint64_t FlowIndex<Flow>::hash(const FlowKey& k) {
  // The key's words (IPv4 addresses are zero-padded to 16 bytes), each
  // multiplied by its own odd constant, then a final avalanche (splitmix64).
  uint64_t w[4];
  std::memcpy(w, k.a.data(), 16);
  std::memcpy(w + 2, k.b.data(), 16);
  uint64_t h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^ (w[2] * 0x165667b19e3779f9ull) ^
               (w[3] * 0xd6e8feb86659fd93ull) ^ ((uint64_t(k.pa) << 16 | k.pb | uint64_t(k.family) << 32) * 0xff51afd7ed558ccdull);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

template <typename Flow>
void FlowIndex<Flow>::lru_unlink(uint32_t i) {
  Flow& f = at(i);
  if (f.lru_prev != UINT32_MAX) at(f.lru_prev).lru_next = f.lru_next; else lru_head_ = f.lru_next;
  if (f.lru_next != UINT32_MAX) at(f.lru_next).lru_prev = f.lru_prev; else lru_tail_ = f.lru_prev;
  f.lru_prev = f.lru_next = UINT32_MAX;
}

template <typename Flow>
void FlowIndex<Flow>::lru_push_front(uint32_t i) {
  Flow& f = at(i);
  f.lru_prev = UINT32_MAX;
  f.lru_next = lru_head_;
  if (lru_head_ != UINT32_MAX) at(lru_head_).lru_prev = i;
  lru_head_ = i;
  if (lru_tail_ == UINT32_MAX) lru_tail_ = i;
}

template <typename Flow>
void FlowIndex<Flow>::erase_from_index(uint32_t flow_idx) {
  // Backward-shift deletion keeps linear probing chains intact without tombstones.
  size_t pos = hash(at(flow_idx).key) & mask_;
  while (index_[pos] != flow_idx + 1) pos = (pos + 1) & mask_;
  size_t hole = pos;
  size_t next = (hole + 1) & mask_;
  while (index_[next]) {
    size_t home = hash(at(index_[next] - 1).key) & mask_;
    // Move the entry back if its home is not in (hole, next].
    bool between = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
    if (!between) {
      index_[hole] = index_[next];
      hole = next;
    }
    next = (next + 1) & mask_;
  }
  index_[hole] = 0;
}

namespace {
void release_app(TcpFlow& f) { f.release_tls(); }
void release_app(UdpFlow&) {}
size_t charged_of(const TcpFlow& f) { return f.charged; }
size_t charged_of(const UdpFlow&) { return 0; }
}  // namespace

template <typename Flow>
void FlowIndex<Flow>::evict(uint32_t i) {
  erase_from_index(i);
  lru_unlink(i);
  // Its state goes now (reassembly buffers released and counted as dropped,
  // application state freed and uncounted), not when the slot is reused.
  release_app(at(i));
  const size_t c = charged_of(at(i));
  flows_bytes_ -= c < flows_bytes_ ? c : flows_bytes_;
  at(i) = Flow{};
  at(i).stream = UINT32_MAX;  // no queued entry matches a free slot
  free_.push_back(i);
  --count_;
}

void FlowTable::forget_closed(core::Timestamp now, int64_t timeout_ns, int budget) {
  if (timeout_ns <= 0) return;
  const int64_t t = core::to_ns(now);
  while (budget-- > 0 && !closed_.empty()) {
    Closed c = closed_.front();
    TcpFlow& f = at(c.idx);
    if (f.stream != c.stream || !f.close_noted) {  // evicted, expired, or restarted meanwhile
      closed_.pop_front();
      continue;
    }
    if (core::to_ns(f.last_ts) > core::to_ns(c.ts)) {  // packets came after it closed: wait from the last one
      closed_.pop_front();
      closed_.push_back({c.idx, c.stream, f.last_ts});
      continue;
    }
    if (core::sat_sub(t, core::to_ns(c.ts)) <= timeout_ns) break;
    closed_.pop_front();
    evict(c.idx);
    ++forgotten_;
  }
}

template <typename Flow>
void FlowIndex<Flow>::expire_idle(core::Timestamp now, int64_t timeout_ns, int budget) {
  if (timeout_ns <= 0) return;
  int64_t t = core::to_ns(now);
  while (budget-- > 0 && lru_tail_ != UINT32_MAX) {
    const Flow& f = at(lru_tail_);
    if (core::sat_sub(t, core::to_ns(f.last_ts)) <= timeout_ns) break;
    evict(lru_tail_);
    ++expired_;
  }
}

template <typename Flow>
uint32_t FlowIndex<Flow>::alloc_slot() {
  if (count_ >= max_ && lru_tail_ != UINT32_MAX) {
    evict(lru_tail_);
    ++evicted_;
  }
  if (!free_.empty()) {
    uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  new (&slab_[allocated_]) Flow();
  return allocated_++;
}

FlowKey make_flow_key(const uint8_t* src, uint16_t sport, const uint8_t* dst, uint16_t dport, size_t n, int& dir) {
  FlowKey k;
  k.family = n == 4 ? 4 : 6;
  int c = std::memcmp(src, dst, n);
  bool src_first = c < 0 || (c == 0 && sport <= dport);
  std::memcpy(k.a.data(), src_first ? src : dst, n);
  std::memcpy(k.b.data(), src_first ? dst : src, n);
  k.pa = src_first ? sport : dport;
  k.pb = src_first ? dport : sport;
  dir = src_first ? 0 : 1;
  return k;
}

template <typename Flow>
Flow& FlowIndex<Flow>::lookup(const core::Address& src, uint16_t sport, const core::Address& dst, uint16_t dport,
                              int& dir) {
  size_t n = src.type == core::AddrType::Ipv4 ? 4 : 16;
  FlowKey k = make_flow_key(src.bytes.data(), sport, dst.bytes.data(), dport, n, dir);

  size_t pos = hash(k) & mask_;
  while (uint32_t e = index_[pos]) {
    Flow& f = at(e - 1);
    if (f.key == k) {
      if (lru_head_ != e - 1) {
        lru_unlink(e - 1);
        lru_push_front(e - 1);
      }
      return f;
    }
    pos = (pos + 1) & mask_;
  }
  uint32_t i = alloc_slot();
  // Eviction may have shifted entries: find the insertion point again.
  pos = hash(k) & mask_;
  while (index_[pos]) pos = (pos + 1) & mask_;
  index_[pos] = i + 1;
  Flow& f = at(i);
  f = Flow{};
  f.key = k;
  f.stream = next_stream_++;
  lru_push_front(i);
  ++count_;
  return f;
}

size_t FlowTable::sessions_bytes(const TcpFlow::Sessions& ss) {
  size_t n = sizeof(TcpFlow::Sessions) + ss.mqtt.heap_bytes();
  if (ss.tls) n += sizeof(tls::TlsSession) + ss.tls->heap_bytes();
  if (ss.ws) n += sizeof(websocket::WsSession);
  return n;
}

void FlowTable::account_slow(TcpFlow& f, size_t now, ReassemblyStats& rs, const ReassemblyLimits& l,
                             mqtt::SessionStore& store) {
  flows_bytes_ = flows_bytes_ - std::min<size_t>(f.charged, flows_bytes_) + now;
  f.charged = static_cast<uint32_t>(std::min<size_t>(now, UINT32_MAX));
  if (f.sessions) {
    mqtt::MqttSession& m = f.sessions->mqtt;
    if (m.analysis && m.analysis->persistent) store.recount(*m.analysis);
    uint64_t lost = m.not_kept;
    m.not_kept = 0;
    if (m.analysis) {
      lost += m.analysis->not_kept;
      m.analysis->not_kept = 0;
    }
    rs.dropped_by[static_cast<size_t>(Drop::MqttState)] += lost;
  }
  rs.state = flows_bytes_ + pool_bytes_ + store.bytes();
  // Conversation state may take 7/8 of the budget; buffered data the rest
  // and whatever the state leaves (its own caps give up holes and PDUs first).
  const size_t high = l.max_total_bytes / 8 * 7;
  const uint32_t self = index_of(f);
  while (rs.state > high || rs.total() > l.max_total_bytes) {
    if (lru_tail_ != UINT32_MAX && lru_tail_ != self) {
      evict(lru_tail_);
      ++rs.evicted_memory;
    } else if (!store.trim(high - std::min(high, flows_bytes_ + pool_bytes_))) {
      break;  // this conversation alone holds the rest
    }
    rs.state = flows_bytes_ + pool_bytes_ + store.bytes();
  }
  if (rs.total() > rs.state_peak) rs.state_peak = rs.total();
}

void FlowTable::restart(TcpFlow& f) {
  flows_bytes_ -= std::min<size_t>(f.charged, flows_bytes_);
  f.release_tls();  // its handshake buffers leave the reassembly budget
  FlowKey k = f.key;
  uint32_t prev = f.lru_prev, next = f.lru_next;
  f = TcpFlow{};
  f.key = k;
  f.lru_prev = prev;
  f.lru_next = next;
  f.stream = next_stream_++;
}

template class FlowIndex<TcpFlow>;
template class FlowIndex<UdpFlow>;

}  // namespace mqsniff::tcp
