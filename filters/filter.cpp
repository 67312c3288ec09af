#include "filters/filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <strings.h>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/value_names.h"
#include "dissectors/mqtt/mqtt_topic.h"

namespace mqsniff::filter {
using core::FieldDef;
using core::FieldNode;
using core::FieldType;
using core::ValueKind;

namespace {

enum class Fn : uint8_t { Len, Count, Lower, Upper, String, Max, Min, Abs };
struct FnInfo {
  const char* name;
  Fn fn;
  int min_args, max_args;
};
constexpr FnInfo kFns[] = {{"len", Fn::Len, 1, 1},       {"count", Fn::Count, 1, 1}, {"lower", Fn::Lower, 1, 1},
                           {"upper", Fn::Upper, 1, 1},   {"string", Fn::String, 1, 1},
                           {"max", Fn::Max, 1, INT_MAX}, {"min", Fn::Min, 1, INT_MAX}, {"abs", Fn::Abs, 1, 1}};

// A literal converted to the type of what it is compared with.
struct Lit {
  enum class K : uint8_t { Int, Str, Bytes, Ip4, Ip6, Double, Topic } k = K::Int;
  int64_t i = 0, hi = 0;  // hi: upper bound of a range
  bool range = false;
  double d = 0, dhi = 0;
  std::string s;          // Str/Bytes/Topic
  uint32_t ip4 = 0, mask4 = 0xffffffff;
  uint8_t ip6[16]{};
  int prefix6 = 128;
};

// A literal as written.
struct Raw {
  std::string text;
  bool quoted = false;
  size_t pos = 0, len = 0;
  std::string hi;  // range upper bound
  bool range = false;
};

struct Regex {
  pcre2_code* code = nullptr;
  pcre2_match_data* md = nullptr;
  ~Regex() {
    if (md) pcre2_match_data_free(md);
    if (code) pcre2_code_free(code);
  }
};

// Which values can meet in a comparison or an arithmetic operation.
enum class Cls : uint8_t { None, Int, Str, Bytes, Ip4, Ip6, Ether, AbsTime, RelTime, Dbl };
Cls cls_of(FieldType t) {
  switch (t) {
    case FieldType::UInt8: case FieldType::UInt16: case FieldType::UInt24: case FieldType::UInt32:
    case FieldType::UInt64: case FieldType::Int8: case FieldType::Int16: case FieldType::Int32:
    case FieldType::Int64: case FieldType::FrameNum: case FieldType::Boolean: return Cls::Int;
    case FieldType::String: case FieldType::UIntString: case FieldType::Oid: return Cls::Str;
    case FieldType::Bytes: case FieldType::Protocol: return Cls::Bytes;
    case FieldType::Ipv4: return Cls::Ip4;
    case FieldType::Ipv6: return Cls::Ip6;
    case FieldType::Ether: return Cls::Ether;
    case FieldType::AbsoluteTime: return Cls::AbsTime;
    case FieldType::RelativeTime: return Cls::RelTime;
    case FieldType::Double: case FieldType::Float: return Cls::Dbl;
    default: return Cls::None;
  }
}

}  // namespace

// A value expression: a field, a literal, a slice, a function call or
// arithmetic. Evaluated per packet into `vals` (one entry per occurrence);
// the vectors keep their capacity, so evaluation allocates nothing once warm.
struct Expr {
  enum class K : uint8_t { Field, Lit, Slice, Call, Arith, Neg } k = K::Lit;
  size_t pos = 0, len = 0;  // span in the filter text
  // Field
  core::FieldId field = core::kNoField;
  const FieldDef* def = nullptr;
  bool layered = false;                // field#N / field#[a:b]: only these layers of the field's protocol
  int64_t layer_lo = 0, layer_hi = 0;  // 1-based, inclusive
  // Lit
  Raw raw;
  Lit lit;
  // Slice: [start:len], len -1 to the end
  int64_t start = 0, slen = -1;
  // Call / Arith
  Fn fn = Fn::Len;
  char aop = '+';
  std::vector<std::unique_ptr<Expr>> kids;
  // After typing: the type of the values, and the field whose name and value
  // names a literal compared with this expression is judged by.
  FieldType type = FieldType::None;
  const FieldDef* owner = nullptr;
  mutable std::vector<FieldNode> vals;
  mutable std::string store;  // text made by lower()/upper()/string()/&
};

struct Node {
  enum class K : uint8_t { Or, Xor, And, Not, Test, Cmp, In, Contains, Matches, TopicMatch } k;
  std::unique_ptr<Node> a, b;
  std::shared_ptr<Expr> lhs, rhs;  // rhs null: compared with `lits`
  Tok op = Tok::Eq;
  std::string op_text;
  std::vector<Raw> raws;                         // literals as written, converted into `lits`
  std::vector<Lit> lits;                         // Cmp/Contains: one; In: the literal members
  std::vector<std::shared_ptr<Expr>> members;    // In: members that are fields
  std::unique_ptr<Regex> re;
};

namespace {

// ---------------------------------------------------------------- literals
bool parse_int(const std::string& w, int64_t& out) {
  const char* b = w.data();
  const char* e = b + w.size();
  bool neg = false;
  if (b != e && *b == '-') {
    neg = true;
    ++b;
  }
  int base = 10;
  if (e - b > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')) {
    base = 16;
    b += 2;
  } else if (e - b > 2 && b[0] == '0' && (b[1] == 'b' || b[1] == 'B')) {
    base = 2;
    b += 2;
  } else if (e - b > 1 && b[0] == '0') {
    base = 8;
  }
  uint64_t v = 0;
  auto r = std::from_chars(b, e, v, base);
  if (r.ec != std::errc() || r.ptr != e) return false;
  out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool parse_bytes(const std::string& w, std::string& out) {
  // aa:bb:cc, aa-bb-cc, aa.bb.cc or a single byte
  out.clear();
  size_t i = 0;
  while (i < w.size()) {
    if (i + 1 >= w.size() || !std::isxdigit(static_cast<unsigned char>(w[i])) ||
        !std::isxdigit(static_cast<unsigned char>(w[i + 1])))
      return false;
    out += static_cast<char>(std::stoi(w.substr(i, 2), nullptr, 16));
    i += 2;
    if (i < w.size()) {
      if (w[i] != ':' && w[i] != '-' && w[i] != '.') return false;
      ++i;
      if (i == w.size()) return false;
    }
  }
  return !out.empty();
}

const char* type_desc(FieldType t) {
  switch (t) {
    case FieldType::UInt8: return "Unsigned integer (1 byte)";
    case FieldType::UInt16: return "Unsigned integer (2 bytes)";
    case FieldType::UInt24: return "Unsigned integer (3 bytes)";
    case FieldType::UInt32: return "Unsigned integer (4 bytes)";
    case FieldType::UInt64: return "Unsigned integer (8 bytes)";
    case FieldType::Int8: case FieldType::Int16: case FieldType::Int32: case FieldType::Int64: return "Signed integer";
    case FieldType::Boolean: return "Boolean";
    case FieldType::String: case FieldType::UIntString: return "Character string";
    case FieldType::Oid: return "ASN.1 object identifier";
    case FieldType::Bytes: return "Byte sequence";
    case FieldType::Ipv4: return "IPv4 address";
    case FieldType::Ipv6: return "IPv6 address";
    case FieldType::Ether: return "Ethernet or other MAC address";
    case FieldType::AbsoluteTime: return "Date and time";
    case FieldType::RelativeTime: return "Time offset";
    case FieldType::FrameNum: return "Frame number";
    case FieldType::Protocol: return "Protocol";
    default: return "Label";
  }
}

// ---------------------------------------------------------------- parsing
// Precedence, loosest first (Wireshark 4.0): or, xor, and, not, relation
// (chains: a < b < c is a < b and b < c), &, + -, * / %, unary -, slices.
// Parentheses group tests; braces group arithmetic ({tcp.srcport + 1} == 1884).
bool is_relop(Tok k) {
  switch (k) {
    case Tok::Eq: case Tok::Ne: case Tok::AllEq: case Tok::AnyNe: case Tok::Lt: case Tok::Gt: case Tok::Le: case Tok::Ge:
      return true;
    default: return false;
  }
}

// Looks like a field name (so "not a field" is the error, not "a literal on the left").
bool field_like(std::string_view w) {
  if (w.empty() || !(std::isalpha(static_cast<unsigned char>(w[0])) || w[0] == '_')) return false;
  for (char c : w)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

class Parser {
public:
  Parser(std::string_view text, std::vector<Token>& t, FilterError& err, std::vector<std::string>& hints)
      : text_(text), t_(t), err_(err), hints_(hints) {}
  std::unique_ptr<Node> parse() {
    auto n = parse_or();
    if (!n) return nullptr;
    if (peek().kind != Tok::End) return fail_here();
    return n;
  }
  std::vector<core::FieldId> fields;
  std::vector<Node*> leaves;  // comparison nodes, for the typing pass

private:
  const Token& peek(size_t ahead = 0) const { return t_[std::min(i_ + ahead, t_.size() - 1)]; }
  const Token& take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  bool word(std::string_view w) const { return peek().kind == Tok::Word && peek().text == w; }
  std::unique_ptr<Node> fail_here() {
    const Token& k = peek();
    if (k.kind == Tok::End) err_ = {"Unexpected end of filter expression.", k.pos, 1};
    else err_ = {"\"" + std::string(k.kind == Tok::String ? "\"" + k.text + "\"" : std::string(text_.substr(k.pos, k.len))) +
                     "\" was unexpected in this context.",
                 k.pos, k.len};
    return nullptr;
  }
  std::unique_ptr<Expr> fail_expr() {
    fail_here();
    return nullptr;
  }
  // Hostile or generated filters: nesting is bounded (the parser recurses,
  // and so do the passes over its tree) and so is the number of terms (a
  // chain of operators makes a tree as deep as it is long).
  static constexpr int kMaxDepth = 256;
  static constexpr size_t kMaxTerms = 4096;
  int depth_ = 0;
  size_t terms_ = 0;
  struct Nest {
    Parser& p;
    explicit Nest(Parser& q) : p(q) { ++p.depth_; }
    ~Nest() { --p.depth_; }
  };
  // False (with the error set) past a limit.
  bool within_limits() {
    if (depth_ <= kMaxDepth && terms_ <= kMaxTerms) return true;
    if (err_.message.empty())
      err_ = {depth_ > kMaxDepth ? "The filter is nested too deeply (more than 256 levels of parentheses, braces or "
                                   "operators)."
                                 : "The filter has too many terms (more than 4096 operators).",
              peek().pos, 1};
    return false;
  }
  bool one_more_term() {
    ++terms_;
    return within_limits();
  }
  std::unique_ptr<Node> bin(Node::K k, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    auto n = std::make_unique<Node>();
    n->k = k;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }
  using Level = std::unique_ptr<Node> (Parser::*)();
  std::unique_ptr<Node> binary(Tok op, Node::K k, Level next) {
    auto l = (this->*next)();
    while (l && peek().kind == op) {
      if (!one_more_term()) return nullptr;
      take();
      auto r = (this->*next)();
      if (!r) return nullptr;
      l = bin(k, std::move(l), std::move(r));
    }
    return l;
  }
  std::unique_ptr<Node> parse_or() {
    Nest nest(*this);
    if (!within_limits()) return nullptr;
    return binary(Tok::Or, Node::K::Or, &Parser::parse_xor);
  }
  std::unique_ptr<Node> parse_xor() { return binary(Tok::Xor, Node::K::Xor, &Parser::parse_and); }
  std::unique_ptr<Node> parse_and() { return binary(Tok::And, Node::K::And, &Parser::parse_not); }
  std::unique_ptr<Node> parse_not() {
    if (peek().kind == Tok::Not) {
      Nest nest(*this);
      if (!within_limits()) return nullptr;
      take();
      auto x = parse_not();
      if (!x) return nullptr;
      return bin(Node::K::Not, std::move(x), nullptr);
    }
    return parse_rel();
  }

  // ---- value expressions
  static std::unique_ptr<Expr> arith(char op, std::unique_ptr<Expr> a, std::unique_ptr<Expr> b) {
    auto e = std::make_unique<Expr>();
    e->k = Expr::K::Arith;
    e->aop = op;
    e->pos = a->pos;
    e->len = b->pos + b->len - a->pos;
    e->kids.push_back(std::move(a));
    e->kids.push_back(std::move(b));
    return e;
  }
  std::unique_ptr<Expr> parse_arith() {  // a & b
    Nest nest(*this);
    if (!within_limits()) return nullptr;
    auto l = parse_additive();
    while (l && peek().kind == Tok::BitAnd) {
      if (!one_more_term()) return nullptr;
      take();
      auto r = parse_additive();
      if (!r) return nullptr;
      l = arith('&', std::move(l), std::move(r));
    }
    return l;
  }
  std::unique_ptr<Expr> parse_additive() {
    auto l = parse_mult();
    while (l && (peek().kind == Tok::Plus || word("-"))) {
      if (!one_more_term()) return nullptr;
      char op = peek().kind == Tok::Plus ? '+' : '-';
      take();
      auto r = parse_mult();
      if (!r) return nullptr;
      l = arith(op, std::move(l), std::move(r));
    }
    return l;
  }
  std::unique_ptr<Expr> parse_mult() {
    auto l = parse_unary();
    while (l && (peek().kind == Tok::Star || peek().kind == Tok::Percent || word("/"))) {
      if (!one_more_term()) return nullptr;
      char op = peek().kind == Tok::Star ? '*' : peek().kind == Tok::Percent ? '%' : '/';
      take();
      auto r = parse_unary();
      if (!r) return nullptr;
      l = arith(op, std::move(l), std::move(r));
    }
    return l;
  }
  static std::unique_ptr<Expr> negate(std::unique_ptr<Expr> x, size_t pos) {
    auto e = std::make_unique<Expr>();
    e->k = Expr::K::Neg;
    e->pos = pos;
    e->len = x->pos + x->len - pos;
    e->kids.push_back(std::move(x));
    return e;
  }
  std::unique_ptr<Expr> parse_unary() {
    Nest nest(*this);  // (a "+" or "-" recurses)
    if ((peek().kind == Tok::Plus || word("-")) && !within_limits()) return nullptr;
    if (peek().kind == Tok::Plus) {
      take();
      return parse_unary();
    }
    if (word("-")) {
      size_t pos = take().pos;
      auto x = parse_unary();
      if (!x) return nullptr;
      return negate(std::move(x), pos);
    }
    auto e = parse_atom();
    while (e && peek().kind == Tok::LBracket) {
      auto s = std::make_unique<Expr>();
      s->k = Expr::K::Slice;
      s->pos = e->pos;
      if (!parse_slice(*s)) return nullptr;
      s->len = t_[i_ - 1].pos + 1 - s->pos;
      s->kids.push_back(std::move(e));
      e = std::move(s);
    }
    return e;
  }
  std::unique_ptr<Expr> field_expr(core::FieldId id, const Token& k) {
    auto e = std::make_unique<Expr>();
    e->k = Expr::K::Field;
    e->field = id;
    e->def = core::FieldRegistry::instance().def(id);
    e->pos = k.pos;
    e->len = k.len;
    fields.push_back(id);
    return e;
  }
  std::unique_ptr<Expr> parse_atom() {
    const Token& k = peek();
    if (k.kind == Tok::LBrace) {  // {arithmetic}
      size_t open = take().pos;
      auto e = parse_arith();
      if (!e) return nullptr;
      if (peek().kind != Tok::RBrace) {
        if (peek().kind == Tok::End) err_ = {"Unexpected end of filter expression. The \"{\" here is never closed.", open, 1};
        else fail_here();
        return nullptr;
      }
      take();
      return e;
    }
    if (k.kind == Tok::String) {
      auto e = std::make_unique<Expr>();
      e->raw = {k.text, true, k.pos, k.len};
      e->pos = k.pos;
      e->len = k.len;
      take();
      return e;
    }
    if (k.kind != Tok::Word) return fail_expr();
    const auto& reg = core::FieldRegistry::instance();
    auto id = reg.find(k.text);
    if (!id && peek(1).kind == Tok::LParen) return parse_call();
    if (id) {
      Token ft = take();
      auto e = field_expr(*id, ft);
      if (peek().kind == Tok::Hash && !parse_layer(*e)) return nullptr;
      return e;
    }
    if (k.text.size() > 1 && k.text[0] == '-') {  // -tcp.srcport (one word for the lexer)
      if (auto nid = reg.find(std::string_view(k.text).substr(1))) {
        Token ft = take();
        Token inner = ft;
        inner.pos += 1;
        inner.len -= 1;
        return negate(field_expr(*nid, inner), ft.pos);
      }
    }
    auto e = std::make_unique<Expr>();
    e->raw = {k.text, false, k.pos, k.len};
    e->pos = k.pos;
    e->len = k.len;
    take();
    return e;
  }
  std::unique_ptr<Expr> parse_call() {
    Token name = take();
    take();  // (
    const FnInfo* fi = nullptr;
    for (const auto& f : kFns)
      if (name.text == f.name) fi = &f;
    if (!fi) {
      err_ = {"Function '" + name.text + "' does not exist", name.pos, name.len};
      return nullptr;
    }
    auto e = std::make_unique<Expr>();
    e->k = Expr::K::Call;
    e->fn = fi->fn;
    e->pos = name.pos;
    while (peek().kind != Tok::RParen) {
      if (!e->kids.empty()) {
        if (peek().kind != Tok::Comma) return fail_expr();
        take();
      }
      auto a = parse_arith();
      if (!a) return nullptr;
      e->kids.push_back(std::move(a));
    }
    e->len = take().pos + 1 - name.pos;
    int n = static_cast<int>(e->kids.size());
    if (n < fi->min_args) {
      err_ = {"Function " + name.text + " needs at least " + std::to_string(fi->min_args) + " arguments.", name.pos, name.len};
      return nullptr;
    }
    if (n > fi->max_args) {
      err_ = {"Function " + name.text + " can only accept " + std::to_string(fi->max_args) + " arguments.", name.pos, name.len};
      return nullptr;
    }
    return e;
  }
  // The text inside [...]: words and colons as written.
  bool bracket_spec(std::string& spec, size_t& open) {
    open = peek().pos;
    take();
    spec.clear();
    while (peek().kind != Tok::RBracket) {
      if (peek().kind == Tok::End) {
        err_ = {"Unexpected end of filter expression. The \"[\" here is never closed.", open, 1};
        return false;
      }
      spec += peek().kind == Tok::Word ? peek().text : peek().kind == Tok::Colon ? ":" : "?";
      take();
    }
    take();
    return true;
  }
  static bool num(const std::string& t, int64_t& v) {
    if (t.empty()) return false;
    auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    return r.ec == std::errc() && r.ptr == t.data() + t.size();
  }
  // field[i:j] (start, length), field[i-j] (inclusive), field[i], field[i:], field[:j];
  // negative offsets count from the end (Wireshark's slice syntax).
  bool parse_slice(Expr& e) {
    std::string spec;
    size_t open;
    if (!bracket_spec(spec, open)) return false;
    int64_t a = 0, b = 0;
    size_t colon = spec.find(':');
    size_t dash = spec.find('-', 1);
    bool ok;
    if (colon != std::string::npos) {
      std::string l = spec.substr(0, colon), r = spec.substr(colon + 1);
      ok = (l.empty() || num(l, a)) && (r.empty() || (num(r, b) && b >= 0));
      e.start = l.empty() ? 0 : a;
      e.slen = r.empty() ? -1 : b;
    } else if (dash != std::string::npos) {
      ok = num(spec.substr(0, dash), a) && num(spec.substr(dash + 1), b) && b >= a;
      e.start = a;
      e.slen = b - a + 1;
    } else {
      ok = num(spec, a);
      e.start = a;
      e.slen = 1;
    }
    if (!ok) {
      err_ = {"\"" + spec + "\" is not a valid slice (use [i:len], [i-j], [i], [i:] or [:len]).", open, spec.size() + 2};
      return false;
    }
    return true;
  }
  // field#N, field#[a:b] (layers a .. a+b-1), field#[a-b], field#[a]: the
  // occurrences inside those layers of the field's protocol.
  bool parse_layer(Expr& e) {
    const Token& h = take();
    const Token& n = peek();
    size_t at = h.pos + 1;
    bool adjacent = n.pos == at;
    if (adjacent && n.kind == Tok::Word && !n.text.empty() &&
        std::all_of(n.text.begin(), n.text.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      int64_t v = 0;
      if (!num(n.text, v)) v = INT64_MAX;
      e.layer_lo = e.layer_hi = v;
      take();
    } else if (adjacent && n.kind == Tok::LBracket) {
      std::string spec;
      size_t open;
      if (!bracket_spec(spec, open)) return false;
      int64_t a = 0, b = 0;
      size_t colon = spec.find(':'), dash = spec.find('-');
      bool ok;
      if (colon != std::string::npos) {
        ok = num(spec.substr(0, colon), a) && num(spec.substr(colon + 1), b);
        e.layer_lo = a;
        e.layer_hi = a + b - 1;
      } else if (dash != std::string::npos) {
        ok = num(spec.substr(0, dash), a) && num(spec.substr(dash + 1), b);
        if (ok && a >= b) {
          err_ = {"Range " + spec + " isn't valid because " + std::to_string(a) + " is greater or equal than " +
                      std::to_string(b),
                  open + 1, spec.size()};
          return false;
        }
        e.layer_lo = a;
        e.layer_hi = b;
      } else {
        ok = num(spec, a);
        e.layer_lo = e.layer_hi = a;
      }
      if (!ok) {
        err_ = {"\"" + spec + "\" is not a valid layer range.", open, spec.size() + 2};
        return false;
      }
    } else {
      char c = at < text_.size() ? text_[at] : ' ';
      if (std::isspace(static_cast<unsigned char>(c))) c = ' ';
      err_ = {std::string("Expected digit or \"[\", not \"") + c + "\"", at, 1};
      return false;
    }
    e.layered = true;  // a selection that can match nothing (#0) still compiles, as in tshark
    return true;
  }

  // ---- relations
  bool literal(Raw& r) {
    const Token& k = peek();
    if (k.kind == Tok::String) r = {k.text, true, k.pos, k.len};
    else if (k.kind == Tok::Word) r = {k.text, false, k.pos, k.len};
    else {
      fail_here();
      return false;
    }
    take();
    if (peek().kind == Tok::DotDot) {
      take();
      const Token& h = peek();
      if (h.kind != Tok::Word && h.kind != Tok::String) {
        fail_here();
        return false;
      }
      r.range = true;
      r.hi = h.text;
      r.len = h.pos + h.len - r.pos;
      take();
    }
    return true;
  }
  bool left_side_ok(const Expr& lhs, const std::string& op) {
    if (lhs.k != Expr::K::Lit) return true;
    std::string m = "Left side of \"" + op + "\" expression must be a field or function, not " +
                    std::string(text_.substr(lhs.pos, lhs.len)) + ".";
    if (!lhs.raw.quoted && field_like(lhs.raw.text)) m += suggestion(lhs.raw.text);
    err_ = {m, lhs.pos, lhs.len};
    return false;
  }
  static std::string suggestion(const std::string& word) {
    auto sug = core::FieldRegistry::instance().suggest(word);
    if (sug.empty()) return {};
    std::string m = " Did you mean ";
    for (size_t j = 0; j < sug.size(); ++j) m += (j ? ", " : "") + std::string(sug[j]);
    return m + "?";
  }
  bool not_a_field(const Expr& e) {
    std::string m = std::string(text_.substr(e.pos, e.len)) + " is neither a field nor a protocol name.";
    if (field_like(e.raw.text)) m += suggestion(e.raw.text);
    err_ = {m, e.pos, e.len};
    return false;
  }
  std::unique_ptr<Node> leaf(Node::K k, std::shared_ptr<Expr> lhs) {
    auto n = std::make_unique<Node>();
    n->k = k;
    n->lhs = std::move(lhs);
    leaves.push_back(n.get());
    return n;
  }
  // The right side of a comparison: a literal stays raw until the left side's
  // type is known; anything else is an expression.
  void set_rhs(Node& n, std::shared_ptr<Expr> rhs) {
    if (rhs->k == Expr::K::Lit) n.raws.push_back(rhs->raw);
    n.rhs = std::move(rhs);
  }
  std::unique_ptr<Node> parse_rel() {
    if (peek().kind == Tok::LParen) {
      size_t open = peek().pos;
      take();
      auto n = parse_or();
      if (!n) return nullptr;
      if (peek().kind != Tok::RParen) {
        if (peek().kind == Tok::End) err_ = {"Unexpected end of filter expression. The \"(\" here is never closed.", open, 1};
        else fail_here();
        return nullptr;
      }
      take();
      return n;
    }
    std::shared_ptr<Expr> lhs = parse_arith();
    if (!lhs) return nullptr;
    Tok op = peek().kind;
    if (is_relop(op)) {
      std::unique_ptr<Node> result;
      std::shared_ptr<Expr> left = lhs;
      while (is_relop(peek().kind)) {
        const Token& o = take();
        std::string op_text(text_.substr(o.pos, o.len));
        if (!left_side_ok(*left, op_text)) return nullptr;
        std::shared_ptr<Expr> right = parse_arith();
        if (!right) return nullptr;
        auto n = leaf(Node::K::Cmp, left);
        n->op = o.kind;
        n->op_text = op_text;
        set_rhs(*n, right);
        result = result ? bin(Node::K::And, std::move(result), std::move(n)) : std::move(n);
        left = right;
      }
      return result;
    }
    switch (op) {
      case Tok::Contains: {
        if (!left_side_ok(*lhs, "contains")) return nullptr;
        take();
        std::shared_ptr<Expr> right = parse_arith();
        if (!right) return nullptr;
        auto n = leaf(Node::K::Contains, lhs);
        set_rhs(*n, right);
        return n;
      }
      case Tok::Matches: {
        if (!left_side_ok(*lhs, "matches")) return nullptr;
        take();
        std::shared_ptr<Expr> right = parse_arith();
        if (!right) return nullptr;
        if (right->k != Expr::K::Lit || !right->raw.quoted) {
          err_ = {"Matches requires a double quoted string on the right side.", right->pos, right->len};
          return nullptr;
        }
        auto n = leaf(Node::K::Matches, lhs);
        set_rhs(*n, right);
        return n;
      }
      case Tok::In: case Tok::Not: {
        bool negate = false;
        if (op == Tok::Not) {  // "not in"
          if (peek(1).kind != Tok::In) return fail_here();
          take();
          negate = true;
        }
        if (!left_side_ok(*lhs, "in")) return nullptr;
        if (lhs->k == Expr::K::Arith || lhs->k == Expr::K::Neg) return fail_here();  // tshark: "in" takes a field
        take();
        if (peek().kind != Tok::LBrace) return fail_here();
        size_t open = take().pos;
        auto n = leaf(Node::K::In, lhs);
        while (peek().kind != Tok::RBrace) {
          const Token& k = peek();
          if (k.kind == Tok::Word && core::FieldRegistry::instance().find(k.text)) {
            auto m = parse_unary();
            if (!m) return nullptr;
            n->members.push_back(std::move(m));
          } else {
            Raw r;
            if (!literal(r)) return nullptr;
            n->raws.push_back(std::move(r));
          }
          // Commas (Wireshark 4.x) and whitespace (lab sheets, older Wiresharks) both separate.
          if (peek().kind == Tok::Comma) take();
          if (peek().kind == Tok::End) {
            err_ = {"Unexpected end of filter expression. The \"{\" here is never closed.", open, 1};
            return nullptr;
          }
        }
        take();
        if (n->raws.empty() && n->members.empty()) {
          err_ = {"A set must contain at least one element.", lhs->pos, lhs->len};
          return nullptr;
        }
        if (negate) return bin(Node::K::Not, std::move(n), nullptr);
        return n;
      }
      case Tok::Word:
        if (peek().text == "matches_topic") {
          if (!left_side_ok(*lhs, "matches_topic")) return nullptr;
          take();
          Raw r;
          if (!literal(r)) return nullptr;
          auto n = leaf(Node::K::TopicMatch, lhs);
          n->raws.push_back(std::move(r));
          return n;
        }
        return fail_here();
      default: break;
    }
    if (lhs->k == Expr::K::Lit) {
      not_a_field(*lhs);
      return nullptr;
    }
    if (lhs->k == Expr::K::Field && lhs->def->type == FieldType::Boolean)
      hints_.push_back("note: \"" + std::string(lhs->def->abbrev) + "\" alone only tests that the field is present; did you mean " +
                       std::string(lhs->def->abbrev) + " == 1?");
    return leaf(Node::K::Test, lhs);
  }

  std::string_view text_;
  std::vector<Token>& t_;
  size_t i_ = 0;
  FilterError& err_;
  std::vector<std::string>& hints_;
};

// ---------------------------------------------------------------- typing
// Every value names a set of possible numbers by text (tshark's value strings):
// `mqtt.msgtype == "Publish Message"`. Looked up case-insensitively.
uint64_t value_range(FieldType t) {
  switch (t) {
    case FieldType::UInt8: case FieldType::Int8: return 256;
    default: return 65536;  // wider fields: the names tshark gives are all below this
  }
}
// Fields whose named values lie beyond that range (`_ws.expert.severity ==
// error`): their values, which are few.
std::vector<uint64_t> sparse_values(std::string_view abbrev) {
  std::vector<uint64_t> v;
  if (abbrev == "_ws.expert.severity")
    for (uint64_t k = 1; k <= 8; ++k) v.push_back(k << 20);
  else if (abbrev == "_ws.expert.group")
    for (uint64_t k = 1; k <= 15; ++k) v.push_back(k << 24);
  return v;
}
bool has_value_names(const FieldDef& d) {
  if (!core::is_integer(d.type)) return false;
  for (uint64_t v : sparse_values(d.abbrev))
    if (core::value_name(d.abbrev, v)) return true;
  uint64_t n = value_range(d.type);
  for (uint64_t v = 0; v < n; ++v)
    if (core::value_name(d.abbrev, v)) return true;
  return false;
}
bool value_by_name(const FieldDef& d, const std::string& name, int64_t& out) {
  auto match = [&](uint64_t v) {
    const char* vn = core::value_name(d.abbrev, v);
    if (vn && strcasecmp(vn, name.c_str()) == 0) {
      out = static_cast<int64_t>(v);
      return true;
    }
    return false;
  };
  for (uint64_t v : sparse_values(d.abbrev))
    if (match(v)) return true;
  uint64_t n = value_range(d.type);
  for (uint64_t v = 0; v < n; ++v)
    if (match(v)) return true;
  return false;
}
uint64_t max_of(FieldType t) {
  switch (t) {
    case FieldType::UInt8: return 0xff;
    case FieldType::UInt16: return 0xffff;
    case FieldType::UInt24: return 0xffffff;
    case FieldType::UInt32: case FieldType::FrameNum: return 0xffffffffu;
    default: return UINT64_MAX;
  }
}

enum class Use : uint8_t { Compare, Contains, Matches, Topic, Operand };

// Converts a literal to type `t` (the other side's). `def`: the field that
// names its values and is named in messages; `what`: the other side as written.
bool convert(FieldType t, const FieldDef* def, std::string_view what, Use use, const Raw& r, Lit& out,
             FilterError& err) {
  auto bad = [&](const std::string& m) {
    err = {m, r.pos, r.len};
    return false;
  };
  std::string name = def ? std::string(def->abbrev) : std::string(what);
  if (use == Use::Topic) {
    if (cls_of(t) != Cls::Str) return bad(name + " is not a topic: matches_topic works on strings.");
    out.k = Lit::K::Topic;
    out.s = r.text;
    return true;
  }
  if (use == Use::Contains || use == Use::Matches) {
    if (cls_of(t) != Cls::Str && cls_of(t) != Cls::Bytes)
      return bad(name + " (type=" + type_desc(t) + ") cannot participate in '" +
                 (use == Use::Contains ? "contains" : "matches") + "' comparison.");
    out.k = Lit::K::Str;
    if (cls_of(t) == Cls::Bytes && !r.quoted && use == Use::Contains) {
      std::string b;
      if (parse_bytes(r.text, b)) {
        out.s = b;
        return true;
      }
    }
    out.s = r.text;
    return true;
  }
  if (r.quoted && use == Use::Operand && cls_of(t) != Cls::Str)
    return bad("\"" + r.text + "\" is not a valid arithmetic operand.");
  switch (cls_of(t)) {
    case Cls::Int: {
      auto one = [&](const std::string& w, bool quoted, int64_t& v) {
        if (t == FieldType::Boolean) {
          if (!quoted && parse_int(w, v)) {
            v = v != 0;
            return true;
          }
          if (w == "True" || w == "TRUE" || strcasecmp(w.c_str(), "set") == 0) { v = 1; return true; }
          if (w == "False" || w == "FALSE" || strcasecmp(w.c_str(), "not set") == 0) { v = 0; return true; }
          return bad("\"" + w + "\" cannot be found among the possible values for " + name + ".");
        }
        if (!quoted && parse_int(w, v)) {
          if (v > 0 && static_cast<uint64_t>(v) > max_of(t))
            return bad("\"" + w + "\" too big for this field, maximum " + std::to_string(max_of(t)) + ".");
          return true;
        }
        if (def && has_value_names(*def)) {
          if (value_by_name(*def, w, v)) return true;
          return bad("\"" + w + "\" cannot be found among the possible values for " + name + ".");
        }
        if (quoted) return bad(std::string(type_desc(t)) + " cannot be converted from a string (\"" + w + "\").");
        return bad("\"" + w + "\" is not a valid number for " + name + ".");
      };
      out.k = Lit::K::Int;
      if (!one(r.text, r.quoted, out.i)) return false;
      if (r.range && !one(r.hi, false, out.hi)) return false;
      out.range = r.range;
      return true;
    }
    case Cls::Str:
      out.k = Lit::K::Str;
      out.s = r.text;
      return true;
    case Cls::Bytes: {
      out.k = Lit::K::Bytes;
      if (r.quoted) {
        out.s = r.text;
        return true;
      }
      if (parse_bytes(r.text, out.s)) return true;
      // One byte written as a number: 0x10, or a single hex digit.
      std::string w = r.text;
      if (w.size() > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) w = w.substr(2);
      if (!w.empty() && w.size() <= 2 && std::all_of(w.begin(), w.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        out.s.assign(1, static_cast<char>(std::stoi(w, nullptr, 16)));
        return true;
      }
      if (t == FieldType::Protocol) {  // tcp == 1: compared as text, as tshark does
        out.s = r.text;
        return true;
      }
      return bad("\"" + r.text + "\" is not a valid byte string.");
    }
    case Cls::Ether: {
      out.k = Lit::K::Bytes;
      if (r.quoted) return bad(std::string(type_desc(t)) + " cannot be converted from a string (\"" + r.text + "\").");
      if (!parse_bytes(r.text, out.s) || out.s.size() != 6) return bad("\"" + r.text + "\" is not a valid MAC address.");
      return true;
    }
    case Cls::Ip4: {
      out.k = Lit::K::Ip4;
      if (r.quoted) return bad(std::string(type_desc(t)) + " cannot be converted from a string (\"" + r.text + "\").");
      std::string a = r.text;
      int bits = 32;
      if (auto slash = a.find('/'); slash != std::string::npos) {
        int64_t b;
        if (!parse_int(a.substr(slash + 1), b) || b < 0 || b > 32)
          return bad("\"" + a.substr(slash + 1) + "\" is not a valid prefix length (0-32).");
        bits = static_cast<int>(b);
        a = a.substr(0, slash);
      }
      in_addr x;
      if (inet_pton(AF_INET, a.c_str(), &x) != 1) return bad("\"" + a + "\" is not a valid hostname or IPv4 address.");
      out.ip4 = ntohl(x.s_addr);
      out.mask4 = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
      return true;
    }
    case Cls::Ip6: {
      out.k = Lit::K::Ip6;
      if (r.quoted) return bad(std::string(type_desc(t)) + " cannot be converted from a string (\"" + r.text + "\").");
      std::string a = r.text;
      if (auto slash = a.find('/'); slash != std::string::npos) {
        int64_t b;
        if (!parse_int(a.substr(slash + 1), b) || b < 0 || b > 128)
          return bad("\"" + a.substr(slash + 1) + "\" is not a valid prefix length (0-128).");
        out.prefix6 = static_cast<int>(b);
        a = a.substr(0, slash);
      }
      if (inet_pton(AF_INET6, a.c_str(), out.ip6) != 1) return bad("\"" + a + "\" is not a valid IPv6 address.");
      return true;
    }
    case Cls::AbsTime: case Cls::RelTime: case Cls::Dbl: {
      out.k = Lit::K::Double;
      char* end = nullptr;
      out.d = std::strtod(r.text.c_str(), &end);
      if (r.text.empty() || !end || *end) return bad("\"" + r.text + "\" is not a valid time in seconds.");
      if (r.range) out.dhi = std::strtod(r.hi.c_str(), nullptr);
      out.range = r.range;
      return true;
    }
    default:
      return bad(name + " (type=" + type_desc(t) + ") cannot be compared with a value.");
  }
}

// A literal operand's value, as the evaluator sees values.
FieldNode lit_node(const Lit& l, FieldType t) {
  FieldNode v;
  switch (l.k) {
    case Lit::K::Int: v.kind = ValueKind::Int; v.i = l.i; break;
    case Lit::K::Double: v.kind = ValueKind::Double; v.d = l.d; break;
    case Lit::K::Str: case Lit::K::Bytes: case Lit::K::Topic:
      v.kind = cls_of(t) == Cls::Ether && l.s.size() == 6 ? ValueKind::Ether : cls_of(t) == Cls::Str ? ValueKind::String : ValueKind::Bytes;
      if (v.kind == ValueKind::Ether) std::memcpy(v.ether, l.s.data(), 6);
      else {
        v.b.p = reinterpret_cast<const uint8_t*>(l.s.data());
        v.b.n = static_cast<uint32_t>(l.s.size());
      }
      break;
    case Lit::K::Ip4: v.kind = ValueKind::Ipv4; v.ip4 = l.ip4; break;
    case Lit::K::Ip6: v.kind = ValueKind::Ipv6; std::memcpy(v.ip6, l.ip6, 16); break;
  }
  return v;
}

class Typer {
public:
  Typer(std::string_view text, FilterError& err) : text_(text), err_(err) {}

  // Gives `e` its type; a literal takes `hint` (the type of what it meets).
  bool type(Expr& e, FieldType hint = FieldType::None, const FieldDef* hint_def = nullptr, Use use = Use::Operand) {
    switch (e.k) {
      case Expr::K::Field:
        e.type = e.def->type;
        e.owner = e.def;
        return true;
      case Expr::K::Lit: {
        if (hint == FieldType::None) return fail(e, "Constant expression is invalid.");
        if (!convert(hint, hint_def, text(e), use, e.raw, e.lit, err_)) return false;
        e.type = hint;
        e.owner = hint_def;
        e.vals.assign(1, lit_node(e.lit, hint));
        return true;
      }
      case Expr::K::Slice: {
        Expr& k = *e.kids[0];
        if (!type(k)) return false;
        Cls c = cls_of(k.type);
        if (c != Cls::Str && c != Cls::Bytes) return fail(k, std::string(text(k)) + " cannot be sliced.");
        e.type = c == Cls::Str ? FieldType::String : FieldType::Bytes;
        return true;
      }
      case Expr::K::Neg: {
        Expr& k = *e.kids[0];
        if (!type(k, hint, hint_def)) return false;
        Cls c = cls_of(k.type);
        if (c != Cls::Int && c != Cls::RelTime && c != Cls::Dbl)
          return fail(k, std::string(core::field_type_name(k.type)) + " cannot be negated.");
        e.type = k.type == FieldType::Boolean ? FieldType::Int64 : k.type;
        return true;
      }
      case Expr::K::Arith: return type_arith(e, hint, hint_def);
      case Expr::K::Call: return type_call(e, hint, hint_def);
    }
    return false;
  }

  // Both sides of a comparison: a literal takes the other side's type.
  bool type_pair(Expr& a, Expr& b, Use use) {
    if (a.k == Expr::K::Lit) return fail(a, "Constant expression is invalid.");
    if (!type(a)) return false;
    if (b.k == Expr::K::Lit) return true;  // converted by the caller, with masks and ranges
    if (!type(b, a.type, a.owner)) return false;
    Cls ca = cls_of(a.type), cb = cls_of(b.type);
    bool ok = ca == cb;
    if (use == Use::Contains) ok = ok && (ca == Cls::Str || ca == Cls::Bytes);
    if (!ok)
      return fail(b, std::string(text(a)) + " and " + std::string(text(b)) + " are not of compatible types.");
    return true;
  }

private:
  std::string_view text(const Expr& e) const { return text_.substr(e.pos, e.len); }
  bool fail(const Expr& e, std::string m) {
    err_ = {std::move(m), e.pos, e.len};
    return false;
  }
  static bool arith_ok(FieldType t, char op) {
    switch (cls_of(t)) {
      case Cls::Int: return true;
      case Cls::RelTime: case Cls::Dbl: return op == '+' || op == '-';
      case Cls::Bytes: return op == '&' && t != FieldType::Protocol;
      default: return false;
    }
  }
  bool type_arith(Expr& e, FieldType hint, const FieldDef* hint_def) {
    Expr& a = *e.kids[0];
    Expr& b = *e.kids[1];
    Expr& first = a.k == Expr::K::Lit ? b : a;
    Expr& second = a.k == Expr::K::Lit ? a : b;
    if (first.k == Expr::K::Lit) {  // both literals: take the context's type
      if (hint == FieldType::None) return fail(e, "Constant arithmetic expression on the LHS is invalid.");
      if (!type(first, hint, hint_def) || !type(second, hint, hint_def)) return false;
    } else {
      if (!type(first)) return false;
      if (!arith_ok(first.type, e.aop))
        return fail(first, std::string(core::field_type_name(first.type)) + " cannot " + e.aop + ".");
      if (!type(second, first.type, first.owner)) return false;
    }
    if (!arith_ok(second.type, e.aop))
      return fail(second, std::string(core::field_type_name(second.type)) + " cannot " + e.aop + ".");
    if (cls_of(first.type) != cls_of(second.type))
      return fail(second, std::string(text(first)) + " and " + std::string(text(second)) + " are not of compatible types.");
    e.type = first.type == FieldType::Boolean ? FieldType::Int64 : first.type;
    e.owner = nullptr;
    return true;
  }
  bool type_call(Expr& e, FieldType hint, const FieldDef* hint_def) {
    static const char* const kNames[] = {"len", "count", "lower", "upper", "string", "max", "min", "abs"};
    const char* fname = kNames[static_cast<int>(e.fn)];
    Expr& a = *e.kids[0];
    switch (e.fn) {
      case Fn::Len: case Fn::Count:
        if (a.k != Expr::K::Field && !(e.fn == Fn::Len && a.k == Expr::K::Slice))
          return fail(a, std::string("Only fields can be used as parameter for ") + fname + "()");
        if (!type(a)) return false;
        e.type = FieldType::UInt32;
        return true;
      case Fn::Lower: case Fn::Upper:
        if (a.k != Expr::K::Field || !type(a) || cls_of(a.type) != Cls::Str)
          return fail(a, std::string("Only string type fields can be used as parameter for ") + fname + "()");
        e.type = FieldType::String;
        return true;
      case Fn::String: {
        if (a.k != Expr::K::Field) return fail(a, "Only fields can be used as parameter for string()");
        if (!type(a)) return false;
        Cls c = cls_of(a.type);
        bool ok = (c == Cls::Int && a.type != FieldType::Boolean) || c == Cls::Ip4 || c == Cls::Ip6 || c == Cls::Ether;
        if (!ok) return fail(a, "String conversion for field \"" + std::string(a.def->abbrev) + "\" is not supported");
        e.type = FieldType::String;
        return true;
      }
      case Fn::Max: case Fn::Min: case Fn::Abs: {
        // The arguments' type: the first that is not a literal (else the context's).
        const Expr* typed = nullptr;
        for (auto& k : e.kids)
          if (k->k != Expr::K::Lit) {
            if (!type(*k)) return false;
            if (!typed) typed = k.get();
          }
        FieldType t = typed ? typed->type : hint;
        const FieldDef* od = typed ? typed->owner : hint_def;
        if (t == FieldType::None) return fail(e, "Constant expression is invalid.");
        for (auto& k : e.kids) {
          if (k->k == Expr::K::Lit && !type(*k, t, od)) return false;
          if (k->type != t && cls_of(k->type) != cls_of(t))
            return fail(*k, std::string("Arguments to '") + fname + "' must have the same type (expected " +
                                core::field_type_name(t) + ", got " + core::field_type_name(k->type) + ")");
          if (k->type != t && k->k != Expr::K::Lit)
            return fail(*k, std::string("Arguments to '") + fname + "' must have the same type (expected " +
                                core::field_type_name(t) + ", got " + core::field_type_name(k->type) + ")");
        }
        if (e.fn == Fn::Abs && cls_of(t) != Cls::Int && cls_of(t) != Cls::RelTime && cls_of(t) != Cls::Dbl)
          return fail(a, std::string("Argument to 'abs' must be a number, not ") + core::field_type_name(t));
        e.type = t;
        e.owner = od;
        return true;
      }
    }
    return false;
  }

  std::string_view text_;
  FilterError& err_;
};

// ---------------------------------------------------------------- evaluation
int cmp3(auto a, auto b) { return a < b ? -1 : a > b ? 1 : 0; }

bool op_holds(Tok op, int c) {
  switch (op) {
    case Tok::Eq: case Tok::AllEq: return c == 0;
    case Tok::Ne: case Tok::AnyNe: return c != 0;
    case Tok::Lt: return c < 0;
    case Tok::Gt: return c > 0;
    case Tok::Le: return c <= 0;
    case Tok::Ge: return c >= 0;
    default: return false;
  }
}

std::string_view node_text(const FieldNode& v) {
  if (v.kind == ValueKind::String || v.kind == ValueKind::Bytes) return v.str();
  if (v.kind == ValueKind::Ether) return {reinterpret_cast<const char*>(v.ether), 6};
  return {};
}
bool is_num(const FieldNode& v) { return v.kind == ValueKind::UInt || v.kind == ValueKind::Int || v.kind == ValueKind::Bool; }
bool is_real(const FieldNode& v) { return v.kind == ValueKind::Double || v.kind == ValueKind::Time; }
double real_of(const FieldNode& v) {
  if (v.kind == ValueKind::Time) return double(v.t.sec) + double(v.t.nsec) / 1e9;
  if (v.kind == ValueKind::Double) return v.d;
  if (v.kind == ValueKind::Int) return double(v.i);
  return double(v.u);
}
int cmp_text(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Two values: -1/0/1, or 2 when they cannot be compared.
int cmp_vals(const FieldNode& a, const FieldNode& b) {
  if (is_num(a) && is_num(b)) {
    if (a.kind == ValueKind::Int && a.i < 0) return b.kind == ValueKind::Int ? cmp3(a.i, b.i) : -1;
    if (b.kind == ValueKind::Int && b.i < 0) return 1;
    return cmp3(a.u, b.u);
  }
  if ((is_real(a) || is_num(a)) && (is_real(b) || is_num(b))) return cmp3(real_of(a), real_of(b));
  if (a.kind == ValueKind::Ipv4 && b.kind == ValueKind::Ipv4) return cmp3(a.ip4, b.ip4);
  if (a.kind == ValueKind::Ipv6 && b.kind == ValueKind::Ipv6) {
    int c = std::memcmp(a.ip6, b.ip6, 16);
    return c < 0 ? -1 : c > 0;
  }
  std::string_view x = node_text(a), y = node_text(b);
  if ((x.data() || a.kind == ValueKind::String || a.kind == ValueKind::Bytes) &&
      (y.data() || b.kind == ValueKind::String || b.kind == ValueKind::Bytes))
    return cmp_text(x, y);
  return 2;
}

// One value against a literal (masks and prefixes included); 2: not comparable.
int cmp_lit(const FieldNode& v, const Lit& l) {
  switch (l.k) {
    case Lit::K::Int: {
      if (is_num(v)) {
        if (v.kind == ValueKind::Int) return cmp3(v.i, l.i);
        if (l.i < 0) return 1;
        return cmp3(v.u, static_cast<uint64_t>(l.i));
      }
      return 2;
    }
    case Lit::K::Str: case Lit::K::Bytes: {
      if (v.kind != ValueKind::String && v.kind != ValueKind::Bytes && v.kind != ValueKind::Ether) return 2;
      return cmp_text(node_text(v), l.s);
    }
    case Lit::K::Ip4: {
      if (v.kind != ValueKind::Ipv4) return 2;
      if (l.mask4 != 0xffffffffu) return (v.ip4 & l.mask4) == (l.ip4 & l.mask4) ? 0 : 1;
      return cmp3(v.ip4, l.ip4);
    }
    case Lit::K::Ip6: {
      if (v.kind != ValueKind::Ipv6) return 2;
      int full = l.prefix6 / 8, rest = l.prefix6 % 8;
      int c = std::memcmp(v.ip6, l.ip6, static_cast<size_t>(full));
      if (c == 0 && rest) {
        uint8_t m = static_cast<uint8_t>(0xff << (8 - rest));
        c = (v.ip6[full] & m) - (l.ip6[full] & m);
      }
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case Lit::K::Double:
      if (!is_real(v) && !is_num(v)) return 2;
      return cmp3(real_of(v), l.d);
    case Lit::K::Topic: return 2;
  }
  return 2;
}

bool lit_has(const Lit& l, const FieldNode& v) {
  if (!l.range) return cmp_lit(v, l) == 0;
  if (l.k == Lit::K::Int && is_num(v)) {
    int64_t x = v.kind == ValueKind::Int ? v.i : static_cast<int64_t>(v.u);
    return x >= l.i && x <= l.hi;
  }
  if (l.k == Lit::K::Double && (is_real(v) || is_num(v))) {
    double x = real_of(v);
    return x >= l.d && x <= l.dhi;
  }
  return false;
}

bool truthy(const FieldNode& v) {
  if (is_num(v)) return v.u != 0;
  if (is_real(v)) return real_of(v) != 0;
  if (v.kind == ValueKind::Bytes) {
    for (uint32_t i = 0; i < v.b.n; ++i)
      if (v.b.p[i]) return true;
    return false;
  }
  return true;
}

// The values an arithmetic expression may produce (see Eval::arith).
constexpr size_t kMaxArithValues = 4096;

class Eval {
public:
  Eval(const core::FieldTree& tree, std::vector<uint32_t>& rank) : tree_(tree), rank_(rank) {}

  void value(const Expr& e) {
    switch (e.k) {
      case Expr::K::Lit: return;  // set once, by the typing pass
      case Expr::K::Field: return field(e);
      case Expr::K::Slice: return slice(e);
      case Expr::K::Call: return call(e);
      case Expr::K::Arith: return arith(e);
      case Expr::K::Neg: return neg(e);
    }
  }
  // field OP literal over the tree's nodes in place (the same rules as below).
  bool field_vs_lit(core::FieldId id, Tok op, const Lit& lit) const {
    const Tok t = op == Tok::Ne ? Tok::Eq : op;
    bool any = false, all = true, seen = false;
    for (const auto& v : tree_.nodes()) {
      if (v.id != id) continue;
      seen = true;
      int c = cmp_lit(v, lit);
      bool hit = c != 2 && op_holds(t, c);
      if (hit && (op == Tok::Eq || (op != Tok::Ne && op != Tok::AllEq))) return true;
      any |= hit;
      all &= hit;
    }
    if (!seen) return false;
    if (op == Tok::Ne) return !any;
    if (op == Tok::AllEq) return all;
    return any;
  }
  bool exists(core::FieldId id) const {
    for (const auto& v : tree_.nodes())
      if (v.id == id) return true;
    return false;
  }

private:
  // Which layer of its protocol node `i` sits in (1 = the first), for field#N.
  uint32_t layer_of(size_t i, core::FieldId proto) {
    const auto& nodes = tree_.nodes();
    if (rank_for_ != proto || rank_gen_ != tree_.generation()) {
      rank_.assign(nodes.size(), 0);
      uint32_t n = 0, last = UINT32_MAX;
      for (const auto& [idx, seq] : tree_.opened()) {
        if (nodes[idx].id != proto) continue;
        if (seq != last) ++n;  // a new dissector call: a new layer
        last = seq;
        rank_[idx] = n;
      }
      rank_for_ = proto;
      rank_gen_ = tree_.generation();
    }
    for (int32_t k = static_cast<int32_t>(i); k >= 0; k = nodes[k].parent)
      if (nodes[k].id == proto) return rank_[k];
    return 1;
  }
  void field(const Expr& e) {
    e.vals.clear();
    const auto& nodes = tree_.nodes();
    const bool proto = e.def->type == FieldType::Protocol;
    const core::FieldId layer_proto = core::FieldRegistry::instance().protocol_of(e.field);
    for (size_t i = 0; i < nodes.size(); ++i) {
      const FieldNode& v = nodes[i];
      if (v.id != e.field) continue;
      if (e.layered) {
        int64_t l = layer_of(i, layer_proto);
        if (l < e.layer_lo || l > e.layer_hi) continue;
      }
      e.vals.push_back(v);
      if (proto && v.kind != ValueKind::Bytes) {  // a protocol's value: its bytes
        auto b = tree_.layer_bytes(static_cast<int32_t>(i));
        FieldNode& x = e.vals.back();
        x.kind = ValueKind::Bytes;
        x.b.p = b.data();
        x.b.n = static_cast<uint32_t>(b.size());
      }
    }
  }
  void slice(const Expr& e) {
    const Expr& k = *e.kids[0];
    value(k);
    e.vals.clear();
    for (const FieldNode& v : k.vals) {
      std::string_view whole = node_text(v);
      int64_t size = static_cast<int64_t>(whole.size());
      int64_t start = e.start < 0 ? size + e.start : e.start;
      if (start < 0 || start > size) continue;
      int64_t len = e.slen < 0 ? size - start : std::min(e.slen, size - start);
      if (e.slen >= 0 && len < e.slen) continue;  // the slice runs past the value: no match
      FieldNode s;
      s.kind = e.type == FieldType::String ? ValueKind::String : ValueKind::Bytes;
      s.b.p = reinterpret_cast<const uint8_t*>(whole.data()) + start;
      s.b.n = static_cast<uint32_t>(len);
      e.vals.push_back(s);
    }
  }
  // Values whose text is in e.store: pointers set once the store stops growing.
  static void text_value(const Expr& e, size_t from) {
    FieldNode s;
    s.kind = ValueKind::String;
    s.offset = static_cast<uint32_t>(from);
    s.b.n = static_cast<uint32_t>(e.store.size() - from);
    e.vals.push_back(s);
  }
  static void fix_text(const Expr& e) {
    for (auto& v : e.vals) v.b.p = reinterpret_cast<const uint8_t*>(e.store.data()) + v.offset;
  }
  void call(const Expr& e) {
    e.vals.clear();
    const Expr& a = *e.kids[0];
    switch (e.fn) {
      case Fn::Count: {
        value(a);
        if (a.vals.empty()) return;  // count() of an absent field: no value (tshark)
        FieldNode c;
        c.kind = ValueKind::UInt;
        c.u = a.vals.size();
        e.vals.push_back(c);
        return;
      }
      case Fn::Len:
        value(a);
        for (const auto& v : a.vals) {
          FieldNode c;
          c.kind = ValueKind::UInt;
          c.u = (v.kind == ValueKind::String || v.kind == ValueKind::Bytes) && a.def && a.def->type != FieldType::Protocol
                    ? v.b.n
                    : a.k == Expr::K::Slice ? v.b.n : v.length;
          e.vals.push_back(c);
        }
        return;
      case Fn::Lower: case Fn::Upper:
        value(a);
        e.store.clear();
        for (const auto& v : a.vals) {
          size_t from = e.store.size();
          for (char ch : node_text(v))
            e.store += static_cast<char>(e.fn == Fn::Lower ? std::tolower(static_cast<unsigned char>(ch))
                                                           : std::toupper(static_cast<unsigned char>(ch)));
          text_value(e, from);
        }
        fix_text(e);
        return;
      case Fn::String:
        value(a);
        e.store.clear();
        for (const auto& v : a.vals) {
          size_t from = e.store.size();
          char buf[64];
          switch (v.kind) {
            case ValueKind::UInt: case ValueKind::Bool: e.store += std::to_string(v.u); break;
            case ValueKind::Int: e.store += std::to_string(v.i); break;
            case ValueKind::Ipv4: {
              uint32_t x = htonl(v.ip4);
              if (inet_ntop(AF_INET, &x, buf, sizeof buf)) e.store += buf;
              break;
            }
            case ValueKind::Ipv6:
              if (inet_ntop(AF_INET6, v.ip6, buf, sizeof buf)) e.store += buf;
              break;
            case ValueKind::Ether:
              std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", v.ether[0], v.ether[1], v.ether[2],
                            v.ether[3], v.ether[4], v.ether[5]);
              e.store += buf;
              break;
            default: break;
          }
          text_value(e, from);
        }
        fix_text(e);
        return;
      case Fn::Max: case Fn::Min: {
        const FieldNode* best = nullptr;
        for (const auto& k : e.kids) {
          value(*k);
          for (const auto& v : k->vals) {
            int c = best ? cmp_vals(v, *best) : 0;
            if (!best || (c != 2 && (e.fn == Fn::Max ? c > 0 : c < 0))) best = &v;
          }
        }
        if (best) e.vals.push_back(*best);
        return;
      }
      case Fn::Abs:
        value(a);
        for (FieldNode v : a.vals) {
          if (v.kind == ValueKind::Int && v.i < 0) v.i = -v.i;
          else if (v.kind == ValueKind::Double) v.d = std::fabs(v.d);
          else if (v.kind == ValueKind::Time) {
            v.kind = ValueKind::Double;
            v.d = std::fabs(real_of(v));
          }
          e.vals.push_back(v);
        }
        return;
    }
  }
  void arith(const Expr& e) {
    const Expr& a = *e.kids[0];
    const Expr& b = *e.kids[1];
    value(a);
    value(b);
    e.vals.clear();
    e.store.clear();
    // Every pair of values, as Wireshark's: a chain of sums over a repeated
    // field (tcp.port has two) doubles at each step, so the results are
    // bounded (kMaxArithValues; a filter reaching it compares the first ones).
    for (const auto& x : a.vals)
      for (const auto& y : b.vals) {
        if (e.vals.size() >= kMaxArithValues) break;
        FieldNode r;
        if (x.kind == ValueKind::Bytes || y.kind == ValueKind::Bytes) {  // bytes & bytes
          std::string_view p = node_text(x), q = node_text(y);
          size_t from = e.store.size();
          for (size_t i = 0; i < std::min(p.size(), q.size()); ++i) e.store += static_cast<char>(p[i] & q[i]);
          text_value(e, from);
          e.vals.back().kind = ValueKind::Bytes;
          continue;
        }
        if (is_num(x) && is_num(y)) {
          int64_t p = x.kind == ValueKind::Int ? x.i : static_cast<int64_t>(x.u);
          int64_t q = y.kind == ValueKind::Int ? y.i : static_cast<int64_t>(y.u);
          uint64_t up = static_cast<uint64_t>(p), uq = static_cast<uint64_t>(q);
          int64_t v;
          switch (e.aop) {
            case '+': v = static_cast<int64_t>(up + uq); break;
            case '-': v = static_cast<int64_t>(up - uq); break;
            case '*': v = static_cast<int64_t>(up * uq); break;
            case '/':
              if (q == 0 || (p == INT64_MIN && q == -1)) continue;
              v = p / q;
              break;
            case '%':
              if (q == 0 || (p == INT64_MIN && q == -1)) continue;
              v = p % q;
              break;
            default: v = p & q; break;
          }
          r.kind = ValueKind::Int;
          r.i = v;
        } else {
          r.kind = ValueKind::Double;
          r.d = e.aop == '-' ? real_of(x) - real_of(y) : real_of(x) + real_of(y);
        }
        e.vals.push_back(r);
      }
    if (!e.store.empty()) fix_text(e);
  }
  void neg(const Expr& e) {
    const Expr& a = *e.kids[0];
    value(a);
    e.vals.clear();
    for (const auto& v : a.vals) {
      FieldNode r;
      if (is_num(v)) {
        r.kind = ValueKind::Int;
        r.i = static_cast<int64_t>(0 - (v.kind == ValueKind::Int ? static_cast<uint64_t>(v.i) : v.u));
      } else {
        r.kind = ValueKind::Double;
        r.d = -real_of(v);
      }
      e.vals.push_back(r);
    }
  }

  const core::FieldTree& tree_;
  std::vector<uint32_t>& rank_;
  core::FieldId rank_for_ = core::kNoField;
  uint64_t rank_gen_ = 0;
};

bool test(const Node& n, Eval& ev) {
  switch (n.k) {
    case Node::K::Or: return test(*n.a, ev) || test(*n.b, ev);
    case Node::K::And: return test(*n.a, ev) && test(*n.b, ev);
    case Node::K::Xor: return test(*n.a, ev) != test(*n.b, ev);
    case Node::K::Not: return !test(*n.a, ev);
    default: break;
  }
  const Expr& l = *n.lhs;
  if (n.k == Node::K::Test && l.k == Expr::K::Field && !l.layered) return ev.exists(l.field);
  if (n.k == Node::K::Cmp && n.rhs && n.rhs->k == Expr::K::Lit && !n.lits.empty() && l.k == Expr::K::Field && !l.layered &&
      l.def->type != FieldType::Protocol)
    return ev.field_vs_lit(l.field, n.op, n.lits[0]);  // the common case, without copying the values
  ev.value(l);
  if (n.k == Node::K::Test) {
    if (l.k == Expr::K::Field) return !l.vals.empty();
    for (const auto& v : l.vals)
      if (truthy(v)) return true;
    return false;
  }
  const Expr* r = n.rhs && n.rhs->k != Expr::K::Lit ? n.rhs.get() : nullptr;
  if (r) ev.value(*r);
  if (l.vals.empty() || (r && r->vals.empty())) return false;  // an absent field satisfies nothing (not even !=)
  switch (n.k) {
    case Node::K::In:
      for (const auto& v : l.vals) {
        for (const auto& lit : n.lits)
          if (lit_has(lit, v)) return true;
        for (const auto& m : n.members) {
          ev.value(*m);
          for (const auto& w : m->vals)
            if (cmp_vals(v, w) == 0) return true;
        }
      }
      return false;
    case Node::K::Contains:
      for (const auto& v : l.vals) {
        std::string_view s = node_text(v);
        if (r) {
          for (const auto& w : r->vals)
            if (s.find(node_text(w)) != std::string_view::npos) return true;
        } else if (s.find(n.lits[0].s) != std::string_view::npos) {
          return true;
        }
      }
      return false;
    case Node::K::Matches:
      for (const auto& v : l.vals) {
        std::string_view s = node_text(v);
        if (pcre2_match(n.re->code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, n.re->md, nullptr) >= 0)
          return true;
      }
      return false;
    case Node::K::TopicMatch:
      for (const auto& v : l.vals)
        if (mqtt::topic_matches(n.lits[0].s, node_text(v))) return true;
      return false;
    default: break;
  }
  // ==, <, >...: some pair holds; != : no pair equal; ===: every pair equal; ~=: some pair differs.
  const Tok t = n.op == Tok::Ne ? Tok::Eq : n.op;
  bool any = false, all = true;
  auto one = [&](int c) {
    bool hit = c != 2 && op_holds(t, c);
    any |= hit;
    all &= hit;
  };
  for (const auto& v : l.vals) {
    if (r) {
      for (const auto& w : r->vals) one(cmp_vals(v, w));
    } else {
      one(cmp_lit(v, n.lits[0]));
    }
  }
  if (n.op == Tok::Ne) return !any;
  if (n.op == Tok::AllEq) return all;
  return any;
}

}  // namespace

Filter::Filter() = default;
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

bool Filter::compile(std::string_view text, FilterError& err) {
  std::vector<Token> toks;
  if (!lex(text, toks, err)) return false;
  hints_.clear();
  Parser p(text, toks, err, hints_);
  auto root = p.parse();
  if (!root) return false;
  // Typing: each side's type, literals converted to the type they meet.
  Typer ty(text, err);
  for (Node* n : p.leaves) {
    Use use = n->k == Node::K::Contains ? Use::Contains
              : n->k == Node::K::Matches ? Use::Matches
              : n->k == Node::K::TopicMatch ? Use::Topic
                                            : Use::Compare;
    if (n->k == Node::K::Test) {
      if (!ty.type(*n->lhs)) return false;
      continue;
    }
    if (n->rhs && !ty.type_pair(*n->lhs, *n->rhs, use)) return false;
    if (!n->rhs && !ty.type(*n->lhs)) return false;
    for (auto& m : n->members) {
      if (!ty.type(*m)) return false;
      if (cls_of(m->type) != cls_of(n->lhs->type)) {
        err = {std::string(text.substr(n->lhs->pos, n->lhs->len)) + " and " + std::string(text.substr(m->pos, m->len)) +
                   " are not of compatible types.",
               m->pos, m->len};
        return false;
      }
    }
    for (const Raw& r : n->raws) {
      Lit l;
      if (!convert(n->lhs->type, n->lhs->owner, text.substr(n->lhs->pos, n->lhs->len), use, r, l, err)) return false;
      n->lits.push_back(std::move(l));
    }
    if (n->k == Node::K::Matches) {
      n->re = std::make_unique<Regex>();
      int code;
      PCRE2_SIZE off;
      // Case-insensitive by default, as tshark 4.0 compiles it; (?-i) turns it off.
      n->re->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(n->lits[0].s.data()), n->lits[0].s.size(),
                                  PCRE2_CASELESS, &code, &off, nullptr);
      if (!n->re->code) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(code, buf, sizeof buf);
        err = {std::string("\"") + n->lits[0].s + "\" is not a valid regular expression: " +
                   reinterpret_cast<const char*>(buf),
               n->raws[0].pos, n->raws[0].len};
        return false;
      }
      n->re->md = pcre2_match_data_create_from_pattern(n->re->code, nullptr);
    }
  }
  root_ = std::move(root);
  fields_ = std::move(p.fields);
  return true;
}

bool Filter::matches(const core::FieldTree& tree) const {
  if (!root_) return true;
  thread_local std::vector<uint32_t> rank;
  Eval ev(tree, rank);
  return test(*root_, ev);
}

std::string render_error(std::string_view filter, const FilterError& err) {
  std::string out = err.message + "\n    ";
  out += filter;
  out += "\n    ";
  size_t pos = std::min(err.pos, filter.size());
  out.append(pos, ' ');
  out += '^';
  size_t len = err.len ? err.len : 1;
  if (pos + len > filter.size() && filter.size() > pos) len = filter.size() - pos;
  for (size_t i = 1; i < len; ++i) out += '~';
  return out;
}

}  // namespace mqsniff::filter
