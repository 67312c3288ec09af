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
#include <string>
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

// Writes `text` to `path`; false with a message for a person.
bool write_text_file(const std::string& path, const std::string& text, const char* what, std::string& error);

}  // namespace mqsniff::out
