#include "src/output/json.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdio>
#include <cstring>
#include <memory>
#include <ctime>

#include "dissectors/core/format.h"
#include "dissectors/link/link_fields.h"
#include "src/output/field_format.h"

namespace mqsniff::out {
using core::FieldDef;
using core::FieldNode;
using core::FieldType;
using core::ValueKind;

namespace {

// "packets-2026-11-24": the index name tshark gives each packet (its local
// date). Packets come many to a second: the last second's name is kept.
const std::string& index_name(core::Timestamp ts) {
  thread_local int64_t last_sec = INT64_MIN;
  thread_local std::string name;
  if (ts.sec == last_sec && !name.empty()) return name;
  last_sec = ts.sec;
  time_t t = static_cast<time_t>(ts.sec);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "packets-%Y-%m-%d", &tm);
  name = buf;
  return name;
}

// The value tshark's JSON shows for a field: the -T fields text, except that
// bytes are colon-separated and a field without value is "".
void value_text(std::string& out, const FieldDef& def, const FieldNode& n) {
  switch (n.kind) {
    case ValueKind::None: return;
    case ValueKind::Bytes: core::append_hex_bytes(out, n.b.p, n.b.n, ':'); return;
    case ValueKind::String:
      if (def.type != FieldType::Protocol && def.type != FieldType::None) {
        append_display_string(out, n.str(), true);
        return;
      }
      append_field_value(out, def, n);
      return;
    default: append_field_value(out, def, n); return;
  }
}

// A small JSON document built per packet in reused buffers (no allocation
// once warm), written in nlohmann/json's layout: 2-space indentation with
// "key": value, or compact. Repeated keys of an object become one array.
//
// What makes it fast (tshark's JSON is large: a payload is three characters
// a byte): bytes are kept as a view of the packet and written as hex straight
// into the output at the end (no copy, no escaping scan); other values are
// formatted into one text buffer; keys that outlive the packet (field names)
// are not copied; a repeated key is found through a hash table of
// (object, key) instead of a walk over the object's members; escaping skips
// eight plain bytes at a time.
class JDoc {
public:
  enum class K : uint8_t { Str, Hex, True, False, Null, Obj, Arr };
  void clear() {
    n_.clear();
    text_.clear();
    ++gen_;
  }
  int32_t obj() { return add(K::Obj); }
  int32_t arr() { return add(K::Arr); }
  int32_t null() { return add(K::Null); }
  int32_t boolean(bool b) { return add(b ? K::True : K::False); }
  int32_t str(std::string_view v) {
    size_t off = text_.size();
    text_.append(v);
    return str_from(off);
  }
  // A string value formatted by the caller straight into text() since `off`.
  std::string& text() { return text_; }
  int32_t str_from(size_t off) {
    int32_t i = add(K::Str);
    N& n = n_[static_cast<size_t>(i)];
    n.val_off = static_cast<uint32_t>(off);
    n.val_len = static_cast<uint32_t>(text_.size() - off);
    return i;
  }
  // Bytes shown as colon-separated hex; `p` must stay valid until dump().
  int32_t hex(const uint8_t* p, size_t len) {
    int32_t i = add(K::Hex);
    N& n = n_[static_cast<size_t>(i)];
    n.bytes = p;
    n.val_len = static_cast<uint32_t>(len);
    return i;
  }
  // Appends to an array.
  void push(int32_t a, int32_t v) { link(a, v); }
  // Adds key: value to an object; a repeated key turns into an array of its
  // values. A key that is `stable` (a field's name, a label in the packet's
  // tree) is referred to, not copied.
  void put(int32_t o, std::string_view key, int32_t v, bool stable = false) {
    const uint32_t h = hash(o, key);
    if (slots_.size() < 2 * n_.size() + 16) grow();
    const size_t mask = slots_.size() - 1;
    size_t s = h & mask;
    for (;; s = (s + 1) & mask) {
      Slot& sl = slots_[s];
      if (sl.gen != gen_) break;
      if (sl.hash != h || sl.obj != o) continue;
      const int32_t c = sl.node;
      if (key_of(c) != key) continue;
      if (!n_[static_cast<size_t>(c)].merged) {
        // The first value moves into a new node; this slot becomes the array.
        int32_t moved = add(n_[static_cast<size_t>(c)].k);
        N& m = n_[static_cast<size_t>(moved)];
        const N& old = n_[static_cast<size_t>(c)];
        m.val_off = old.val_off;
        m.val_len = old.val_len;
        m.bytes = old.bytes;
        m.first = old.first;
        m.last = old.last;
        N& arr = n_[static_cast<size_t>(c)];
        arr.k = K::Arr;
        arr.merged = true;
        arr.first = arr.last = -1;
        link(c, moved);
      }
      link(c, v);
      return;
    }
    slots_[s] = Slot{gen_, h, o, v};
    N& nv = n_[static_cast<size_t>(v)];
    if (stable) {
      nv.key = key.data();
    } else {
      nv.key = nullptr;
      nv.key_off = static_cast<uint32_t>(text_.size());
      text_.append(key);
    }
    nv.key_len = static_cast<uint32_t>(key.size());
    link(o, v);
  }
  void dump(RawBuf& out, int32_t root, bool pretty, int indent) const { write(out, root, pretty, indent); }

private:
  struct N {
    K k;
    bool merged = false;
    uint32_t key_off = 0, key_len = 0, val_off = 0, val_len = 0;
    int32_t first = -1, last = -1, next = -1;
    const char* key = nullptr;     // a stable key, or null: text_ at key_off
    const uint8_t* bytes = nullptr;  // K::Hex
  };
  struct Slot {
    uint64_t gen = 0;
    uint32_t hash = 0;
    int32_t obj = -1, node = -1;
  };
  // Eight bytes of the key at a time (keys are field names of 5 to 40 bytes).
  static uint32_t hash(int32_t o, std::string_view key) {
    constexpr uint64_t m = 0x9e3779b97f4a7c15ull;
    uint64_t h = (static_cast<uint64_t>(static_cast<uint32_t>(o)) + key.size()) * m;
    const char* p = key.data();
    size_t n = key.size();
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      h = (h ^ w) * m;
      h ^= h >> 29;
    }
    if (n) {
      // The last 1-7 bytes, read whole (no byte-wise copy to the stack that a
      // wide load would then wait for).
      uint64_t w;
      if (key.size() >= 8) {
        std::memcpy(&w, key.data() + key.size() - 8, 8);
      } else if (n >= 4) {
        uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        w = a | static_cast<uint64_t>(b) << 32;
      } else {
        const auto* u = reinterpret_cast<const unsigned char*>(p);
        w = u[0] | static_cast<uint64_t>(u[n / 2]) << 8 | static_cast<uint64_t>(u[n - 1]) << 16;
      }
      h = (h ^ w) * m;
    }
    h ^= h >> 32;
    return static_cast<uint32_t>(h);
  }
  void grow() {
    // Rehash the live slots of this packet into a table twice as large.
    std::vector<Slot> old(std::max<size_t>(256, 2 * slots_.size()));
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& sl : old) {
      if (sl.gen != gen_) continue;
      size_t s = sl.hash & mask;
      while (slots_[s].gen == gen_) s = (s + 1) & mask;
      slots_[s] = sl;
    }
  }
  int32_t add(K k) {
    n_.push_back(N{k});
    return static_cast<int32_t>(n_.size() - 1);
  }
  void link(int32_t parent, int32_t child) {
    N& p = n_[static_cast<size_t>(parent)];
    if (p.last < 0) p.first = child;
    else n_[static_cast<size_t>(p.last)].next = child;
    p.last = child;
  }
  std::string_view key_of(int32_t i) const {
    const N& n = n_[static_cast<size_t>(i)];
    if (n.key) return {n.key, n.key_len};
    return std::string_view(text_).substr(n.key_off, n.key_len);
  }
  // True when none of the 8 bytes needs escaping: each is 0x20..0x7f and
  // neither '"' nor '\\'.
  static bool plain8(uint64_t v) {
    constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    auto has_zero = [&](uint64_t x) { return (x - ones) & ~x & highs; };
    const uint64_t low = (v - ones * 0x20) & ~v & highs;  // a byte below 0x20
    return !(low | (v & highs) | has_zero(v ^ (ones * '"')) | has_zero(v ^ (ones * '\\')));
  }
  static char* escape(char* o, std::string_view s) {
    *o++ = '"';
    const char* p = s.data();
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
      // Plain bytes, eight at a time (the output has room for 6 per input byte).
      while (i + 8 <= n) {
        uint64_t v;
        std::memcpy(&v, p + i, 8);
        if (!plain8(v)) break;
        std::memcpy(o, &v, 8);
        o += 8;
        i += 8;
      }
      if (i == n) break;
      const unsigned char c = static_cast<unsigned char>(p[i]);
      if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
        *o++ = static_cast<char>(c);
        ++i;
        continue;
      }
      if (c < 0x80) {
        *o++ = '\\';
        switch (c) {
          case '"': *o++ = '"'; break;
          case '\\': *o++ = '\\'; break;
          case '\n': *o++ = 'n'; break;
          case '\r': *o++ = 'r'; break;
          case '\t': *o++ = 't'; break;
          case '\b': *o++ = 'b'; break;
          case '\f': *o++ = 'f'; break;
          default:
            std::memcpy(o, "u00", 3);
            o[3] = "0123456789abcdef"[c >> 4];
            o[4] = "0123456789abcdef"[c & 15];
            o += 5;
        }
        ++i;
        continue;
      }
      // UTF-8: a valid sequence is copied, anything else becomes U+FFFD.
      size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
      bool ok = len && i + len <= n;
      for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(p[i + k]) & 0xc0) == 0x80;
      if (ok) {
        std::memcpy(o, p + i, len);
        o += len;
        i += len;
      } else {
        std::memcpy(o, "\xef\xbf\xbd", 3);
        o += 3;
        ++i;
      }
    }
    *o++ = '"';
    return o;
  }
  static char* lit(char* o, std::string_view s) {
    std::memcpy(o, s.data(), s.size());
    return o + s.size();
  }
  // "\n" and `indent` spaces, written 16 at a time (the buffer has slack).
  static char* newline(char* o, int indent) {
    static constexpr char spaces[17] = "                ";
    *o++ = '\n';
    for (int k = 0; k < indent; k += 16) std::memcpy(o + k, spaces, 16);
    return o + indent;
  }
  void write(RawBuf& out, int32_t i, bool pretty, int indent) const {
    const N& n = n_[static_cast<size_t>(i)];
    constexpr size_t kSlack = 32;
    char* o;
    switch (n.k) {
      case K::Str: {
        std::string_view v = std::string_view(text_).substr(n.val_off, n.val_len);
        o = out.room(6 * v.size() + kSlack);
        out.done(escape(o, v));
        return;
      }
      case K::Hex: {
        o = out.room(3 * static_cast<size_t>(n.val_len) + kSlack);
        *o++ = '"';
        o = core::write_hex_bytes(o, n.bytes, n.val_len, ':');
        *o++ = '"';
        out.done(o);
        return;
      }
      case K::True: out.done(lit(out.room(kSlack), "true")); return;
      case K::False: out.done(lit(out.room(kSlack), "false")); return;
      case K::Null: out.done(lit(out.room(kSlack), "null")); return;
      case K::Obj:
      case K::Arr: {
        const bool obj = n.k == K::Obj;
        o = out.room(kSlack);
        if (n.first < 0) {
          out.done(lit(o, obj ? "{}" : "[]"));
          return;
        }
        *o++ = obj ? '{' : '[';
        out.done(o);
        bool firstc = true;
        for (int32_t c = n.first; c >= 0; c = n_[static_cast<size_t>(c)].next) {
          std::string_view key = obj ? key_of(c) : std::string_view();
          o = out.room(static_cast<size_t>(indent) + 6 * key.size() + 2 * kSlack);
          if (!firstc) *o++ = ',';
          firstc = false;
          if (pretty) o = newline(o, indent + 2);
          if (obj) {
            o = escape(o, key);
            o = pretty ? lit(o, ": ") : lit(o, ":");
          }
          out.done(o);
          write(out, c, pretty, indent + 2);
        }
        o = out.room(static_cast<size_t>(indent) + 2 * kSlack);
        if (pretty) o = newline(o, indent);
        *o++ = obj ? '}' : ']';
        out.done(o);
        return;
      }
    }
  }
  std::vector<N> n_;
  std::string text_;
  std::vector<Slot> slots_;
  uint64_t gen_ = 1;
};


