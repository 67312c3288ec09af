#include "src/app/workers.h"

#include <pcap/dlt.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <optional>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/format.h"
#include "src/output/field_format.h"
#include "src/output/verbose.h"

namespace mqsniff::app {

namespace {

void eprint_line(const std::string& msg) {
  std::string line = "mqsniff: " + msg + "\n";
  (void)!::write(2, line.data(), line.size());
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

uint64_t hash_bytes(const uint8_t* p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = 0;
    std::memcpy(&v, p + i, std::min<size_t>(8, n - i));
    h = mix(h ^ v);
  }
  return h;
}

// The symmetric hash of the addresses of the IP header at d[off..] (both
// directions alike); false when they are not all captured.
bool pair_hash(const uint8_t* d, uint32_t caplen, size_t off, uint64_t& h) {
  if (caplen <= off) return false;
  const uint8_t v = d[off] >> 4;
  size_t at, len;
  if (v == 4) at = off + 12, len = 4;
  else if (v == 6) at = off + 8, len = 16;
  else return false;
  if (caplen < at + 2 * len) return false;
  h = mix(hash_bytes(d + at, len) + hash_bytes(d + at + len, len));
  return true;
}

// Where the packet an ICMP/ICMPv6 error quotes begins, 0 if this is not an
// unfragmented error (a fragment of one stays with its datagram).
size_t quoted_at(const uint8_t* d, uint32_t caplen, size_t off) {
  if (caplen < off + 40) return 0;
  if (d[off] >> 4 == 4) {
    const size_t ihl = static_cast<size_t>(d[off] & 15) * 4;
    const bool fragment = ((d[off + 6] << 8 | d[off + 7]) & 0x3fff) != 0;
    if (d[off + 9] != 1 || fragment || ihl < 20 || caplen < off + ihl + 8) return 0;
    const uint8_t type = d[off + ihl];
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12 ? off + ihl + 8 : 0;
  }
  if (d[off] >> 4 == 6 && d[off + 6] == 58 && caplen >= off + 48) {
    const uint8_t type = d[off + 40];
    return type >= 1 && type <= 4 ? off + 48 : 0;
  }
  return 0;
}

// The worker of an IP packet at data[off..]: both directions alike, and an
// ICMP error with the conversation it reports on (its stream numbers, and
// the state the quoted header is looked up in, are that conversation's).
unsigned worker_of_ip(const uint8_t* d, uint32_t caplen, size_t off, unsigned n) {
  uint64_t h;
  if (const size_t q = quoted_at(d, caplen, off); q && pair_hash(d, caplen, q, h))
    return static_cast<unsigned>(h % n);
  if (!pair_hash(d, caplen, off, h)) return 0;
  return static_cast<unsigned>(h % n);
}

}  // namespace

unsigned worker_of(const uint8_t* d, uint32_t caplen, int linktype, unsigned n) {
  if (n <= 1 || !d) return 0;
  auto be16 = [&](size_t i) { return static_cast<unsigned>(d[i] << 8 | d[i + 1]); };
  switch (linktype) {
    case DLT_EN10MB: {
      size_t off = 12;
      if (caplen < off + 2) return 0;
      unsigned type = be16(off);
      // 802.1Q / 802.1ad tags: the conversation is the same with or without them.
      while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && caplen >= off + 6) {
        off += 4;
        type = be16(off);
      }
      if (type != 0x0800 && type != 0x86dd) return 0;
      return worker_of_ip(d, caplen, off + 2, n);
    }
    case DLT_LINUX_SLL:
      if (caplen < 16) return 0;
      return be16(14) == 0x0800 || be16(14) == 0x86dd ? worker_of_ip(d, caplen, 16, n) : 0;
    case DLT_LINUX_SLL2:
      if (caplen < 20) return 0;
      return be16(0) == 0x0800 || be16(0) == 0x86dd ? worker_of_ip(d, caplen, 20, n) : 0;
    case DLT_NULL:
    case DLT_LOOP:
      return worker_of_ip(d, caplen, 4, n);
    case 12:   // DLT_RAW (Linux)
    case 14:   // DLT_RAW (BSD)
    case 101:  // LINKTYPE_RAW
    case 228:  // DLT_IPV4
    case 229:  // DLT_IPV6
      return worker_of_ip(d, caplen, 0, n);
    default:
      return 0;
  }
}

