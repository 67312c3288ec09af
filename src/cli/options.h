// tshark-compatible command line: the same option letters, values and error
// messages, so lab sheets work unchanged with mqsniff in place of tshark.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mqsniff::cli {

// tshark's exit codes.
enum ExitCode : int { kExitOk = 0, kExitUsage = 1, kExitFileError = 2 };

// A user-facing error: message printed as "mqsniff: <message>", then exit.
struct UsageError : std::runtime_error {
  UsageError(const std::string& m, int code = kExitUsage, bool show_usage = false)
      : std::runtime_error(m), exit_code(code), usage(show_usage) {}
  int exit_code;
  bool usage;
};

enum class OutputFormat { Text, Fields, Json, Ek, BrokerLog };

struct FieldsOptions {
  bool header = false;
  bool bom = false;
  std::string separator = "\t";
  char quote = 0;        // 0 none, '"' or '\''
  char occurrence = 'a'; // 'f' first, 'l' last, 'a' all
  std::string aggregator = ",";
};

enum class TimeFormat { Relative, Absolute, AbsoluteDate, Delta, DeltaDisplayed, Epoch, Utc, UtcDate };

struct Options {
  std::vector<std::string> argv;       // the command line as given (for the capture helper)
  std::string read_file;               // -r
  std::vector<std::string> interfaces; // -i (live capture)
  std::string capture_filter;          // -f (BPF)
  std::string display_filter;          // -Y
  std::string topic_filter;            // --topic (MQTT topic filter with + and #)
  std::string ladder_svg;              // --ladder-svg FILE
  std::string report;                  // --report FILE.html
  bool two_pass = false;               // -2: a first pass over the file (mqtt.analysis.response_in)
  bool show_secrets = false;           // --show-secrets (-z mqtt,exposure: passwords in clear)
  bool mqtt_analysis = true;           // -o mqtt.analysis:FALSE: no mqtt.analysis.* in -V/JSON (tshark's tree)
  OutputFormat format = OutputFormat::Text;
  std::vector<std::string> fields;     // -e
  FieldsOptions fopts;                 // -E
  int64_t count = -1;                  // -c
  int threads = 0;                     // --threads (0: the cores available)
  bool quiet = false;                  // -q
  bool quieter = false;                // -Q
  bool line_buffered = false;          // -l
  TimeFormat time_format = TimeFormat::Relative;  // -t
  std::vector<std::string> prefs;      // -o name:value
  std::vector<std::string> decode_as;  // -d (raw)
  std::vector<uint16_t> mqtt_ports;    // from -d tcp.port==N,mqtt
  std::vector<uint16_t> tls_ports;     // from -d tcp.port==N,tls
  bool tls_heuristic = true;           // --disable-heuristic tls
  bool mqtt_heuristic = true;          // --disable-heuristic mqtt
  uint8_t mqtt_default_version = 0;    // -o mqtt.default_version:v31|v311|v50|none (3, 4, 5 also accepted)
  bool mqtt_msg_as_text = false;       // -o mqtt.show_msg_as_text:TRUE
  std::vector<std::string> disabled_protocols;  // --disable-protocol
  std::vector<std::string> enabled_protocols;   // --enable-protocol
  std::string glossary;                // -G
  bool list_interfaces = false;        // -D
  bool show_help = false;              // -h
  bool show_version = false;           // -v
  bool show_man_page = false;          // --man-page
  bool show_completion = false;        // --bash-completion
  int snaplen = 0;                     // -s
  std::string write_file;              // -w
  bool write_pcap = false;             // -F pcap (default pcapng)
  bool print_while_writing = false;    // -P
  bool hexdump = false;                // -x
  bool verbose = false;                // -V: the packet detail tree
  std::vector<std::string> detail_protocols;  // -O proto,proto: detail only for these
  std::vector<std::string> json_protocols;    // -j / -J "proto proto": JSON/EK layers
  bool json_expand = true;             // -J expands subtrees, -j does not
  bool no_duplicate_keys = false;      // --no-duplicate-keys (mqsniff's JSON never repeats keys)
  std::vector<std::string> stats;      // -z
  bool color = false;                  // --color (only when stdout is a terminal)
  std::string run_as_user;             // -Z: drop root after opening the device and the -w file
  bool promisc = true;                 // -p turns it off
  int buffer_mib = 0;                  // -B
  double autostop_duration = 0;        // -a duration:S
  int64_t autostop_packets = -1;       // -a packets:N
  uint64_t autostop_filesize_kb = 0;   // -a filesize:KB (-w file)
  uint64_t autostop_files = 0;         // -a files:N (-b)
  // -b: the -w output as a set of files (dumpcap's ring buffer)
  double ring_duration = 0;            // -b duration:S
  double ring_interval = 0;            // -b interval:S
  uint64_t ring_filesize_kb = 0;       // -b filesize:KB
  uint64_t ring_packets = 0;           // -b packets:N
  uint64_t ring_files = 0;             // -b files:N
  bool ring_requested = false;         // any -b
  size_t max_tcp_flows = 0;            // -o tcp.max_flows:N (0: default)
  bool tcp_reassembly = true;          // -o tcp.desegment_tcp_streams:FALSE
  size_t reassembly_max_dir = 0;       // -o tcp.reassembly_max_dir:BYTES (0: default)
  size_t reassembly_max_total = 0;     // -o tcp.reassembly_max_total:BYTES (0: default)
  bool ip_defragment = true;           // -o ip.defragment:FALSE
  bool ipv6_defragment = true;         // -o ipv6.defragment:FALSE
  size_t tcp_idle_timeout = 0;         // -o tcp.flow_idle_timeout:SECONDS (0: never)
  size_t tcp_closed_timeout = 5;       // -o tcp.flow_closed_timeout:SECONDS (0: closed conversations kept)
  std::string keylog_file;             // --keylog FILE, -o tls.keylog_file:FILE (NSS key log)
  std::vector<uint16_t> mqtt_tls_ports;  // from -d tls.port==N,mqtt
};

// Parses argv. Throws UsageError with tshark's wording on bad input.
Options parse(int argc, char** argv);
std::string version_text();
// The parser's own tables (getopt), for the test that the option table covers them.
std::string parser_short_options();
std::vector<std::string> parser_long_options();

}  // namespace mqsniff::cli
