#include "src/cli/option_table.h"

#include <cstring>

#include "src/cli/prefs.h"

#ifndef MQSNIFF_VERSION
#define MQSNIFF_VERSION "0.1.0"
#endif

namespace mqsniff::cli {

namespace {

constexpr const char* kCapture = "Capture interface";
constexpr const char* kInput = "Input file";
constexpr const char* kProcessing = "Processing";
constexpr const char* kAnalysis = "MQTT analysis (mqsniff's own)";
constexpr const char* kOutput = "Output";
constexpr const char* kMisc = "Miscellaneous";

const OptionSpec kOptions[] = {
    // ---- capture
    {'i', "interface", "<interface>", kCapture, "name or index of interface (live capture; def: the first that is up, not loopback)",
     "Capture live from this interface (a name from -D, or its number). Without -i and -r, mqsniff picks the interface "
     "dumpcap would: the first one that is up and running, not loopback. Capturing needs root, or the capabilities "
     "the package gives members of the mqsniff group (see CAPTURE WITHOUT ROOT).",
     ArgKind::Interface, nullptr},
    {'f', nullptr, "<capture filter>", kCapture, "packet filter in libpcap filter syntax (also on files)", nullptr,
     ArgKind::Text, nullptr},
    {'s', "snapshot-length", "<snaplen>", kCapture, "packet snapshot length (def: 262144)", nullptr, ArgKind::Text, nullptr},
    {'D', "list-interfaces", nullptr, kCapture, "print list of interfaces and exit", nullptr, ArgKind::None, nullptr},
    {'p', nullptr, nullptr, kCapture, "don't capture in promiscuous mode", nullptr, ArgKind::None, nullptr},
    {'B', nullptr, "<buffer size>", kCapture, "size of kernel buffer in MiB", nullptr, ArgKind::Text, nullptr},
    {'a', nullptr, "<autostop cond.> ...", kCapture,
     "duration:NUM - stop after NUM seconds\npackets:NUM - stop after NUM packets\n"
     "filesize:NUM - stop this file after NUM kB\nfiles:NUM - stop after NUM files (with -b)",
     nullptr, ArgKind::Choice, "duration: packets: filesize: files:"},
    {'b', nullptr, "<ringbuffer opt.> ...", kCapture,
     "with -w: write a set of files, switching to the next\nduration:NUM - after NUM seconds\n"
     "interval:NUM - when the clock crosses a multiple of NUM seconds\nfilesize:NUM - after NUM kB\n"
     "packets:NUM - after NUM packets\nfiles:NUM - keep only the newest NUM files (a ring buffer)",
     "Write the \\-w capture as a set of files named as dumpcap names them (out_00001_20261206120000.pcapng), "
     "switching to the next file after a duration, at each multiple of an interval, at a size or a packet count; "
     "files:N keeps only the newest N. Each file is complete when the next one starts and when the capture stops.",
     ArgKind::Choice, "duration: interval: filesize: packets: files:"},
    {'Z', nullptr, "<user>", kCapture, "run as this user once the capture device and files are open", nullptr,
     ArgKind::Text, nullptr},
    // ---- input
    {'r', "read-file", "<infile>|-", kInput, "set the filename to read from (- for stdin); pcap or pcapng", nullptr,
     ArgKind::File, nullptr},
    // ---- processing
    {'Y', "display-filter", "<display filter>", kProcessing,
     "packet display filter in Wireshark display filter syntax",
     "Show only the packets this display filter matches: Wireshark 4.0's language (see DISPLAY FILTERS).",
     ArgKind::DisplayFilter, nullptr},
    {'2', nullptr, nullptr, kProcessing, "two passes over a file (MQTT analysis: answers linked to requests forwards too)",
     nullptr, ArgKind::None, nullptr},
    {0, "threads", "<n>", kProcessing, "dissect on n worker threads, conversations split by address pair (def: the cores)",
     "Dissect on N worker threads (default: the cores available; 1: one thread). Packets are split by their IP "
     "address pair, so both directions of a conversation, its IP fragments and what a tunnel carries stay on one "
     "worker; the output is written in capture order and is the same as with one thread. Used for summary lines, "
     "-T fields and -q on a capture file or a live interface; the outputs that number conversations or relate "
     "packets across them (tcp.stream, udp.stream, -V, JSON, -x, -z, -w, -2, TLS decryption, MQTT analysis, "
     "-t dd) run on one thread.",
     ArgKind::Text, nullptr},
    {'d', nullptr, "<layer_type>==<selector>,<decode_as_protocol>", kProcessing,
     "\"Decode As\", e.g. tcp.port==11883,mqtt (also tcp.port==N,tls and tls.port==N,mqtt)", nullptr, ArgKind::Choice,
     "tcp.port== tls.port=="},
    {'o', nullptr, "<name>:<value>", kProcessing, "override preference setting (list: -G defaultprefs)",
     "Set a preference (see PREFERENCES). An unknown preference or a bad value is an error.", ArgKind::Pref, nullptr},
    {'n', nullptr, nullptr, kProcessing, "disable all name resolutions (mqsniff never resolves)", nullptr, ArgKind::None,
     nullptr},
    {'N', nullptr, "<name resolve flags>", kProcessing, "accepted for compatibility; mqsniff never resolves names",
     nullptr, ArgKind::Text, nullptr},
    {0, "disable-protocol", "<proto_name>", kProcessing, "disable dissection of proto_name", nullptr, ArgKind::Protocol,
     nullptr},
    {0, "enable-protocol", "<proto_name>", kProcessing, "enable dissection of proto_name", nullptr, ArgKind::Protocol,
     nullptr},
    {0, "disable-heuristic", "<short_name>", kProcessing, "disable dissection of heuristic protocol (mqtt, tls)",
     nullptr, ArgKind::Choice, "mqtt tls"},
    {0, "enable-heuristic", "<short_name>", kProcessing, "enable dissection of heuristic protocol (mqtt)", nullptr,
     ArgKind::Choice, "mqtt"},
    {0, "keylog", "<file>", kProcessing,
     "TLS key log (SSLKEYLOGFILE format) to decrypt TLS; same as -o tls.keylog_file:<file>\n"
     "pcapng Decryption Secrets blocks are read without it",
     nullptr, ArgKind::File, nullptr},
    // ---- MQTT analysis
    {0, "topic", "<MQTT filter>", kAnalysis,
     "only packets whose mqtt.topic matches this MQTT topic filter\n(+ one level, # the rest), as a broker subscription would",
     nullptr, ArgKind::Text, nullptr},
    {0, "show-secrets", nullptr, kAnalysis, "-z mqtt,exposure and --report show passwords instead of masking them",
     nullptr, ArgKind::None, nullptr},
    {0, "ladder-svg", "<file>", kAnalysis, "write the MQTT ladder diagram of every connection as SVG", nullptr,
     ArgKind::OutFile, nullptr},
    {0, "report", "<file.html>", kAnalysis, "write a self-contained HTML report of the MQTT analyses", nullptr,
     ArgKind::OutFile, nullptr},
    // ---- output
    {'c', nullptr, "<packet count>", kOutput, "stop after n packets", nullptr, ArgKind::Text, nullptr},
    {'T', nullptr, "text|fields|json|ek|brokerlog", kOutput,
     "format of text output (def: text; -e alone means fields)\n"
     "brokerlog: each MQTT packet as the line mosquitto -v logs for it",
     nullptr, ArgKind::Choice, "text fields json ek brokerlog"},
    {'e', nullptr, "<field>", kOutput,
     "field to print with -T fields/json/ek (e.g. mqtt.topic, _ws.col.Info);\n"
     "repeatable; without -T, -e means -T fields (field list: -G fields)",
     nullptr, ArgKind::Field, nullptr},
    {'E', nullptr, "<fieldsoption>=<value>", kOutput,
     "set options for output when -Tfields selected:\n"
     "   bom=y|n               print a UTF-8 BOM\n"
     "   header=y|n            switch headers on and off\n"
     "   separator=/t|/s|<char> select tab, space, printable character as separator\n"
     "   occurrence=f|l|a      print first, last or all occurrences of each field\n"
     "   aggregator=,|/s|<char> select comma, space, printable character as aggregator\n"
     "   quote=d|s|n           select double, single, no quotes for values",
     nullptr, ArgKind::Choice, "bom= header= separator= occurrence= aggregator= quote="},
    {'t', nullptr, "a|ad|d|dd|e|r|u|ud", kOutput, "output format of time stamps (def: r: rel. to first)", nullptr,
     ArgKind::Choice, "a ad d dd e r u ud"},
    {'V', nullptr, nullptr, kOutput, "add output of packet tree (Packet Details), tshark's tree line for line", nullptr,
     ArgKind::None, nullptr},
    {'O', nullptr, "<protocols>", kOutput, "with -V: only show packet details of these protocols, comma separated",
     nullptr, ArgKind::Protocol, nullptr},
    {'x', nullptr, nullptr, kOutput, "add output of hex and ASCII dump (Packet Bytes, and reassembled data)", nullptr,
     ArgKind::None, nullptr},
    {'j', nullptr, "<protocolfilter>", kOutput, "protocols layers filter for -T json|ek (subtrees closed)", nullptr,
     ArgKind::Protocol, nullptr},
    {'J', nullptr, "<protocolfilter>", kOutput, "top level protocol filter for -T json|ek (subtrees open)", nullptr,
     ArgKind::Protocol, nullptr},
    {0, "no-duplicate-keys", nullptr, kOutput, "accepted: mqsniff's JSON gives a repeated field as one array", nullptr,
     ArgKind::None, nullptr},
    {0, "color", nullptr, kOutput, "color the summary lines as Wireshark's coloring rules do (on a terminal)", nullptr,
     ArgKind::None, nullptr},
    {'z', nullptr, "<statistics>", kOutput, "various statistics, see the list below (and -z help)", nullptr,
     ArgKind::Stat, nullptr},
    {'l', nullptr, nullptr, kOutput, "flush standard output after each packet", nullptr, ArgKind::None, nullptr},
    {'q', nullptr, nullptr, kOutput, "be more quiet on stdout (no summary lines; -V/-x/-T still print)", nullptr,
     ArgKind::None, nullptr},
    {'Q', nullptr, nullptr, kOutput, "only log true errors to stderr (quieter than -q)", nullptr, ArgKind::None, nullptr},
    {'w', nullptr, "<outfile|->", kOutput, "write packets (those passing -Y) to a file", nullptr, ArgKind::OutFile,
     nullptr},
    {'F', nullptr, "pcapng|pcap", kOutput, "the file format of -w (def: pcapng)", nullptr, ArgKind::Choice,
     "pcapng pcap"},
    {'P', nullptr, nullptr, kOutput, "print packet summary even when writing to a file", nullptr, ArgKind::None, nullptr},
    // ---- misc
    {'G', nullptr, "[fields|protocols|defaultprefs|currentprefs]", kMisc,
     "dump a glossary: registered fields, protocols, preferences (first option only)", nullptr, ArgKind::Choice,
     "fields protocols defaultprefs currentprefs"},
    {'h', "help", nullptr, kMisc, "display this help and exit", nullptr, ArgKind::None, nullptr},
    {'v', "version", nullptr, kMisc, "display version info and exit", nullptr, ArgKind::None, nullptr},
    {0, "man-page", nullptr, kMisc, "print the manual page mqsniff(1) (roff) and exit", nullptr, ArgKind::None, nullptr},
    {0, "bash-completion", nullptr, kMisc, "print the bash completion script and exit", nullptr, ArgKind::None,
     nullptr},
};

const StatSpec kStats[] = {
    {"conv,tcp|udp|ip|ipv6[,filter]", "conversations, as tshark's table"},
    {"endpoints,ip|ipv6|tcp|udp[,filter]", "endpoints, as tshark's table"},
    {"expert", "expert information (warnings, notes) by severity"},
    {"follow,tcp,ascii|hex,stream", "the bytes of one TCP stream, both directions"},
    {"io,stat,interval[,filter][,filter]...", "frames and bytes per interval"},
    {"mqtt,tree", "MQTT packets by type, PUBLISH by QoS, topics with payload bytes, packets per client id"},
    {"mqtt,qos", "QoS 1/2 flows: latency (median, p95, max), DUPs, incomplete flows, per client"},
    {"mqtt,exposure", "what an eavesdropper saw in clear on each connection, and what TLS hid"},
    {"mqtt,keepalive", "the keepalive each client promised against what it did (MQTT 3.1.2.10)"},
    {"mqtt,subscriptions", "each subscription's topic filter and the topics it matched (+, #, $share)"},
    {"mqtt,ladder[,stream]", "a sequence diagram of each MQTT connection (client | broker)"},
};

std::string flags_of(const OptionSpec& o) {
  std::string s;
  if (o.short_name) {
    s += '-';
    s += o.short_name;
    if (o.arg) s += std::string(" ") + o.arg;
  }
  if (o.long_name) {
    if (!s.empty()) s += ", ";
    s += std::string("--") + o.long_name;
    if (o.arg) s += std::string(" ") + o.arg;
  }
  return s;
}

// roff: escape what roff would read as requests or escapes.
std::string roff(std::string_view t) {
  std::string out;
  bool bol = true;
  for (char c : t) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else if (bol && (c == '.' || c == '\'')) out += "\\&" + std::string(1, c);
    else out += c;
    bol = c == '\n';
  }
  return out;
}

}  // namespace

