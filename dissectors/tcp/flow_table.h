// TCP conversation table: both directions of a 4-tuple are one conversation
// with one `tcp.stream` number, numbered in order of first appearance as
// tshark numbers them.
//
// Bounded: at most `max_flows` conversations are tracked (open addressing,
// linear probing, no allocation after construction). When the table is full
// the least recently used conversation is evicted and counted in `evicted()`;
// if its 4-tuple shows up again it gets a new stream number (tshark keeps
// every conversation forever and would reuse the old number).
//
// Closed conversations (a FIN each way, or a RST) are forgotten once no packet
// of theirs has come for `closed_timeout` of capture time (5 s by default, -o
// tcp.flow_closed_timeout): what still belongs to them (the last ACK, a
// retransmitted FIN) comes within a few round trips, and their slots go to new
// conversations, so the table holds the open ones and the recently closed,
// not every connection of the capture.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <unordered_map>
#include <cstdint>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"
#include "dissectors/mqtt/mqtt_analysis.h"
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/http/http.h"
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
  uint32_t base_seq = 0;
  uint32_t fin_end = 0;   // relative sequence number after its FIN (what the peer acks to take it)
  // Its reassembly state was given back when the connection ended, the stream
  // having delivered everything before `released_next`: copies of that data
  // seen later (the same connection captured on a second interface) are
  // retransmissions, not new data.
  uint32_t released_next = 0;
  bool released = false;
  bool peer_ack_set = false;
  bool base_set = false;
  bool syn_seen = false;
  bool fin_seen = false;
  bool fin_active = false;  // its FIN came before the peer's (a retransmitted FIN says the same)
  int8_t win_scale = -1;  // -1 unknown, -2 not used, else the shift count
  // Its FIN came and the peer acknowledged it.
  bool fin_acked() const {
    return fin_seen && peer_ack_set && static_cast<int32_t>(peer_acked - fin_end) >= 0;
  }
};

// Members are ordered so that what every packet touches lies in the first
// cache lines (key, stream, verdict, LRU links, stream state, times, the
// directions' sequence bases); analysis and TLS/WebSocket state come after.
struct TcpFlow {
  FlowKey key;
  uint32_t stream = 0;
  enum class App : uint8_t { Unknown, Mqtt, Tls, WebSocket, Http, Dns, None } app = App::Unknown;  // heuristic verdict
  bool rst_seen = false;
  bool syn_ts_set = false;
  bool close_noted = false;  // queued to be forgotten (FlowTable::closed)
  bool late_app = false;     // the protocol was recognised after the stream's first payload
  bool started = false;      // first_ts is set (a capture's clock may start at 0)
  uint8_t completeness = 0;  // tcp.completeness: what the conversation has shown so far
  uint32_t lru_prev = UINT32_MAX, lru_next = UINT32_MAX;
  // Reassembly state, allocated only for flows that carry a reassembled protocol.
  struct Streams {
    Streams(ReassemblyStats* s, const ReassemblyLimits* l) : dir{DirStream(s, l), DirStream(s, l)} {}
    DirStream dir[2];
  };
  std::unique_ptr<Streams> streams;
  core::Timestamp first_ts, last_ts;
  // Ended: a RST, or each direction's FIN acknowledged by the other (a FIN
  // that did not arrive is sent again with its data: the stream state must stay).
  bool finished() const { return rst_seen || (dir[0].fin_acked() && dir[1].fin_acked()); }
  // Session state of the application protocols, allocated for flows that
  // carry one (a SYN or a conversation of other data does not pay for it).
  struct Sessions {
    mqtt::MqttSession mqtt;
    http::HttpSession http;  // HTTP request/response numbering
    std::unique_ptr<tls::TlsSession> tls;      // TLS conversations only
    std::unique_ptr<websocket::WsSession> ws;  // MQTT over WebSocket (also inside TLS)
    // This segment's direction and the budget (set by TCP), for the sessions made on demand.
    uint8_t dir = 0;
    ReassemblyStats* budget = nullptr;
    const ReassemblyLimits* limits = nullptr;
    tls::TlsSession& tls_session() { return made(tls); }
    websocket::WsSession& ws_session() { return made(ws); }

