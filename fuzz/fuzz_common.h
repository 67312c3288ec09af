// Shared by the fuzz targets: every field wanted, so every code path that
// builds fields runs.
#pragma once
#include "dissectors/core/field_tree.h"

namespace mqsniff::fuzz {
inline const core::WantSet* want_all() {
  static const core::WantSet w = [] {
    core::WantSet s;
    s.set_all();
    return s;
  }();
  return &w;
}
}  // namespace mqsniff::fuzz