std::span<const OptionSpec> option_specs() { return kOptions; }
std::span<const StatSpec> stat_specs() { return kStats; }

std::string usage_text() {
  std::string out = "mqsniff " MQSNIFF_VERSION
                    "\nDissect MQTT and TLS traffic, tshark style: tshark's options and field names, and more.\n"
                    "See man mqsniff for the whole story.\n\nUsage: mqsniff [options] ...\n";
  const char* section = nullptr;
  for (const auto& o : kOptions) {
    if (!section || std::strcmp(section, o.section) != 0) {
      section = o.section;
      out += std::string("\n") + section + ":\n";
    }
    std::string f = "  " + flags_of(o);
    std::string_view help = o.help;
    // tshark's layout: the text in column 27, on the next line when the flags are long.
    if (f.size() < 26) f.append(27 - f.size(), ' ');
    else f += "\n" + std::string(27, ' ');
    out += f;
    for (char c : help) {
      out += c;
      if (c == '\n') out.append(27, ' ');
    }
    out += '\n';
  }
  out += "\nStatistics (-z):\n";
  for (const auto& s : kStats) {
    std::string n = std::string("  ") + s.name;
    if (n.size() < 40) n.append(40 - n.size(), ' ');
    else n += "\n" + std::string(40, ' ');
    out += n + s.help + "\n";
  }
  return out;
}

