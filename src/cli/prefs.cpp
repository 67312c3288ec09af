#include "src/cli/prefs.h"

#include <charconv>
#include "dissectors/tcp/flow_table.h"
#include "dissectors/tcp/reassembler.h"
#include <strings.h>

namespace mqsniff::cli {

namespace {

constexpr const char* kBool = "TRUE or FALSE (case-insensitive)";
constexpr const char* kNumber = "A decimal number";

std::string set_bool(const std::string& v, bool& out) {
  if (strcasecmp(v.c_str(), "TRUE") == 0 || v == "1" || strcasecmp(v.c_str(), "yes") == 0) out = true;
  else if (strcasecmp(v.c_str(), "FALSE") == 0 || v == "0" || strcasecmp(v.c_str(), "no") == 0) out = false;
  else return "TRUE or FALSE is expected";
  return {};
}
std::string set_size(const std::string& v, size_t& out, bool zero_ok) {
  size_t x = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || (!zero_ok && x == 0))
    return zero_ok ? "a decimal number is expected" : "a positive decimal number is expected";
  out = x;
  return {};
}
std::string text_bool(bool b) { return b ? "TRUE" : "FALSE"; }

const char* version_name(uint8_t v) {
  switch (v) {
    case 3: return "MQTT v3.1";
    case 4: return "MQTT v3.1.1";
    case 5: return "MQTT v5.0";
    default: return "None";
  }
}

const Pref kPrefs[] = {
    {"ip.defragment", "Whether fragmented IPv4 datagrams should be reassembled", kBool, false,
     [](Options& o, const std::string& v) { return set_bool(v, o.ip_defragment); },
     [](const Options& o) { return text_bool(o.ip_defragment); }},
    {"ipv6.defragment", "Whether fragmented IPv6 datagrams should be reassembled", kBool, false,
     [](Options& o, const std::string& v) { return set_bool(v, o.ipv6_defragment); },
     [](const Options& o) { return text_bool(o.ipv6_defragment); }},
    {"mqtt.analysis",
     "mqsniff: add the MQTT analysis fields (mqtt.analysis.*: QoS flows, keepalive, subscriptions) to -V and JSON; "
     "FALSE gives tshark's exact tree (the -z mqtt,* statistics still work)",
     kBool, true, [](Options& o, const std::string& v) { return set_bool(v, o.mqtt_analysis); },
     [](const Options& o) { return text_bool(o.mqtt_analysis); }},
    {"mqtt.default_version", "Select the MQTT version to use as protocol version if the CONNECT packet is not captured",
     "One of: None, MQTT v3.1, MQTT v3.1.1, MQTT v5.0\n(case-insensitive).", false,
     [](Options& o, const std::string& v) -> std::string {
       // tshark's names, and short forms (v31, v311, v50, 3, 4, 5, none).
       struct { const char* a; const char* b; const char* c; uint8_t n; } const k[] = {
           {"None", "none", "0", 0}, {"MQTT v3.1", "v31", "3", 3}, {"MQTT v3.1.1", "v311", "4", 4},
           {"MQTT v5.0", "v50", "5", 5}};
       for (const auto& e : k)
         if (strcasecmp(v.c_str(), e.a) == 0 || v == e.b || v == e.c) {
           o.mqtt_default_version = e.n;
           return {};
         }
       return "one of None, MQTT v3.1, MQTT v3.1.1, MQTT v5.0 (or none, v31, v311, v50) is expected";
     },
     [](const Options& o) { return std::string(version_name(o.mqtt_default_version)); }},
    {"mqtt.show_msg_as_text", "Show Publish Message as text", kBool, false,
     [](Options& o, const std::string& v) { return set_bool(v, o.mqtt_msg_as_text); },
     [](const Options& o) { return text_bool(o.mqtt_msg_as_text); }},
    {"tcp.desegment_tcp_streams", "Whether subdissector can request TCP streams to be reassembled", kBool, false,
     [](Options& o, const std::string& v) { return set_bool(v, o.tcp_reassembly); },
     [](const Options& o) { return text_bool(o.tcp_reassembly); }},
    {"tcp.flow_closed_timeout",
     "mqsniff: seconds of quiet after which a closed TCP conversation (both FINs, or a RST) is forgotten; "
     "0 keeps them (tshark's tcp.stream numbering for reused ports)",
     kNumber, true, [](Options& o, const std::string& v) { return set_size(v, o.tcp_closed_timeout, true); },
     [](const Options& o) { return std::to_string(o.tcp_closed_timeout); }},
    {"tcp.flow_idle_timeout", "mqsniff: seconds of silence after which a TCP conversation is forgotten; 0: never",
     kNumber, true, [](Options& o, const std::string& v) { return set_size(v, o.tcp_idle_timeout, true); },
     [](const Options& o) { return std::to_string(o.tcp_idle_timeout); }},
    {"tcp.max_flows", "mqsniff: the most TCP conversations tracked at once (the least recently active is dropped beyond)",
     kNumber, true, [](Options& o, const std::string& v) { return set_size(v, o.max_tcp_flows, false); },
     [](const Options& o) { return std::to_string(o.max_tcp_flows ? o.max_tcp_flows : tcp::FlowTable::kDefaultMaxFlows); }},
    {"tcp.reassemble_out_of_order",
     "Whether out-of-order segments should be buffered and reordered before passing it to a subdissector. "
     "(mqsniff always reorders: the value is accepted and has no effect)",
     kBool, false,
     [](Options&, const std::string& v) {
       bool b;
       return set_bool(v, b);
     },
     [](const Options&) { return std::string("TRUE"); }},
    {"tcp.reassembly_max_dir", "mqsniff: bytes buffered per direction awaiting the end of a PDU (beyond: dropped, counted)",
     kNumber, true, [](Options& o, const std::string& v) { return set_size(v, o.reassembly_max_dir, false); },
     [](const Options& o) { return std::to_string(o.reassembly_max_dir ? o.reassembly_max_dir : tcp::ReassemblyLimits{}.max_dir_bytes); }},
    {"tcp.reassembly_max_total", "mqsniff: bytes buffered by all TCP reassembly together", kNumber, true,
     [](Options& o, const std::string& v) { return set_size(v, o.reassembly_max_total, false); },
     [](const Options& o) { return std::to_string(o.reassembly_max_total ? o.reassembly_max_total : tcp::ReassemblyLimits{}.max_total_bytes); }},
    {"tls.keylog_file",
     "The name of a file which contains a list of\n(pre-)master secrets in one of the following formats (NSS key log, "
     "as SSLKEYLOGFILE writes it):\nCLIENT_RANDOM, CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET,\n"
     "CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0 (followed by <CRAND> <secret>, in hex)",
     "A path to a file", false,
     [](Options& o, const std::string& v) {
       o.keylog_file = v;
       return std::string();
     },
     [](const Options& o) { return o.keylog_file; }},
};

const Pref* find(const std::string& name) {
  std::string n = name;
  if (n.starts_with("ssl.")) n = "tls." + n.substr(4);  // tshark's old protocol name
  for (const auto& p : kPrefs)
    if (n == p.name) return &p;
  return nullptr;
}

}  // namespace

