// -V on a second core: the main thread dissects and filters, a render thread
// turns the trees of displayed packets into text and writes it.
//
// A tree's string and byte values are views into packet bytes, reassembly
// buffers and session state that the next packet may change, so submit()
// takes a self-contained copy first: the nodes, every string value, the
// shown part of every byte value (kTreeBytesShown; JSON shows them whole), and
// for -x the frame and reassembled bytes. Slots are reused (their buffers keep their capacity),
// a full ring makes the producer wait: memory stays bounded by kSlots.
// Output is byte-identical to rendering in place and in packet order.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "src/output/json.h"
#include "src/output/render.h"
#include "src/output/writer.h"

namespace mqsniff::out {

class TreeRenderThread {
public:
  // `w` belongs to the render thread from construction until finish().
  TreeRenderThread(Writer& w, const std::vector<std::string>& only, bool hexdump);
  // -T json / ek of the whole tree (no -e): `json` writes to `w` from the
  // render thread until finish().
  TreeRenderThread(Writer& w, JsonOutput& json);
  ~TreeRenderThread();
  TreeRenderThread(const TreeRenderThread&) = delete;
  TreeRenderThread& operator=(const TreeRenderThread&) = delete;

  // Queues one displayed packet (waits while every slot is in use).
  void submit(const core::FieldTree& tree, const uint8_t* frame, size_t caplen, const DumpPart* pdus, size_t npdus,
              core::Timestamp ts = {});
  // Live capture, the source idle: render what is queued now rather than
  // wait for a whole batch.
  void nudge();
  // Writing failed (closed pipe): the caller stops reading.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // Renders what is queued, then stops the thread; the writer is the
  // caller's again. Idempotent.
  void finish();

  static constexpr size_t kSlots = 256;
  // Each side sleeps until the other has moved a batch: a few thousand
  // wake-ups per million packets instead of one per packet.
  static constexpr size_t kBatch = 32;
  // Slot buffers above these sizes are given back after rendering.
  static constexpr size_t kKeepNodes = 4096;
  static constexpr size_t kKeepBytes = 256 * 1024;
  static constexpr size_t kKeepBytesJson = 16 * 1024;  // JSON copies whole payloads: keep less per slot
  // Copies queued for rendering at most (besides the slot in hand): many big
  // trees in a row wait for the renderer rather than fill 256 slots.
  static constexpr size_t kMaxQueuedBytes = 16u << 20;

private:
  struct Slot {
    std::vector<core::FieldNode> nodes;
    std::vector<uint8_t> bytes;  // copied values (and -x data)
    size_t frame_off = 0, frame_len = 0;
    struct PduCopy {
      const char* source;
      size_t off, len;
    };
    std::vector<PduCopy> pdus;
    std::vector<std::pair<int32_t, size_t>> appended;  // node, offset in bytes (length-prefixed text)
    std::vector<std::pair<int32_t, std::string_view>> appended_views;
    bool stop = false;
    bool preorder = false;
    core::Timestamp ts;  // JSON's index name and EK's timestamp
    size_t weight = 0;  // bytes of this copy, counted in queued_bytes_
  };
  void run();
  void publish();

  Writer& w_;
  const std::vector<std::string>& only_;
  bool hexdump_;
  JsonOutput* json_ = nullptr;
  std::vector<Slot> slots_;
  // Each counter on its own cache line, and each side re-reads the other's
  // only when its cached copy says it must wait (no line bouncing per packet).
  alignas(64) std::atomic<uint64_t> head_{0};  // slots filled
  alignas(64) std::atomic<uint64_t> tail_{0};  // slots rendered
  alignas(64) uint64_t tail_seen_ = 0;         // producer's copy of tail_
  std::atomic<bool> failed_{false};
  std::atomic<bool> closing_{false};
  // Sleeping: a flag set before re-checking under the mutex (seq_cst on both
  // sides, so a wake-up cannot be lost), then a condition variable.
  std::mutex m_;
  std::condition_variable cv_;
  alignas(64) std::atomic<bool> renderer_waiting_{false};
  bool nudged_ = false;  // (under m_)
  alignas(64) std::atomic<bool> producer_waiting_{false};
  alignas(64) std::atomic<size_t> queued_bytes_{0};
  std::vector<size_t> fix_;  // submit(): nodes whose value moves into the copy
  std::vector<DumpPart> parts_;  // run(): a slot's -x parts
  std::thread thread_;
  bool finished_ = false;
};

}  // namespace mqsniff::out
