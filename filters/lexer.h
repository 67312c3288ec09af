// Display-filter lexer (Wireshark 4.x syntax). Literals on the right of a
// comparison are kept as raw text ("words") and converted later, when the
// field's type is known - as Wireshark's "unparsed" literals.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqsniff::filter {

enum class Tok {
  End, Word, String, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, DotDot,
  Eq, Ne, AllEq, AnyNe, Lt, Gt, Le, Ge, And, Or, Xor, Not, In, Contains, Matches, BitAnd,
  Plus, Star, Percent, Hash,  // arithmetic ("-" and "/" are words: they also appear in literals)
};

struct Token {
  Tok kind = Tok::End;
  std::string text;  // words: as written; strings: unescaped value
  size_t pos = 0;    // offset in the filter text
  size_t len = 0;
};

// An error at a place in the filter: rendered tshark-style with a caret line.
struct FilterError {
  std::string message;
  size_t pos = 0, len = 0;
};

// Splits the filter into tokens; returns false and fills `err` on a lexical error.
bool lex(std::string_view text, std::vector<Token>& out, FilterError& err);

}  // namespace mqsniff::filter