void set_columns_addresses(core::Packet& pkt) {
  core::Columns& c = *pkt.cols;
  auto fmt = [](const core::Address& a, char* buf) -> size_t {
    switch (a.type) {
      case core::AddrType::Ipv4: {
        uint32_t v = uint32_t(a.bytes[0]) << 24 | uint32_t(a.bytes[1]) << 16 | uint32_t(a.bytes[2]) << 8 | a.bytes[3];
        return core::format_ipv4(buf, v);
      }
      case core::AddrType::Ipv6: return core::format_ipv6(buf, a.bytes.data());
      case core::AddrType::Ether: return core::format_ether(buf, a.bytes.data());
      default: return 0;
    }
  };
  char buf[64];
  const core::Address& s = pkt.net_src.type != core::AddrType::None ? pkt.net_src : pkt.dl_src;
  const core::Address& d = pkt.net_dst.type != core::AddrType::None ? pkt.net_dst : pkt.dl_dst;
  c.set_src(std::string_view(buf, fmt(s, buf)));
  c.set_dst(std::string_view(buf, fmt(d, buf)));
}

bool dissect_and_filter(core::Packet& pkt, DissectState& st, const filter::Filter* filter, bool quieter) {
  try {
    dissect_frame(pkt, st);
  } catch (const std::exception& e) {
    // Last resort (dissectors do not throw by design): a bug or an allocation
    // failure becomes a malformed mark on this packet and the run goes on.
    pkt.mark_malformed("dissector bug");
    if (!quieter) eprint_line("frame " + std::to_string(pkt.frame.number) + ": dissector failure: " + e.what());
  }
  if (!st.warning.empty()) {
    if (!quieter) eprint_line(st.warning);
    st.warning.clear();
  }
  return !filter || filter->matches(pkt.tree);
}

void add_capture_secrets(DissectState& st, const std::vector<std::string>& texts) {
  if (!st.tls_decrypt) {
    st.tls_decrypt = std::make_unique<tls::DecryptContext>();
    if (st.mqtt_needed) st.tls_needed = true;  // decrypted MQTT is only found by dissecting TLS
  }
  for (const auto& text : texts) st.tls_decrypt->keylog.add_text(text);
}

struct WorkerPool::Worker {
  Worker(size_t flows, const core::WantSet& want) : st(flows), tree(&want) {}
  DissectState st;
  size_t secrets_applied = 0;  // of the pool's secrets_
  std::optional<filter::Filter> filter;
  core::FieldTree tree;
  core::Columns cols;
  std::thread thread;
  uint64_t packets = 0;
};

namespace {
// The single-threaded state's settings, for a worker owning 1/n of the conversations.
void copy_settings(const DissectState& from, DissectState& to, unsigned n) {
  to.app_needed = from.app_needed;
  to.mqtt_needed = from.mqtt_needed;
  to.tls_needed = from.tls_needed;
  to.dns_needed = from.dns_needed;
  to.mqtt_ports = from.mqtt_ports;
  to.mqtt_heuristic = from.mqtt_heuristic;
  to.tls_ports = from.tls_ports;
  to.tls_heuristic = from.tls_heuristic;
  to.http_ports = from.http_ports;
  to.http_heuristic = from.http_heuristic;
  to.dns_tcp_ports = from.dns_tcp_ports;
  to.dns_tcp_heuristic = from.dns_tcp_heuristic;
  to.mqtt_default_version = from.mqtt_default_version;
  to.mqtt_msg_as_text = from.mqtt_msg_as_text;
  to.mqtt_analysis = false;  // (not run on workers)
  to.mqtt_tls_ports = from.mqtt_tls_ports;
  to.tcp_detail = from.tcp_detail;
  to.tcp_flows_needed = from.tcp_flows_needed;
  to.udp_flows_needed = from.udp_flows_needed;
  to.ipv4_defragment = from.ipv4_defragment;
  to.ipv6_defragment = from.ipv6_defragment;
  to.tcp_idle_timeout_ns = from.tcp_idle_timeout_ns;
  to.tcp_closed_timeout_ns = from.tcp_closed_timeout_ns;
  to.reassembly = from.reassembly;
  to.reassembly.max_total_bytes = std::max<size_t>(from.reassembly.max_total_bytes / n, kMinBudgetPerWorker);
  to.disabled = from.disabled;
}
}  // namespace

