#include "dissectors/tcp/flow_table.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace mqsniff::tcp {

FlowTable::FlowTable(size_t max_flows) : max_(max_flows ? max_flows : 1) {
  size_t cap = 16;
  while (cap < max_ * 2) cap <<= 1;
  index_.assign(cap, 0);
  mask_ = cap - 1;
  // Reserve (not commit) the slab, aligned to 2 MiB so huge pages can back it.
  constexpr size_t kHuge = 2u << 20;
  slab_bytes_ = (max_ * sizeof(TcpFlow) + kHuge - 1) / kHuge * kHuge;
  slab_map_bytes_ = slab_bytes_ + kHuge;
  slab_map_ = mmap(nullptr, slab_map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (slab_map_ == MAP_FAILED) throw std::bad_alloc();
  auto base = (reinterpret_cast<uintptr_t>(slab_map_) + kHuge - 1) & ~uintptr_t(kHuge - 1);
  slab_ = reinterpret_cast<TcpFlow*>(base);
  madvise(slab_, slab_bytes_, MADV_HUGEPAGE);  // advice only: 4 KiB pages still work
}

FlowTable::~FlowTable() {
  for (uint32_t i = 0; i < allocated_; ++i) slab_[i].~TcpFlow();
  munmap(slab_map_, slab_map_bytes_);
}

uint64_t FlowTable::hash(const FlowKey& k) {
  // FNV-1a over the key fields, then a final avalanche (splitmix64).
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  mix(k.a.data(), k.family == 4 ? 4 : 16);
  mix(k.b.data(), k.family == 4 ? 4 : 16);
  uint64_t ports = uint64_t(k.pa) << 16 | k.pb;
  h ^= ports + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

void FlowTable::lru_unlink(uint32_t i) {
  TcpFlow& f = at(i);
  if (f.lru_prev != UINT32_MAX) at(f.lru_prev).lru_next = f.lru_next; else lru_head_ = f.lru_next;
  if (f.lru_next != UINT32_MAX) at(f.lru_next).lru_prev = f.lru_prev; else lru_tail_ = f.lru_prev;
  f.lru_prev = f.lru_next = UINT32_MAX;
}

void FlowTable::lru_push_front(uint32_t i) {
  TcpFlow& f = at(i);
  f.lru_prev = UINT32_MAX;
  f.lru_next = lru_head_;
  if (lru_head_ != UINT32_MAX) at(lru_head_).lru_prev = i;
  lru_head_ = i;
  if (lru_tail_ == UINT32_MAX) lru_tail_ = i;
}

void FlowTable::erase_from_index(uint32_t flow_idx) {
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

void FlowTable::evict(uint32_t i) {
  erase_from_index(i);
  lru_unlink(i);
  at(i).streams.reset();  // releases (and counts) any data still held
  free_.push_back(i);
  --count_;
}

void FlowTable::expire_idle(core::Timestamp now, int64_t timeout_ns, int budget) {
  if (timeout_ns <= 0) return;
  int64_t t = now.sec * 1000000000LL + now.nsec;
  while (budget-- > 0 && lru_tail_ != UINT32_MAX) {
    const TcpFlow& f = at(lru_tail_);
    int64_t last = f.last_ts.sec * 1000000000LL + f.last_ts.nsec;
    if (t - last <= timeout_ns) break;
    evict(lru_tail_);
    ++expired_;
  }
}

uint32_t FlowTable::alloc_slot() {
  if (count_ >= max_ && lru_tail_ != UINT32_MAX) {
    evict(lru_tail_);
    ++evicted_;
  }
  if (!free_.empty()) {
    uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  new (&slab_[allocated_]) TcpFlow();
  return allocated_++;
}

static int compare_endpoint(const core::Address& x, uint16_t xp, const core::Address& y, uint16_t yp, size_t n) {
  int c = std::memcmp(x.bytes.data(), y.bytes.data(), n);
  if (c) return c;
  return xp < yp ? -1 : (xp > yp ? 1 : 0);
}

TcpFlow& FlowTable::lookup(const core::Address& src, uint16_t sport, const core::Address& dst, uint16_t dport,
                           int& dir) {
  FlowKey k;
  size_t n = src.type == core::AddrType::Ipv4 ? 4 : 16;
  k.family = src.type == core::AddrType::Ipv4 ? 4 : 6;
  bool src_first = compare_endpoint(src, sport, dst, dport, n) <= 0;
  const core::Address& a = src_first ? src : dst;
  const core::Address& b = src_first ? dst : src;
  std::memcpy(k.a.data(), a.bytes.data(), n);
  std::memcpy(k.b.data(), b.bytes.data(), n);
  k.pa = src_first ? sport : dport;
  k.pb = src_first ? dport : sport;
  dir = src_first ? 0 : 1;

  size_t pos = hash(k) & mask_;
  while (uint32_t e = index_[pos]) {
    TcpFlow& f = at(e - 1);
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
  TcpFlow& f = at(i);
  f = TcpFlow{};
  f.key = k;
  f.stream = next_stream_++;
  lru_push_front(i);
  ++count_;
  return f;
}

void FlowTable::restart(TcpFlow& f) {
  FlowKey k = f.key;
  uint32_t prev = f.lru_prev, next = f.lru_next;
  f = TcpFlow{};
  f.key = k;
  f.lru_prev = prev;
  f.lru_next = next;
  f.stream = next_stream_++;
}

}  // namespace mqsniff::tcp
