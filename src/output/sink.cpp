#include "src/output/sink.h"

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <thread>

#include "src/output/brokerlog.h"
#include "src/output/json.h"
#include "src/output/tree_thread.h"
#include "src/output/verbose.h"

namespace mqsniff::out {

namespace {

// -V (with -x: the bytes after each tree). Reading a file on two or more
// cores, the text is rendered on a second thread (tree_thread.h); not live or
// with -l, where each packet must appear as it is dissected.
class VerboseSink : public Sink {
public:
  VerboseSink(const cli::Options& o, Writer& w, bool live) : o_(o), w_(w) {
    (void)live;  // (live: the capture loop nudges the renderer when the source is idle)
    if (!o.line_buffered && std::thread::hardware_concurrency() >= 2 && !std::getenv("MQSNIFF_SINGLE_THREAD"))
      thread_.emplace(w, o.detail_protocols, o.hexdump);
  }
  void idle() override {
    if (thread_) thread_->nudge();  // (the render thread writes what is queued, then flushes)
    else w_.flush();
  }
  bool packet(const PacketView& v) override {
    if (thread_) {
      thread_->submit(v.tree, v.data, v.caplen, o_.hexdump ? v.parts : nullptr, o_.hexdump ? v.nparts : 0);
      return !thread_->failed();
    }
    render_tree(w_, v.tree, o_.detail_protocols);
    std::string& b = w_.buf();
    b += '\n';
    if (o_.hexdump) render_packet_bytes(b, v.data, v.caplen, v.parts, v.nparts);
    w_.end_record();
    return !w_.failed();
  }
  void end() override {
    if (thread_) thread_->finish();  // the writer is this thread's again
  }

private:
  const cli::Options& o_;
  Writer& w_;
  std::optional<TreeRenderThread> thread_;
};

// -x alone: the bytes instead of the summary, as tshark.
class HexSink : public Sink {
public:
  void idle() override { w_.flush(); }  // live: the source is idle
  explicit HexSink(Writer& w) : w_(w) {}
  bool packet(const PacketView& v) override {
    render_packet_bytes(w_.buf(), v.data, v.caplen, v.parts, v.nparts);
    w_.end_record();
    return !w_.failed();
  }

private:
  Writer& w_;
};

class JsonSink : public Sink {
public:
  JsonSink(const cli::Options& o, Writer& w, const PrintedFormat& f) : o_(o), w_(w) {
    JsonOptions jo;
    jo.ek = o.format == cli::OutputFormat::Ek;
    jo.columns = o.fields.empty() ? nullptr : f.columns;
    jo.fopts = &o.fopts;
    jo.protocols = o.json_protocols;
    jo.expand_children = o.json_expand;
    jo.time_format = o.time_format;
    jo.digits = f.digits;
    out_.emplace(w, std::move(jo));
  }
  void begin() override {
    out_->begin();
    // The whole tree is written on a second core when there is one (as -V;
    // not with -l, where each packet must appear as it is dissected; live,
    // the capture loop nudges the renderer when the source is idle).
    if (out_->whole_tree() && !o_.line_buffered && std::thread::hardware_concurrency() >= 2 &&
        !std::getenv("MQSNIFF_SINGLE_THREAD"))
      thread_.emplace(w_, *out_);
  }
  void idle() override {
    if (thread_) thread_->nudge();
    else out_->flush();
  }
  bool packet(const PacketView& v) override {
    if (thread_) {
      thread_->submit(v.tree, nullptr, 0, nullptr, 0, v.row.ts);
      return !thread_->failed();
    }
    out_->packet(v.tree, v.row);
    return !w_.failed();
  }
  void end() override {
    if (thread_) thread_->finish();  // the writer is this thread's again
    if (!ended_) out_->end();
    ended_ = true;
  }

private:
  const cli::Options& o_;
  Writer& w_;
  std::optional<JsonOutput> out_;
  std::optional<TreeRenderThread> thread_;
  bool ended_ = false;
};

class BrokerLogSink : public Sink {
public:
  void idle() override {  // live: the source is idle
    log_.idle(w_.buf());
    w_.end_record();
    w_.flush();
  }
  BrokerLogSink(Writer& w, bool all_packets) : w_(w), log_(all_packets) {}
  bool packet(const PacketView& v) override {
    log_.packet(w_.buf(), v.pkt, v.tree, v.row);
    w_.end_record();
    return !w_.failed();
  }
  void end() override {
    log_.finish(w_.buf());
    w_.end_record();
  }

private:
  Writer& w_;
  BrokerLog log_;
};

class FieldsSink : public Sink {
public:
  void idle() override { w_.flush(); }  // live: the source is idle
  FieldsSink(const cli::Options& o, Writer& w, const PrintedFormat& f) : o_(o), w_(w), f_(f) {}
  void begin() override {
    if (o_.fopts.bom) w_.write("\xef\xbb\xbf");
    if (o_.fopts.header) render_fields_header(w_.buf(), *f_.columns, o_.fopts);
  }
  bool packet(const PacketView& v) override {
    render_fields(w_.buf(), *f_.columns, o_.fopts, v.tree, v.row, o_.time_format, f_.digits);
    w_.end_record();
    return !w_.failed();
  }

private:
  const cli::Options& o_;
  Writer& w_;
  PrintedFormat f_;
};

// Summary lines; --color only on a terminal (off when piped, as tshark).
class SummarySink : public Sink {
public:
  void idle() override { w_.flush(); }  // live: the source is idle
  SummarySink(const cli::Options& o, Writer& w, const PrintedFormat& f)
      : o_(o), w_(w), digits_(f.digits), color_(o.color && isatty(1)) {}
  bool packet(const PacketView& v) override {
    if (color_ && v.row.cols) {
      std::string_view info = v.row.cols->info;
      bool problem = v.pkt.malformed || info.find("[TCP Retransmission]") != info.npos ||
                     info.find("[TCP Previous segment not captured]") != info.npos ||
                     info.find("[RST") != info.npos || info.find("Alert") != info.npos;
      w_.buf() += summary_color(*v.row.cols, problem);
      render_summary(w_.buf(), v.row, o_.time_format, digits_);
      w_.buf().insert(w_.buf().size() - 1, kColorReset);  // before the newline
    } else {
      render_summary(w_.buf(), v.row, o_.time_format, digits_);
    }
    w_.end_record();
    return !w_.failed();  // stdout closed (| head): stop like tshark
  }

private:
  const cli::Options& o_;
  Writer& w_;
  int digits_;
  bool color_;
};

}  // namespace

std::unique_ptr<Sink> make_printed_sink(const cli::Options& o, Writer& w, const PrintedFormat& f) {
  using F = cli::OutputFormat;
  if (o.format == F::Text && o.verbose) return std::make_unique<VerboseSink>(o, w, f.live);
  if (o.format == F::Text && o.hexdump) return std::make_unique<HexSink>(w);
  if (o.format == F::Json || o.format == F::Ek) return std::make_unique<JsonSink>(o, w, f);
  if (o.format == F::BrokerLog)
    return std::make_unique<BrokerLogSink>(w, o.display_filter.empty() && o.topic_filter.empty());
  if (o.format == F::Fields) return std::make_unique<FieldsSink>(o, w, f);
  return std::make_unique<SummarySink>(o, w, f);
}

}  // namespace mqsniff::out
