// TCP conversation table: both directions of a 4-tuple are one conversation
// with one `tcp.stream` number, numbered in order of first appearance as
// tshark numbers them.
//
// Bounded: at most `max_flows` conversations are tracked (open addressing,
// linear probing, no allocation after construction). When the table is full
// the least recently used conversation is evicted and counted in `evicted()`;
// if its 4-tuple shows up again it gets a new stream number (tshark keeps
// every conversation forever and would reuse the old number).
#pragma once

#include <array>
#include <memory>
#include <cstdint>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/tls/tls_dissect.h"
#include "dissectors/websocket/ws_dissect.h"
#include "dissectors/tcp/reassembler.h"
#include "dissectors/tcp/tcp_analysis.h"

namespace mqsniff::tcp {

struct FlowKey {
  std::array<uint8_t, 16> a{}, b{};  // canonical order: (a, pa) < (b, pb)
  uint16_t pa = 0, pb = 0;
  uint8_t family = 0;
  bool operator==(const FlowKey& o) const {
    return pa == o.pa && pb == o.pb && family == o.family && a == o.a && b == o.b;
  }
};

// Per-direction state. Direction 0 goes from key.a to key.b.
struct TcpDir {
  uint32_t peer_acked = 0;  // highest relative ack the peer sent for this direction's data
  bool peer_ack_set = false;
  uint32_t base_seq = 0;
  bool base_set = false;
  bool syn_seen = false;
  bool fin_seen = false;
  int8_t win_scale = -1;  // -1 unknown, -2 not used, else the shift count
};

// Members are ordered so that what every packet touches lies in the first
// cache lines (key, stream, verdict, LRU links, stream state, times, the
// directions' sequence bases); analysis and TLS/WebSocket state come after.
struct TcpFlow {
  FlowKey key;
  uint32_t stream = 0;
  enum class App : uint8_t { Unknown, Mqtt, Tls, WebSocket, None } app = App::Unknown;  // heuristic verdict
  bool rst_seen = false;
  bool syn_ts_set = false;
  uint32_t lru_prev = UINT32_MAX, lru_next = UINT32_MAX;
  // Reassembly state, allocated only for flows that carry a reassembled protocol.
  struct Streams {
    Streams(ReassemblyStats* s, const ReassemblyLimits* l) : dir{DirStream(s, l), DirStream(s, l)} {}
    DirStream dir[2];
  };
  std::unique_ptr<Streams> streams;
  core::Timestamp first_ts, last_ts;
  mqtt::MqttSession mqtt;  // session state of the application protocol
  std::array<TcpDir, 2> dir;
  tls::TlsSession tls;
  websocket::WsSession ws;  // MQTT over WebSocket
  core::Timestamp syn_ts;    // for the handshake RTT
  core::Timestamp first_rtt; // SYN -> ACK of SYN/ACK (tshark's out-of-order threshold)
  std::array<AnalysisState, 2> an;  // per direction, only when sequence analysis is shown
};

class FlowTable {
public:
  static constexpr size_t kDefaultMaxFlows = 131072;  // ~38 MiB of conversation state at most
  explicit FlowTable(size_t max_flows = kDefaultMaxFlows);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // The conversation of this packet (created if new). `dir` is set to the
  // packet's direction within it.
  TcpFlow& lookup(const core::Address& src, uint16_t sport, const core::Address& dst, uint16_t dport, int& dir);
  // The canonical key of a 4-tuple (n = 4 or 16 address bytes); dir as lookup().
  static FlowKey make_key(const uint8_t* src, uint16_t sport, const uint8_t* dst, uint16_t dport, size_t n, int& dir);
  // Reassembly state for a flow: from a small pool of released ones when
  // possible (their buffers keep their capacity: no allocation per connection).
  std::unique_ptr<TcpFlow::Streams> take_streams(ReassemblyStats* s, const ReassemblyLimits* l) {
    if (!pool_.empty()) {
      auto p = std::move(pool_.back());
      pool_.pop_back();
      return p;
    }
    return std::make_unique<TcpFlow::Streams>(s, l);
  }
  // A closed connection holding nothing gives its reassembly state back, and
  // its TLS session (decryption keys, handshake fragments) its heap memory.
  void release_streams(TcpFlow& f) {
    f.tls.release();
    if (!f.streams) return;
    if (pool_.size() < kStreamPool && f.streams->dir[0].buffered() == 0 && f.streams->dir[1].buffered() == 0) {
      f.streams->dir[0].recycle();
      f.streams->dir[1].recycle();
      pool_.push_back(std::move(f.streams));
    }
    f.streams.reset();
  }
  // Port reuse: the 4-tuple starts a new conversation with a new stream number.
  void restart(TcpFlow& f);
  // Forgets conversations idle for more than `timeout_ns` of capture time
  // (oldest first, at most `budget` per call so no packet pays for many).
  // Their reassembly buffers are released and counted as dropped.
  void expire_idle(core::Timestamp now, int64_t timeout_ns, int budget = 4);
  uint64_t expired() const { return expired_; }

  size_t size() const { return count_; }
  size_t max_flows() const { return max_; }
  uint64_t evicted() const { return evicted_; }
  uint32_t streams_seen() const { return next_stream_; }

private:
  static constexpr size_t kStreamPool = 64;
  std::vector<std::unique_ptr<TcpFlow::Streams>> pool_;
  static uint64_t hash(const FlowKey& k);
  uint32_t alloc_slot();
  void lru_unlink(uint32_t i);
  void lru_push_front(uint32_t i);
  void erase_from_index(uint32_t flow_idx);

  size_t max_;
  size_t count_ = 0;
  uint64_t evicted_ = 0;
  uint64_t expired_ = 0;
  void evict(uint32_t i);
  uint32_t next_stream_ = 0;
  // Slab of max_ flows reserved as address space up front (nothing moves,
  // nothing doubles) and backed by memory as flows are first handed out, in
  // transparent huge pages where the kernel allows: a new conversation costs
  // a page fault per 2 MiB of flows rather than one per 4 KiB.
  TcpFlow* slab_ = nullptr;
  size_t slab_bytes_ = 0;
  void* slab_map_ = nullptr;
  size_t slab_map_bytes_ = 0;
  uint32_t allocated_ = 0;  // flows constructed in the slab so far
  TcpFlow& at(uint32_t i) { return slab_[i]; }
  std::vector<uint32_t> free_;       // free flow indices
  std::vector<uint32_t> index_;      // open-addressing table of flow index + 1 (0 = empty)
  size_t mask_;
  uint32_t lru_head_ = UINT32_MAX, lru_tail_ = UINT32_MAX;
};

}  // namespace mqsniff::tcp