// EK's absolute times: "2026-11-24T10:57:28.790327000Z" (UTC).
std::string iso_time(core::Timestamp ts) {
  time_t t = static_cast<time_t>(ts.sec);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[48];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, ts.nsec);
  return buf;
}

// Into `k` (reused): "<layer>_<abbrev with dots as underscores>"; an empty
// layer gives the abbreviation alone.
void ek_key(std::string& k, std::string_view layer, std::string_view abbrev) {
  // Fields another protocol registered (a certificate's inside TLS) carry
  // that protocol's name: "x509af_x509af_version", "pkcs-1_pkcs1_modulus".
  std::string_view owner = abbrev.substr(0, abbrev.find('.'));
  if (!layer.empty()) {
    if (owner == "x509af" || owner == "x509if" || owner == "x509sat" || owner == "x509ce" || owner == "ber") layer = owner;
    else if (owner == "pkcs1") layer = "pkcs-1";
    else if (owner == "frame" && layer == "pkt_comment") layer = owner;  // "frame_frame_comment"
  }
  k.assign(layer);
  if (!layer.empty()) k += '_';
  const size_t at = k.size();
  k.append(abbrev);
  (void)at;
  for (char& c : k)  // EK names have no dots, in the layer part either ("_ws_malformed__ws_malformed_expert")
    if (c == '.') c = '_';
}

}  // namespace

