// Shared by the fuzz targets: every field wanted, so every code path that
// builds fields runs.
#pragma once
#include <span>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/tcp/reassembler.h"

namespace mqsniff::fuzz {
inline const core::WantSet* want_all() {
  static const core::WantSet w = [] {
    core::WantSet s;
    s.set_all();
    return s;
  }();
  return &w;
}

// Cuts `buf` into PDUs with `framer` and calls fn(pdu, offset, first) on each
// whole one (a stream target's loop; the direction alternates with the offset).
template <typename Framer, typename Fn>
void for_each_pdu(const std::vector<uint8_t>& buf, Framer framer, Fn fn) {
  size_t pos = 0;
  bool first = true;
  while (pos < buf.size()) {
    auto f = framer(std::span<const uint8_t>(buf).subspan(pos));
    if (f.kind != tcp::PduLen::Kind::Pdu) break;
    fn(std::span<const uint8_t>(buf).subspan(pos, f.total), static_cast<uint32_t>(pos), first);
    first = false;
    pos += f.total;
  }
}
}  // namespace mqsniff::fuzz