WorkerPool::WorkerPool(unsigned workers, const cli::Options& o, const std::string& filter_text,
                       const core::WantSet& want, const DissectState& proto, const WorkerOutput& out, out::Writer& w,
                       int linktype, std::string_view if_name)
    : n_(workers), round_(out.kind == WorkerOutput::Kind::Verbose ? kRoundVerbose : kRound), o_(o), out_(out), w_(w), linktype_(linktype), if_name_(if_name) {
  const size_t flows = std::max<size_t>(proto.tcp_flows.max_flows() / workers, kMinFlowsPerWorker);
  for (unsigned i = 0; i < n_; ++i) {
    auto wk = std::make_unique<Worker>(flows, want);
    copy_settings(proto, wk->st, n_);
    if (!filter_text.empty()) {
      wk->filter.emplace();
      filter::FilterError err;
      wk->filter->compile(filter_text, err);  // (compiled once already: it compiles)
    }
    wk->cols.info.reserve(512);
    workers_.push_back(std::move(wk));
  }
  for (auto& s : slots_) s.batches.resize(n_);
  for (unsigned i = 0; i < n_; ++i) workers_[i]->thread = std::thread([this, i] { work(i); });
  merger_ = std::thread([this] { merge(); });
}

WorkerPool::~WorkerPool() { finish(); }

bool WorkerPool::submit(const capture::RawPacket& raw, uint64_t number) {
  const core::Timestamp& ts = raw.ts;
  const uint32_t caplen = raw.caplen;
  const uint8_t* data = raw.data;
  if (!open_) {
    std::unique_lock lk(mu_);
    Slot& s = slot_of(filling_);
    to_reader_.wait(lk, [&] { return s.state == Slot::State::Free; });
    s.state = Slot::State::Filling;
    s.round = filling_;
    open_ = true;
  }
  Slot& s = slot_of(filling_);
  const unsigned w = worker_of(data, caplen, raw.iface ? raw.iface->linktype : linktype_, n_);
  Batch& b = s.batches[w];
  if (!have_first_) {
    have_first_ = true;
    first_ts_ = prev_ts_ = ts;
  }
  b.pkts.push_back(Packet{number, ts, prev_ts_, caplen, raw.len, b.data.size()});
  b.pkts.back().iface = raw.iface;
  if (raw.comments && !raw.comments->empty()) {
    b.pkts.back().comments = static_cast<int32_t>(b.comments.size());
    b.comments.push_back(*raw.comments);
  }
  b.data.insert(b.data.end(), data, data + caplen);
  prev_ts_ = ts;
  s.order.push_back(static_cast<uint8_t>(w));
  if (s.order.size() == round_) publish();
  return !failed_.load(std::memory_order_relaxed);
}

void WorkerPool::publish() {
  {
    std::lock_guard lk(mu_);
    slot_of(filling_).state = Slot::State::Ready;
    published_ = ++filling_;
    open_ = false;
  }
  to_workers_.notify_all();
}

void WorkerPool::flush() {
  if (open_ && !slot_of(filling_).order.empty()) {
    slot_of(filling_).flush = true;
    publish();
  }
}

void WorkerPool::add_secrets(std::vector<std::string> texts) {
  flush();  // the packets read before them go in earlier rounds
  std::lock_guard lk(mu_);
  secrets_.push_back(Secrets{filling_, std::move(texts)});
}

void WorkerPool::finish() {
  if (!merger_.joinable()) return;
  flush();
  if (open_) {  // an empty round: give the slot back
    std::lock_guard lk(mu_);
    slot_of(filling_).state = Slot::State::Free;
    open_ = false;
  }
  {
    std::lock_guard lk(mu_);
    closing_ = true;
  }
  to_workers_.notify_all();
  to_merger_.notify_all();
  for (auto& wk : workers_) wk->thread.join();
  merger_.join();
  if (std::getenv("MQSNIFF_WORKER_STATS")) {  // (for tests: how the packets were dealt out)
    std::string line = "workers: " + std::to_string(n_) + ", packets each:";
    for (const auto& wk : workers_) line += " " + std::to_string(wk->packets);
    eprint_line(line);
  }
}

std::vector<const DissectState*> WorkerPool::states() const {
  std::vector<const DissectState*> v;
  for (const auto& wk : workers_) v.push_back(&wk->st);
  return v;
}