std::string_view JsonOutput::ek_name(core::FieldId id, std::string_view layer, std::string_view abbrev) {
  if (ek_names_.size() <= id) ek_names_.resize(static_cast<size_t>(id) + 1);
  for (const EkName& e : ek_names_[id])
    if (e.layer == layer) return *e.key;
  auto key = std::make_unique<std::string>();
  ek_key(*key, layer, abbrev);
  ek_names_[id].push_back(EkName{std::string(layer), std::move(key)});
  return *ek_names_[id].back().key;
}

void JsonOutput::begin() {
  if (!o_.ek) w_.write("[");  // "[]" when no packet is displayed, as tshark
}

void JsonOutput::flush() {
  if (raw_.size()) {
    w_.write_through(raw_.view());
    raw_.clear();
  }
  w_.flush();
}

void JsonOutput::end() {
  if (raw_.size()) {
    w_.write_through(raw_.view());
    raw_.clear();
  }
  if (!o_.ek) w_.write(any_ ? "\n]\n" : "]\n");
  w_.flush();
}

void JsonOutput::packet(const core::FieldTree& tree, const RowContext& row) {
  emit(tree.nodes(), &tree, &row, row.ts);
}

void JsonOutput::packet_nodes(const std::vector<core::FieldNode>& nodes, core::Timestamp ts) {
  emit(nodes, nullptr, nullptr, ts);
}

