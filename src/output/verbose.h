// -V: the packet detail tree in tshark's layout: each protocol's header line
// (tshark's own wording), its fields indented by four spaces per level as
// "Name: value", bit-field lines for masked fields ("0001 .... = Message
// Type: Connect Command (1)"), value names for the fields a reader needs
// named, expert items in brackets. Hidden fields are not shown.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "dissectors/core/field_tree.h"

namespace mqsniff::out {

struct ValueMark;
class Writer;

// `only`: -O protocols (empty: all in detail; others get their header line only).
void render_tree(std::string& out, const core::FieldTree& tree, const std::vector<std::string>& only);
// The same from a copy of a tree's nodes (parents before children).
// `appended`: text after a node's line (FieldTree::append_text), by node index.
// `preorder`: the nodes are already in tree order (FieldTree::in_tree_order), no reordering needed.
void render_nodes(std::string& out, std::span<const core::FieldNode> nodes, const std::vector<std::string>& only,
                  std::span<const std::pair<int32_t, std::string_view>> appended = {}, bool preorder = false,
                  std::vector<ValueMark>* marks = nullptr, Writer* spill_to = nullptr);
// With `marks` (worker threads): where each tcp.stream, udp.stream and
// frame.time_delta_displayed value was written in `out`.
void render_tree(std::string& out, const core::FieldTree& tree, const std::vector<std::string>& only,
                 std::vector<ValueMark>* marks);
// `out` being `spill_to`'s buffer: a huge tree is written out as it is drawn.
void render_tree(Writer& spill_to, const core::FieldTree& tree, const std::vector<std::string>& only);

// A byte field's line shows at most this many bytes, then an ellipsis.
constexpr size_t kTreeBytesShown = 36;

}  // namespace mqsniff::out
