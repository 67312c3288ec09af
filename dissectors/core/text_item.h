// Text-only tree items, as tshark shows some subtrees ("Extension:
// server_name (len=14)", "Server Name Indication extension"): a line in -V,
// a key in -T json, nothing of their own in -T ek (their children stay).
// Built only when the whole tree is wanted (-V, -T json|ek): nothing names them.
#pragma once
#include <string_view>

#include "dissectors/core/field_tree.h"
#include "dissectors/link/link_fields.h"

namespace mqsniff::core {

// Adds the item (-1 when not wanted); close it with Subtree or t.close() after entering.
inline int32_t add_text(FieldTree& t, std::string_view label, uint32_t off, uint32_t len, uint8_t flags = 0) {
  int32_t idx = t.add_none(link::ws_f::text, off, len, flags);
  if (idx >= 0) t.set_label(idx, label);
  return idx;
}

}  // namespace mqsniff::core
