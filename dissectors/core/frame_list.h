// tshark's account of a reassembly's parts (TLS segments, handshake
// fragments, WebSocket fragments): the label "N <what> (L bytes): #16(4),
// #17(17)" and one "Frame: 16, payload: 0-3 (4 bytes)" item per part.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "dissectors/core/field_tree.h"

namespace mqsniff::core {

// Parts: (frame number, bytes it gave).
using FrameParts = std::vector<std::pair<uint32_t, uint32_t>>;

inline std::string frame_list_label(const char* what, size_t total, const FrameParts& parts) {
  std::string label = std::to_string(parts.size()) + " " + what + " (" + std::to_string(total) + " bytes):";
  for (size_t i = 0; i < parts.size(); ++i)
    label += (i ? ", #" : " #") + std::to_string(parts[i].first) + "(" + std::to_string(parts[i].second) + ")";
  return label;
}

// One item of field `id` per part; `placed`: each spans its bytes in the reassembled data.
inline void add_frame_items(FieldTree& t, FieldId id, const FrameParts& parts, bool placed) {
  size_t at = 0;
  for (const auto& p : parts) {
    const int32_t item = t.add_uint(id, p.first, placed ? static_cast<uint32_t>(at) : 0, placed ? p.second : 0);
    if (item >= 0 && p.second) {
      char b[64];
      snprintf(b, sizeof b, ", payload: %zu-%zu (%u %s)", at, at + p.second - 1, p.second, p.second == 1 ? "byte" : "bytes");
      t.append_text(item, b);
    }
    at += p.second;
  }
}

}  // namespace mqsniff::core