   private:
    // A session made on first use, charged to the budget; told this segment's direction.
    template <typename S>
    S& made(std::unique_ptr<S>& p) {
      if (!p) {
        p = std::make_unique<S>();
        p->budget = budget;
        p->limits = limits;
      }
      p->dir = dir;
      return *p;
    }
  };
  std::unique_ptr<Sessions> sessions;
  Sessions& app_sessions() {
    if (!sessions) sessions = std::make_unique<Sessions>();
    return *sessions;
  }
  // Buffers the budget counts are given back (the connection ended, or is forgotten).
  void release_tls() {
    if (sessions) {
      if (sessions->tls) sessions->tls->release();
      if (sessions->ws) sessions->ws->release();
    }
  }
  // Bytes this flow's state is counted for in the memory budget (FlowTable::account).
  uint32_t charged = 0;
  std::array<TcpDir, 2> dir;
  core::Timestamp syn_ts;    // for the handshake RTT
  core::Timestamp first_rtt; // SYN -> ACK of SYN/ACK (tshark's out-of-order threshold)
  std::array<AnalysisState, 2> an;  // per direction, only when sequence analysis is shown
};

// The bounded conversation index both tables share: slab, hash index, LRU.
// `Flow` has key, stream, lru_prev, lru_next and last_ts, and a default state.
template <typename Flow>
class FlowIndex {
public:
  explicit FlowIndex(size_t max_flows);
  ~FlowIndex();
  FlowIndex(const FlowIndex&) = delete;
  FlowIndex& operator=(const FlowIndex&) = delete;

  // The conversation of this packet (created if new). `dir` is set to the
  // packet's direction within it.
  Flow& lookup(const core::Address& src, uint16_t sport, const core::Address& dst, uint16_t dport, int& dir);
  // Forgets conversations idle for more than `timeout_ns` of capture time
  // (oldest first, at most `budget` per call so no packet pays for many).
  void expire_idle(core::Timestamp now, int64_t timeout_ns, int budget = 4);
  uint64_t expired() const { return expired_; }
  size_t size() const { return count_; }
  size_t max_flows() const { return max_; }
  uint64_t evicted() const { return evicted_; }
  uint32_t streams_seen() const { return next_stream_; }

protected:
  static uint64_t hash(const FlowKey& k);
  uint32_t alloc_slot();
  void lru_unlink(uint32_t i);
  void lru_push_front(uint32_t i);
  void erase_from_index(uint32_t flow_idx);
  // Drops conversation i; its state is destroyed now (buffers released and counted).
  void evict(uint32_t i);
  Flow& at(uint32_t i) { return slab_[i]; }
  uint32_t index_of(const Flow& f) const { return static_cast<uint32_t>(&f - slab_); }

  size_t max_;
  size_t count_ = 0;
  uint64_t evicted_ = 0;
  uint64_t expired_ = 0;
  uint32_t next_stream_ = 0;
  size_t flows_bytes_ = 0;  // the sum of the live flows' `charged` (TCP; 0 for UDP)
  // Slab of max_ flows reserved as address space up front (nothing moves,
  // nothing doubles) and backed by memory as flows are first handed out, in
  // transparent huge pages where the kernel allows: a new conversation costs
  // a page fault per 2 MiB of flows rather than one per 4 KiB.
  Flow* slab_ = nullptr;
  size_t slab_bytes_ = 0;
  void* slab_map_ = nullptr;
  size_t slab_map_bytes_ = 0;
  uint32_t allocated_ = 0;  // flows constructed in the slab so far
  std::vector<uint32_t> free_;       // free flow indices
  std::vector<uint32_t> index_;      // open-addressing table of flow index + 1 (0 = empty)
  size_t mask_;
  uint32_t lru_head_ = UINT32_MAX, lru_tail_ = UINT32_MAX;
};

// The key's canonical order and the packet's direction (n = 4 or 16 address bytes).
FlowKey make_flow_key(const uint8_t* src, uint16_t sport, const uint8_t* dst, uint16_t dport, size_t n, int& dir);

