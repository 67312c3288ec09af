// -T json and -T ek: tshark's JSON layouts, one packet at a time (memory does
// not grow with the number of packets).
//
//   json: an array of {"_index", "_type", "_score", "_source": {"layers": ...}}
//         with each protocol's fields, subtrees as "<field>_tree" objects and
//         repeated keys as arrays (tshark's --no-duplicate-keys form);
//   ek:   per packet an index line for the Elasticsearch bulk API, then
//         {"timestamp": ms, "layers": {proto: {"<proto>_<field_with_underscores>": ...}}}.
// With -e, "layers" holds only those fields, each as an array of strings.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "src/output/render.h"
#include "src/output/writer.h"

namespace mqsniff::out {

struct JsonOptions {
  bool ek = false;
  const std::vector<FieldColumn>* columns = nullptr;  // -e; null: every field
  const cli::FieldsOptions* fopts = nullptr;
  std::vector<std::string> protocols;  // -j / -J: only these layers (empty: all)
  bool expand_children = true;         // -J (true) or -j (false: no subtrees)
  cli::TimeFormat time_format = cli::TimeFormat::Relative;
  int digits = 6;
};

class JsonOutput {
public:
  JsonOutput(Writer& w, JsonOptions o) : w_(w), o_(std::move(o)) {}
  void begin();
  void packet(const core::FieldTree& tree, const RowContext& row);
  // The whole tree from a copy of its nodes (on the render thread, without -e).
  void packet_nodes(const std::vector<core::FieldNode>& nodes, core::Timestamp ts);
  bool whole_tree() const { return !o_.columns; }
  // What is held is written now (live capture, the source idle).
  void flush();
  void end();

private:
  void emit(const std::vector<core::FieldNode>& nodes, const core::FieldTree* tree, const RowContext* row,
            core::Timestamp ts);
  // EK's "<layer>_<field>" names, made once per field and layer and kept
  // (stable: the document refers to them).
  std::string_view ek_name(core::FieldId id, std::string_view layer, std::string_view abbrev);
  struct EkName {
    std::string layer;
    std::unique_ptr<std::string> key;
  };
  std::vector<std::vector<EkName>> ek_names_;
  Writer& w_;
  JsonOptions o_;
  bool any_ = false;
  std::vector<std::vector<int32_t>> children_;  // reused across packets
  // Nodes without children whose field repeats among their siblings with a
  // subtree: tshark writes "" in the "<field>_tree" array for each of them.
  std::vector<uint8_t> tree_placeholder_;
  std::string scratch_, key_;
  RawBuf raw_;  // packets written, not yet handed to the writer
};

}  // namespace mqsniff::out
