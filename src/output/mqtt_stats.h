// mqsniff's MQTT analyses as -z statistics (tshark has none of them):
//   mqtt,qos            QoS flows: messages, completion latency, retransmissions, incomplete flows
//   mqtt,exposure       per connection, what a passive eavesdropper read in clear vs what TLS hid
//   mqtt,keepalive      the keepalive each client promised against the silences observed
//   mqtt,subscriptions  which published topics each subscription's filter matched (+ and # rules)
//   mqtt,ladder[,N]     sequence diagrams per connection (mqtt_ladder.h); --ladder-svg, --report
// Each keeps bounded state: at most kMaxConnections connections are reported
// one by one (the rest are summed in the totals, and a line says how many).
#pragma once
#include <memory>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "src/output/stats.h"

namespace mqsniff::out {

// The statistic for an -z argument split at commas, or null if it is not one of these.
std::unique_ptr<Stat> make_mqtt_stat(const std::vector<std::string>& parts, bool show_secrets);
// --ladder-svg FILE: every connection's ladder, as SVG, no text.
std::unique_ptr<Stat> make_ladder_svg(const std::string& path);
// --report FILE.html: one self-contained page (no external script, font or
// style) with the exposure table, the ladders, the topic tree, QoS latency
// histograms and an I/O graph, and the text analyses.
std::unique_ptr<Stat> make_mqtt_report(const std::string& path, const std::string& title, bool show_secrets);

// A text file written as it is made (a report's ladders can run to tens of
// MiB: they are never held whole). Errors are kept for close().
class TextFile {
public:
  TextFile(const std::string& path, const char* what);
  ~TextFile();
  TextFile(const TextFile&) = delete;
  TextFile& operator=(const TextFile&) = delete;
  TextFile& operator+=(std::string_view s) {
    buf_ += s;
    if (buf_.size() >= kChunk) flush();
    return *this;
  }
  // Flushes and closes; false with a message for a person.
  bool close(std::string& error);

private:
  static constexpr size_t kChunk = 64 * 1024;
  void flush();
  std::string path_;
  const char* what_;
  FILE* f_ = nullptr;
  std::string buf_;
  int errno_ = 0;
};

}  // namespace mqsniff::out
