#include "src/app/pipeline.h"
#include "src/app/workers.h"
#include "src/cli/option_table.h"
#include "src/cli/prefs.h"

#include <pcap/pcap.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cinttypes>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <thread>
#include <memory>
#include <optional>

#include "dissectors/core/format.h"
#include "src/output/brokerlog.h"
#include "src/output/json.h"
#include "src/output/stats.h"
#include "src/output/verbose.h"
#include "src/output/sink.h"
#include "dissectors/core/packet.h"
#include "dissectors/dissect.h"
#include "dissectors/mqtt/mqtt_analysis.h"
#include "filters/filter.h"
#include "src/capture/pcap_source.h"
#include "src/capture/writer.h"
#include "src/output/render.h"
#include "src/output/writer.h"

namespace mqsniff::app {

namespace {

std::atomic<pcap_t*> g_live{nullptr};
std::atomic<bool> g_stop{false};

void on_signal(int) {
  // The read loop notices (poll() is interrupted) and drains what the kernel
  // still holds before it stops.
  g_stop = true;
}

void eprint(const std::string& msg) {
  std::string line = "mqsniff: " + msg + "\n";
  (void)!::write(2, line.data(), line.size());
}

int list_interfaces() {
  pcap_if_t* all = nullptr;
  char err[PCAP_ERRBUF_SIZE];
  if (pcap_findalldevs(&all, err) != 0) {
    eprint(std::string("There are no interfaces on which a capture can be done (") + err + ")");
    return cli::kExitFileError;
  }
  out::Writer w;
  int i = 1;
  for (pcap_if_t* d = all; d; d = d->next, ++i) {
    // tshark's list: the name, and "(Loopback)" for a loopback interface.
    std::string line = std::to_string(i) + ". " + d->name;
    if (d->flags & PCAP_IF_LOOPBACK) line += " (Loopback)";
    w.write(line + "\n");
  }
  pcap_freealldevs(all);
  return cli::kExitOk;
}

// -i accepts a name or the number -D prints.
std::string resolve_interface(const std::string& spec) {
  bool numeric = !spec.empty() && spec.find_first_not_of("0123456789") == std::string::npos;
  pcap_if_t* all = nullptr;
  char err[PCAP_ERRBUF_SIZE];
  if (pcap_findalldevs(&all, err) != 0) return spec;
  std::string found = spec;
  int i = 1;
  std::string first_non_loopback;
  for (pcap_if_t* d = all; d; d = d->next, ++i) {
    if (numeric && std::to_string(i) == spec) found = d->name;
    // dumpcap's default: the first interface in libpcap's list (up ones come
    // first) that is not loopback - "any" in a namespace that has only lo.
    if (first_non_loopback.empty() && !(d->flags & PCAP_IF_LOOPBACK)) first_non_loopback = d->name;
  }
  pcap_freealldevs(all);
  if (spec.empty()) return first_non_loopback.empty() ? "lo" : first_non_loopback;
  return found;
}

// The interface as dumpcap names it in "Capturing on ...": a loopback
// interface is "Loopback: lo".
std::string display_name(const std::string& name) {
  pcap_if_t* all = nullptr;
  char err[PCAP_ERRBUF_SIZE];
  if (pcap_findalldevs(&all, err) != 0) return name;
  std::string shown = name;
  for (pcap_if_t* d = all; d; d = d->next)
    if (name == d->name && (d->flags & PCAP_IF_LOOPBACK)) shown = "Loopback: " + name;
  pcap_freealldevs(all);
  return shown;
}

std::optional<core::Proto> protocol_by_name(const std::string& name) {
  const auto& reg = core::FieldRegistry::instance();
  auto id = reg.find(name);
  if (!id || reg.def(*id)->type != core::FieldType::Protocol || *id % core::kBlock != 0) return std::nullopt;
  return static_cast<core::Proto>(*id / core::kBlock);
}

// -z statistics (and --report, --ladder-svg): fed every displayed packet,
// printed after the packets, as tshark; their files written last.
class StatsSink : public out::Sink {
public:
  StatsSink(out::Stats& stats, out::Writer& w, const core::Timestamp& elapsed) : stats_(stats), w_(w), elapsed_(elapsed) {}
  bool packet(const out::PacketView& v) override {
    stats_.packet(v.pkt, v.tree, v.row);
    return true;
  }
  void end() override {
    if (ended_) return;
    ended_ = true;
    if (!w_.failed()) {
      stats_.print(w_.buf(), elapsed_, [this] { w_.flush(); });
      w_.flush();
    }
    if (std::string err; !stats_.write_files(err)) {
      eprint(err);
      code_ = cli::kExitFileError;
    }
  }
  int exit_code() const override { return code_; }

private:
  out::Stats& stats_;
  out::Writer& w_;
  const core::Timestamp& elapsed_;
  bool ended_ = false;
  int code_ = 0;
};

const char* const kMixedPcap = "The capture file being read can't be written as a \"pcap\" file.";

// -w: the raw packets of the displayed frames (one file, or -b's set of files).
class PcapWriteSink : public out::Sink {
public:
  explicit PcapWriteSink(capture::FileSet& fs) : fs_(fs) {}
  bool packet(const out::PacketView& v) override {
    const core::FrameData& f = v.pkt.frame;
    capture::PacketIface ifc{f.linktype, f.section, static_cast<uint32_t>(f.interface_id), f.interface_name,
                             f.interface_description};
    if (!fs_.write(v.row.ts, v.len, v.data, v.caplen, f.comments, f.interface_id >= 0 ? &ifc : nullptr)) {
      if (fs_.mixed()) {  // (tshark refuses such a file before it starts)
        eprint(kMixedPcap);
        code_ = cli::kExitFileError;
      }
      return false;  // -a filesize/files: the capture is over
    }
    if (!fs_.failed()) return true;
    if (errno != EPIPE)  // a closed pipe (| head) just ends the run, as for text output
      eprint("An error occurred while writing to \"" + fs_.current() + "\": " + std::strerror(errno));
    code_ = cli::kExitFileError;
    return false;
  }
  int exit_code() const override { return code_; }

private:
  capture::FileSet& fs_;
  int code_ = 0;
};

// -2 on a file: a first pass that notes which frame answered what (MQTT QoS
// flows when the analysis is on; ICMP echoes, DNS queries, HTTP requests),
// so the second (the one that prints) can point forward
// (mqtt.analysis.response_in, icmp.resp_in, dns.response_in, http.response_in).
// Same dissection settings as `st`, which is not touched.
void first_pass(const cli::Options& o, const DissectState& st, mqtt::QosForward* fw, core::ResponseIndex& responses,
                tcp::StreamForward& streams) {
  DissectState s1(o.max_tcp_flows ? o.max_tcp_flows : tcp::FlowTable::kDefaultMaxFlows);
  s1.app_needed = true;
  s1.mqtt_needed = true;
  s1.tls_needed = st.tls_needed || st.tls_decrypt;
  s1.mqtt_ports = st.mqtt_ports;
  s1.mqtt_heuristic = st.mqtt_heuristic;
  s1.tls_ports = st.tls_ports;
  s1.tls_heuristic = st.tls_heuristic;
  s1.mqtt_tls_ports = st.mqtt_tls_ports;
  s1.mqtt_default_version = st.mqtt_default_version;
  s1.mqtt_msg_as_text = st.mqtt_msg_as_text;
  s1.mqtt_analysis = fw != nullptr;
  s1.qos_forward = fw;
  s1.icmp_tx.forward = s1.dns_tx.forward = s1.http_tx.forward = &responses;
  s1.http_ports = st.http_ports;
  s1.tcp_detail = st.tcp_detail;  // (the handshake's round trip)
  s1.tcp_forward = &streams;
  s1.ipv4_defragment = st.ipv4_defragment;
  s1.ipv6_defragment = st.ipv6_defragment;
  s1.tcp_idle_timeout_ns = st.tcp_idle_timeout_ns;
  s1.tcp_closed_timeout_ns = st.tcp_closed_timeout_ns;
  s1.reassembly = st.reassembly;
  s1.disabled = st.disabled;
  if (st.tls_decrypt) {
    s1.tls_decrypt = std::make_unique<tls::DecryptContext>();
    s1.tls_decrypt->keylog = st.tls_decrypt->keylog;
  }
  core::WantSet none;
  core::FieldTree tree(&none);
  auto src = capture::PcapSource::open_file(o.read_file);
  src.set_filter(o.capture_filter);
  capture::RawPacket raw;
  uint64_t n = 0;
  if (src.has_tls_secrets()) add_capture_secrets(s1, src.take_tls_secrets());
  while (src.next(raw) == capture::ReadStatus::Packet && (o.count < 0 || n < static_cast<uint64_t>(o.count))) {
    if (src.has_tls_secrets()) add_capture_secrets(s1, src.take_tls_secrets());
    tree.reset();
    core::Packet pkt(tree);
    pkt.frame = capture::frame_of(raw, ++n, src.linktype());
    try {
      dissect_frame(pkt, s1);
    } catch (const std::exception&) {
      // reported by the second pass
    }
  }
}

// ---------------------------------------------------------------------------
// run() is a composition of the steps below: options -> plan (what the
// outputs and the filter need) -> dissection settings -> source (and keys,
// the -2 first pass) -> outputs -> the capture loop -> the end-of-run lines.

// --help, --version, -G, -D: answered without a capture.
std::optional<int> run_informational(const cli::Options& o) {
  if (o.show_help || o.show_version || o.show_man_page || o.show_completion) {
    out::Writer w;
    w.write(o.show_help         ? cli::usage_text()
            : o.show_version    ? cli::version_text()
            : o.show_man_page   ? cli::man_page()
                                : cli::bash_completion());
    return cli::kExitOk;
  }
  if (!o.glossary.empty()) {
    out::Writer w;
    if (o.glossary == "fields") out::render_glossary_fields(w.buf());
    else if (o.glossary == "protocols") out::render_glossary_protocols(w.buf());
    else if (o.glossary == "defaultprefs") w.buf() += cli::render_prefs(nullptr);
    else if (o.glossary == "currentprefs") w.buf() += cli::render_prefs(&o);
    else {
      eprint("Invalid \"" + o.glossary + "\" option for -G flag, enter -G ? for more help.");
      return cli::kExitUsage;
    }
    return cli::kExitOk;
  }
  if (o.list_interfaces) return list_interfaces();
  return std::nullopt;
}

// What the outputs and the display filter need from the dissectors.
struct Plan {
  std::optional<filter::Filter> dfilter;  // compiled once
  std::string filter_text;                // ... from this text (worker threads compile their own)
  std::vector<out::FieldColumn> columns;  // -e
  core::WantSet want;                     // the fields the dissectors build
  out::Stats stats;                       // -z, --report, --ladder-svg
  std::vector<core::FieldId> stat_fields;
  std::vector<core::FieldId> output_fields;  // what a printed format of mqsniff's own reads (-T brokerlog)
  bool need_cols = false;   // the summary columns (Protocol, Info...)
  bool field_list = false;  // -T fields, or -T json|ek with -e
  bool stats_only = false;  // -q with statistics only
};

// -Y (and --topic, which adds an mqtt.topic matches_topic term).
bool compile_display_filter(const cli::Options& o, Plan& plan) {
  std::string text = o.display_filter;
  if (!o.topic_filter.empty()) {
    std::string t = "mqtt.topic matches_topic \"";
    for (char ch : o.topic_filter) {
      if (ch == '"' || ch == '\\') t += '\\';
      t += ch;
    }
    t += '"';
    text = text.empty() ? t : "(" + text + ") and " + t;
  }
  if (text.empty()) return true;
  plan.filter_text = text;
  plan.dfilter.emplace();
  filter::FilterError ferr;
  if (!plan.dfilter->compile(text, ferr)) {
    eprint(filter::render_error(text, ferr));
    return false;
  }
  if (!o.quieter)
    for (const auto& h : plan.dfilter->hints()) eprint(h);
  return true;
}

// The fields each output reads. Throws cli::UsageError (unknown -e field, bad -z).
void plan_outputs(const cli::Options& o, Plan& plan) {
  core::WantSet& want = plan.want;
  plan.need_cols = o.format == cli::OutputFormat::Text && !o.quiet;
  const bool json = o.format == cli::OutputFormat::Json || o.format == cli::OutputFormat::Ek;
  plan.field_list = o.format == cli::OutputFormat::Fields || (json && !o.fields.empty());
  if (json && o.fields.empty()) want.set_all();  // the whole tree
  if (o.verbose && o.format == cli::OutputFormat::Text) want.set_all();
  if (plan.field_list) {
    plan.columns = out::resolve_fields(o.fields);
    for (const auto& c : plan.columns)
      if (c.id != core::kNoField) want.add(c.id);
    plan.need_cols = out::needs_columns(plan.columns);
  }
  if (plan.dfilter)
    for (core::FieldId id : plan.dfilter->fields()) want.add(id);
  plan.stats.show_secrets = o.show_secrets;
  for (const auto& z : o.stats) plan.stats.add(z);
  if (!o.ladder_svg.empty()) plan.stats.add_ladder_svg(o.ladder_svg);
  if (!o.report.empty()) {
    std::string title = o.read_file;
    for (const auto& i : o.interfaces) title += (title.empty() ? "live capture on " : ", ") + i;
    plan.stats.add_report(o.report, title);
  }
  plan.stat_fields = plan.stats.wanted();
  for (core::FieldId id : plan.stat_fields) want.add(id);
  if (o.format == cli::OutputFormat::BrokerLog) {
    out::BrokerLog::want(plan.output_fields);
    for (core::FieldId id : plan.output_fields) want.add(id);
  }
  plan.stats_only = o.quiet && o.format == cli::OutputFormat::Text && !o.verbose && !o.hexdump &&
                    !plan.stats.empty() && o.write_file.empty();
}

// The fields named by -e, -Y and the statistics (not those -V/JSON show).
std::vector<core::FieldId> named_fields(const Plan& plan) {
  std::vector<core::FieldId> used;
  for (const auto& c : plan.columns)
    if (c.id != core::kNoField) used.push_back(c.id);
  if (plan.dfilter) used.insert(used.end(), plan.dfilter->fields().begin(), plan.dfilter->fields().end());
  used.insert(used.end(), plan.stat_fields.begin(), plan.stat_fields.end());
  used.insert(used.end(), plan.output_fields.begin(), plan.output_fields.end());
  return used;
}

// Dissect only what the plan needs: when only named fields are read, the
// application protocols and TCP details they lie in; otherwise everything.
void plan_dissection(const cli::Options& o, const Plan& plan, DissectState& st) {
  st.reassembly.enabled = o.tcp_reassembly;
  for (uint16_t p : o.mqtt_ports) st.mqtt_ports.push_back(p);
  st.mqtt_heuristic = o.mqtt_heuristic;
  for (uint16_t p : o.tls_ports) st.tls_ports.push_back(p);
  st.tls_heuristic = o.tls_heuristic;
  for (uint16_t p : o.mqtt_tls_ports) st.mqtt_tls_ports.push_back(p);
  st.mqtt_default_version = o.mqtt_default_version;
  st.mqtt_msg_as_text = o.mqtt_msg_as_text;
  const std::vector<core::FieldId> used = named_fields(plan);
  if (o.mqtt_analysis) {
    st.mqtt_analysis = mqtt::analysis_wanted(plan.want);
  } else {
    // Only where a field, filter or statistic names the analysis itself.
    core::WantSet named;
    for (core::FieldId id : used) named.add(id);
    st.mqtt_analysis = mqtt::analysis_wanted(named);
  }
  // (-T brokerlog reads only its own fields, as -e does.)
  if ((plan.field_list || plan.stats_only || o.format == cli::OutputFormat::BrokerLog) && !plan.need_cols) {
    // Which application protocols: a field of MQTT (or of WebSocket/HTTP,
    // which carry it) needs only MQTT conversations dissected, a TLS field
    // only TLS ones; anything that shows every layer needs all of them.
    const auto& reg = core::FieldRegistry::instance();
    bool need_mqtt = false, need_tls = false, need_dns = false, detail = false, overlap = false;
    bool tcp_named = false, udp_named = false, need_any = false, udp_payload = false;
    for (core::FieldId id : used) {
      std::string_view n = reg.def(id)->abbrev;
      core::Proto p = static_cast<core::Proto>(id / core::kBlock);
      if (p == core::Proto::Tcp) tcp_named = true;
      if (p == core::Proto::Udp) udp_named = true;
      if (p == core::Proto::Mqtt || p == core::Proto::Http || p == core::Proto::WebSocket || p == core::Proto::Json ||
          p == core::Proto::DataTextLines || p == core::Proto::Media || p == core::Proto::UrlencodedForm ||
          p == core::Proto::Cbor || p == core::Proto::Xml)
        need_mqtt = true;
      else if (p == core::Proto::Tls || p == core::Proto::X509) need_tls = true;
      else if (p == core::Proto::Dns) need_dns = true;  // DNS over TCP is reassembled
      else if (p == core::Proto::Data || p == core::Proto::Ws || n == "frame.protocols" ||
               n.starts_with("tcp.segment") || n.starts_with("tcp.reassembled") || n == "tcp" ||
               n == "tcp.pdu.size")
        need_mqtt = need_tls = need_any = true;
      if (p == core::Proto::Udp || p == core::Proto::Icmp || p == core::Proto::Icmpv6) udp_payload = true;
      // TCP options, window scaling and sequence analysis only for fields that show them.
      // (tcp.segment_data: a retransmission's bytes are shown as such, which the analysis decides)
      if (n.starts_with("tcp.window") || n.starts_with("tcp.option") || n.starts_with("tcp.analysis") ||
          n.starts_with("_ws.expert") || n == "tcp.segment_data")
        detail = true;
      if (n.starts_with("tcp.segment.overlap") || n == "tcp.segment" || n == "tcp.segments") overlap = true;
    }
    st.app_needed = need_mqtt || need_tls || need_dns;
    st.mqtt_needed = need_mqtt;
    st.tls_needed = need_tls;
    // (a UDP or ICMP field: a malformed DNS message or a DNS answer's
    // ICMP error shows through those; DNS is dissected for them too)
    st.dns_needed = need_dns || need_any || udp_payload;
    st.tcp_detail = detail;
    st.reassembly.compare_retransmissions = detail || overlap;
    // Conversations only for what reads them: a TCP field (its stream,
    // relative numbers, analysis), an application protocol on TCP, a UDP one.
    st.tcp_flows_needed = tcp_named || st.app_needed || detail;
    st.udp_flows_needed = udp_named;
  } else if (!o.verbose && o.format == cli::OutputFormat::Text) {
    // Summary lines show no tree: a retransmission's bytes are compared with
    // the first copy's (a copy of every payload kept) only for a filter or
    // statistic that reads the result.
    const auto& reg = core::FieldRegistry::instance();
    bool compare = false;
    for (core::FieldId id : used) {
      std::string_view n = reg.def(id)->abbrev;
      compare |= n.starts_with("tcp.segment") || n.starts_with("_ws.expert") || n == "tcp";
    }
    st.reassembly.compare_retransmissions = compare;
  }
  if (o.reassembly_max_dir) st.reassembly.max_dir_bytes = o.reassembly_max_dir;
  if (o.reassembly_max_total) st.reassembly.max_total_bytes = o.reassembly_max_total;
  st.ipv4_defragment = o.ip_defragment;
  st.ipv6_defragment = o.ipv6_defragment;
  st.tcp_idle_timeout_ns = core::to_ns({static_cast<int64_t>(std::min<size_t>(o.tcp_idle_timeout, INT64_MAX)), 0});
  st.tcp_closed_timeout_ns = core::to_ns({static_cast<int64_t>(std::min<size_t>(o.tcp_closed_timeout, INT64_MAX)), 0});
  for (const auto& name : o.disabled_protocols) {
    if (auto p = protocol_by_name(name)) st.disabled[static_cast<size_t>(*p)] = true;
    else if (!o.quieter) eprint("No such protocol " + name + ", can't disable");
  }
}

// Live capture refused for lack of privileges: hand over to the capture helper
// the package installs beside the binary (lib/mqsniff/mqsniff-capture, which
// only root and the group mqsniff may run, holding the capture capabilities),
// as wireshark-common's dumpcap does. Returns only when there is none.
void exec_capture_helper(const cli::Options& o) {
  if (geteuid() == 0 || std::getenv("MQSNIFF_CAPTURE_HELPER") || o.argv.empty()) return;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = 0;
  std::string dir(self);
  dir.resize(dir.rfind('/') == std::string::npos ? 0 : dir.rfind('/'));
  std::string helper = dir + "/../lib/mqsniff/mqsniff-capture";
  if (::access(helper.c_str(), X_OK) != 0) return;
  ::setenv("MQSNIFF_CAPTURE_HELPER", "1", 1);
  std::vector<char*> args;
  for (const auto& a : o.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(helper.c_str(), args.data());
}

bool open_source(const cli::Options& o, std::optional<capture::PcapSource>& src, std::string& iface) {
  try {
    if (!o.read_file.empty()) {
      src.emplace(capture::PcapSource::open_file(o.read_file));
    } else if (o.interfaces.size() > 1) {
      // Several interfaces (-i eth0 -i lo): "Capturing on 'eth0' and 'lo'", as tshark.
      std::vector<std::string> names;
      for (const auto& spec : o.interfaces) names.push_back(resolve_interface(spec));
      for (size_t i = 0; i < names.size(); ++i)
        iface += (i == 0 ? "" : i + 1 == names.size() ? "' and '" : "', '") + display_name(names[i]);
      src.emplace(capture::PcapSource::open_live_many(names, o.snaplen, o.promisc, o.buffer_mib));
    } else {
      iface = resolve_interface(o.interfaces.empty() ? std::string() : o.interfaces.front());
      src.emplace(capture::PcapSource::open_live(iface, o.snaplen, o.promisc, o.buffer_mib));
    }
    src->set_filter(o.capture_filter);
  } catch (const capture::OpenError& e) {
    if (e.permission) exec_capture_helper(o);
    eprint(e.what());
    return false;
  }
  return true;
}

// TLS decryption: a key log named on the command line, and the secrets a
// pcapng file carries before its first packet (later ones are added as they
// are read). False when the key log exists but cannot be read.
bool load_keys(const cli::Options& o, bool live, capture::PcapSource& src, DissectState& st) {
  std::vector<std::string> embedded = src.take_tls_secrets();  // (those before the first packet)
  if (o.keylog_file.empty() && embedded.empty()) return true;
  add_capture_secrets(st, embedded);
  auto& kl = st.tls_decrypt->keylog;
  if (!o.keylog_file.empty()) {
    std::string err;
    if (!kl.load_file(o.keylog_file, err)) {
      eprint("The TLS key log \"" + o.keylog_file + "\" could not be read: " + err +
             ". Check its permissions (the client that writes it may have made it private to its user).");
      return false;
    }
    if (!kl.file_seen() && !o.quieter)
      eprint(live ? "TLS key log \"" + o.keylog_file + "\" does not exist yet: it will be read when it appears."
                  : "TLS key log \"" + o.keylog_file + "\" not found: TLS sessions will stay encrypted.");
  }
  if (kl.malformed_lines() && !o.quieter)
    eprint("TLS key log: " + std::to_string(kl.malformed_lines()) + " malformed line(s) skipped (first: line " +
           std::to_string(kl.first_malformed_line()) + ")");
  if (st.mqtt_needed) st.tls_needed = true;  // decrypted MQTT is only found by dissecting TLS
  return true;
}

// -2 (files only; a pipe cannot be read twice): false if the file cannot be reopened.
bool two_pass(const cli::Options& o, DissectState& st, std::unique_ptr<mqtt::QosForward>& forward,
              std::unique_ptr<core::ResponseIndex>& responses, std::unique_ptr<tcp::StreamForward>& streams) {
  if (!o.two_pass || o.read_file.empty() || o.read_file == "-") return true;
  if (st.mqtt_analysis) forward = std::make_unique<mqtt::QosForward>();
  responses = std::make_unique<core::ResponseIndex>();
  streams = std::make_unique<tcp::StreamForward>();
  try {
    first_pass(o, st, forward.get(), *responses, *streams);
  } catch (const capture::OpenError& e) {
    eprint(e.what());
    return false;
  }
  responses->complete = true;
  streams->complete = true;
  st.tcp_forward = streams.get();
  st.icmp_tx.forward = st.dns_tx.forward = st.http_tx.forward = responses.get();
  if (responses->not_kept && !o.quieter)
    eprint("-2: more than " + std::to_string(core::ResponseIndex::kMax) +
           " answered requests: some icmp.resp_in, dns.response_in and http.response_in are not given");
  if (!forward) return true;
  forward->first_pass_done = true;
  st.qos_forward = forward.get();
  if (forward->not_kept && !o.quieter)
    eprint("-2: more than " + std::to_string(mqtt::QosForward::kMax) +
           " QoS flows: mqtt.analysis.response_in is not given for this file");
  return true;
}

// -Z: everything privileged is open; give root up for good. 0 or an exit code.
int drop_privileges(const cli::Options& o) {
  if (o.run_as_user.empty()) return 0;
  errno = 0;
  struct passwd* pw_ent = getpwnam(o.run_as_user.c_str());
  if (!pw_ent) return cli::kExitUsage;  // checked before the device was opened
  if (geteuid() == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(pw_ent->pw_gid) != 0 || setuid(pw_ent->pw_uid) != 0) {
      eprint(std::string("-Z: could not switch to user \"") + o.run_as_user + "\": " + std::strerror(errno));
      return cli::kExitFileError;
    }
    if (pw_ent->pw_uid != 0 && setuid(0) == 0) {  // must be irreversible
      eprint("-Z: root privileges could be regained after dropping them; stopping.");
      return cli::kExitFileError;
    }
  } else if (geteuid() != pw_ent->pw_uid) {
    eprint("-Z: only root can switch to another user; running as the current user.");
  }
  return 0;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

// The read -> dissect -> filter -> sinks loop, and when it stops.
class CaptureLoop {
public:
  CaptureLoop(const cli::Options& o, Plan& plan, DissectState& st, capture::PcapSource& src, out::Writer& w,
              std::vector<std::unique_ptr<out::Sink>>& sinks, out::Sink* printed, capture::FileSet* files,
              WorkerPool* pool)
      : o_(o), plan_(plan), st_(st), src_(src), w_(w), sinks_(sinks), printed_(printed), files_(files), pool_(pool),
        live_(o.read_file.empty()),
        tree_(&plan.want), started_(std::chrono::steady_clock::now()) {
    cols_.info.reserve(512);
    progress_ = !live_ && o.quiet && !o.quieter && isatty(2);  // only on a terminal
    if (progress_) {
      struct stat sb {};
      if (::stat(o.read_file.c_str(), &sb) == 0) file_size_ = static_cast<uint64_t>(sb.st_size);
    }
  }
  // Returns the exit code so far (the sinks' own codes are added by the caller).
  int run() {
    capture::RawPacket raw;
    while (!should_stop()) {
      capture::ReadStatus rs = src_.next(raw);
      if (rs == capture::ReadStatus::Timeout) {
        idle();  // what was read is printed while the source is idle
        if (files_ && !files_->tick()) break;  // -b duration/interval with no traffic; -a files reached
        continue;
      }
      if (rs == capture::ReadStatus::End) break;
      show_progress();
      if (rs == capture::ReadStatus::CutShort || rs == capture::ReadStatus::Error) {
        read_failed(rs);
        break;
      }
      if (past_file_duration(raw)) break;
      if (src_.has_tls_secrets()) secrets_read();
      if (!process(raw)) break;
    }
    if (pool_) pool_->finish();
    if (progress_) (void)!::write(2, "\r\x1b[K", 4);  // clear the progress line
    return exit_code_;
  }
  uint64_t packets() const { return number_; }
  const core::Timestamp& elapsed() const { return last_rel_; }

private:
  bool should_stop() {
    const bool stop_now =
        g_stop || (live_ && o_.autostop_duration > 0 &&
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() >= o_.autostop_duration);
    if (stop_now) {
      if (!live_) return true;
      // Live capture stops (SIGINT, -a duration) after a short drain: the
      // kernel hands packets over in blocks retired every 100 ms at the
      // latest, and the packets of the last, partly filled block belong to the capture.
      if (!draining_) {
        draining_ = true;
        drain_until_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
      } else if (std::chrono::steady_clock::now() >= drain_until_) {
        return true;
      }
    }
    if (o_.count >= 0 && number_ >= static_cast<uint64_t>(o_.count)) return true;
    return o_.autostop_packets >= 0 && number_ >= static_cast<uint64_t>(o_.autostop_packets);
  }

  // A progress line on stderr for a long quiet read.
  void show_progress() {
    if (!progress_ || (number_ & 0x3fff) != 0) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress_ <= std::chrono::milliseconds(500)) return;
    last_progress_ = now;
    double el = std::chrono::duration<double>(now - started_).count();
    long pos = src_.file_position();
    char line[160];
    int k = snprintf(line, sizeof line, "\r%" PRIu64 " packets, %.0f packets/s, %.1f of %.1f MiB (%.0f%%)  ", number_,
                     el > 0 ? static_cast<double>(number_) / el : 0.0, pos / 1048576.0, file_size_ / 1048576.0,
                     file_size_ ? 100.0 * static_cast<double>(pos) / static_cast<double>(file_size_) : 0.0);
    if (k > 0) (void)!::write(2, line, static_cast<size_t>(std::min(k, 159)));
  }

  // TLS secrets read in the file before this packet (after its first): for
  // the packets from here on, on this thread or on the workers.
  void secrets_read() {
    auto texts = src_.take_tls_secrets();
    if (pool_) pool_->add_secrets(std::move(texts));
    else add_capture_secrets(st_, texts);
  }

  void read_failed(capture::ReadStatus rs) {
    if (pool_) pool_->finish();
    if (printed_) printed_->end();  // what was read is printed before the message
    w_.flush();
    if (rs == capture::ReadStatus::CutShort)
      eprint("The file \"" + src_.name() + "\" appears to have been cut short in the middle of a packet.");
    else if (live_)
      eprint("Error while capturing packets: " + src_.error());
    else
      eprint("The file \"" + src_.name() + "\" appears to be damaged or corrupt.\n(" +
             (src_.is_pcapng() ? "pcapng: " : "pcap: ") + src_.error() + ")");
    exit_code_ = cli::kExitFileError;
  }

  // -a duration on a file: measured on the packets' own clock.
  bool past_file_duration(const capture::RawPacket& raw) {
    if (o_.autostop_duration <= 0 || live_) return false;
    if (!have_start_) {
      have_start_ = true;
      stop_at_ = raw.ts;
      stop_at_.sec += static_cast<int64_t>(o_.autostop_duration);
      stop_at_.nsec += static_cast<uint32_t>((o_.autostop_duration - static_cast<int64_t>(o_.autostop_duration)) * 1e9);
      if (stop_at_.nsec >= 1000000000u) {
        stop_at_.nsec -= 1000000000u;
        ++stop_at_.sec;
      }
      return false;
    }
    return raw.ts.sec > stop_at_.sec || (raw.ts.sec == stop_at_.sec && raw.ts.nsec > stop_at_.nsec);
  }

  // Live: what the workers or a render thread hold is written now.
  void idle() {
    if (pool_) pool_->flush();  // (the merging thread owns the writer: it writes the round out)
    else
      for (auto& s : sinks_) s->idle();
    last_flush_ = std::chrono::steady_clock::now();
  }

  // One packet: dissect, filter, hand to the sinks. False: a sink stopped the run.
  bool process(const capture::RawPacket& raw) {
    ++number_;
    if (live_ && number_ % 64 == 0) {
      // A live capture's output is not held back more than about 100 ms by
      // another thread's batch that is not full.
      const auto now = std::chrono::steady_clock::now();
      if (now - last_flush_ > std::chrono::milliseconds(100)) idle();
    }
    if (pool_) return pool_->submit(raw, number_);  // dissected, filtered and printed by the workers
    tree_.reset();
    cols_.reset();
    core::Packet pkt(tree_);
    pkt.cols = plan_.need_cols ? &cols_ : nullptr;
    pkt.frame = capture::frame_of(raw, number_, src_.linktype());
    if (!raw.iface && live_) {  // (a pcapng file's packets name their own interface)
      pkt.frame.interface_id = 0;
      pkt.frame.interface_name = src_.interface_name();
    }
    core::Timestamp prev = st_.have_first ? st_.prev_ts : raw.ts;
    const bool shown = dissect_and_filter(pkt, st_, plan_.dfilter ? &*plan_.dfilter : nullptr, o_.quieter);
    last_rel_ = core::ts_sub(raw.ts, st_.first_ts);
    if (!shown) return true;  // not displayed (still counted by -c)
    if (plan_.need_cols) set_columns_addresses(pkt);

    out::RowContext row;
    row.number = number_;
    row.ts = raw.ts;
    row.rel = last_rel_;
    row.delta = core::ts_sub(raw.ts, prev);
    row.delta_displayed = st_.have_displayed ? core::ts_sub(raw.ts, st_.prev_displayed_ts) : core::Timestamp{};
    row.len = raw.len;
    if (raw.iface) row.digits = raw.iface->digits;
    row.cols = plan_.need_cols ? &cols_ : nullptr;
    if (o_.hexdump) {  // -x: the frame, then the reassembled data this packet completed
      dump_parts_.clear();
      for (size_t i = 0; i < st_.sources.size(); ++i)
        dump_parts_.push_back({st_.sources.label(i), st_.sources.bytes(i).data(), st_.sources.bytes(i).size()});
    }
    const out::PacketView view{pkt, tree_, row, raw.data, raw.caplen, raw.len, dump_parts_.data(), dump_parts_.size()};
    for (auto& s : sinks_)
      if (!s->packet(view)) {
        exit_code_ = std::max(exit_code_, s->exit_code());
        return false;
      }
    st_.prev_displayed_ts = raw.ts;
    st_.have_displayed = true;
    return true;
  }

  const cli::Options& o_;
  Plan& plan_;
  DissectState& st_;
  capture::PcapSource& src_;
  out::Writer& w_;
  std::vector<std::unique_ptr<out::Sink>>& sinks_;
  out::Sink* printed_;
  capture::FileSet* files_;  // -w (null without): -b switches files on time too
  WorkerPool* pool_;         // --threads: dissection on worker threads (null: on this one)
  std::chrono::steady_clock::time_point last_flush_{};
  const bool live_;
  core::FieldTree tree_;
  core::Columns cols_;
  std::vector<out::DumpPart> dump_parts_;
  uint64_t number_ = 0;
  int exit_code_ = cli::kExitOk;
  core::Timestamp last_rel_{};  // the capture's elapsed time (for -z io,stat)
  const std::chrono::steady_clock::time_point started_;
  bool draining_ = false;
  std::chrono::steady_clock::time_point drain_until_{};
  bool have_start_ = false;
  core::Timestamp stop_at_{};
  bool progress_ = false;
  uint64_t file_size_ = 0;
  std::chrono::steady_clock::time_point last_progress_{};
};

// The lines that end a run: what bounded reassembly gave up and how
// decryption went (-q), unknown link types, the live capture's count.
void report_run(const cli::Options& o, const DissectState& st, const std::vector<const DissectState*>& workers,
                capture::PcapSource& src, out::Writer& w, uint64_t packets) {
  // With worker threads, what each worker's state counted, added up.
  tcp::ReassemblyStats rs = st.reassembly_stats;
  uint64_t evicted = st.tcp_flows.evicted(), expired = st.tcp_flows.expired(), frag_dropped = st.ipv4_defrag.dropped(),
           unknown_link = st.unknown_link_packets;
  for (const DissectState* ws : workers) {
    rs.add_counts(ws->reassembly_stats);
    evicted += ws->tcp_flows.evicted();
    expired += ws->tcp_flows.expired();
    frag_dropped += ws->ipv4_defrag.dropped();
    unknown_link += ws->unknown_link_packets;
  }
  auto by = [&](tcp::Drop d) { return rs.dropped_by[static_cast<size_t>(d)]; };
  const uint64_t capped = by(tcp::Drop::ReassemblyCap) + by(tcp::Drop::TlsHandshake) + by(tcp::Drop::TlsPlaintext) +
                          by(tcp::Drop::WebSocket);
  // Something a limit gave up (not the capture's own gaps): said at the end of every run.
  const bool limited = capped || rs.bytes_skipped || rs.pdus_undissected || evicted || rs.evicted_memory ||
                       frag_dropped || by(tcp::Drop::MqttState);
  if (!o.quieter && (limited || (o.quiet && (rs.gaps || rs.bytes_dropped || expired)))) {
    std::string line = "Reassembly: " + std::to_string(rs.bytes_dropped) + " bytes dropped (" +
                       std::to_string(capped) + " by the caps: " + std::to_string(by(tcp::Drop::ReassemblyCap)) +
                       " TCP, " + std::to_string(by(tcp::Drop::TlsHandshake)) + " TLS handshake, " +
                       std::to_string(by(tcp::Drop::TlsPlaintext)) + " decrypted, " +
                       std::to_string(by(tcp::Drop::WebSocket)) + " WebSocket), " + std::to_string(rs.bytes_skipped) +
                       " bytes of oversized PDUs skipped, " + std::to_string(rs.gaps) + " gaps, " +
                       std::to_string(rs.cap_hits) + " cap hits, peak " + std::to_string(rs.peak) +
                       " bytes buffered, peak " + std::to_string(rs.state_peak) + " bytes with connection state (budget " +
                       std::to_string(st.reassembly.max_total_bytes) + "), " +
                       std::to_string(evicted + rs.evicted_memory) + " TCP conversations evicted (" +
                       std::to_string(evicted) + " at the flow cap, " +
                       std::to_string(rs.evicted_memory) + " by the memory budget), " +
                       std::to_string(expired) + " expired idle, " +
                       std::to_string(frag_dropped) + " IPv4 fragment bytes dropped, " +
                       std::to_string(by(tcp::Drop::MqttState)) + " MQTT aliases, subscriptions or sessions not kept" +
                       (rs.pdus_undissected ? ", " + std::to_string(rs.pdus_undissected) + " PDUs not dissected (over " +
                                                  std::to_string(tcp::kMaxPdusPerFrame) + " in one frame)"
                                            : std::string()) +
                       "\n";
    if (o.quiet) {
      w.write(line);
      w.flush();
    } else {
      w.flush();
      eprint(line.substr(0, line.size() - 1));
    }
  }
  // The decryption contexts: this thread's, and the workers' (secrets met
  // in the capture after its first packet reach them there).
  std::vector<const tls::DecryptContext*> contexts;
  if (st.tls_decrypt) contexts.push_back(st.tls_decrypt.get());
  for (const DissectState* ws : workers)
    if (ws->tls_decrypt) contexts.push_back(ws->tls_decrypt.get());
  if (!contexts.empty() && o.quiet && !o.quieter) {
    // How many TLS sessions the keys opened, and why the others stayed shut.
    tls::DecryptStats ds{};
    size_t entries = 0;
    for (const tls::DecryptContext* c : contexts) {
      ds.decrypted += c->stats.decrypted;
      ds.no_secret += c->stats.no_secret;
      ds.unsupported_cipher += c->stats.unsupported_cipher;
      ds.missing_handshake += c->stats.missing_handshake;
      ds.bad_records += c->stats.bad_records;
      ds.dropped_plaintext += c->stats.dropped_plaintext;
      entries = std::max(entries, c->keylog.sessions());
    }
    const uint64_t shut = ds.no_secret + ds.unsupported_cipher + ds.missing_handshake;
    std::string line = "TLS decryption: " + std::to_string(ds.decrypted) + " session(s) decrypted, " +
                       std::to_string(shut) + " not (" + std::to_string(ds.no_secret) + " no secret for the client random, " +
                       std::to_string(ds.unsupported_cipher) + " unsupported cipher, " +
                       std::to_string(ds.missing_handshake) + " handshake not captured); " +
                       std::to_string(ds.bad_records) + " record(s) failed authentication; " +
                       std::to_string(entries) + " key log entries\n";
    if (ds.dropped_plaintext)
      line.insert(line.size() - 1, "; " + std::to_string(ds.dropped_plaintext) + " decrypted bytes dropped (PDU over 1 MiB)");
    w.write(line);
    w.flush();
  }
  if (unknown_link && !o.quieter)
    eprint(std::to_string(unknown_link) + " packets had an unsupported link-layer type and were not decoded");
  if (o.read_file.empty() && !o.quieter) {
    uint64_t received = 0, dropped = 0;
    std::string msg = std::to_string(packets) + (packets == 1 ? " packet captured" : " packets captured");
    if (src.live_stats(received, dropped) && dropped)
      msg += "\n" + std::to_string(dropped) + " packets dropped by the kernel";
    std::string line = msg + "\n";
    (void)!::write(2, line.data(), line.size());
  }
}

}  // namespace

int run(const cli::Options& o) {
  if (auto code = run_informational(o)) return *code;
  Plan plan;
  if (!compile_display_filter(o, plan)) return cli::kExitFileError;  // tshark exits 2 on a bad display filter
  plan_outputs(o, plan);                                              // throws UsageError
  DissectState st(o.max_tcp_flows ? o.max_tcp_flows : tcp::FlowTable::kDefaultMaxFlows);
  plan_dissection(o, plan, st);

  const bool live = o.read_file.empty();
  if (!o.run_as_user.empty() && !getpwnam(o.run_as_user.c_str())) {  // before any device is opened
    eprint("-Z: there is no user \"" + o.run_as_user + "\" on this system.");
    return cli::kExitUsage;
  }
  std::optional<capture::PcapSource> src;
  std::string iface;
  if (!open_source(o, src, iface)) return cli::kExitFileError;
  if (!load_keys(o, live, *src, st)) return 1;  // as an unreadable capture file
  std::unique_ptr<mqtt::QosForward> forward;
  std::unique_ptr<core::ResponseIndex> responses;
  std::unique_ptr<tcp::StreamForward> streams;
  if (!two_pass(o, st, forward, responses, streams)) return cli::kExitFileError;

  install_signal_handlers();
  if (live) {
    g_live = src->handle();
    if (!o.quieter) eprint("Capturing on '" + (o.interfaces.size() > 1 ? iface : display_name(iface)) + "'");
  }
  // -w: raw packets to a file; tshark then prints nothing unless -P.
  std::unique_ptr<capture::FileSet> pw;
  if (!o.write_file.empty()) {
    capture::FileSetSpec fs;
    fs.duration = o.ring_duration;
    fs.interval = o.ring_interval;
    fs.filesize_kb = o.ring_filesize_kb;
    fs.packets = o.ring_packets;
    fs.files = o.ring_files;
    fs.stop_filesize_kb = o.autostop_filesize_kb;
    fs.stop_files = o.autostop_files;
    std::vector<capture::Interface> ifaces = src->interfaces();
    if (o.write_pcap)
      for (const auto& i : ifaces)
        if (i.linktype != ifaces.front().linktype) {
          eprint(kMixedPcap);
          return cli::kExitFileError;
        }
    try {
      pw = std::make_unique<capture::FileSet>(
          o.write_file, o.write_pcap ? capture::PacketWriter::Format::Pcap : capture::PacketWriter::Format::Pcapng,
          src->file_linktype(), src->snaplen(), src->interface_name(), fs, std::move(ifaces));
    } catch (const std::exception& e) {
      eprint(e.what());
      return cli::kExitFileError;
    }
  }
  if (int code = drop_privileges(o)) return code;

  // The outputs, driven per displayed packet: statistics, the -w file, then
  // the printed format (src/output/sink.h). Ended in the reverse order.
  // tshark's -q silences the summary lines only: -V, -x, -T fields|json|ek still print.
  const bool quiet_here = o.quiet && o.format == cli::OutputFormat::Text && !o.verbose && !o.hexdump;
  const bool print = !quiet_here && (!pw || o.print_while_writing) && o.write_file != "-";
  out::Writer w;
  // A line at a time with -l, and on a terminal (as stdio, and so tshark, does).
  w.set_line_buffered(o.line_buffered || isatty(1));
  std::vector<std::unique_ptr<out::Sink>> sinks;
  core::Timestamp elapsed{};
  if (!plan.stats.empty()) sinks.push_back(std::make_unique<StatsSink>(plan.stats, w, elapsed));
  if (pw) sinks.push_back(std::make_unique<PcapWriteSink>(*pw));
  out::Sink* printed = nullptr;
  if (print) {
    out::PrintedFormat pf;
    pf.columns = &plan.columns;
    pf.digits = src->time_digits();
    pf.live = live;
    sinks.push_back(out::make_printed_sink(o, w, pf));
    printed = sinks.back().get();
  }
  for (auto& s : sinks) s->begin();

  // --threads: summary lines, -T fields, -V and -q dissected on workers when
  // nothing printed depends on which worker a conversation is on.
  std::unique_ptr<WorkerPool> pool;
  if (const unsigned nw = workers_for(o, st.tls_decrypt != nullptr, st.mqtt_analysis,
                                      o.two_pass, pw != nullptr || o.write_file == "-", !plan.stats.empty(),
                                      named_fields(plan),
                                      plan.dfilter ? plan.dfilter->fields() : std::vector<core::FieldId>{})) {
    WorkerOutput wo;
    wo.kind = !print                                ? WorkerOutput::Kind::None
              : o.format == cli::OutputFormat::Fields ? WorkerOutput::Kind::Fields
              : o.verbose                             ? WorkerOutput::Kind::Verbose
                                                      : WorkerOutput::Kind::Summary;
    wo.columns = &plan.columns;
    wo.need_cols = plan.need_cols;
    wo.digits = src->time_digits();
    wo.live = live;
    for (const auto& c : plan.columns)
      if (c.id != core::kNoField && core::FieldRegistry::instance().def(c.id)->abbrev == "tcp.stream") wo.renumber = c.id;
    pool = std::make_unique<WorkerPool>(nw, o, plan.filter_text, plan.want, st, wo, w, src->linktype(),
                                        src->interface_name());
  }
  CaptureLoop loop(o, plan, st, *src, w, sinks, printed, pw.get(), pool.get());
  int exit_code = loop.run();
  elapsed = loop.elapsed();
  for (auto it = sinks.rbegin(); it != sinks.rend(); ++it) {
    (*it)->end();
    exit_code = std::max(exit_code, (*it)->exit_code());
  }
  w.flush();
  pw.reset();  // closes (and flushes) the -w file
  g_live = nullptr;
  report_run(o, st, pool ? pool->states() : std::vector<const DissectState*>{}, *src, w, loop.packets());
  return exit_code;
}

}  // namespace mqsniff::app
