// Display filters (-Y): Wireshark 4.x syntax, compiled once, evaluated per
// packet on the field tree without heap allocation.
//
//   lexer.cpp   text -> tokens (literals kept raw until their field is known)
//   filter.cpp  tokens -> AST (recursive descent: or < xor < and < not < relation)
//               -> semantic pass (fields resolved in the registry, literals
//               converted to the field's type, errors with a position)
//               -> evaluation with Wireshark's rules for repeated fields:
//               `==` any occurrence equal, `!=` no occurrence equal, `===` all
//               equal, `!==` / `~=` some occurrence different.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "filters/lexer.h"

namespace mqsniff::filter {

struct Node;

class Filter {
public:
  Filter();
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;

  // Compiles `text`; on failure returns false and `err` says where and why.
  bool compile(std::string_view text, FilterError& err);
  bool matches(const core::FieldTree& tree) const;
  // The fields the filter reads (so the dissectors build them).
  const std::vector<core::FieldId>& fields() const { return fields_; }
  // Hints for the user (a bare boolean field used as an existence test...).
  const std::vector<std::string>& hints() const { return hints_; }

private:
  std::unique_ptr<Node> root_;
  std::vector<core::FieldId> fields_;
  std::vector<std::string> hints_;
};

// "mqsniff: <message>\n    <filter>\n    <caret line>" (tshark's layout, plus suggestions).
std::string render_error(std::string_view filter, const FilterError& err);

}  // namespace mqsniff::filter