void WorkerPool::work(unsigned id) {
  Worker& wk = *workers_[id];
  DissectState& st = wk.st;
  std::vector<std::string> keys;
  for (uint64_t r = 0;; ++r) {
    keys.clear();
    {
      std::unique_lock lk(mu_);
      to_workers_.wait(lk, [&] { return published_ > r || closing_; });
      if (published_ <= r) return;
      for (; wk.secrets_applied < secrets_.size() && secrets_[wk.secrets_applied].round <= r; ++wk.secrets_applied)
        keys.insert(keys.end(), secrets_[wk.secrets_applied].texts.begin(), secrets_[wk.secrets_applied].texts.end());
    }
    if (!keys.empty()) add_capture_secrets(st, keys);
    Batch& b = slot_of(r).batches[id];
    b.out.clear();
    b.ends.clear();
    b.marks.clear();
    b.mark_ends.clear();
    b.created.clear();
    b.created_udp.clear();
    wk.packets += b.pkts.size();
    const bool verbose = out_.kind == WorkerOutput::Kind::Verbose;
    const bool renumber = out_.renumber != core::kNoField || verbose;
    for (const Packet& p : b.pkts) {
      wk.tree.reset();
      wk.cols.reset();
      core::Packet pkt(wk.tree);
      pkt.cols = out_.need_cols ? &wk.cols : nullptr;
      core::FrameData& f = pkt.frame;
      f.number = p.number;
      f.ts = p.ts;
      f.len = p.len;
      f.caplen = p.caplen;
      f.linktype = linktype_;
      f.data = b.data.data() + p.off;
      if (p.comments >= 0) f.comments = &b.comments[static_cast<size_t>(p.comments)];
      if (p.iface) {  // pcapng, live: the packet's own interface
        capture::set_interface(f, *p.iface);
      } else if (out_.live) {
        f.interface_id = 0;
        f.interface_name = if_name_;
      }
      // The capture's clock, as the single-threaded run has it.
      st.have_first = true;
      st.first_ts = first_ts_;
      st.prev_ts = p.prev_ts;
      const uint32_t streams_before = st.tcp_flows.streams_seen();
      const uint32_t udp_before = st.udp_flows.streams_seen();
      const bool shown = dissect_and_filter(pkt, st, wk.filter ? &*wk.filter : nullptr, o_.quieter);
      if (renumber) b.created.push_back(st.tcp_flows.streams_seen() - streams_before);
      if (verbose) b.created_udp.push_back(st.udp_flows.streams_seen() - udp_before);
      if (shown) {
        out::RowContext row;
        row.number = p.number;
        row.ts = p.ts;
        row.rel = core::ts_sub(p.ts, first_ts_);
        row.delta = core::ts_sub(p.ts, p.prev_ts);
        row.len = p.len;
        if (p.iface) row.digits = p.iface->digits;
        if (out_.need_cols) {
          set_columns_addresses(pkt);
          row.cols = &wk.cols;
        }
        if (out_.kind == WorkerOutput::Kind::Summary) render_summary(b.out, row, o_.time_format, out_.digits);
        else if (out_.kind == WorkerOutput::Kind::Fields)
          render_fields(b.out, *out_.columns, o_.fopts, wk.tree, row, o_.time_format, out_.digits, out_.renumber,
                        renumber ? &b.marks : nullptr);
        else if (verbose) {
          out::render_tree(b.out, wk.tree, o_.detail_protocols, &b.marks);
          b.out += '\n';
        }
      }
      b.ends.push_back(static_cast<uint32_t>(b.out.size()));
      if (renumber) b.mark_ends.push_back(static_cast<uint32_t>(b.marks.size()));
    }
    bool last;
    {
      std::lock_guard lk(mu_);
      last = ++slot_of(r).done == n_;
    }
    if (last) to_merger_.notify_one();
  }
}

