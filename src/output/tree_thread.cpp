#include "src/output/tree_thread.h"

#include "dissectors/link/link_fields.h"

#include <algorithm>
#include <cstring>

#include "src/output/verbose.h"

namespace mqsniff::out {

using core::FieldNode;
using core::ValueKind;

namespace {
const std::vector<std::string> kNoLayers;
}

TreeRenderThread::TreeRenderThread(Writer& w, const std::vector<std::string>& only, bool hexdump)
    : w_(w), only_(only), hexdump_(hexdump), slots_(kSlots) {
  fix_.reserve(256);
  thread_ = std::thread([this] { run(); });
}

TreeRenderThread::TreeRenderThread(Writer& w, JsonOutput& json)
    : w_(w), only_(kNoLayers), hexdump_(false), json_(&json), slots_(kSlots) {
  fix_.reserve(256);
  thread_ = std::thread([this] { run(); });
}

TreeRenderThread::~TreeRenderThread() { finish(); }

void TreeRenderThread::submit(const core::FieldTree& tree, const uint8_t* frame, size_t caplen, const DumpPart* pdus,
                              size_t npdus, core::Timestamp ts) {
  uint64_t h = head_.load(std::memory_order_relaxed);
  if (h - tail_seen_ >= kSlots) {
    tail_seen_ = tail_.load();
    if (h - tail_seen_ >= kSlots) {
      // The renderer is kSlots packets behind: sleep until it has freed a batch.
      std::unique_lock<std::mutex> lk(m_);
      producer_waiting_ = true;
      cv_.wait(lk, [&] { return h - tail_.load() <= kSlots - kBatch; });
      producer_waiting_ = false;
      tail_seen_ = tail_.load();
    }
  }
  if (queued_bytes_.load() > kMaxQueuedBytes) {
    // Big trees queued: wait until the renderer has worked through them.
    std::unique_lock<std::mutex> lk(m_);
    producer_waiting_ = true;
    cv_.notify_all();  // the renderer may be waiting for a whole batch
    cv_.wait(lk, [&] { return queued_bytes_.load() <= kMaxQueuedBytes; });
    producer_waiting_ = false;
    tail_seen_ = tail_.load();
  }
  Slot& s = slots_[h % kSlots];
  const auto& nodes = tree.nodes();
  s.nodes.assign(nodes.begin(), nodes.end());
  s.bytes.clear();
  s.pdus.clear();
  s.appended.clear();
  s.stop = false;
  s.preorder = tree.in_tree_order();
  s.ts = ts;
  // Values that point outside the node: copy what the renderer reads. The
  // copy may reallocate while growing, so offsets first, pointers after.
  fix_.clear();
  for (size_t i = 0; i < s.nodes.size(); ++i) {
    FieldNode& n = s.nodes[i];
    if ((n.kind != ValueKind::String && n.kind != ValueKind::Bytes) || !n.b.p) continue;
    // A Data layer's bytes are dumped whole under its line (as tshark does); other bytes show 36.
    size_t len = n.kind == ValueKind::Bytes && n.id != link::data_f::proto && !json_
                     ? std::min<size_t>(n.b.n, kTreeBytesShown)
                     : n.b.n;
    size_t off = s.bytes.size();
    s.bytes.insert(s.bytes.end(), n.b.p, n.b.p + len);
    n.b.p = reinterpret_cast<const uint8_t*>(off);  // an offset until the copy is complete
    fix_.push_back(i);
  }
  for (const auto& [idx, text] : tree.appended()) {  // texts after lines: copied beside the values
    s.appended.emplace_back(idx, s.bytes.size());
    const uint32_t n = static_cast<uint32_t>(text.size());
    s.bytes.insert(s.bytes.end(), reinterpret_cast<const uint8_t*>(&n), reinterpret_cast<const uint8_t*>(&n) + 4);
    s.bytes.insert(s.bytes.end(), text.begin(), text.end());
  }
  if (hexdump_) {
    s.frame_off = s.bytes.size();
    s.frame_len = caplen;
    s.bytes.insert(s.bytes.end(), frame, frame + caplen);
    for (size_t k = 0; k < npdus; ++k) {
      s.pdus.push_back({pdus[k].source, s.bytes.size(), pdus[k].size});
      s.bytes.insert(s.bytes.end(), pdus[k].data, pdus[k].data + pdus[k].size);
    }
  }
  for (size_t i : fix_) {
    FieldNode& n = s.nodes[i];
    n.b.p = s.bytes.data() + reinterpret_cast<uintptr_t>(n.b.p);
  }
  s.weight = s.nodes.size() * sizeof(FieldNode) + s.bytes.size();
  queued_bytes_ += s.weight;
  publish();
}

void TreeRenderThread::publish() {
  uint64_t h = head_.load(std::memory_order_relaxed) + 1;
  head_.store(h);
  if (renderer_waiting_ && ((h % kBatch) == 0 || closing_)) {
    std::lock_guard<std::mutex> lk(m_);
    cv_.notify_all();
  }
}

void TreeRenderThread::nudge() {
  if (head_.load() == tail_.load()) return;  // nothing queued
  std::lock_guard<std::mutex> lk(m_);
  nudged_ = true;
  cv_.notify_all();
}

void TreeRenderThread::run() {
  uint64_t t = 0, head_seen = 0;
  bool flush_when_drained = false;  // nudged: what was queued is written out, not held in the buffer
  for (;;) {
    if (head_seen == t) head_seen = head_.load();
    if (head_seen == t && flush_when_drained) {
      if (json_) json_->flush();
      else w_.flush();
      flush_when_drained = false;
    }
    if (head_seen == t) {
      // Nothing queued: sleep until a batch is (or the run ends).
      std::unique_lock<std::mutex> lk(m_);
      renderer_waiting_ = true;
      cv_.wait(lk, [&] {
        return head_.load() - t >= kBatch || closing_ || queued_bytes_.load() > kMaxQueuedBytes ||
               (nudged_ && head_.load() != t);
      });
      renderer_waiting_ = false;
      if (nudged_) flush_when_drained = true;
      nudged_ = false;
      head_seen = head_.load();
      if (head_seen == t) continue;  // woken before the slot was published
    }
    Slot& s = slots_[t % kSlots];
    if (s.stop) break;
    if (json_ && !failed_.load(std::memory_order_relaxed)) {
      json_->packet_nodes(s.nodes, s.ts);
      if (w_.failed()) failed_.store(true, std::memory_order_relaxed);
    } else if (!failed_.load(std::memory_order_relaxed)) {
      std::string& b = w_.buf();
      s.appended_views.clear();
      for (const auto& [idx, at] : s.appended) {
        uint32_t n;
        std::memcpy(&n, s.bytes.data() + at, 4);
        s.appended_views.emplace_back(idx, std::string_view(reinterpret_cast<const char*>(s.bytes.data() + at + 4), n));
      }
      render_nodes(b, s.nodes, only_, s.appended_views, s.preorder, nullptr, &w_);
      b += '\n';
      if (hexdump_) {
        const uint8_t* base = s.bytes.data();
        parts_.clear();
        for (const auto& p : s.pdus) parts_.push_back({p.source, base + p.off, p.len});
        render_packet_bytes(b, base + s.frame_off, s.frame_len, parts_.data(), parts_.size());
      }
      w_.end_record();
      if (w_.failed()) failed_.store(true, std::memory_order_relaxed);
    }
    // A slot keeps its buffers for the next packet, but not those of a huge
    // tree: 256 slots each holding one would multiply a rare frame's memory.
    if (s.nodes.capacity() > kKeepNodes) std::vector<core::FieldNode>().swap(s.nodes);
    if (s.bytes.capacity() > (json_ ? kKeepBytesJson : kKeepBytes)) std::vector<uint8_t>().swap(s.bytes);
    if (s.appended.capacity() > kKeepNodes) {
      decltype(s.appended)().swap(s.appended);
      decltype(s.appended_views)().swap(s.appended_views);
    }
    if (s.pdus.capacity() > kKeepNodes) decltype(s.pdus)().swap(s.pdus);
    const size_t before = queued_bytes_.fetch_sub(s.weight);
    const bool drained = before > kMaxQueuedBytes && before - s.weight <= kMaxQueuedBytes;
    ++t;
    tail_.store(t, std::memory_order_release);
    if (((t % kBatch) == 0 || drained) && producer_waiting_) {
      std::lock_guard<std::mutex> lk(m_);
      cv_.notify_all();
    }
  }
}

void TreeRenderThread::finish() {
  if (finished_) return;
  finished_ = true;
  uint64_t h = head_.load(std::memory_order_relaxed);
  if (h - tail_.load() >= kSlots) {
    std::unique_lock<std::mutex> lk(m_);
    producer_waiting_ = true;
    cv_.wait(lk, [&] { return h - tail_.load() < kSlots; });
    producer_waiting_ = false;
  }
  slots_[h % kSlots].stop = true;
  closing_ = true;
  publish();
  thread_.join();
}

}  // namespace mqsniff::out
