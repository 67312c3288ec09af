// Dissection on worker threads (--threads): the capture loop reads and
// numbers the packets, deals them out by IP address pair to workers that
// each own the conversations of their share (their own flow table,
// reassembly, transactions, display filter), and a merging thread writes
// what the workers printed in capture order.
//
// Work moves in rounds of up to kRound packets: the reader fills a round
// (each worker's packets copied into that worker's batch, and the worker of
// every frame in order), the workers dissect their batches of it, and the
// merger interleaves their output by that order. kSlots rounds are in flight
// at most, so memory is bounded whatever the file.
//
// Only outputs that are the same whichever worker a conversation lands on
// are run this way (summary lines, -T fields, -V, -q without statistics);
// see workers_for().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dissectors/dissect.h"
#include "filters/filter.h"
#include "src/capture/raw_packet.h"
#include "src/cli/options.h"
#include "src/output/render.h"
#include "src/output/writer.h"

namespace mqsniff::app {

// The summary's Source and Destination columns: the network addresses, else the link's.
void set_columns_addresses(core::Packet& pkt);

// One frame dissected (a dissector failure, a bug by design, becomes a
// malformed mark and a message; a warning the state holds is printed once),
// then filtered. True: the frame is displayed. Shared by the capture loop and
// the workers.
bool dissect_and_filter(core::Packet& pkt, DissectState& st, const filter::Filter* filter, bool quieter);

// Which worker a frame goes to: a symmetric hash of its IP source and
// destination (the outermost IP header; for an ICMP or ICMPv6 error that is
// not a fragment, those of the packet it quotes, whose conversation it
// belongs to), 0 for anything else.
unsigned worker_of(const uint8_t* data, uint32_t caplen, int linktype, unsigned workers);

// What the workers print per displayed packet.
struct WorkerOutput {
  enum class Kind : uint8_t { None, Summary, Fields, Verbose } kind = Kind::None;
  const std::vector<out::FieldColumn>* columns = nullptr;
  bool need_cols = false;
  int digits = 6;
  bool live = false;
  // -e tcp.stream: the workers number their own conversations; the merger
  // gives each the capture's number (order of first appearance), as one thread does.
  core::FieldId renumber = core::kNoField;
};

class WorkerPool {
public:
  static constexpr size_t kRound = 1024;  // packets per round
  static constexpr size_t kRoundVerbose = 256;  // -V: about 4.5 KB of text a packet is held until merged
  static constexpr size_t kSlots = 4;     // rounds in flight

  // `proto` is the single-threaded state: its settings are copied into each
  // worker's own state (flow-table cap and memory budget divided between them).
  WorkerPool(unsigned workers, const cli::Options& o, const std::string& filter_text, const core::WantSet& want,
             const DissectState& proto, const WorkerOutput& out, out::Writer& w, int linktype,
             std::string_view if_name);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // One packet, numbered by the caller. False: the output failed (stdout closed): stop reading.
  bool submit(const capture::RawPacket& raw, uint64_t number);
  // Hands over a partly filled round (live capture, when the source is idle).
  void flush();
  // TLS key logs met in the capture (pcapng secrets blocks after its first
  // packet): each worker applies them before the packets read after them.
  void add_secrets(std::vector<std::string> texts);
  // Waits for every packet to be dissected and written.
  void finish();
  // The workers' states, for the end-of-run report (after finish()).
  std::vector<const DissectState*> states() const;

private:
  struct Packet {
    uint64_t number;
    core::Timestamp ts, prev_ts;
    uint32_t caplen, len;
    size_t off;            // in the batch's data
    int32_t comments = -1;  // pcapng packet comments: index in the batch's `comments`
    const capture::Interface* iface = nullptr;  // pcapng: its interface (owned by the source, which outlives the pool)
  };
  struct Batch {
    std::vector<Packet> pkts;
    std::vector<uint8_t> data;
    std::vector<std::vector<std::string>> comments;  // copied: the reader's are valid until its next packet
    std::string out;                // what the worker printed for its packets of the round
    std::vector<uint32_t> ends;     // where each packet's output ends in `out`
    // With renumbering: the worker's tcp.stream values in `out`, where each
    // packet's end in `marks`, and how many conversations each packet began
    // (-V: TCP and UDP ones, udp.stream is shown too).
    std::vector<out::ValueMark> marks;
    std::vector<uint32_t> mark_ends;
    std::vector<uint32_t> created, created_udp;
  };
  struct Slot {
    std::vector<Batch> batches;     // one per worker
    std::vector<uint8_t> order;     // the worker of each frame of the round, in capture order
    uint64_t round = 0;             // which round the slot holds
    enum class State : uint8_t { Free, Filling, Ready, Merging } state = State::Free;
    unsigned done = 0;              // workers finished with it
    bool flush = false;             // handed over early (live, idle): written out at once
  };
  struct Worker;

  void publish();  // the filling round is ready for the workers
  void work(unsigned id);
  void merge();
  Slot& slot_of(uint64_t round) { return slots_[round % kSlots]; }

  const unsigned n_;
  const size_t round_;  // packets per round (kRound, kRoundVerbose)
  const cli::Options& o_;
  const WorkerOutput out_;
  out::Writer& w_;
  const int linktype_;
  const std::string_view if_name_;  // a live capture's interface
  std::vector<std::unique_ptr<Worker>> workers_;
  struct Secrets {
    uint64_t round;  // the first round they apply to
    std::vector<std::string> texts;
  };
  std::vector<Secrets> secrets_;  // (under mu_)
  Slot slots_[kSlots];
  std::mutex mu_;
  std::condition_variable to_workers_, to_merger_, to_reader_;
  uint64_t filling_ = 0;      // the round the reader fills
  bool open_ = false;         // ... and whether it has begun
  uint64_t published_ = 0;    // rounds handed to the workers
  bool closing_ = false;
  std::atomic<bool> failed_{false};  // the output failed: the reader stops
  bool have_first_ = false;
  core::Timestamp first_ts_{}, prev_ts_{};
  std::thread merger_;
};

// The TLS key logs of a pcapng file's Decryption Secrets Blocks, applied
// from where they stand in the file on, as tshark applies them: a session's
// keys are looked up when its encrypted records come. The first starts
// decryption (one thread's state, or one worker's).
void add_capture_secrets(DissectState& st, const std::vector<std::string>& texts);

// The least share of the flow cap and of the memory budget a worker gets.
constexpr size_t kMinFlowsPerWorker = 1024;
constexpr size_t kMinBudgetPerWorker = 4u << 20;

// Whether the options allow worker threads, and how many (0: run on one thread).
// `named`: every field the outputs, the filter and the statistics read;
// `filtered`: the display filter's.
unsigned workers_for(const cli::Options& o, bool decrypting, bool mqtt_analysis, bool two_pass, bool writing,
                     bool stats, const std::vector<core::FieldId>& named, const std::vector<core::FieldId>& filtered);

}  // namespace mqsniff::app
