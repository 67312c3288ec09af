#include "dissectors/core/field_tree.h"

namespace mqsniff::core {

char* StringArena::alloc(size_t n) {
  if (n == 0) n = 1;
  // Find room in the current chunk or move to the next one that fits.
  while (chunk_ < chunks_.size()) {
    if (sizes_[chunk_] - used_ >= n) {
      char* p = chunks_[chunk_].get() + used_;
      used_ += n;
      return p;
    }
    ++chunk_;
    used_ = 0;
  }
  size_t sz = n > kChunk ? n : kChunk;
  chunks_.emplace_back(new char[sz]);
  sizes_.push_back(sz);
  chunk_ = chunks_.size() - 1;
  used_ = n;
  return chunks_.back().get();
}

}  // namespace mqsniff::core
