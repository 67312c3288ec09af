#include "src/cli/options.h"
#include "src/cli/prefs.h"

#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <pcap/pcap.h>
#include <zlib.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/detail/abi_macros.hpp>

#include <cctype>
#include <charconv>
#include <cstring>

#ifndef MQSNIFF_VERSION
#define MQSNIFF_VERSION "0.1.0"
#endif

namespace mqsniff::cli {

std::string version_text() {
  std::string v = "mqsniff " MQSNIFF_VERSION " - passive MQTT/TLS traffic analyzer (tshark-compatible CLI)\n\n";
  v += "Built with " + std::string(pcap_lib_version()) + ", " OPENSSL_VERSION_TEXT ", PCRE2 " +
       std::to_string(PCRE2_MAJOR) + "." + std::to_string(PCRE2_MINOR) + ", nlohmann/json " +
       std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
       std::to_string(NLOHMANN_JSON_VERSION_PATCH) + ", zlib " ZLIB_VERSION ".\n";
  v += "Running with " + std::string(OpenSSL_version(OPENSSL_VERSION)) + ", zlib " + zlibVersion() + ".\n";
  return v;
}

static int64_t parse_count(const char* s) {
  int64_t v = 0;
  auto r = std::from_chars(s, s + std::strlen(s), v);
  if (r.ec != std::errc() || *r.ptr != '\0' || v < 0)
    throw UsageError(std::string("The specified packet count \"") + s + "\" isn't a decimal number");
  return v;
}

static std::string sep_value(const std::string& v) {
  if (v == "/t") return "\t";
  if (v == "/s") return " ";
  return v;
}

static void parse_fields_option(Options& o, const std::string& arg) {
  auto eq = arg.find('=');
  std::string key = arg.substr(0, eq);
  std::string val = eq == std::string::npos ? "" : arg.substr(eq + 1);
  auto bad = [&] {
    throw UsageError("\"" + arg + "\" is not a valid field output option=value pair.\n" +
                     "The available options for field output \"E\" are:\n"
                     "bom=y|n    Prepend output with the UTF-8 BOM (def: N: no)\n"
                     "header=y|n    Print field abbreviations as first line of output (def: N: no)\n"
                     "separator=/t|/s|<character>   Set the separator to use;\n"
                     "     \"/t\" = tab, \"/s\" = space (def: /t: tab)\n"
                     "occurrence=f|l|a  Select the occurrence of a field to use;\n"
                     "     \"f\" = first, \"l\" = last, \"a\" = all (def: a: all)\n"
                     "aggregator=,|/s|<character>   Set the aggregator to use;\n"
                     "     \",\" = comma, \"/s\" = space (def: ,: comma)\n"
                     "quote=d|s|n   Print either d: double-quotes, s: single quotes or n: no quotes around field values (def: n: none)");
  };
  if (eq == std::string::npos || val.empty()) bad();
  if (key == "header" || key == "bom") {
    bool b = false;
    if (val == "y" || val == "Y") b = true;
    else if (val == "n" || val == "N") b = false;
    else bad();
    (key == "header" ? o.fopts.header : o.fopts.bom) = b;
  } else if (key == "separator") {
    o.fopts.separator = sep_value(val);
  } else if (key == "aggregator") {
    o.fopts.aggregator = sep_value(val);
  } else if (key == "quote") {
    if (val == "d") o.fopts.quote = '"';
    else if (val == "s") o.fopts.quote = '\'';
    else if (val == "n") o.fopts.quote = 0;
    else bad();
  } else if (key == "occurrence") {
    if (val == "f" || val == "l" || val == "a") o.fopts.occurrence = val[0];
    else bad();
  } else {
    bad();
  }
}

static TimeFormat parse_time_format(const std::string& v) {
  if (v == "r") return TimeFormat::Relative;
  if (v == "a") return TimeFormat::Absolute;
  if (v == "ad") return TimeFormat::AbsoluteDate;
  if (v == "d") return TimeFormat::Delta;
  if (v == "dd") return TimeFormat::DeltaDisplayed;
  if (v == "e") return TimeFormat::Epoch;
  if (v == "u") return TimeFormat::Utc;
  if (v == "ud") return TimeFormat::UtcDate;
  throw UsageError("Invalid time stamp type \"" + v +
                   "\"; it must be one of:\n"
                   "\t\"a\"    for absolute\n\t\"ad\"   for absolute with YYYY-MM-DD date\n"
                   "\t\"d\"    for delta\n\t\"dd\"   for delta displayed\n"
                   "\t\"e\"    for epoch\n\t\"r\"    for relative\n"
                   "\t\"u\"    for absolute UTC\n\t\"ud\"   for absolute UTC with YYYY-MM-DD date");
}

// tshark's Decode-As: LAYER==SELECTOR,PROTOCOL (e.g. tcp.port==11883,mqtt).
static void parse_decode_as(Options& o, const std::string& arg) {
  auto eq = arg.find("==");
  auto comma = arg.rfind(',');
  if (eq == std::string::npos || comma == std::string::npos || comma < eq)
    throw UsageError("\"" + arg + "\" isn't a valid \"Decode As\" specification: expected "
                     "<layer type>==<selector>,<decode-as protocol>, e.g. tcp.port==11883,mqtt");
  std::string layer = arg.substr(0, eq), sel = arg.substr(eq + 2, comma - eq - 2), proto = arg.substr(comma + 1);
  if (layer != "tcp.port" && layer != "tls.port")
    throw UsageError("\"" + layer + "\" isn't a valid \"Decode As\" layer type for mqsniff; the ones it knows are "
                     "tcp.port and tls.port (e.g. -d tcp.port==11883,mqtt, -d tls.port==18883,mqtt)");
  if (layer == "tls.port" && proto != "mqtt")
    throw UsageError("\"" + proto + "\" isn't a valid protocol for -d tls.port here; the protocol mqsniff can decode "
                     "inside TLS is:\n\tmqtt (MQ Telemetry Transport Protocol)");
  if (proto != "mqtt" && proto != "tls" && proto != "ssl")
    throw UsageError("\"" + proto + "\" isn't a valid protocol for -d tcp.port here; the protocols mqsniff can decode "
                     "as are:\n\tmqtt (MQ Telemetry Transport Protocol)\n\ttls (Transport Layer Security)");
  unsigned v = 0;
  auto r = std::from_chars(sel.data(), sel.data() + sel.size(), v);
  if (r.ec != std::errc() || r.ptr != sel.data() + sel.size() || v == 0 || v > 65535)
    throw UsageError("\"" + sel + "\" isn't a valid TCP port number in -d " + arg);
  if (layer == "tls.port") o.mqtt_tls_ports.push_back(static_cast<uint16_t>(v));
  else (proto == "mqtt" ? o.mqtt_ports : o.tls_ports).push_back(static_cast<uint16_t>(v));
}

namespace {
enum { kOptDisable = 1000, kOptEnable, kOptDisableHeur, kOptEnableHeur, kOptTopic, kOptNoDupKeys, kOptColor, kOptKeylog, kOptShowSecrets, kOptLadderSvg, kOptReport, kOptManPage, kOptCompletion, kOptThreads };
const struct option longopts[] = {
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'v'},
    {"interface", required_argument, nullptr, 'i'},
    {"read-file", required_argument, nullptr, 'r'},
    {"display-filter", required_argument, nullptr, 'Y'},
    {"snapshot-length", required_argument, nullptr, 's'},
    {"list-interfaces", no_argument, nullptr, 'D'},
    {"disable-protocol", required_argument, nullptr, kOptDisable},
    {"enable-protocol", required_argument, nullptr, kOptEnable},
    {"disable-heuristic", required_argument, nullptr, kOptDisableHeur},
    {"enable-heuristic", required_argument, nullptr, kOptEnableHeur},
    {"topic", required_argument, nullptr, kOptTopic},
    {"keylog", required_argument, nullptr, kOptKeylog},
    {"show-secrets", no_argument, nullptr, kOptShowSecrets},
    {"ladder-svg", required_argument, nullptr, kOptLadderSvg},
    {"report", required_argument, nullptr, kOptReport},
    {"no-duplicate-keys", no_argument, nullptr, kOptNoDupKeys},
    {"color", no_argument, nullptr, kOptColor},
    {"man-page", no_argument, nullptr, kOptManPage},
    {"bash-completion", no_argument, nullptr, kOptCompletion},
    {"threads", required_argument, nullptr, kOptThreads},
    {nullptr, 0, nullptr, 0},
};
const char* const shortopts = ":2a:b:B:c:d:De:E:f:F:G:hi:j:J:lnN:o:O:pPqQr:s:t:T:vVw:xY:z:Z:";

void split_list(const std::string& arg, const char* seps, std::vector<std::string>& out) {
  size_t i = 0;
  while (i < arg.size()) {
    size_t j = arg.find_first_of(seps, i);
    if (j == std::string::npos) j = arg.size();
    if (j > i) out.push_back(arg.substr(i, j - i));
    i = j + 1;
  }
}
}  // namespace