std::span<const Pref> preferences() { return kPrefs; }

void apply_preference(Options& o, const std::string& arg) {
  auto colon = arg.find(':');
  if (colon == std::string::npos || colon == 0) throw UsageError("Invalid -o flag \"" + arg + "\"");
  std::string name = arg.substr(0, colon), value = arg.substr(colon + 1);
  const Pref* p = find(name);
  if (!p)
    throw UsageError("-o flag \"" + arg + "\" specifies unknown preference\n"
                     "(mqsniff -G defaultprefs lists the preferences mqsniff has)");
  std::string why = p->set(o, value);
  if (!why.empty()) throw UsageError("-o flag \"" + arg + "\" has an invalid value: " + why);
  o.prefs.push_back(arg);
}

std::string render_prefs(const Options* o) {
  std::string out =
      "# Preferences of mqsniff (tshark's names; those marked \"mqsniff:\" are its own).\n"
      "# Set one with -o name:value. Preferences that have been commented out have not been\n"
      "# changed from their default value.\n";
  for (const auto& p : kPrefs) {
    out += "\n# ";
    for (const char* c = p.description; *c; ++c) out += *c == '\n' ? std::string("\n# ") : std::string(1, *c);
    out += "\n# ";
    for (const char* c = p.kind; *c; ++c) out += *c == '\n' ? std::string("\n# ") : std::string(1, *c);
    out += "\n";
    static const Options defaults;
    std::string def = p.get(defaults);
    std::string v = o ? p.get(*o) : def;
    bool changed = o && v != def;
    out += changed ? "" : "#";
    out += p.name;
    out += ": " + v + "\n";
  }
  return out;
}

}  // namespace mqsniff::cli
