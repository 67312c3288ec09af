#include "filters/filter.h"
#include "dissectors/mqtt/mqtt_topic.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "dissectors/core/field_registry.h"

namespace mqsniff::filter {
using core::FieldDef;
using core::FieldNode;
using core::FieldType;
using core::ValueKind;

namespace {

enum class Func : uint8_t { None, Len, Count, Lower, Upper };

// A literal converted to the type of the field it is compared with.
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

struct Regex {
  pcre2_code* code = nullptr;
  pcre2_match_data* md = nullptr;
  ~Regex() {
    if (md) pcre2_match_data_free(md);
    if (code) pcre2_code_free(code);
  }
};

}  // namespace

struct Node {
  enum class K : uint8_t { Or, Xor, And, Not, Exists, Cmp, In, Contains, Matches, TopicMatch } k;
  std::unique_ptr<Node> a, b;
  core::FieldId field = core::kNoField;
  const FieldDef* def = nullptr;
  Func func = Func::None;
  bool slice = false;      // field[start:len], [start-end], [i], [start:] (bytes/strings)
  int64_t slice_start = 0, slice_len = -1;  // len -1: to the end
  Tok op = Tok::Eq;
  std::vector<Lit> lits;
  std::unique_ptr<Regex> re;
};

namespace {

// ---------------------------------------------------------------- parsing
struct Raw {  // a literal as written
  std::string text;
  bool quoted = false;
  size_t pos = 0, len = 0;
  std::string hi;  // range upper bound
  bool range = false;
};

class Parser {
public:
  Parser(std::vector<Token>& t, FilterError& err, std::vector<std::string>& hints)
      : t_(t), err_(err), hints_(hints) {}
  std::unique_ptr<Node> parse() {
    auto n = parse_or();
    if (!n) return nullptr;
    if (peek().kind != Tok::End) return fail_here();
    return n;
  }
  std::vector<core::FieldId> fields;

private:
  const Token& peek() const { return t_[i_]; }
  const Token& take() { return t_[i_ < t_.size() - 1 ? i_++ : i_]; }
  std::unique_ptr<Node> fail_here() {
    const Token& k = peek();
    if (k.kind == Tok::End) err_ = {"Unexpected end of filter expression.", k.pos, 1};
    else err_ = {"\"" + std::string(text_of(k)) + "\" was unexpected in this context.", k.pos, k.len};
    return nullptr;
  }
  static std::string text_of(const Token& k) {
    switch (k.kind) {
      case Tok::Word: return k.text;
      case Tok::String: return "\"" + k.text + "\"";
      case Tok::LParen: return "(";
      case Tok::RParen: return ")";
      case Tok::LBrace: return "{";
      case Tok::RBrace: return "}";
      case Tok::Comma: return ",";
      default: return "operator";
    }
  }
  std::unique_ptr<Node> bin(Node::K k, std::unique_ptr<Node> a, std::unique_ptr<Node> b) {
    auto n = std::make_unique<Node>();
    n->k = k;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }
  // One precedence level of a left-associative binary operator.
  using Level = std::unique_ptr<Node> (Parser::*)();
  std::unique_ptr<Node> binary(Tok op, Node::K k, Level next) {
    auto l = (this->*next)();
    while (l && peek().kind == op) {
      take();
      auto r = (this->*next)();
      if (!r) return nullptr;
      l = bin(k, std::move(l), std::move(r));
    }
    return l;
  }
  // Precedence, loosest first: or, xor, and, not, relation.
  std::unique_ptr<Node> parse_or() { return binary(Tok::Or, Node::K::Or, &Parser::parse_xor); }
  std::unique_ptr<Node> parse_xor() { return binary(Tok::Xor, Node::K::Xor, &Parser::parse_and); }
  std::unique_ptr<Node> parse_and() { return binary(Tok::And, Node::K::And, &Parser::parse_not); }
  std::unique_ptr<Node> parse_not() {
    if (peek().kind == Tok::Not) {
      take();
      auto x = parse_not();
      if (!x) return nullptr;
      return bin(Node::K::Not, std::move(x), nullptr);
    }
    return parse_rel();
  }
  bool field_ref(Node& n) {
    const Token& k = peek();
    if (k.kind != Tok::Word) {
      fail_here();
      return false;
    }
    static const struct { const char* n; Func f; } kFuncs[] = {
        {"len", Func::Len}, {"count", Func::Count}, {"lower", Func::Lower}, {"upper", Func::Upper}};
    for (const auto& f : kFuncs) {
      if (k.text == f.n && t_[i_ + 1].kind == Tok::LParen) {
        take();
        take();
        if (!field_ref(n)) return false;
        if (peek().kind != Tok::RParen) {
          fail_here();
          return false;
        }
        take();
        n.func = f.f;
        return true;
      }
    }
    const auto& reg = core::FieldRegistry::instance();
    auto id = reg.find(k.text);
    if (!id) {
      std::string m = k.text + " is neither a field nor a protocol name.";
      auto sug = reg.suggest(k.text);
      if (!sug.empty()) {
        m += " Did you mean ";
        for (size_t j = 0; j < sug.size(); ++j) m += (j ? ", " : "") + std::string(sug[j]);
        m += "?";
      }
      err_ = {m, k.pos, k.len};
      return false;
    }
    n.field = *id;
    n.def = reg.def(*id);
    fields.push_back(*id);
    field_pos_ = k.pos;
    field_len_ = k.len;
    take();
    if (peek().kind == Tok::LBracket) return parse_slice(n);
    return true;
  }
  // field[i:j] (start, length), field[i-j] (inclusive), field[i], field[i:], field[:j];
  // negative offsets count from the end (Wireshark's slice syntax).
  bool parse_slice(Node& n) {
    size_t open = peek().pos;
    take();
    std::string spec;
    while (peek().kind != Tok::RBracket) {
      if (peek().kind == Tok::End) {
        err_ = {"Unbalanced brackets: \"[\" is never closed.", open, 1};
        return false;
      }
      spec += peek().kind == Tok::Word ? peek().text : peek().kind == Tok::Colon ? ":" : "?";
      take();
    }
    take();
    auto num = [](const std::string& t, int64_t& v) {
      if (t.empty()) return false;
      auto r = std::from_chars(t.data(), t.data() + t.size(), v);
      return r.ec == std::errc() && r.ptr == t.data() + t.size();
    };
    int64_t a = 0, b = 0;
    size_t colon = spec.find(':');
    size_t dash = spec.find('-', 1);
    bool ok;
    if (colon != std::string::npos) {
      std::string l = spec.substr(0, colon), r = spec.substr(colon + 1);
      ok = (l.empty() || num(l, a)) && (r.empty() || (num(r, b) && b >= 0));
      n.slice_start = l.empty() ? 0 : a;
      n.slice_len = r.empty() ? -1 : b;
    } else if (dash != std::string::npos) {
      ok = num(spec.substr(0, dash), a) && num(spec.substr(dash + 1), b) && b >= a;
      n.slice_start = a;
      n.slice_len = b - a + 1;
    } else {
      ok = num(spec, a);
      n.slice_start = a;
      n.slice_len = 1;
    }
    if (!ok) {
      err_ = {"\"" + spec + "\" is not a valid slice (use [i:len], [i-j], [i], [i:] or [:len]).", open, spec.size() + 2};
      return false;
    }
    n.slice = true;
    return true;
  }
  bool literal(Raw& r) {
    const Token& k = peek();
    if (k.kind == Tok::String) {
      r = {k.text, true, k.pos, k.len};
    } else if (k.kind == Tok::Word) {
      r = {k.text, false, k.pos, k.len};
    } else {
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
  std::unique_ptr<Node> parse_rel() {
    if (peek().kind == Tok::LParen) {
      size_t open = peek().pos;
      take();
      auto n = parse_or();
      if (!n) return nullptr;
      if (peek().kind != Tok::RParen) {
        if (peek().kind == Tok::End) err_ = {"Unbalanced parentheses: \"(\" is never closed.", open, 1};
        else fail_here();
        return nullptr;
      }
      take();
      return n;
    }
    auto n = std::make_unique<Node>();
    if (!field_ref(*n)) return nullptr;
    Tok op = peek().kind;
    switch (op) {
      case Tok::Eq: case Tok::Ne: case Tok::AllEq: case Tok::AnyNe: case Tok::Lt: case Tok::Gt: case Tok::Le:
      case Tok::Ge: case Tok::Contains: case Tok::Matches: case Tok::BitAnd: {
        size_t op_pos = peek().pos;
        take();
        Raw r;
        if (!literal(r)) return nullptr;
        n->k = op == Tok::Contains ? Node::K::Contains : op == Tok::Matches ? Node::K::Matches : Node::K::Cmp;
        n->op = op;
        raws_.push_back({std::move(r)});
        (void)op_pos;
        break;
      }
      case Tok::In: case Tok::Not: {
        bool negate = false;
        if (op == Tok::Not) {  // "not in"
          if (t_[i_ + 1].kind != Tok::In) return fail_here();
          take();
          negate = true;
        }
        take();
        if (peek().kind != Tok::LBrace) return fail_here();
        take();
        std::vector<Raw> set;
        while (peek().kind != Tok::RBrace) {
          Raw r;
          if (!literal(r)) return nullptr;
          set.push_back(std::move(r));
          // Commas (Wireshark 4.x) and whitespace (lab sheets, older Wiresharks) both separate.
          if (peek().kind == Tok::Comma) take();
          if (peek().kind == Tok::End) {
            err_ = {"Unbalanced braces: \"{\" is never closed.", t_[i_].pos, 1};
            return nullptr;
          }
        }
        take();
        if (set.empty()) {
          err_ = {"A set must contain at least one element.", field_pos_, field_len_};
          return nullptr;
        }
        n->k = Node::K::In;
        raws_.push_back(std::move(set));
        if (negate) {
          nodes_raw_.push_back(n.get());
          return bin(Node::K::Not, std::move(n), nullptr);
        }
        break;
      }
      case Tok::Word:
        if (peek().text == "matches_topic") {
          take();
          Raw r;
          if (!literal(r)) return nullptr;
          n->k = Node::K::TopicMatch;
          raws_.push_back({std::move(r)});
          break;
        }
        return fail_here();
      default:
        n->k = Node::K::Exists;
        if (n->def->type == FieldType::Boolean && n->func == Func::None)
          hints_.push_back("note: \"" + std::string(n->def->abbrev) + "\" alone only tests that the field is present; did you mean " +
                           std::string(n->def->abbrev) + " == 1?");
        return n;
    }
    nodes_raw_.push_back(n.get());
    return n;
  }

public:
  std::vector<std::vector<Raw>> raws_;  // literals of each comparison node, in order
  std::vector<Node*> nodes_raw_;

private:
  std::vector<Token>& t_;
  size_t i_ = 0;
  FilterError& err_;
  std::vector<std::string>& hints_;
  size_t field_pos_ = 0, field_len_ = 0;
};

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

bool convert(const Node& n, const Raw& r, Lit& out, FilterError& err) {
  FieldType t = n.def->type;
  if (n.slice) t = (t == FieldType::String || t == FieldType::UIntString || t == FieldType::Oid) ? FieldType::String : FieldType::Bytes;
  if (n.func == Func::Len || n.func == Func::Count) t = FieldType::UInt32;
  if (n.func == Func::Lower || n.func == Func::Upper) t = FieldType::String;
  auto bad = [&](const std::string& m) {
    err = {m, r.pos, r.len};
    return false;
  };
  if (n.k == Node::K::TopicMatch) {
    if (t != FieldType::String) return bad(std::string(n.def->abbrev) + " is not a topic: matches_topic works on strings.");
    out.k = Lit::K::Topic;
    out.s = r.text;
    return true;
  }
  if (n.k == Node::K::Contains || n.k == Node::K::Matches) {
    if (t != FieldType::String && t != FieldType::UIntString && t != FieldType::Oid && t != FieldType::Bytes && t != FieldType::Protocol)
      return bad(std::string(n.def->abbrev) + " (type=" + type_desc(t) + ") cannot participate in '" +
                 (n.k == Node::K::Contains ? "contains" : "matches") + "' comparison.");
    out.k = Lit::K::Str;
    if (t == FieldType::Bytes && !r.quoted && n.k == Node::K::Contains) {
      std::string b;
      if (parse_bytes(r.text, b)) {
        out.s = b;
        return true;
      }
    }
    out.s = r.text;
    return true;
  }
  switch (t) {
    case FieldType::UInt8: case FieldType::UInt16: case FieldType::UInt24: case FieldType::UInt32:
    case FieldType::UInt64: case FieldType::Int8: case FieldType::Int16: case FieldType::Int32: case FieldType::Int64:
    case FieldType::FrameNum: case FieldType::Boolean: {
      auto num = [&](const std::string& w, int64_t& v) {
        if (t == FieldType::Boolean) {
          std::string l = w;
          for (auto& ch : l) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          if (l == "true") { v = 1; return true; }
          if (l == "false") { v = 0; return true; }
        }
        return parse_int(w, v);
      };
      out.k = Lit::K::Int;
      if (r.quoted) return bad("\"" + r.text + "\" is a string, but " + std::string(n.def->abbrev) + " is a number (" +
                               type_desc(t) + ").");
      if (!num(r.text, out.i)) return bad("\"" + r.text + "\" is not a valid number for " + std::string(n.def->abbrev) + ".");
      if (r.range && !num(r.hi, out.hi)) return bad("\"" + r.hi + "\" is not a valid number.");
      out.range = r.range;
      if (t == FieldType::Boolean && !r.range && out.i != 0 && out.i != 1)
        return bad("\"" + r.text + "\" is not a valid boolean (use 1/0 or True/False).");
      return true;
    }
    case FieldType::String: case FieldType::UIntString: case FieldType::Oid: case FieldType::Protocol:
      if (!r.quoted) {
        int64_t dummy;
        if (parse_int(r.text, dummy) && n.op != Tok::Eq && n.op != Tok::Ne && n.k == Node::K::Cmp)
          return bad(std::string(n.def->abbrev) + " is text (" + type_desc(t) + ") and " + r.text +
                     " is a number: ordering would compare them as text. Quote it (\"" + r.text + "\") if you mean the text.");
      }
      out.k = Lit::K::Str;
      out.s = r.text;
      return true;
    case FieldType::Bytes: {
      out.k = Lit::K::Bytes;
      if (r.quoted) {
        out.s = r.text;
        return true;
      }
      if (!parse_bytes(r.text, out.s)) return bad("\"" + r.text + "\" is not a valid byte string (use aa:bb:cc).");
      return true;
    }
    case FieldType::Ether: {
      out.k = Lit::K::Bytes;
      if (!parse_bytes(r.text, out.s) || out.s.size() != 6) return bad("\"" + r.text + "\" is not a valid MAC address.");
      return true;
    }
    case FieldType::Ipv4: {
      out.k = Lit::K::Ip4;
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
    case FieldType::Ipv6: {
      out.k = Lit::K::Ip6;
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
    case FieldType::RelativeTime: case FieldType::AbsoluteTime: case FieldType::Double: {
      out.k = Lit::K::Double;
      char* end = nullptr;
      out.d = std::strtod(r.text.c_str(), &end);
      if (!end || *end) return bad("\"" + r.text + "\" is not a valid time in seconds.");
      if (r.range) out.dhi = std::strtod(r.hi.c_str(), nullptr);
      out.range = r.range;
      return true;
    }
    default:
      return bad(std::string(n.def->abbrev) + " (type=" + type_desc(t) + ") cannot be compared with a value.");
  }
}

// ---------------------------------------------------------------- evaluation
int cmp_num(int64_t a, int64_t b) { return a < b ? -1 : a > b ? 1 : 0; }

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
  return {};
}

// Compare one occurrence with one literal; nullopt-like: returns 2 when not comparable.
int compare(const Node& n, const FieldNode& v, const Lit& l, std::string& scratch) {
  switch (l.k) {
    case Lit::K::Int: {
      int64_t x;
      if (v.kind == ValueKind::UInt || v.kind == ValueKind::Bool) x = static_cast<int64_t>(v.u);
      else if (v.kind == ValueKind::Int) x = v.i;
      else return 2;
      return cmp_num(x, l.i);
    }
    case Lit::K::Str: case Lit::K::Bytes: {
      std::string_view s = node_text(v);
      if (v.kind == ValueKind::Ether) s = std::string_view(reinterpret_cast<const char*>(v.ether), 6);
      if (n.func == Func::Lower || n.func == Func::Upper) {
        scratch.assign(s);
        for (auto& ch : scratch)
          ch = static_cast<char>(n.func == Func::Lower ? std::tolower(static_cast<unsigned char>(ch))
                                                       : std::toupper(static_cast<unsigned char>(ch)));
        s = scratch;
      }
      int c = s.compare(l.s);
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    case Lit::K::Ip4: {
      if (v.kind != ValueKind::Ipv4) return 2;
      if (l.mask4 != 0xffffffffu) return (v.ip4 & l.mask4) == (l.ip4 & l.mask4) ? 0 : 1;
      return v.ip4 < l.ip4 ? -1 : v.ip4 > l.ip4 ? 1 : 0;
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
    case Lit::K::Double: {
      double x;
      if (v.kind == ValueKind::Time) x = double(v.t.sec) + double(v.t.nsec) / 1e9;
      else if (v.kind == ValueKind::Double) x = v.d;
      else return 2;
      return x < l.d ? -1 : x > l.d ? 1 : 0;
    }
    case Lit::K::Topic:
      return 2;
  }
  return 2;
}

bool in_set(const Node& n, const FieldNode& v, std::string& scratch) {
  for (const Lit& l : n.lits) {
    if (l.range) {
      if (l.k == Lit::K::Int) {
        int64_t x = v.kind == ValueKind::Int ? v.i : static_cast<int64_t>(v.u);
        if (x >= l.i && x <= l.hi) return true;
      } else if (l.k == Lit::K::Double && v.kind == ValueKind::Time) {
        double x = double(v.t.sec) + double(v.t.nsec) / 1e9;
        if (x >= l.d && x <= l.dhi) return true;
      }
      continue;
    }
    if (compare(n, v, l, scratch) == 0) return true;
  }
  return false;
}

bool eval(const Node& n, const core::FieldTree& tree, std::string& scratch) {
  switch (n.k) {
    case Node::K::Or: return eval(*n.a, tree, scratch) || eval(*n.b, tree, scratch);
    case Node::K::And: return eval(*n.a, tree, scratch) && eval(*n.b, tree, scratch);
    case Node::K::Xor: return eval(*n.a, tree, scratch) != eval(*n.b, tree, scratch);
    case Node::K::Not: return !eval(*n.a, tree, scratch);
    default: break;
  }
  const auto& nodes = tree.nodes();
  if (n.func == Func::Count) {
    int64_t count = 0;
    for (const auto& v : nodes) count += v.id == n.field;
    FieldNode tmp;
    tmp.kind = ValueKind::UInt;
    tmp.u = static_cast<uint64_t>(count);
    if (n.k == Node::K::In) return in_set(n, tmp, scratch);
    return op_holds(n.op, compare(n, tmp, n.lits[0], scratch));
  }
  bool any = false, all = true, seen = false;
  for (const auto& v0 : nodes) {
    if (v0.id != n.field) continue;
    seen = true;
    if (n.k == Node::K::Exists) return true;
    FieldNode lenv;
    const FieldNode* vp = &v0;
    if (n.func == Func::Len) {
      lenv.kind = ValueKind::UInt;
      lenv.u = (v0.kind == ValueKind::String || v0.kind == ValueKind::Bytes) ? v0.b.n : v0.length;
      vp = &lenv;
    }
    FieldNode sliced;
    if (n.slice) {
      std::string_view whole = node_text(*vp);
      int64_t size = static_cast<int64_t>(whole.size());
      int64_t start = n.slice_start < 0 ? size + n.slice_start : n.slice_start;
      if (start < 0 || start > size) continue;
      int64_t len = n.slice_len < 0 ? size - start : std::min(n.slice_len, size - start);
      if (n.slice_len >= 0 && len < n.slice_len) continue;  // the slice runs past the field: no match
      sliced.kind = ValueKind::Bytes;
      sliced.b.p = reinterpret_cast<const uint8_t*>(whole.data()) + start;
      sliced.b.n = static_cast<uint32_t>(len);
      vp = &sliced;
    }
    const FieldNode& v = *vp;
    bool hit;
    switch (n.k) {
      case Node::K::In: hit = in_set(n, v, scratch); break;
      case Node::K::Contains: {
        std::string_view s = node_text(v);
        hit = s.find(n.lits[0].s) != std::string_view::npos;
        break;
      }
      case Node::K::Matches: {
        std::string_view s = node_text(v);
        hit = pcre2_match(n.re->code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, n.re->md, nullptr) >= 0;
        break;
      }
      case Node::K::TopicMatch: hit = mqtt::topic_matches(n.lits[0].s, node_text(v)); break;
      case Node::K::Cmp:
        if (n.op == Tok::BitAnd) {  // field & mask: true if any masked bit is set
          uint64_t x = v.kind == ValueKind::Int ? static_cast<uint64_t>(v.i) : v.u;
          hit = (v.kind == ValueKind::UInt || v.kind == ValueKind::Int || v.kind == ValueKind::Bool) &&
                (x & static_cast<uint64_t>(n.lits[0].i)) != 0;
          break;
        }
        [[fallthrough]];
      default: {
        // ==/</> are "any occurrence"; != is "no occurrence equal"; === all; !== some differ.
        Tok test = n.op == Tok::Ne ? Tok::Eq : n.op;
        int c = compare(n, v, n.lits[0], scratch);
        hit = c != 2 && op_holds(test, c);
        break;
      }
    }
    any |= hit;
    all &= hit;
  }
  if (!seen) return false;  // an absent field satisfies no comparison (not even !=)
  if (n.k == Node::K::Cmp && n.op == Tok::Ne) return !any;
  if (n.k == Node::K::Cmp && n.op == Tok::AllEq) return all;
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
  Parser p(toks, err, hints_);
  auto root = p.parse();
  if (!root) return false;
  // Semantic pass: literals converted to each field's type.
  for (size_t k = 0; k < p.nodes_raw_.size(); ++k) {
    Node& n = *p.nodes_raw_[k];
    for (const Raw& r : p.raws_[k]) {
      Lit l;
      if (!convert(n, r, l, err)) return false;
      n.lits.push_back(std::move(l));
    }
    if (n.k == Node::K::Matches) {
      n.re = std::make_unique<Regex>();
      int code;
      PCRE2_SIZE off;
      // Case-insensitive by default, as tshark 4.0 compiles it; (?-i) turns it off.
      n.re->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(n.lits[0].s.data()), n.lits[0].s.size(),
                                 PCRE2_CASELESS, &code, &off, nullptr);
      if (!n.re->code) {
        PCRE2_UCHAR buf[256];
        pcre2_get_error_message(code, buf, sizeof buf);
        err = {std::string("\"") + n.lits[0].s + "\" is not a valid regular expression: " +
                   reinterpret_cast<const char*>(buf),
               p.raws_[k][0].pos, p.raws_[k][0].len};
        return false;
      }
      n.re->md = pcre2_match_data_create_from_pattern(n.re->code, nullptr);
    }
  }
  root_ = std::move(root);
  fields_ = std::move(p.fields);
  return true;
}

bool Filter::matches(const core::FieldTree& tree) const {
  if (!root_) return true;
  thread_local std::string scratch;
  return eval(*root_, tree, scratch);
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
