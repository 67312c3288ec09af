#include <doctest/doctest.h>

#include <cstdlib>

#include "dissectors/core/format.h"
#include "src/output/field_format.h"
#include "src/output/render.h"

using namespace mqsniff;

namespace {
std::string render(const char* name, core::FieldNode n) {
  const auto& reg = core::FieldRegistry::instance();
  std::string out;
  out::append_field_value(out, *reg.def(*reg.find(name)), n);
  return out;
}
core::FieldNode uint_node(uint64_t v) {
  core::FieldNode n;
  n.kind = core::ValueKind::UInt;
  n.u = v;
  return n;
}
}  // namespace

TEST_CASE("fields: integers print in decimal, BASE_HEX with the type's width") {
  CHECK(render("tcp.srcport", uint_node(1883)) == "1883");
  CHECK(render("eth.type", uint_node(0x800)) == "0x0800");
  CHECK(render("ip.dsfield", uint_node(0)) == "0x00");
  CHECK(render("ipv6.tclass", uint_node(0)) == "0x00000000");
  CHECK(render("ipv6.flow", uint_node(0x4a158)) == "0x04a158");
  CHECK(render("tcp.flags", uint_node(0x18)) == "0x0018");
  CHECK(render("tcp.flags.syn", uint_node(1)) == "1");
}

TEST_CASE("fields: bytes are contiguous lowercase hex, empty bytes are <MISSING>") {
  core::FieldNode n;
  n.kind = core::ValueKind::Bytes;
  static const uint8_t hello[] = {'h', 'e', 'l', 'l', 'o'};
  n.b.p = hello;
  n.b.n = 5;
  CHECK(render("data.data", n) == "68656c6c6f");
  n.b.n = 0;
  CHECK(render("data.data", n) == "<MISSING>");
}

TEST_CASE("fields: times") {
  core::FieldNode n;
  n.kind = core::ValueKind::Time;
  n.t = {1795498474, 343525000};
  CHECK(render("frame.time_epoch", n) == "1795498474.343525000");
  setenv("TZ", "UTC", 1);
  tzset();
  CHECK(render("frame.time", n) == "Nov 24, 2026 05:34:34.343525000 UTC");
  n.t = {-1, 999999000};  // -0.000001
  CHECK(render("frame.time_delta", n) == "-0.000001000");
}

TEST_CASE("fields: strings escape control characters and replace invalid UTF-8") {
  std::string out;
  out::append_display_string(out, "a\nb\tc\x01" "\xff" "\xc3\xa9");
  CHECK(out == "a\\nb\\tc\x01\xef\xbf\xbd\xc3\xa9");
}

