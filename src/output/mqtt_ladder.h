// MQTT ladder (sequence) diagrams, one per connection: client and broker
// columns, one arrow per MQTT control packet with its time relative to the
// connection's first packet, type, packet identifier, QoS and topic — the
// QoS 2 figure of the lab sheet, drawn from the capture.
//
//   -z mqtt,ladder[,STREAM]   text, after the packets
//   --ladder-svg FILE         the same diagrams as one SVG file
//
// Bounded: at most kMaxConnections connections and kMaxSteps arrows each are
// drawn (a line says how many more there were).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "src/output/stat_util.h"
#include "src/output/mqtt_stats.h"
#include "src/output/stats.h"

namespace mqsniff::out {

struct LadderStep {
  double t;          // seconds since the connection's first MQTT packet
  bool from_client;  // the arrow's direction
  uint64_t frame;
  std::string label;  // "PUBLISH q2 m7 'maison/salon/temperature'"
};
struct LadderConn {
  uint64_t stream = 0;
  Endpoint client_ep, broker_ep;
  mutable std::string client, broker;  // named from the endpoints when drawn
  std::string clientid;
  bool client_known = false;
  double t0 = -1;
  std::vector<LadderStep> steps;
  uint64_t more = 0;  // arrows not kept
};

class Ladder : public Stat {
public:
  static constexpr size_t kMaxConnections = 200, kMaxSteps = 500;
  // stream < 0: every connection. print_text: false when only the SVG is wanted.
  Ladder(int64_t stream, bool print_text) : stream_(stream), print_text_(print_text) {}
  // --ladder-svg: write_svg() to this file at the end.
  void set_svg_path(std::string path) { svg_path_ = std::move(path); }
  bool write_file(std::string& error) override;
  void want(std::vector<core::FieldId>& ids) const override;
  void packet(const core::Packet& pkt, const core::FieldTree& tree, const RowContext& row) override;
  void print(std::string& out, core::Timestamp elapsed) override;
  const std::vector<LadderConn>& connections() const { return conns_; }
  // The diagrams as a standalone SVG document (also inlined by the HTML report).
  void write_svg(TextFile& out) const;

private:
  void name_endpoints() const;
  int64_t stream_;
  bool print_text_;
  std::string svg_path_;
  std::vector<LadderConn> conns_;
  std::map<uint64_t, size_t> index_;
  uint64_t more_connections_ = 0;
};

// Escapes text for XML/HTML content and attributes.
std::string xml_escape(std::string_view s);

}  // namespace mqsniff::out
