#include "src/output/render.h"

#include <ctime>

#include "dissectors/core/format.h"
#include "src/output/field_format.h"

namespace mqsniff::out {
using cli::TimeFormat;

static void pad_left(std::string& out, std::string_view s, size_t width) {
  for (size_t i = s.size(); i < width; ++i) out += ' ';
  out += s;
}
static void pad_right(std::string& out, std::string_view s, size_t width) {
  out += s;
  for (size_t i = s.size(); i < width; ++i) out += ' ';
}

static void append_clock(std::string& out, core::Timestamp t, bool utc, bool date, int digits) {
  time_t s = static_cast<time_t>(t.sec);
  struct tm tm;
  if (!(utc ? gmtime_r(&s, &tm) : localtime_r(&s, &tm))) return;
  char buf[40];
  int n = date ? snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                          tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
               : snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  out.append(buf, n > 0 ? static_cast<size_t>(n) : 0);
  std::string frac;
  append_rel_time(frac, core::Timestamp{0, t.nsec}, digits);
  out.append(frac, 1, std::string::npos);  // drop the leading "0"
}

void append_time_column(std::string& out, TimeFormat f, const RowContext& row, int digits) {
  if (row.digits >= 0) digits = row.digits;
  switch (f) {
    case TimeFormat::Relative: append_rel_time(out, row.rel, digits); break;
    case TimeFormat::Delta: append_rel_time(out, row.delta, digits); break;
    case TimeFormat::DeltaDisplayed: append_rel_time(out, row.delta_displayed, digits); break;
    case TimeFormat::Epoch: append_rel_time(out, row.ts, digits); break;
    case TimeFormat::Absolute: append_clock(out, row.ts, false, false, digits); break;
    case TimeFormat::AbsoluteDate: append_clock(out, row.ts, false, true, digits); break;
    case TimeFormat::Utc: append_clock(out, row.ts, true, false, digits); break;
    case TimeFormat::UtcDate: append_clock(out, row.ts, true, true, digits); break;
  }
}

void render_summary(std::string& out, const RowContext& row, TimeFormat tf, int digits) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, row.number);
  pad_left(out, std::string_view(num, static_cast<size_t>(r.ptr - num)), 5);
  out += ' ';
  std::string t;
  append_time_column(t, tf, row, digits);
  pad_left(out, t, 10);
  out += ' ';
  const core::Columns& c = *row.cols;
  pad_left(out, c.src_view(), 12);
  out += " \xe2\x86\x92 ";  // " → "
  pad_right(out, c.dst_view(), 12);
  out += ' ';
  out += c.protocol;
  out += ' ';
  core::append_uint(out, row.len);
  out += ' ';
  out += c.info;
  out += '\n';
}

const char* summary_color(const core::Columns& c, bool problem) {
  std::string_view p = c.protocol;
  // foreground black on a light background, as Wireshark's rules
  if (problem) return "\x1b[38;2;255;252;156m\x1b[48;2;164;0;0m";               // malformed, RST, lost...
  if (p.starts_with("MQTT")) return "\x1b[38;2;18;39;46m\x1b[48;2;255;214;140m";  // plaintext MQTT: readable
  if (p.starts_with("TLS") || p.starts_with("SSL")) return "\x1b[38;2;18;39;46m\x1b[48;2;164;224;255m";
  if (p == "TCP") return "\x1b[38;2;18;39;46m\x1b[48;2;231;230;255m";
  if (p == "UDP") return "\x1b[38;2;18;39;46m\x1b[48;2;218;238;255m";
  return "\x1b[38;2;18;39;46m\x1b[48;2;255;255;255m";
}

std::vector<FieldColumn> resolve_fields(const std::vector<std::string>& names) {
  const auto& reg = core::FieldRegistry::instance();
  std::vector<FieldColumn> out;
  std::vector<std::string> bad;
  for (const auto& n : names) {
    FieldColumn fc;
    fc.name = n;
    using C = FieldColumn::Col;
    if (n == "_ws.col.No." || n == "_ws.col.number") fc.col = C::Number;
    else if (n == "_ws.col.Time") fc.col = C::Time;
    else if (n == "_ws.col.Source" || n == "_ws.col.def_src") fc.col = C::Source;
    else if (n == "_ws.col.Destination" || n == "_ws.col.def_dst") fc.col = C::Destination;
    else if (n == "_ws.col.Protocol") fc.col = C::Protocol;
    else if (n == "_ws.col.Length") fc.col = C::Length;
    else if (n == "_ws.col.Info") fc.col = C::Info;
    else if (auto id = reg.find(n)) fc.id = *id;
    else bad.push_back(n);
    out.push_back(fc);
  }
  if (!bad.empty()) {
    std::string msg = "Some fields aren't valid:";
    for (const auto& b : bad) {
      msg += "\n\t" + b;
      auto s = reg.suggest(b);
      if (!s.empty()) {
        msg += "  (did you mean ";
        for (size_t i = 0; i < s.size(); ++i) msg += (i ? ", " : "") + std::string(s[i]);
        msg += "?)";
      }
    }
    throw cli::UsageError(msg);
  }
  return out;
}

bool needs_columns(const std::vector<FieldColumn>& cols) {
  for (const auto& c : cols)
    if (c.col != FieldColumn::Col::None) return true;
  return false;
}

static void append_quoted(std::string& out, std::string_view v, char quote) {
  if (quote) out += quote;
  out += v;
  if (quote) out += quote;
}

