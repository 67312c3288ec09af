// -z statistics, printed after the packets in tshark's table layouts:
//   conv,tcp|udp|ip|ipv6[,FILTER]      conversations
//   endpoints,ip|ipv6|tcp|udp[,FILTER]  endpoints
//   io,stat,INTERVAL[,FILTER...]       frames and bytes per interval and column
//   follow,tcp,ascii|hex,STREAM        a TCP stream's payload, both directions
//   expert                             expert items by severity
//   mqtt,tree                          MQTT packets by type, topic and QoS (mqsniff's own)
// Each keeps bounded state (tables keyed by conversation, a follow buffer
// capped at 64 MiB).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <functional>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"
#include "src/output/render.h"

namespace mqsniff::out {

class Stat {
public:
  virtual ~Stat() = default;
  // Fields the dissectors must build for this statistic.
  virtual void want(std::vector<core::FieldId>& ids) const = 0;
  virtual void packet(const core::Packet& pkt, const core::FieldTree& tree, const RowContext& row) = 0;
  virtual void print(std::string& out, core::Timestamp elapsed) = 0;
  // Set during print: writes out what `out` holds so far (a table of a
  // million conversations is written as it is made, not held whole).
  std::function<void()> drain;
  void drain_if_large(const std::string& out) {
    if (drain && out.size() >= (1u << 20)) drain();
  }
  // After print: a statistic that writes a file of its own (--ladder-svg,
  // --report) does it here; false with a message for a person on failure.
  virtual bool write_file(std::string& /*error*/) { return true; }
};

class Stats {
public:
  bool show_secrets = false;  // --show-secrets, for mqtt,exposure
  // --ladder-svg FILE / --report FILE: written at the end.
  void add_ladder_svg(const std::string& path);
  void add_report(const std::string& path, const std::string& title);
  // Writes the files asked for; false with a message if one cannot be.
  bool write_files(std::string& error) const;
  // Parses one -z argument; throws cli::UsageError with tshark's wording.
  void add(const std::string& spec);
  bool empty() const { return stats_.empty(); }
  std::vector<core::FieldId> wanted() const;
  void packet(const core::Packet& pkt, const core::FieldTree& tree, const RowContext& row);
  // tshark prints the statistics in the reverse order of their -z options.
  // `drain` (optional) writes out and empties what `out` holds.
  void print(std::string& out, core::Timestamp elapsed, const std::function<void()>& drain = {});

private:
  std::vector<std::unique_ptr<Stat>> stats_;
};

}  // namespace mqsniff::out
