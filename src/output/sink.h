// The outputs of a run, as sinks the capture loop drives: begin() once,
// packet() for every displayed packet (after -Y), end() once at the end (also
// when the run stops early). The loop knows nothing of formats: it builds the
// list (statistics, the -w file, then at most one printed format) and walks it.
//
//   Stats      -z statistics, --report, --ladder-svg   (stats.h)
//   PcapWrite  -w                                       (src/capture: the pipeline's own sink)
//   one of: Verbose (-V, -V -x), Hex (-x), Json (-T json|ek), BrokerLog
//           (-T brokerlog), Fields (-T fields), Summary (the default)
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"
#include "src/cli/options.h"
#include "src/output/render.h"
#include "src/output/writer.h"

namespace mqsniff::out {

// A displayed packet as the outputs see it.
struct PacketView {
  const core::Packet& pkt;
  const core::FieldTree& tree;
  const RowContext& row;
  const uint8_t* data;  // the frame's captured bytes
  uint32_t caplen, len;
  // -x: the frame, then the data this packet completed (reassembled, decrypted).
  const DumpPart* parts;
  size_t nparts;
};

class Sink {
public:
  virtual ~Sink() = default;
  virtual void begin() {}
  // false: stop reading (stdout closed, a write failed); exit_code() says how it ends.
  virtual bool packet(const PacketView& v) = 0;
  // Everything pending is written. Idempotent: the loop may end a sink early
  // (before an error message) and again at the end.
  virtual void end() {}
  // Live capture: the source has been idle, or 100 ms have passed: what is
  // held for another thread is written now.
  virtual void idle() {}
  virtual int exit_code() const { return 0; }
};

// The printed format chosen by the options (null when nothing is printed).
struct PrintedFormat {
  const std::vector<FieldColumn>* columns = nullptr;  // -e
  int digits = 6;                                      // time digits of the source
  bool live = false;
};
std::unique_ptr<Sink> make_printed_sink(const cli::Options& o, Writer& w, const PrintedFormat& f);

}  // namespace mqsniff::out