void render_fields_header(std::string& out, const std::vector<FieldColumn>& cols, const cli::FieldsOptions& fo) {
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += fo.separator;
    out += cols[i].name;  // tshark does not quote the header line
  }
  out += '\n';
}

void render_fields(std::string& out, const std::vector<FieldColumn>& cols, const cli::FieldsOptions& fo,
                   const core::FieldTree& tree, const RowContext& row, TimeFormat tf, int digits,
                   core::FieldId marked, std::vector<ValueMark>* marks) {
  const auto& reg = core::FieldRegistry::instance();
  const auto& nodes = tree.nodes();
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) out += fo.separator;
    const FieldColumn& fc = cols[i];
    if (fc.col != FieldColumn::Col::None) {
      std::string v;
      using C = FieldColumn::Col;
      const core::Columns* c = row.cols;
      switch (fc.col) {
        case C::Number: core::append_uint(v, row.number); break;
        case C::Time: append_time_column(v, tf, row, digits); break;
        case C::Source: if (c) v = c->src_view(); break;
        case C::Destination: if (c) v = c->dst_view(); break;
        case C::Protocol: if (c) v = c->protocol; break;
        case C::Length: core::append_uint(v, row.len); break;
        case C::Info: if (c) v = c->info; break;
        case C::None: break;
      }
      if (!v.empty()) append_quoted(out, v, fo.quote);
      continue;
    }
    const core::FieldDef* def = reg.def(fc.id);
    // Occurrences in tree order; -E occurrence picks first, last or all.
    size_t first = nodes.size(), last = nodes.size(), count = 0;
    for (size_t k = 0; k < nodes.size(); ++k) {
      if (nodes[k].id != fc.id) continue;
      if (first == nodes.size()) first = k;
      last = k;
      ++count;
    }
    if (!count) continue;  // absent: an empty column, unquoted (as tshark)
    if (fo.quote) out += fo.quote;
    auto value = [&](const core::FieldNode& n) {
      const size_t at = out.size();
      append_field_value(out, *def, n);
      if (marks && fc.id == marked)
        marks->push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(out.size()), n.u});
    };
    if (fo.occurrence == 'f' || count == 1) {
      value(nodes[first]);
    } else if (fo.occurrence == 'l') {
      value(nodes[last]);
    } else {
      bool any = false;
      for (size_t k = first; k <= last; ++k) {
        if (nodes[k].id != fc.id) continue;
        if (any) out += fo.aggregator;
        value(nodes[k]);
        any = true;
      }
    }
    if (fo.quote) out += fo.quote;
  }
  out += '\n';
}

void render_packet_bytes(std::string& out, const uint8_t* frame, size_t caplen, const DumpPart* parts, size_t nparts) {
  if (nparts) out += "Frame (" + std::to_string(caplen) + " bytes):\n";
  render_hexdump(out, frame, caplen);
  for (size_t i = 0; i < nparts; ++i) {
    out += std::string(parts[i].source) + " (" + std::to_string(parts[i].size) + " bytes):\n";
    render_hexdump(out, parts[i].data, parts[i].size);
  }
  out += '\n';
}

void render_hexdump(std::string& out, const uint8_t* p, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  unsigned digits = 4;
  for (size_t lim = 0x10000; n > lim && digits < 16; lim <<= 4) ++digits;  // offsets widen past 0xffff
  for (size_t off = 0; off < n; off += 16) {
    for (int d = static_cast<int>(digits) - 1; d >= 0; --d) out += kHex[(off >> (4 * d)) & 15];
    out += "  ";
    size_t line = n - off < 16 ? n - off : 16;
    for (size_t i = 0; i < 16; ++i) {
      if (i < line) {
        out += kHex[p[off + i] >> 4];
        out += kHex[p[off + i] & 15];
        out += ' ';
      } else {
        out += "   ";
      }
    }
    out += "  ";
    for (size_t i = 0; i < line; ++i) {
      uint8_t c = p[off + i];
      out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
    }
    out += '\n';
  }
}

void render_glossary_fields(std::string& out) {
  const auto& reg = core::FieldRegistry::instance();
  for (const auto& d : reg.all()) {
    if (d.type == core::FieldType::Protocol) {
      out += "P\t";
      out += d.name;
      out += '\t';
      out += d.abbrev;
      out += '\n';
      continue;
    }
    const core::FieldDef* parent = reg.def(reg.protocol_of(d.id));
    out += "F\t";
    out += d.name;
    out += '\t';
    out += d.abbrev;
    out += '\t';
    out += core::field_type_name(d.type);
    out += '\t';
    out += parent ? parent->abbrev : std::string_view{};
    out += '\t';
    if (d.type == core::FieldType::Boolean) {
      core::append_uint(out, d.bool_bits);
    } else if (core::is_integer(d.type)) {
      out += core::base_name(d.base);
    }
    out += '\t';
    core::append_hex(out, d.bitmask, 1);
    out += '\t';
    out += d.blurb;
    out += '\n';
  }
}

void render_glossary_protocols(std::string& out) {
  for (const auto& d : core::FieldRegistry::instance().all()) {
    if (d.type != core::FieldType::Protocol || d.abbrev.starts_with("tcp.options.")) continue;
    out += d.name;
    out += '\t';
    out += d.short_name.empty() ? d.name : d.short_name;
    out += '\t';
    out += d.abbrev;
    out += '\n';
  }
}

}  // namespace mqsniff::out