void WorkerPool::merge() {
  std::vector<size_t> next(n_), pos(n_), mark(n_);
  // tcp.stream: each worker's conversation numbers, and the capture's number
  // of each (given in capture order of their first packet, as one thread gives them).
  std::vector<std::vector<uint32_t>> global(n_), global_udp(n_);
  uint32_t next_stream = 0, next_udp = 0;
  const bool verbose = out_.kind == WorkerOutput::Kind::Verbose;
  const bool renumber = out_.renumber != core::kNoField || verbose;
  bool have_displayed = false;
  core::Timestamp prev_displayed{};
  std::string text;
  for (uint64_t m = 0;; ++m) {
    Slot* s;
    {
      std::unique_lock lk(mu_);
      to_merger_.wait(lk, [&] { return (published_ > m && slot_of(m).done == n_) || (closing_ && published_ <= m); });
      if (published_ <= m) return;
      s = &slot_of(m);
    }
    std::fill(next.begin(), next.end(), 0);
    std::fill(pos.begin(), pos.end(), 0);
    std::fill(mark.begin(), mark.end(), 0);
    bool failed = false;
    for (uint8_t w : s->order) {
      Batch& b = s->batches[w];
      const size_t k = next[w]++;
      const size_t end = b.ends[k];
      if (renumber) {
        for (uint32_t c = b.created[k]; c; --c) global[w].push_back(next_stream++);
        if (verbose)
          for (uint32_t c = b.created_udp[k]; c; --c) global_udp[w].push_back(next_udp++);
        // The packet's output with its tcp.stream (udp.stream, -V's time since the previous displayed frame) values replaced.
        const size_t mend = b.mark_ends[k];
        for (; mark[w] < mend; ++mark[w]) {
          const out::ValueMark& v = b.marks[mark[w]];
          w_.buf().append(b.out, pos[w], v.begin - pos[w]);
          text.clear();
          if (v.kind == out::ValueMark::DeltaDisplayed) {
            const core::Timestamp ts = b.pkts[k].ts;
            out::append_rel_time(text, have_displayed ? core::ts_sub(ts, prev_displayed) : core::Timestamp{});
          } else {
            const auto& g = v.kind == out::ValueMark::UdpStream ? global_udp[w] : global[w];
            core::append_uint(text, v.value < g.size() ? g[v.value] : v.value);
          }
          w_.buf() += text;
          pos[w] = v.end;
        }
      }
      if (end == pos[w]) continue;  // not displayed
      have_displayed = true;
      prev_displayed = b.pkts[k].ts;
      w_.buf().append(b.out, pos[w], end - pos[w]);
      pos[w] = end;
      w_.end_record();
      if (w_.failed()) {
        failed = true;
        break;
      }
    }
    for (Batch& b : s->batches) {
      b.pkts.clear();
      b.data.clear();
      b.comments.clear();
      b.out.clear();
      b.ends.clear();
      b.marks.clear();
      b.mark_ends.clear();
      b.created.clear();
      b.created_udp.clear();
    }
    s->order.clear();
    if (s->flush && !failed) w_.flush();
    s->flush = false;
    {
      std::lock_guard lk(mu_);
      s->done = 0;
      s->state = Slot::State::Free;
    }
    if (failed) failed_ = true;
    to_reader_.notify_one();
  }
}

unsigned workers_for(const cli::Options& o, bool decrypting, bool mqtt_analysis, bool two_pass, bool writing,
                     bool stats, const std::vector<core::FieldId>& named, const std::vector<core::FieldId>& filtered) {
  if (std::getenv("MQSNIFF_SINGLE_THREAD")) return 0;
  unsigned n = o.threads > 0 ? static_cast<unsigned>(o.threads) : std::thread::hardware_concurrency();
  if (n < 2) return 0;
  using F = cli::OutputFormat;
  // What is printed must not depend on which worker a conversation is on.
  if (o.format != F::Text && o.format != F::Fields) return 0;
  if (o.hexdump || o.color || stats || writing || two_pass || decrypting || mqtt_analysis) return 0;
  // -V shows one line at a time as packets come with -l: the render thread's path keeps that.
  // Without a thread count given, -V stays on that path on two cores: the
  // dissecting thread and the render thread already use both.
  if (o.verbose && (o.format != F::Text || o.line_buffered)) return 0;
  if (o.verbose && o.threads == 0 && n <= 2) return 0;
  if (o.time_format == cli::TimeFormat::DeltaDisplayed) return 0;
  // Each worker holds a share of the flow cap and of the memory budget: a
  // cap or budget set so small that a share would be under the smallest a
  // worker is given keeps the run on one thread (the bound stays the user's).
  n = std::min(n, 64u);
  if (o.max_tcp_flows && o.max_tcp_flows / n < kMinFlowsPerWorker) return 0;
  if (o.reassembly_max_total && o.reassembly_max_total / n < kMinBudgetPerWorker) return 0;
  const auto& reg = core::FieldRegistry::instance();
  for (core::FieldId id : named) {
    // Numbers given across conversations, and what depends on the packets displayed before.
    std::string_view a = reg.def(id)->abbrev;
    // (tcp.stream printed by -e is renumbered by the merger, and udp.stream and the time
    // since the previous displayed frame in -V's tree; a filter on them is not.)
    const bool is_filtered = std::find(filtered.begin(), filtered.end(), id) != filtered.end();
    if (a == "tcp.stream" && !is_filtered) continue;
    if (o.verbose && !is_filtered && (a == "udp.stream" || a == "frame.time_delta_displayed")) continue;
    if (a.find("stream") != a.npos || a == "frame.time_delta_displayed" || a.starts_with("udp.time"))
      return 0;
  }
  return n;
}

}  // namespace mqsniff::app