std::string parser_short_options() { return shortopts + 1; }
std::vector<std::string> parser_long_options() {
  std::vector<std::string> v;
  for (const option* l = longopts; l->name; ++l) v.push_back(l->name);
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  o.argv.assign(argv, argv + argc);
  bool format_given = false;
  // -G is only valid as the first option, as in tshark.
  if (argc >= 2 && std::strcmp(argv[1], "-G") == 0) {
    o.glossary = argc >= 3 ? argv[2] : "fields";
    // -G currentprefs -o name:value shows the preferences as they would be.
    for (int i = 3; i + 1 < argc; ++i)
      if (std::strcmp(argv[i], "-o") == 0) apply_preference(o, argv[++i]);
    return o;
  }
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, shortopts, longopts, nullptr)) != -1) {
    std::string arg = optarg ? optarg : "";
    switch (c) {
      case '2': o.two_pass = true; break;  // a first pass for the MQTT analysis's forward references
      case 'a': case 'b': {
        auto colon = arg.find(':');
        std::string k = arg.substr(0, colon), v = colon == std::string::npos ? "" : arg.substr(colon + 1);
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        bool whole = d == static_cast<double>(static_cast<uint64_t>(d));
        bool ok = colon != std::string::npos && !v.empty() && end && !*end && d > 0;
        if (c == 'a') {
          if (ok && k == "duration") o.autostop_duration = d;
          else if (ok && whole && k == "packets") o.autostop_packets = static_cast<int64_t>(d);
          else if (ok && whole && k == "filesize") o.autostop_filesize_kb = static_cast<uint64_t>(d);
          else if (ok && whole && k == "files") o.autostop_files = static_cast<uint64_t>(d);
          else
            throw UsageError("Invalid or unknown -a flag \"" + arg +
                             "\" (use duration:SECONDS, packets:N, filesize:KB or files:N)");
        } else {
          o.ring_requested = true;
          if (ok && k == "duration") o.ring_duration = d;
          else if (ok && k == "interval") o.ring_interval = d;
          else if (ok && whole && k == "filesize") o.ring_filesize_kb = static_cast<uint64_t>(d);
          else if (ok && whole && k == "packets") o.ring_packets = static_cast<uint64_t>(d);
          else if (ok && whole && k == "files") o.ring_files = static_cast<uint64_t>(d);
          else
            throw UsageError("Invalid or unknown -b arg \"" + arg +
                             "\" (use duration:S, interval:S, filesize:KB, packets:N or files:N)");
        }
        break;
      }
      case 'B': {
        int v = 0;
        auto r = std::from_chars(arg.data(), arg.data() + arg.size(), v);
        if (r.ec != std::errc() || r.ptr != arg.data() + arg.size() || v <= 0)
          throw UsageError("The specified buffer size \"" + arg + "\" isn't a positive number of MiB");
        o.buffer_mib = v;
        break;
      }
      case 'F':
        if (arg == "pcap" || arg == "libpcap") o.write_pcap = true;
        else if (arg == "pcapng") o.write_pcap = false;
        else throw UsageError("\"" + arg + "\" isn't a capture file type mqsniff can write; use pcapng (default) or pcap");
        break;
      case 'p': o.promisc = false; break;
      case 'P': o.print_while_writing = true; break;
      case 'w': o.write_file = arg; break;
      case 'x': o.hexdump = true; break;
      case 'V': o.verbose = true; break;
      case 'O': split_list(arg, ", ", o.detail_protocols); break;
      case 'j': split_list(arg, ", ", o.json_protocols); o.json_expand = false; break;
      case 'J': split_list(arg, ", ", o.json_protocols); o.json_expand = true; break;
      case 'z': o.stats.push_back(arg); break;
      case kOptNoDupKeys: o.no_duplicate_keys = true; break;
      case kOptColor: o.color = true; break;
      case kOptManPage: o.show_man_page = true; break;
      case kOptCompletion: o.show_completion = true; break;
      case 'Z': o.run_as_user = arg; break;
      case 'c': o.count = parse_count(optarg); break;
      case 'd':
        o.decode_as.push_back(arg);
        parse_decode_as(o, arg);
        break;
      case 'D': o.list_interfaces = true; break;
      case 'e': o.fields.push_back(arg); break;
      case 'E': parse_fields_option(o, arg); break;
      case 'f': o.capture_filter = arg; break;
      case 'G': throw UsageError("-G only valid as first option");
      case 'h': o.show_help = true; break;
      case 'i': o.interfaces.push_back(arg); break;
      case 'l': o.line_buffered = true; break;
      case 'n': break;  // mqsniff never resolves names
      case 'N': break;  // accepted for compatibility; no resolution is done
      case 'o': apply_preference(o, arg); break;
      case 'q': o.quiet = true; break;
      case 'Q': o.quiet = o.quieter = true; break;
      case 'r': o.read_file = arg; break;
      case 's': {
        int v = 0;
        auto r = std::from_chars(arg.data(), arg.data() + arg.size(), v);
        if (r.ec != std::errc() || r.ptr != arg.data() + arg.size() || v < 0)
          throw UsageError("The specified snapshot length \"" + arg + "\" isn't a decimal number");
        o.snaplen = v;
        break;
      }
      case 't': o.time_format = parse_time_format(arg); break;
      case 'T':
        format_given = true;
        if (arg == "fields") o.format = OutputFormat::Fields;
        else if (arg == "text") o.format = OutputFormat::Text;
        else if (arg == "json") o.format = OutputFormat::Json;
        else if (arg == "ek") o.format = OutputFormat::Ek;
        else if (arg == "brokerlog") o.format = OutputFormat::BrokerLog;
        else
          throw UsageError("Invalid -T parameter \"" + arg +
                           "\"; it must be one of:\n"
                           "\t\"brokerlog\" Each MQTT packet as the line mosquitto -v logs for it (mqsniff).\n"
                           "\t\"ek\"      Newline-delimited JSON for the Elasticsearch bulk API.\n"
                           "\t\"fields\"  The values of fields specified with the -e option, in a form\n"
                           "\t          specified by the -E option.\n"
                           "\t\"json\"    Packet details as a JSON array (tshark's layout).\n"
                           "\t\"text\"    One line summary per packet (the default).\n"
                           "(pdml, psml and jsonraw are not supported by mqsniff.)");
        break;
      case 'v': o.show_version = true; break;
      case 'Y': o.display_filter = arg; break;
      case kOptDisable: o.disabled_protocols.push_back(arg); break;
      case kOptEnable: o.enabled_protocols.push_back(arg); break;
      case kOptTopic: o.topic_filter = arg; break;
      case kOptShowSecrets: o.show_secrets = true; break;
      case kOptLadderSvg: o.ladder_svg = arg; break;
      case kOptReport: o.report = arg; break;
      case kOptThreads: {
        int v = 0;
        auto r = std::from_chars(arg.data(), arg.data() + arg.size(), v);
        if (r.ec != std::errc() || r.ptr != arg.data() + arg.size() || v < 1 || v > 64)
          throw UsageError("--threads: \"" + arg + "\" isn't a number of threads from 1 to 64");
        o.threads = v;
        break;
      }
      case kOptKeylog: o.keylog_file = arg; break;
      case kOptDisableHeur:
        if (arg == "mqtt" || arg == "mqtt_tcp") o.mqtt_heuristic = false;
        if (arg == "tls" || arg == "tls_tcp" || arg == "ssl") o.tls_heuristic = false;
        break;
      case kOptEnableHeur:
        if (arg == "mqtt" || arg == "mqtt_tcp") o.mqtt_heuristic = true;
        break;
      case ':':
        throw UsageError(std::string("option requires an argument -- '") + static_cast<char>(optopt) + "'",
                         kExitUsage, true);
      default: {
        std::string what = optopt ? std::string(1, static_cast<char>(optopt)) : std::string(argv[optind - 1]);
        throw UsageError("invalid option -- '" + what + "'", kExitUsage, true);
      }
    }
  }
  if (optind < argc) {
    // tshark takes a trailing capture filter; so do we.
    std::string f;
    for (int i = optind; i < argc; ++i) {
      if (!f.empty()) f += ' ';
      f += argv[i];
    }
    if (!o.capture_filter.empty())
      throw UsageError("Capture filters were specified both with \"-f\" and with additional command-line arguments.");
    o.capture_filter = f;
  }
  if (o.ring_requested) {  // tshark's checks, in its words
    if (!o.read_file.empty()) throw UsageError("Multiple capture files requested, but a capture isn't being done.");
    if (o.write_file.empty())
      throw UsageError("Multiple capture files requested, but the capture isn't being saved to a file.");
    if (o.write_file == "-")
      throw UsageError("Multiple capture files requested, but the capture is being written to the standard output.");
    if (o.ring_duration <= 0 && o.ring_interval <= 0 && !o.ring_filesize_kb && !o.ring_packets)
      throw UsageError("Ring buffer requested, but no maximum capture file size, duration, interval or packet count "
                       "were specified.");
  }
  if (o.format == OutputFormat::Fields && o.fields.empty() && !o.show_help && !o.show_version)
    throw UsageError("\"-Tfields\" was specified, but no fields were specified with \"-e\".");
  // `-e` without `-T` means `-T fields` (a deliberate difference: tshark
  // refuses, and the lab's `mqsniff -i enp0s3 -Y mqtt -e mqtt.topic` would fail).
  if (!format_given && !o.fields.empty()) o.format = OutputFormat::Fields;
  if (o.format != OutputFormat::Fields && o.format != OutputFormat::Json && o.format != OutputFormat::Ek &&
      !o.fields.empty())
    throw UsageError("Output fields were specified with \"-e\", but \"-Tek, -Tfields, -Tjson or -Tpdml\" was not specified.");
  return o;
}

}  // namespace mqsniff::cli