// TCP conversations: the index, plus reassembly state pooled across
// connections, port reuse, and forgetting closed connections.
class FlowTable : public FlowIndex<TcpFlow> {
public:
  static constexpr size_t kDefaultMaxFlows = 131072;  // ~60 MiB of conversation state at most
  explicit FlowTable(size_t max_flows = kDefaultMaxFlows) : FlowIndex(max_flows) {}

  static FlowKey make_key(const uint8_t* src, uint16_t sport, const uint8_t* dst, uint16_t dport, size_t n, int& dir) {
    return make_flow_key(src, sport, dst, dport, n, dir);
  }
  // The flow's reassembly state, taken again after a release where it stopped.
  TcpFlow::Streams& ensure_streams(TcpFlow& f, ReassemblyStats* s, const ReassemblyLimits* l) {
    if (!f.streams) {
      f.streams = take_streams(s, l);
      for (int d = 0; d < 2; ++d)
        if (f.dir[d].released) f.streams->dir[d].start_at(f.dir[d].released_next);
    }
    return *f.streams;
  }
  // Reassembly state for a flow: from a small pool of released ones when
  // possible (their buffers keep their capacity: no allocation per connection).
  std::unique_ptr<TcpFlow::Streams> take_streams(ReassemblyStats* s, const ReassemblyLimits* l) {
    if (!pool_.empty()) {
      auto p = std::move(pool_.back());
      pool_.pop_back();
      const size_t n = sizeof(TcpFlow::Streams) + p->dir[0].heap_bytes() + p->dir[1].heap_bytes();
      pool_bytes_ -= n < pool_bytes_ ? n : pool_bytes_;
      return p;
    }
    return std::make_unique<TcpFlow::Streams>(s, l);
  }
  // A closed connection holding nothing gives its reassembly state back, and
  // its TLS session (decryption keys, handshake fragments) its heap memory.
  void release_streams(TcpFlow& f) {
    f.release_tls();
    if (!f.streams) return;
    for (int d = 0; d < 2; ++d)
      if (f.streams->dir[d].started()) {
        f.dir[d].released = true;
        f.dir[d].released_next = f.streams->dir[d].next();
      }
    if (pool_.size() < kStreamPool && f.streams->dir[0].buffered() == 0 && f.streams->dir[1].buffered() == 0) {
      f.streams->dir[0].recycle();
      f.streams->dir[1].recycle();
      pool_bytes_ += sizeof(TcpFlow::Streams) + f.streams->dir[0].heap_bytes() + f.streams->dir[1].heap_bytes();
      pool_.push_back(std::move(f.streams));
    }
    f.streams.reset();
  }
  // Port reuse: the 4-tuple starts a new conversation with a new stream number.
  void restart(TcpFlow& f);
  // The one memory budget (design §6): after a packet of `f`, re-counts
  // what f's state holds, sets rs.state to all conversations' and stored
  // MQTT sessions' state, then, while that exceeds 7/8 of l.max_total_bytes
  // or with the buffered data the whole, forgets the least recently used
  // other conversations (rs.evicted_memory), then stored sessions no
  // connection holds.
  void account(TcpFlow& f, ReassemblyStats& rs, const ReassemblyLimits& l, mqtt::SessionStore& store) {
    // The common case, inline: nothing this conversation holds changed and
    // the budget is not exceeded.
    const size_t now = state_bytes(f);
    if (now == f.charged && rs.state <= l.max_total_bytes / 8 * 7 && rs.total() <= l.max_total_bytes &&
        (!f.sessions || (!f.sessions->mqtt.not_kept && !f.sessions->mqtt.analysis)))
      return;
    account_slow(f, now, rs, l, store);
  }
  // What a conversation's state costs: its slot and everything it holds on
  // the heap, except the buffered data the budget counts as it comes.
  static size_t state_bytes(const TcpFlow& f) {
    size_t n = sizeof(TcpFlow);
    if (f.streams) n += sizeof(TcpFlow::Streams) + f.streams->dir[0].heap_bytes() + f.streams->dir[1].heap_bytes();
    n += (f.an[0].unacked.capacity() + f.an[1].unacked.capacity()) * sizeof(AnalysisState::Unacked);
    if (f.sessions) n += sessions_bytes(*f.sessions);
    return n;
  }
  static size_t sessions_bytes(const TcpFlow::Sessions& ss);
  size_t flows_bytes() const { return flows_bytes_; }
  // The connection is over (a FIN each way, or a RST): forget it once it has
  // been quiet for the closed timeout.
  void closed(TcpFlow& f, core::Timestamp now) {
    if (f.close_noted) return;
    f.close_noted = true;
    closed_.push_back({index_of(f), f.stream, now});
  }
  // Forgets closed conversations quiet for more than `timeout_ns` (at most
  // `budget` per call). timeout_ns <= 0: kept until the table is full.
  void forget_closed(core::Timestamp now, int64_t timeout_ns, int budget = 4);
  uint64_t forgotten() const { return forgotten_; }
  static constexpr int64_t kDefaultClosedTimeoutNs = 5'000'000'000;

private:
  static constexpr size_t kStreamPool = 64;
  void account_slow(TcpFlow& f, size_t now, ReassemblyStats& rs, const ReassemblyLimits& l, mqtt::SessionStore& store);
  std::vector<std::unique_ptr<TcpFlow::Streams>> pool_;
  size_t pool_bytes_ = 0;
  uint64_t forgotten_ = 0;
  struct Closed {
    uint32_t idx, stream;
    core::Timestamp ts;  // its last packet when queued
  };
  std::deque<Closed> closed_;  // in the order they closed; at most one entry per live flow
};

