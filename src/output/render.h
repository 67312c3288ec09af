// Renderers: they read the field tree and the columns, never packet bytes.
#pragma once

#include <string>
#include <vector>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/field_tree.h"
#include "src/cli/options.h"

namespace mqsniff::out {

// Per-packet facts the columns need besides the tree.
struct RowContext {
  uint64_t number = 0;
  core::Timestamp ts, rel, delta, delta_displayed;
  uint32_t len = 0;
  const core::Columns* cols = nullptr;
  int digits = -1;  // the time column's digits for this packet (its pcapng interface's), -1: the output's
};

// The time column text as tshark prints it for -t FORMAT.
void append_time_column(std::string& out, cli::TimeFormat f, const RowContext& row, int digits);

// One summary line: "    1   0.000000    127.0.0.1 → 127.0.0.1    TCP 74 ..."
void render_summary(std::string& out, const RowContext& row, cli::TimeFormat tf, int digits);

// --color: the summary line's 24-bit colours by protocol (plaintext MQTT,
// TLS, TCP problems, UDP...), in the spirit of Wireshark's default colouring
// rules. Returns the escape sequence to put before the line, or "".
const char* summary_color(const core::Columns& c, bool problem);
constexpr const char* kColorReset = "\x1b[0m";

// A `-e` column: a registry field or one of the _ws.col.* columns.
struct FieldColumn {
  std::string name;
  core::FieldId id = core::kNoField;
  enum class Col { None, Number, Time, Source, Destination, Protocol, Length, Info } col = Col::None;
};

// Resolves -e names; throws cli::UsageError listing every invalid one, as tshark does.
std::vector<FieldColumn> resolve_fields(const std::vector<std::string>& names);
bool needs_columns(const std::vector<FieldColumn>& cols);

void render_fields_header(std::string& out, const std::vector<FieldColumn>& cols, const cli::FieldsOptions& fo);
// Where a value was written in `out` (render_fields, render_tree with marks):
// worker threads note their own tcp.stream and udp.stream numbers for the
// merger to replace with the capture's, and where -V's time since the
// previous displayed frame goes (only the merger knows that frame).
struct ValueMark {
  enum Kind : uint8_t { TcpStream, UdpStream, DeltaDisplayed };
  uint32_t begin, end;  // in out
  uint64_t value;
  Kind kind = TcpStream;
};
void render_fields(std::string& out, const std::vector<FieldColumn>& cols, const cli::FieldsOptions& fo,
                   const core::FieldTree& tree, const RowContext& row, cli::TimeFormat tf, int digits,
                   core::FieldId marked = core::kNoField, std::vector<ValueMark>* marks = nullptr);

// -x: tshark's hex and ASCII dump ("0000  45 00 ...   E..."), 16 bytes a line.
void render_hexdump(std::string& out, const uint8_t* p, size_t n);

// Reassembled data a packet completed, dumped after the frame by -x.
struct DumpPart {
  const char* source;  // "TCP" / "IPv4" (static strings)
  const uint8_t* data;
  size_t size;
};
// -x for one packet: the frame's bytes; with reassembled data, each source
// gets a "Name (N bytes):" header. A blank line ends the packet.
void render_packet_bytes(std::string& out, const uint8_t* frame, size_t caplen, const DumpPart* parts, size_t nparts);

// -G fields / -G protocols in tshark's tab-separated layout.
void render_glossary_fields(std::string& out);
void render_glossary_protocols(std::string& out);

}  // namespace mqsniff::out