std::string man_page() {
  std::string m;
  m += ".TH MQSNIFF 1 \"2026\" \"mqsniff " MQSNIFF_VERSION "\" \"User Commands\"\n";
  m += ".SH NAME\nmqsniff \\- passive MQTT and TLS traffic analyzer with tshark's command line\n";
  m += ".SH SYNOPSIS\n.B mqsniff\n[\\fIoptions\\fR] ... [\\fIcapture filter\\fR]\n.br\n"
       ".B mqsniff \\-r\n\\fIfile\\fR [\\-Y \\fIfilter\\fR] [\\-T fields \\-e \\fIfield\\fR ...]\n.br\n"
       ".B sudo mqsniff \\-i\n\\fIinterface\\fR \\-Y mqtt \\-e mqtt.topic\n";
  m += ".SH DESCRIPTION\n"
       "mqsniff reads packets from a capture file (pcap or pcapng, also gzip-compressed) or captures them live, "
       "reassembles TCP streams and dissects MQTT (3.1, 3.1.1, 5.0, also over WebSocket) and TLS (decrypted with a key "
       "log). Its command line, field names, summary lines, \\fB\\-T fields\\fR, \\fB\\-V\\fR and JSON output are "
       "tshark 4.0's: a lab sheet written for tshark works with mqsniff in its place. Beyond that it answers what a "
       "packet list does not: what an eavesdropper saw (\\fB\\-z mqtt,exposure\\fR), QoS flows and their latency, "
       "keepalive, subscriptions, ladder diagrams, the broker's log view and an HTML report.\n";
  m += ".SH OPTIONS\n";
  const char* section = nullptr;
  for (const auto& o : kOptions) {
    if (!section || std::strcmp(section, o.section) != 0) {
      section = o.section;
      m += ".SS \"" + std::string(section) + "\"\n";
    }
    m += ".TP\n.B " + roff(flags_of(o)) + "\n" + roff(o.man ? o.man : o.help) + "\n";
  }
  m += ".SH STATISTICS\nGiven with \\fB\\-z\\fR (repeatable); printed after the packets, also with \\fB\\-q\\fR, "
       "on files and live (at Ctrl-C or an \\fB\\-a\\fR stop).\n";
  for (const auto& s : kStats) m += ".TP\n.B " + roff(s.name) + "\n" + roff(s.help) + "\n";
  m += ".SH PREFERENCES\nSet with \\fB\\-o\\fR \\fIname\\fR:\\fIvalue\\fR; \\fBmqsniff \\-G defaultprefs\\fR lists them "
       "with their defaults, \\fB\\-G currentprefs\\fR with the values a command line gives.\n";
  static const Options defaults;
  for (const auto& p : preferences()) {
    std::string d = p.description;
    for (auto& c : d)
      if (c == '\n') c = ' ';
    m += ".TP\n.B " + roff(p.name) + "\n" + roff(d) + " (default: " + roff(p.get(defaults).empty() ? "none" : p.get(defaults)) + ")\n";
  }
  m += ".SH DISPLAY FILTERS\n"
       "The language of Wireshark 4.0 (\\fBwireshark-filter\\fR(4)): fields and protocols by name "
       "(\\fBmqsniff \\-G fields\\fR lists them); comparisons \\fB== != === ~= < > <= >=\\fR (and \\fBeq ne\\fR ...), "
       "\\fBcontains\\fR, \\fBmatches\\fR (PCRE2, case-insensitive), \\fBin {a, b, c..d}\\fR; \\fBand or not\\fR "
       "(\\fB&& || !\\fR); a field compared with a field (\\fBtcp.srcport == tcp.dstport\\fR); arithmetic "
       "\\fB+ \\- * / % &\\fR grouped with braces (\\fB{tcp.srcport + 1} == 1884\\fR); slices (\\fBmqtt.topic[0:6]\\fR, "
       "\\fBframe[\\-4:]\\fR); the layer operator (\\fBip.addr#2\\fR, \\fB#[1:2]\\fR); functions \\fBlen count lower upper "
       "string max min abs\\fR; value names and booleans as tshark writes them (\\fBmqtt.msgtype == \"Publish Message\"\\fR, "
       "\\fBtcp.flags.syn == True\\fR). A repeated field matches \\fB==\\fR when any occurrence does, \\fB!=\\fR when "
       "none is equal. A filter with an error is reported as tshark does, with a caret under the place. mqsniff's own: "
       "\\fBmqtt.topic matches_topic \"maison/+/temperature\"\\fR (MQTT's wildcards) and \\fBxor\\fR (Wireshark 4.2).\n";
  m += ".SH DIFFERENCES FROM TSHARK\n"
       ".IP \\(bu 2\n\\fB\\-e\\fR without \\fB\\-T\\fR means \\fB\\-T fields\\fR (tshark refuses).\n"
       ".IP \\(bu 2\nAddresses are never resolved to names.\n"
       ".IP \\(bu 2\nOut-of-order TCP segments are always reordered before MQTT and TLS see them.\n"
       ".IP \\(bu 2\nA damaged TLS record is marked and the following records still decrypt (tshark 4.0 stops).\n"
       ".IP \\(bu 2\nMQTT inside a wss:// connection is dissected (tshark 4.0 shows the WebSocket payload).\n"
       ".IP \\(bu 2\nClosed TCP conversations are forgotten after \\fBtcp.flow_closed_timeout\\fR seconds of quiet "
       "(memory stays flat); 0 gives tshark's numbering for reused ports.\n"
       ".IP \\(bu 2\nWith \\fB\\-o mqtt.show_msg_as_text:TRUE\\fR, \\fB\\-e mqtt.msg\\fR prints the text (tshark prints "
       "nothing).\n"
       ".IP \\(bu 2\nThe README's \"Deliberate differences\" section lists the rest.\n";
  m += ".SH EXIT STATUS\n.TP\n.B 0\nSuccess.\n.TP\n.B 1\nA bad option, preference or display filter... (the message "
       "says which).\n.TP\n.B 2\nA file could not be read or written, or a capture could not be started.\n";
  m += ".SH CAPTURE WITHOUT ROOT\nThe Debian package creates the group \\fBmqsniff\\fR. Its members can capture "
       "without root: live capture goes through \\fB/usr/lib/mqsniff/mqsniff\\-capture\\fR, a copy of mqsniff only "
       "the group may run, which holds the capabilities \\fBcap_net_raw,cap_net_admin\\fR. Add a user with "
       "\\fBsudo usermod \\-aG mqsniff $USER\\fR and log in again. Without the package: "
       "\\fBsudo setcap cap_net_raw,cap_net_admin+eip $(command \\-v mqsniff)\\fR.\n";
  m += ".SH EXAMPLES\n"
       ".TP\n.B sudo mqsniff \\-i enp0s3 \\-Y mqtt \\-e mqtt.topic\nThe topics published and subscribed on the network.\n"
       ".TP\n.B mqsniff \\-r lab.pcap \\-Y \"mqtt.msgtype == 1\" \\-T fields \\-e mqtt.username \\-e mqtt.passwd\n"
       "Credentials readable on port 1883.\n"
       ".TP\n.B mqsniff \\-r lab.pcap \\-Y \"tls.handshake.type == 2\"\nThe TLS ServerHellos on 8883.\n"
       ".TP\n.B mqsniff \\-r mtls.pcap \\-Y \"tls.alert_message.desc == 48\"\nThe \\fIunknown ca\\fR alert of a refused client certificate.\n"
       ".TP\n.B mqsniff \\-r tls.pcap \\-\\-keylog keys.log \\-Y mqtt \\-V\nMQTT inside TLS, decrypted with the key log the client wrote (SSLKEYLOGFILE).\n"
       ".TP\n.B mqsniff \\-r lab.pcap \\-q \\-z mqtt,exposure \\-z mqtt,qos\nWhat an eavesdropper learned, and how the QoS flows went.\n"
       ".TP\n.B mqsniff \\-r lab.pcap \\-\\-report lab.html\nThe analyses as one HTML page.\n";
  m += ".SH SEE ALSO\n\\fBtshark\\fR(1), \\fBwireshark-filter\\fR(4), \\fBmosquitto\\fR(8), \\fBmosquitto_sub\\fR(1), "
       "\\fBpcap-filter\\fR(7)\n";
  return m;
}