TEST_CASE("format: addresses") {
  char buf[64];
  core::format_ipv4(buf, 0x7f000001);
  CHECK(std::string(buf) == "127.0.0.1");
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  core::format_ipv6(buf, v6);
  CHECK(std::string(buf) == "2001:db8::1");
  uint8_t mac[6] = {0, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
  core::format_ether(buf, mac);
  CHECK(std::string(buf) == "00:1b:2c:3d:4e:5f");
}

TEST_CASE("summary: tshark's column layout") {
  core::Columns c;
  c.protocol = "TCP";
  c.set_src("127.0.0.1");
  c.set_dst("127.0.0.1");
  c.info = "x";
  out::RowContext row;
  row.number = 18;
  row.rel = {0, 498568000};
  row.len = 80;
  row.cols = &c;
  std::string s;
  out::render_summary(s, row, cli::TimeFormat::Relative, 6);
  CHECK(s == "   18   0.498568    127.0.0.1 \xe2\x86\x92 127.0.0.1    TCP 80 x\n");
  s.clear();
  out::render_summary(s, row, cli::TimeFormat::Relative, 9);
  CHECK(s == "   18 0.498568000    127.0.0.1 \xe2\x86\x92 127.0.0.1    TCP 80 x\n");
}

TEST_CASE("fields: unknown -e names are all listed with suggestions") {
  try {
    out::resolve_fields({"tcp.srcport", "tcp.foo", "mqtt.topc"});
    FAIL("expected an error");
  } catch (const cli::UsageError& e) {
    std::string m = e.what();
    CHECK(m.find("Some fields aren't valid:") == 0);
    CHECK(m.find("\ttcp.foo") != std::string::npos);
    CHECK(m.find("\tmqtt.topc") != std::string::npos);
  }
}

TEST_CASE("fields: occurrence, aggregator and quote options") {
  core::WantSet want;
  want.set_all();
  core::FieldTree t(&want);
  auto port = *core::FieldRegistry::instance().find("tcp.port");
  t.add_uint(port, 1, 0, 2);
  t.add_uint(port, 2, 0, 2);
  auto cols = out::resolve_fields({"tcp.port", "tcp.stream"});
  out::RowContext row;
  cli::FieldsOptions fo;
  std::string s;
  out::render_fields(s, cols, fo, t, row, cli::TimeFormat::Relative, 6);
  CHECK(s == "1,2\t\n");
  fo.occurrence = 'l';
  fo.quote = '"';
  fo.separator = ";";
  s.clear();
  out::render_fields(s, cols, fo, t, row, cli::TimeFormat::Relative, 6);
  CHECK(s == "\"2\";\n");
  fo.occurrence = 'a';
  fo.aggregator = " ";
  fo.quote = 0;
  s.clear();
  out::render_fields(s, cols, fo, t, row, cli::TimeFormat::Relative, 6);
  CHECK(s == "1 2;\n");
}

#include <sstream>

#include "src/output/stats.h"

namespace {
// The -z io,stat table for packets of 100 bytes at the given seconds.
std::string io_table(const char* spec, std::initializer_list<double> at, double elapsed) {
  out::Stats stats;
  stats.add(spec);
  core::FieldTree tree;
  core::Packet pkt(tree);
  for (double t : at) {
    out::RowContext row;
    row.rel = core::Timestamp{static_cast<int64_t>(t), static_cast<uint32_t>((t - static_cast<int64_t>(t)) * 1e9 + 0.5)};
    row.len = 100;
    stats.packet(pkt, tree, row);
  }
  std::string text;
  stats.print(text, core::Timestamp{static_cast<int64_t>(elapsed), static_cast<uint32_t>((elapsed - static_cast<int64_t>(elapsed)) * 1e9 + 0.5)});
  return text;
}
// The frames and bytes of the row whose interval text contains `label`.
std::string io_row(const std::string& table, const std::string& label) {
  std::istringstream in(table);
  for (std::string l; std::getline(in, l);)
    if (l.find(label) != std::string::npos) {
      std::string v = l.substr(l.find(label) + label.size());
      std::string compact;
      for (char c : v)
        if (c != ' ') compact += c;
      return compact;
    }
  return "(no row " + label + ")";
}
}  // namespace

TEST_CASE("io,stat: rows are added up as packets come, far rows cost a page, the last row takes the tail") {
  // Rows 0 and 1, an empty stretch, a row 70,000 intervals on (a page of its
  // own), and the final row cut at the capture's end.
  const std::string t = io_table("io,stat,1", {0.2, 0.7, 1.5, 70000.5, 70002.0}, 70002.0);
  CHECK(io_row(t, "|     0 <>     1 |") == "2|200|");
  CHECK(io_row(t, "|     1 <>     2 |") == "1|100|");
  CHECK(io_row(t, "|     2 <>     3 |") == "0|0|");
  CHECK(io_row(t, "| 70000 <> 70001 |") == "1|100|");
  CHECK(io_row(t, "| 70001 <> Dur   |") == "1|100|");
  // Interval 0 (or one longer than the capture): one row with everything.
  const std::string whole = io_table("io,stat,0", {0.0, 0.5, 3.0}, 3.0);
  CHECK(io_row(whole, "0.000 <> 3.000 |") == "3|300|");
}

TEST_CASE("label_text: tshark's format_text for -V labels") {
  using mqsniff::core::label_text;
  CHECK(label_text("a\nb\tc\r") == "a\\nb\\tc\\r");
  CHECK(label_text(std::string("x\x01y", 3)) == "x\\x01y");
  CHECK(label_text("\xef\xbb\xbf<r/>") == "\\uFEFF<r/>");  // a byte-order mark
  CHECK(label_text("h\xc3\xa9llo") == "h\xc3\xa9llo");       // valid UTF-8 as it is
  CHECK(label_text("a\xff" "b") == "a\xef\xbf\xbd" "b");     // each invalid byte a U+FFFD
  CHECK(label_text("\xc3") == "\xef\xbf\xbd");               // a sequence cut at the end
}