void JsonOutput::emit(const std::vector<core::FieldNode>& nodes, const core::FieldTree* tree, const RowContext* row,
                      core::Timestamp ts) {
  const auto& reg = core::FieldRegistry::instance();
  thread_local JDoc doc;
  doc.clear();
  const int32_t layers = doc.obj();
  auto text_value = [&](const FieldDef& def, const FieldNode& n) {
    if (def.type == FieldType::None) return doc.str({});  // a label is not a value: tshark writes ""
    // A protocol item with neither value nor label (tshark's hidden _ws.malformed): its name.
    if (def.type == FieldType::Protocol && n.kind == core::ValueKind::None) return doc.str(def.name);
    if (n.kind == ValueKind::Bytes) return doc.hex(n.b.p, n.b.n);
    const size_t off = doc.text().size();
    value_text(doc.text(), def, n);
    return doc.str_from(off);
  };
  auto filtered = [&](std::string_view name) {
    int32_t f = doc.obj();
    doc.put(f, "filtered", doc.str(name));
    return f;
  };
  if (o_.columns && tree) {
    // -e: each requested field that is present, as an array of strings.
    for (const FieldColumn& fc : *o_.columns) {
      int32_t vals = -1;
      auto push = [&](std::string_view v) {
        if (vals < 0) vals = doc.arr();
        doc.push(vals, doc.str(v));
      };
      if (fc.col != FieldColumn::Col::None) {
        scratch_.clear();
        render_fields(scratch_, {fc}, *o_.fopts, *tree, *row, o_.time_format, o_.digits);
        if (!scratch_.empty() && scratch_.back() == '\n') scratch_.pop_back();
        if (!scratch_.empty()) push(scratch_);
      } else {
        const FieldDef* def = reg.def(fc.id);
        for (const FieldNode& n : nodes) {
          if (n.id != fc.id) continue;
          scratch_.clear();
          append_field_value(scratch_, *def, n);
          push(scratch_);
        }
      }
      if (vals < 0) continue;
      key_.assign(fc.name);
      if (o_.ek)
        for (char& c : key_) c = c == '.' ? '_' : c;
      doc.put(layers, key_, vals);
    }
  } else {
    // The whole tree. Children lists first (parents always precede children).
    if (children_.size() < nodes.size() + 1) children_.resize(nodes.size() + 1);
    for (size_t i = 0; i <= nodes.size(); ++i) children_[i].clear();
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].flags & FieldNode::kFilterOnly) continue;
      int32_t p = nodes[i].parent;
      children_[p < 0 ? nodes.size() : static_cast<size_t>(p)].push_back(static_cast<int32_t>(i));
    }
    tree_placeholder_.assign(nodes.size(), 0);
    if (!o_.ek)
      for (size_t p = 0; p <= nodes.size(); ++p) {
        const auto& list = children_[p];
        if (list.size() < 2) continue;
        core::FieldId with_tree[8];
        size_t nt = 0;
        for (int32_t k : list) {
          // (only a value with a subtree writes "<field>_tree"; a text item with children is an object of its own)
          const FieldNode& kn = nodes[static_cast<size_t>(k)];
          if (children_[static_cast<size_t>(k)].empty() || nt == 8 || kn.id == link::ws_f::text) continue;
          const FieldDef* kd = reg.def(kn.id);
          if (!kd) continue;
          const bool bytes_item = kn.kind == ValueKind::Bytes && kn.id != link::data_f::proto;
          if (kd->type == FieldType::None || (kd->type == FieldType::Protocol && !bytes_item)) continue;
          with_tree[nt++] = kn.id;
        }
        if (!nt) continue;
        for (int32_t k : list)
          if (children_[static_cast<size_t>(k)].empty())
            for (size_t j = 0; j < nt; ++j)
              if (nodes[static_cast<size_t>(k)].id == with_tree[j]) tree_placeholder_[static_cast<size_t>(k)] = 1;
      }
    // Adds node `c` to object `obj` (json: a value and its "<field>_tree"
    // object, or an object for a text-only item with children; ek: flattened).
    auto add = [&](auto&& self, int32_t obj, int32_t c, std::string_view layer, bool expand) -> void {
      const FieldNode& n = nodes[static_cast<size_t>(c)];
      const FieldDef* def = reg.def(n.id);
      if (!def) return;
      const auto& kids = children_[static_cast<size_t>(c)];
      if (n.id == link::ws_f::text) {
        // A text-only item: its label is its key (json); ek writes it as "text" and flattens its children.
        if (o_.ek) {
          doc.put(obj, "text", doc.str(n.str()), true);
          if (expand)
            for (int32_t k : kids) self(self, obj, k, layer, expand);
          return;
        }
        if (kids.empty()) {
          doc.put(obj, n.str(), doc.str(""), true);
          return;
        }
        int32_t sub = expand ? doc.obj() : filtered(n.str());
        if (expand)
          for (int32_t k : kids) self(self, sub, k, layer, expand);
        doc.put(obj, n.str(), sub, true);
        return;
      }
      // A protocol item holding bytes (tcp.options.mss) is a value with a tree;
      // a protocol layer nested in another (data under ICMP) is an object, as tshark writes it.
      const bool bytes_item = n.kind == ValueKind::Bytes && n.id != link::data_f::proto;
      const bool text_item = def->type == FieldType::None || (def->type == FieldType::Protocol && !bytes_item);
      if (o_.ek) {
        // tshark's EK names: "<layer>_<field>"; a protocol-like item names
        // itself, and one without a value holds its children as an object
        // ("_ws_expert": {"_ws_expert__ws_expert_message": ...}).
        if (def->type == FieldType::Protocol && !kids.empty() && !bytes_item) {
          const std::string_view key = ek_name(def->id, "", def->abbrev);
          int32_t sub = doc.obj();
          // Its own fields take its name; another protocol's field inside it
          // (an expert item's tcp.analysis.duplicate_ack) keeps its layer's.
          if (expand)
            for (int32_t k : kids) {
              const FieldDef* kd = reg.def(nodes[static_cast<size_t>(k)].id);
              // (A text item's children are this layer's: "Segment Identifiers" in a routing header.)
              self(self, sub, k,
                   kd && kd->id != link::ws_f::text && !kd->abbrev.starts_with(def->abbrev) &&
                           reg.owner(kd->id) != def->abbrev &&
                           !(kd->abbrev == "ip.version" && def->abbrev == "ipv6")  // (IPv6's own ip.version)
                       ? layer
                       : std::string_view(key),
                   expand);
            }
          doc.put(obj, key, sub, true);
          return;
        }
        int32_t v;
        if (n.kind == ValueKind::Bool) v = doc.boolean(n.u != 0);
        else if (n.kind == ValueKind::Time && def->type == FieldType::AbsoluteTime) v = doc.str(iso_time(n.t));
        else if (def->type == FieldType::Protocol && !bytes_item)
          v = doc.obj();  // an empty protocol item (the hidden _ws.malformed, a quoted TLS layer): "{}", as tshark
        else if (n.kind == ValueKind::None || def->type == FieldType::None) v = doc.null();  // a label is not a value
        else v = text_value(*def, n);
        // mDNS is dissected with DNS's fields, which keep DNS's name ("dns_dns_id"), as tshark
        // registers them. (Other borrowed names, like ip.version in IPv6, are the layer's own there.)
        std::string_view prefix = layer;
        if ((layer == "mdns" || layer == "llmnr") && def->type != FieldType::Protocol) {
          std::string_view own = reg.owner(def->id);
          if (!own.empty() && def->abbrev.starts_with(own)) prefix = own;
        }
        doc.put(obj, ek_name(def->id, def->type == FieldType::Protocol ? std::string_view() : prefix, def->abbrev), v,
                true);
        if (expand)
          for (int32_t k : kids) self(self, obj, k, layer, expand);
      } else if (!kids.empty() && text_item) {
        int32_t sub = expand ? doc.obj() : filtered(def->abbrev);
        if (expand)
          for (int32_t k : kids) self(self, sub, k, layer, expand);
        doc.put(obj, def->abbrev, sub, true);
      } else {
        doc.put(obj, def->abbrev, text_value(*def, n), true);
        if (kids.empty() && tree_placeholder_[static_cast<size_t>(c)]) {
          key_.assign(def->abbrev);
          key_ += "_tree";
          doc.put(obj, key_, doc.str(""));
        } else if (!kids.empty()) {
          int32_t sub = expand ? doc.obj() : filtered(def->abbrev);  // -j: subtrees are not expanded
          if (expand)
            for (int32_t k : kids) self(self, sub, k, layer, expand);
          key_.assign(def->abbrev);
          key_ += "_tree";
          doc.put(obj, key_, sub);
        }
      }
    };
    for (int32_t top : children_[nodes.size()]) {
      const FieldNode& n = nodes[static_cast<size_t>(top)];
      const FieldDef* def = reg.def(n.id);
      if (!def) continue;
      std::string_view layer = def->abbrev;
      if (!o_.protocols.empty()) {
        // -j / -J: other layers are only named ({"filtered": "eth"}).
        bool keep = false;
        for (const auto& p : o_.protocols)
          keep |= def->type == FieldType::Protocol ? p == layer : def->abbrev == p;  // (tshark: a top-level item like tcp.segments is "filtered")
        if (!keep) {
          doc.put(layers, layer, filtered(layer), true);
          continue;
        }
      }
      if (def->type != FieldType::Protocol) {
        // An item outside its protocol's layer (tcp.segments, _ws.malformed):
        // named after that protocol, as tshark does.
        const FieldDef* pdef = reg.def(reg.protocol_of(n.id));
        add(add, layers, top, pdef ? pdef->abbrev : layer, true);
        continue;
      }
      if (children_[static_cast<size_t>(top)].empty() && !o_.ek) {
        // A layer with nothing in it (a TLS record only begun here): tshark writes its label.
        doc.put(layers, layer, text_value(*def, n), true);
        continue;
      }
      int32_t obj = doc.obj();
      const bool expand = o_.expand_children || o_.protocols.empty();  // -j: this layer's subtrees stay closed
      for (int32_t k : children_[static_cast<size_t>(top)]) add(add, obj, k, layer, expand);
      if (o_.ek && layer.find('.') != std::string_view::npos) {  // EK names have no dots: "_ws_short"
        key_.assign(layer);
        for (char& ch : key_) ch = ch == '.' ? '_' : ch;
        doc.put(layers, key_, obj);
      } else {
        doc.put(layers, layer, obj, true);
      }
    }
  }

  RawBuf& out = raw_;
  if (o_.ek) {
    out.append(R"({"index":{"_index":")");
    out.append(index_name(ts));
    out.append(R"(","_type":"doc"}})" "\n" R"({"timestamp":")");
    char num[24];
    auto r = std::to_chars(num, num + sizeof num, static_cast<uint64_t>(ts.sec) * 1000 + ts.nsec / 1000000);
    out.append(std::string_view(num, static_cast<size_t>(r.ptr - num)));
    out.append(R"(","layers":)");
    doc.dump(out, layers, false, 0);
    out.append("}\n");
  } else {
    // tshark indents each packet object by one level inside the array.
    out.append(any_ ? ",\n" : "\n");
    out.append("  {\n    \"_index\": \"");
    out.append(index_name(ts));
    out.append("\",\n    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {\n      \"layers\": ");
    doc.dump(out, layers, true, 6);
    out.append("\n    }\n  }");
    any_ = true;
  }
  // Handed to the writer in blocks of about 256 KiB (each packet with -l).
  if (out.size() >= (256u << 10) || w_.line_buffered()) {
    w_.write_through(out.view());
    out.clear();
  }
  w_.end_record();
}

}  // namespace mqsniff::out