std::string bash_completion() {
  std::string opts, with_arg;
  for (const auto& o : kOptions) {
    if (o.short_name) {
      opts += std::string(" -") + o.short_name;
      if (o.arg) with_arg += std::string(" -") + o.short_name;
    }
    if (o.long_name) {
      opts += std::string(" --") + o.long_name;
      if (o.arg) with_arg += std::string(" --") + o.long_name;
    }
  }
  std::string stats;
  for (const auto& s : kStats) {
    std::string n = s.name;  // the fixed part: up to the first '[' or '|'
    size_t cut = n.find_first_of("[|");
    stats += " " + n.substr(0, cut == std::string::npos ? n.size() : cut);
  }
  std::string cases;
  for (const auto& o : kOptions) {
    if (!o.arg) continue;
    std::string pat;
    if (o.short_name) pat += std::string("-") + o.short_name;
    if (o.long_name) pat += (pat.empty() ? "" : "|") + std::string("--") + o.long_name;
    std::string action;
    switch (o.kind) {
      case ArgKind::File: action = "_filedir"; break;
      case ArgKind::OutFile: action = "_filedir"; break;
      case ArgKind::Interface: action = "_mqsniff_words \"$(_mqsniff_interfaces)\""; break;
      case ArgKind::DisplayFilter: case ArgKind::Field: action = "_mqsniff_words \"$(_mqsniff_fields)\""; break;
      case ArgKind::Stat: action = "_mqsniff_words \"" + stats + "\""; break;
      case ArgKind::Pref: action = "_mqsniff_words \"$(_mqsniff_prefs)\"; compopt -o nospace 2>/dev/null"; break;
      case ArgKind::Protocol: action = "_mqsniff_words \"$(_mqsniff_protocols)\""; break;
      case ArgKind::Choice: action = std::string("_mqsniff_words \"") + o.choices + "\""; break;
      default: action = ":"; break;
    }
    cases += "    " + pat + ") " + action + "; return ;;\n";
  }
  std::string s =
      "# bash completion for mqsniff (generated by mqsniff --bash-completion from its option table)\n"
      "_mqsniff_fields() {\n"
      "  [ -n \"${_mqsniff_fields_cache-}\" ] || _mqsniff_fields_cache=$(mqsniff -G fields 2>/dev/null | cut -f3)\n"
      "  printf '%s\\n' \"$_mqsniff_fields_cache\"\n}\n"
      "_mqsniff_protocols() { mqsniff -G protocols 2>/dev/null | cut -f3; }\n"
      "_mqsniff_prefs() { mqsniff -G defaultprefs 2>/dev/null | sed -n 's/^#\\([a-z][a-z0-9_.]*\\): .*/\\1:/p'; }\n"
      "_mqsniff_interfaces() { mqsniff -D 2>/dev/null | sed -n 's/^[0-9]*\\. \\([^ ]*\\).*/\\1/p'; }\n"
      "_mqsniff_words() { COMPREPLY=($(compgen -W \"$1\" -- \"$cur\")); }\n"
      "_mqsniff() {\n"
      "  local cur prev\n"
      "  cur=${COMP_WORDS[COMP_CWORD]}\n"
      "  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      "  # a display filter: complete its last word\n"
      "  if [ \"$prev\" = -Y ] || [ \"$prev\" = --display-filter ]; then cur=${cur##*[ (!]}; fi\n"
      "  case $prev in\n" +
      cases +
      "  esac\n"
      "  if [[ $cur == -* ]]; then _mqsniff_words \"" +
      opts +
      "\"; return; fi\n"
      "  _filedir\n"
      "}\n"
      "complete -F _mqsniff mqsniff\n";
  (void)with_arg;
  return s;
}

}  // namespace mqsniff::cli
