#include "filters/lexer.h"

#include <cctype>

namespace mqsniff::filter {

namespace {
bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '/' || c == ':' ||
         c == '$' || c == '@';
}
}  // namespace

bool lex(std::string_view s, std::vector<Token>& out, FilterError& err) {
  size_t i = 0;
  auto push = [&](Tok k, size_t pos, size_t len, std::string text = {}) {
    out.push_back(Token{k, std::move(text), pos, len});
  };
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    auto two = [&](const char* op) { return s.compare(i, 2, op) == 0; };
    auto three = [&](const char* op) { return s.compare(i, 3, op) == 0; };
    if (three("===")) { push(Tok::AllEq, i, 3); i += 3; continue; }
    if (three("!==")) { push(Tok::AnyNe, i, 3); i += 3; continue; }
    if (two("==")) { push(Tok::Eq, i, 2); i += 2; continue; }
    if (two("!=")) { push(Tok::Ne, i, 2); i += 2; continue; }
    if (two("~=")) { push(Tok::AnyNe, i, 2); i += 2; continue; }
    if (two("<=")) { push(Tok::Le, i, 2); i += 2; continue; }
    if (two(">=")) { push(Tok::Ge, i, 2); i += 2; continue; }
    if (two("&&")) { push(Tok::And, i, 2); i += 2; continue; }
    if (two("||")) { push(Tok::Or, i, 2); i += 2; continue; }
    if (two("^^")) { push(Tok::Xor, i, 2); i += 2; continue; }
    switch (c) {
      case '(': push(Tok::LParen, i, 1); ++i; continue;
      case ')': push(Tok::RParen, i, 1); ++i; continue;
      case '{': push(Tok::LBrace, i, 1); ++i; continue;
      case '}': push(Tok::RBrace, i, 1); ++i; continue;
      case '[': push(Tok::LBracket, i, 1); ++i; continue;
      case ']': push(Tok::RBracket, i, 1); ++i; continue;
      case ',': push(Tok::Comma, i, 1); ++i; continue;
      case '<': push(Tok::Lt, i, 1); ++i; continue;
      case '>': push(Tok::Gt, i, 1); ++i; continue;
      case '!': push(Tok::Not, i, 1); ++i; continue;
      case '~': push(Tok::Matches, i, 1); ++i; continue;
      case '&': push(Tok::BitAnd, i, 1); ++i; continue;
      case '+': push(Tok::Plus, i, 1); ++i; continue;
      case '*': push(Tok::Star, i, 1); ++i; continue;
      case '%': push(Tok::Percent, i, 1); ++i; continue;
      case '#': push(Tok::Hash, i, 1); ++i; continue;
      default: break;
    }
    if (c == '"' || (c == 'r' && i + 1 < s.size() && s[i + 1] == '"')) {
      bool raw = c == 'r';
      i += raw ? 2 : 1;
      std::string v;
      bool closed = false;
      while (i < s.size()) {
        char d = s[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && !raw && i + 1 < s.size()) {
          char e = s[++i];
          switch (e) {
            case 'n': v += '\n'; ++i; break;
            case 't': v += '\t'; ++i; break;
            case 'r': v += '\r'; ++i; break;
            case 'a': v += '\a'; ++i; break;
            case 'b': v += '\b'; ++i; break;
            case 'f': v += '\f'; ++i; break;
            case 'v': v += '\v'; ++i; break;
            case 'x': {
              int val = 0, k = 0;
              ++i;
              while (k < 2 && i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) {
                val = val * 16 + (std::isdigit(static_cast<unsigned char>(s[i])) ? s[i] - '0' : (std::tolower(s[i]) - 'a' + 10));
                ++i;
                ++k;
              }
              v += static_cast<char>(val);
              break;
            }
            default:
              if (e >= '0' && e <= '7') {
                int val = 0, k = 0;
                while (k < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7') {
                  val = val * 8 + (s[i] - '0');
                  ++i;
                  ++k;
                }
                v += static_cast<char>(val);
              } else {
                v += e;  // \" \\ and anything else: the character itself
                ++i;
              }
          }
          continue;
        }
        v += d;
        ++i;
      }
      if (!closed) {
        err = {"The final quote was missing from a quoted string.", s.size(), 1};  // tshark's caret: the end
        return false;
      }
      push(Tok::String, start, i - start, v);
      continue;
    }
    if (word_char(c)) {
      while (i < s.size() && word_char(s[i])) {
        if (s.compare(i, 2, "..") == 0 && i > start) break;  // a range: 1000..2000
        ++i;
      }
      std::string w(s.substr(start, i - start));
      // A trailing ':' belongs to a slice, not to the word (field[0:4] is lexed via brackets).
      static const struct { const char* w; Tok t; } kWords[] = {
          {"eq", Tok::Eq}, {"any_eq", Tok::Eq}, {"ne", Tok::Ne}, {"all_ne", Tok::Ne}, {"all_eq", Tok::AllEq},
          {"any_ne", Tok::AnyNe}, {"lt", Tok::Lt}, {"gt", Tok::Gt}, {"le", Tok::Le}, {"ge", Tok::Ge},
          {"and", Tok::And}, {"or", Tok::Or}, {"xor", Tok::Xor}, {"not", Tok::Not}, {"in", Tok::In},
          {"contains", Tok::Contains}, {"matches", Tok::Matches}, {"bitwise_and", Tok::BitAnd},
      };
      bool op = false;
      for (const auto& kw : kWords)
        if (w == kw.w) {
          push(kw.t, start, w.size());
          op = true;
          break;
        }
      if (!op) push(Tok::Word, start, w.size(), w);
      if (s.compare(i, 2, "..") == 0) {
        push(Tok::DotDot, i, 2);
        i += 2;
      }
      continue;
    }
    if (c == '.' && s.compare(i, 2, "..") == 0) {
      push(Tok::DotDot, i, 2);
      i += 2;
      continue;
    }
    err = {std::string("\"") + c + "\" was unexpected in this context.", i, 1};
    return false;
  }
  push(Tok::End, s.size(), 0);
  return true;
}

}  // namespace mqsniff::filter