// -2: what each conversation shows by its end, learnt in the first pass
// (tshark's second pass shows it from the conversation's first frame):
// tcp.completeness and the handshake's round trip (tcp.analysis.initial_rtt).
class StreamForward {
public:
  static constexpr size_t kMax = 1 << 20;  // conversations remembered at most
  struct Facts {
    core::Timestamp irtt{};
    uint8_t completeness = 0;
    uint16_t tls_version = 0;  // negotiated by its TLS session (0: none)
  };
  bool complete = false;  // the first pass is over: read, do not note
  void note(uint32_t stream, uint8_t completeness, core::Timestamp irtt) {
    if (map_.size() >= kMax && !map_.count(stream)) return;
    Facts& f = map_[stream];
    f.completeness = completeness;
    f.irtt = irtt;
  }
  const Facts* find(uint32_t stream) const {
    if (!complete) return nullptr;
    auto it = map_.find(stream);
    return it == map_.end() ? nullptr : &it->second;
  }
  void note_tls(uint32_t stream, uint16_t version) {
    if (complete) return;
    if (auto it = map_.find(stream); it != map_.end()) it->second.tls_version = version;
  }
  // Where what a frame held was completed, learnt in the first pass: the PDU
  // a segment's bytes went into (tcp.reassembled_in), a TLS handshake message
  // fragmented over records (tls.handshake.reassembled_in), a PDU in
  // decrypted TLS records (tls.reassembled_in), an IP datagram
  // (ip.reassembled_in, ipv6.reassembled.in).
  enum class In : uint8_t { TcpPdu, TlsHandshake, TlsPdu, IpDatagram, Count };
  void note_reassembled(In what, uint32_t frame, uint32_t in) {
    auto& m = in_[static_cast<size_t>(what)];
    if (!complete && (m.size() < kMax || m.count(frame))) m[frame] = in;
  }
  uint32_t reassembled_in(In what, uint32_t frame) const {
    if (!complete) return 0;
    const auto& m = in_[static_cast<size_t>(what)];
    auto it = m.find(frame);
    return it == m.end() ? 0 : it->second;
  }

private:
  std::unordered_map<uint32_t, Facts> map_;
  std::unordered_map<uint32_t, uint32_t> in_[static_cast<size_t>(In::Count)];
};

// UDP conversations need only their number (udp.stream): 64 bytes each.
struct UdpFlow {
  FlowKey key;
  uint32_t stream = 0;
  uint32_t lru_prev = UINT32_MAX, lru_next = UINT32_MAX;
  core::Timestamp first_ts, last_ts;  // udp.time_relative / udp.time_delta
  bool seen = false;
};
using UdpFlowTable = FlowIndex<UdpFlow>;

}  // namespace mqsniff::tcp
