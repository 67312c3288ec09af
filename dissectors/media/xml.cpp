// XML as tshark 4.0's generic "xml" dissector shows it (its grammar, its
// tree): comments, CDATA sections, processing instructions (the <?xml ...?>
// declaration's version, encoding and standalone as xml.xmlpi.xml.*), a
// DOCTYPE, tags with their attributes ("<a" then `x="1">`), the text between
// them, closing tags; "Unrecognized text" and "Closing an unopened tag" as
// tshark flags them. Whitespace between tokens is skipped; text keeps its
// trailing whitespace. Not done: the element and attribute fields of the
// DTDs tshark loads (a tag named as the root of one of them, <rss>, <smil>,
// <presence>..., is a plain xml.tag here) and UTF-16 documents.
#include <string>
#include <vector>

#include "dissectors/core/expert.h"
#include "dissectors/core/field_tree.h"
#include "dissectors/core/format.h"
#include "dissectors/core/text_item.h"
#include "dissectors/link/link.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/media/media.h"

namespace mqsniff::media {
namespace {

using core::FieldTree;

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_name(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

std::string shown(std::string_view s) { return core::label_text(s); }

struct Frame {
  int32_t item;    // its tree node (-1: not built)
  uint32_t start;  // frame offset of its token
  enum Kind : uint8_t { Root, Tag, Pi, XmlPi, Doctype } kind;
};

struct Xml {
  FieldTree& t;
  std::string_view s;
  uint32_t base;
  bool show;
  size_t pos = 0;
  std::vector<Frame> stack;

  uint32_t at(size_t o) const { return base + static_cast<uint32_t>(o); }
  // Skips whitespace from `p` (tshark's "ignore" before every element of a token).
  size_t skip(size_t p) const {
    while (p < s.size() && is_ws(s[p])) ++p;
    return p;
  }
  bool lit(size_t& p, std::string_view w, bool nocase = false) const {
    p = skip(p);
    if (s.size() - p < w.size()) return false;
    for (size_t i = 0; i < w.size(); ++i) {
      char a = s[p + i], b = w[i];
      if (nocase) {
        a = static_cast<char>(std::tolower(static_cast<unsigned char>(a)));
        b = static_cast<char>(std::tolower(static_cast<unsigned char>(b)));
      }
      if (a != b) return false;
    }
    p += w.size();
    return true;
  }
  // A run of name characters (plus ':' for attribute names); [b, e).
  bool name(size_t& p, size_t& b, size_t& e, bool colon) const {
    p = skip(p);
    b = p;
    while (p < s.size() && (is_name(s[p]) || (colon && s[p] == ':'))) ++p;
    e = p;
    return e > b;
  }
  // A tag name: prefix:local or a plain name.
  bool tag_name(size_t& p, size_t& b, size_t& e) const {
    size_t q = p, b1, e1;
    if (!name(q, b1, e1, false)) return false;
    size_t r = e1;
    if (r < s.size() && s[r] == ':') {  // (no whitespace skipped inside a scoped name but before its parts)
      size_t r2 = r + 1, b2, e2;
      if (name(r2, b2, e2, false)) {
        b = b1;
        e = e2;
        p = r2;
        return true;
      }
    }
    b = b1;
    e = e1;
    p = e1;
    return true;
  }
  // Where the next `w` at or after `from` is (npos: none). Hostile input
  // ("<!--" a thousand times, never closed) would make every token search to
  // the end: each terminator's last answer is kept, and the position only
  // moves forward, so a document costs one pass per terminator.
  struct Memo {
    size_t from = std::string_view::npos, at = 0;
  };
  mutable Memo memo[5];  // "-->", "]]>", ">", '"', '\''
  size_t find_from(std::string_view w, size_t from, Memo& m) const {
    if (m.from != std::string_view::npos && from >= m.from && (m.at == std::string_view::npos || m.at >= from))
      return m.at;
    m.from = from;
    m.at = s.find(w, from);
    return m.at;
  }
  Memo& memo_for(std::string_view w) const {
    return w == "-->" ? memo[0] : w == "]]>" ? memo[1] : w == ">" ? memo[2] : w == "\"" ? memo[3] : memo[4];
  }
  // Up to and including `w`.
  bool until(size_t& p, std::string_view w) const {
    p = skip(p);
    const size_t f = find_from(w, p, memo_for(w));
    if (f == std::string_view::npos) return false;
    p = f + w.size();
    return true;
  }

  struct Attr {
    size_t b, e;          // the whole token
    size_t nb, ne;        // its name
    size_t vb, ve;        // its value (quotes shrunk)
  };
  // attr_name '=' value, one or more; false (p unchanged) if none. (More
  // than kMaxAttrs in one tag, which only hostile input has, end the list.)
  static constexpr size_t kMaxAttrs = 4096;
  bool attributes(size_t& p, std::vector<Attr>& out) const {
    out.clear();
    while (out.size() < kMaxAttrs) {
      size_t q = p, nb, ne;
      if (!name(q, nb, ne, true)) break;
      if (!lit(q, "=")) break;
      q = skip(q);
      if (q >= s.size()) break;
      size_t vb, ve;
      const char c = s[q];
      if (c == '"' || c == '\'') {
        // (tshark's quoted value ends at the next quote: a backslash escapes nothing)
        size_t r = find_from(c == '"' ? std::string_view("\"") : std::string_view("'"), q + 1, memo_for(c == '"' ? "\"" : "'"));
        if (r == std::string_view::npos) r = s.size();
        if (r >= s.size()) break;
        vb = q + 1;
        ve = r;
        q = r + 1;
      } else {
        size_t r = q;
        while (r < s.size() && is_name(s[r])) ++r;  // (digits are name characters too)
        if (r == q) break;
        vb = q;
        ve = r;
        q = r;
      }
      out.push_back({nb, q, nb, ne, vb, ve});
      p = q;
    }
    return !out.empty();
  }

  Frame& top() { return stack.back(); }
  void push(int32_t item, uint32_t start, Frame::Kind k) {
    stack.push_back({item, start, k});
    if (item >= 0) t.enter(item);
  }
  // Pops the current frame, or flags a close with nothing open.
  void pop_or_flag(size_t b, size_t e) {
    if (stack.size() > 1) {
      if (top().item >= 0) t.close();
      stack.pop_back();
      return;
    }
    expert_item("Closing an unopened tag", core::Severity::Error, core::ExpertGroup::Malformed,
                media::xml_f::closing_unopened_tag, b, e);
  }
  void expert_item(const char* msg, core::Severity sev, core::ExpertGroup grp, core::FieldId named, size_t b, size_t e) {
    const int32_t idx = show ? core::add_text(t, msg, at(b), static_cast<uint32_t>(e - b)) : -1;
    core::Subtree sub(t, idx);
    core::add_expert(t, msg, sev, grp, at(b), static_cast<uint32_t>(e - b), named);
  }
  void text_item(size_t b, size_t e) {
    if (show) core::add_text(t, shown(s.substr(b, e - b)), at(b), static_cast<uint32_t>(e - b));
  }
  int32_t string_item(core::FieldId id, size_t b, size_t e, size_t lb, size_t le) {
    const int32_t idx = t.add_string_copy(id, s.substr(b, e - b), at(b), static_cast<uint32_t>(e - b));
    if (show && idx >= 0) t.set_display(idx, shown(s.substr(lb, le - lb)));
    return idx;
  }

  // One token at pos (whitespace before it skipped); false at the end.
  bool next();
};

bool Xml::next() {
  pos = skip(pos);
  if (pos >= s.size()) return false;
  const size_t b = pos;
  size_t p = b;
  // <!-- ... -->
  if (lit(p, "<!--") && until(p, "-->")) {
    string_item(xml_f::comment, b, p, b, p);
    pos = p;
    return true;
  }
  p = b;
  if (lit(p, "<![CDATA[") && until(p, "]]>")) {
    string_item(xml_f::cdatasection, b, p, b, p);
    pos = p;
    return true;
  }
  // <?name attributes ?>
  p = b;
  size_t nb, ne;
  std::vector<Attr> attrs;
  if (lit(p, "<?") && name(p, nb, ne, false)) {
    size_t q = p;
    bool ok = lit(q, "?>");
    if (!ok) {
      q = p;
      ok = attributes(q, attrs) && lit(q, "?>");
    } else {
      attrs.clear();
    }
    if (ok) {
      const bool decl = s.substr(nb, ne - nb) == "xml";
      const int32_t pi = string_item(decl ? xml_f::xmlpi_xml : xml_f::xmlpi, b, q, b, ne);
      push(pi, at(b), decl ? Frame::XmlPi : Frame::Pi);
      for (const Attr& a : attrs) {
        const std::string_view an = s.substr(a.nb, a.ne - a.nb);
        core::FieldId id = xml_f::attribute;
        if (decl && an == "version") id = xml_f::xmlpi_version;
        else if (decl && an == "encoding") id = xml_f::xmlpi_encoding;
        else if (decl && an == "standalone") id = xml_f::xmlpi_standalone;
        if (id == xml_f::attribute) string_item(id, a.b, a.e, a.b, a.e);
        else string_item(id, a.vb, a.ve, a.b, a.e);
      }
      const size_t close_at = q - 2;
      text_item(close_at, q);
      pop_or_flag(close_at, q);
      pos = q;
      return true;
    }
  }
  // </name>
  p = b;
  size_t tb, te;
  if (lit(p, "<") && lit(p, "/") && tag_name(p, tb, te) && lit(p, ">")) {
    if (stack.size() > 1 && top().item >= 0) t.set_length(top().item, at(p) - top().start);
    text_item(b, p);
    pop_or_flag(b, p);
    pos = p;
    return true;
  }
  // <!DOCTYPE name [   or   <!DOCTYPE name PUBLIC|SYSTEM ... >
  p = b;
  if (lit(p, "<") && lit(p, "!") && lit(p, "DOCTYPE", true) && name(p, nb, ne, false)) {
    size_t q = p;
    const bool internal = lit(q, "[");
    size_t r = p;
    const bool external = !internal && (lit(r, "PUBLIC", true) || (r = p, lit(r, "SYSTEM", true))) && until(r, ">");
    if (internal || external) {
      const size_t end = internal ? q : r;
      const int32_t d = string_item(xml_f::doctype, nb, ne, b, end);
      if (external) {
        pos = end;
        return true;
      }
      push(d, at(b), Frame::Doctype);
      pos = end;
      return true;
    }
  }
  // ]>
  p = b;
  if (lit(p, "]") && lit(p, ">")) {
    text_item(b, p);
    pop_or_flag(b, p);
    pos = p;
    return true;
  }
  // <! ... >
  p = b;
  if (lit(p, "<") && lit(p, "!") && until(p, ">")) {
    string_item(xml_f::dtdtag, b, p, b, p);
    pos = p;
    return true;
  }
  // <name attributes > or />
  p = b;
  if (lit(p, "<") && tag_name(p, tb, te)) {
    size_t q = p;
    const bool has_attrs = attributes(q, attrs);
    if (!has_attrs) attrs.clear();
    size_t r = q;
    bool open = lit(r, ">");
    bool closed = false;
    if (!open) {
      r = q;
      closed = lit(r, "/>");
    }
    if (open || closed) {
      const char* stop = open ? ">" : "/>";
      const int32_t tag = t.add_string_copy(xml_f::tag, s.substr(b, r - b), at(b), static_cast<uint32_t>(r - b));
      if (show && tag >= 0) t.set_display(tag, shown(s.substr(b, te - b)) + (attrs.empty() ? stop : ""));
      push(tag, at(b), Frame::Tag);
      for (size_t i = 0; i < attrs.size(); ++i) {
        const Attr& a = attrs[i];
        const int32_t ai = t.add_string_copy(xml_f::attribute, s.substr(a.b, a.e - a.b), at(a.b),
                                             static_cast<uint32_t>(a.e - a.b));
        if (show && ai >= 0) t.set_display(ai, shown(s.substr(a.b, a.e - a.b)) + (i + 1 == attrs.size() ? stop : ""));
      }
      if (closed) pop_or_flag(r - 2, r);
      pos = r;
      return true;
    }
  }
  // Text up to the next '<'.
  if (s[b] != '<') {
    size_t e = s.find('<', b);
    if (e == std::string_view::npos) e = s.size();
    const Frame::Kind k = top().kind;
    // (the text of a tag is xml.cdata; at the top, in a DOCTYPE or a processing instruction, xml.unknown)
    string_item(k == Frame::Tag ? xml_f::cdata : xml_f::unknown, b, e, b, e);
    pos = e;
    return true;
  }
  // Anything else up to whitespace.
  size_t e = b;
  while (e < s.size() && !is_ws(s[e])) ++e;
  expert_item("Unrecognized text", core::Severity::Warn, core::ExpertGroup::Protocol, xml_f::unrecognized_text, b, e);
  pos = e;
  return true;
}

}  // namespace

void dissect_xml(std::span<const uint8_t> body, uint32_t off, core::Packet& pkt, std::string_view carrier) {
  auto& t = pkt.tree;
  pkt.layer("xml");
  // tshark reads two bytes for a byte-order mark before anything else (less: an exception).
  if (body.size() < 2) {
    link::add_malformed_item(pkt, "XML");
    return;
  }
  const size_t start = 0;  // (a UTF-8 byte-order mark is text to tshark 4.0: "\uFEFF")
  pkt.set_protocol(carrier == "HTTP" ? "HTTP/XML" : "MQTT/XML");  // (tshark appends "/XML" to the column)
  t.open(xml_f::proto, off + static_cast<uint32_t>(start), static_cast<uint32_t>(body.size() - start));
  Xml x{t, {reinterpret_cast<const char*>(body.data()), body.size()}, off, t.wants(link::ws_f::text)};
  x.pos = start;
  x.stack.push_back({-1, off, Frame::Root});
  while (x.next()) {
  }
  for (size_t i = x.stack.size(); i > 1; --i)
    if (x.stack[i - 1].item >= 0) t.close();
  t.close();
}

}  // namespace mqsniff::media
