#include "src/output/json.h"

#include <cstdio>
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

// "packets-2026-11-24": the index name tshark gives each packet (its local date).
std::string index_name(core::Timestamp ts) {
  time_t t = static_cast<time_t>(ts.sec);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "packets-%Y-%m-%d", &tm);
  return buf;
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
class JDoc {
public:
  enum class K : uint8_t { Str, True, False, Null, Obj, Arr };
  void clear() {
    n_.clear();
    text_.clear();
  }
  int32_t obj() { return add(K::Obj); }
  int32_t arr() { return add(K::Arr); }
  int32_t null() { return add(K::Null); }
  int32_t boolean(bool b) { return add(b ? K::True : K::False); }
  int32_t str(std::string_view v) {
    int32_t i = add(K::Str);
    n_[static_cast<size_t>(i)].val_off = static_cast<uint32_t>(text_.size());
    n_[static_cast<size_t>(i)].val_len = static_cast<uint32_t>(v.size());
    text_.append(v);
    return i;
  }
  // Appends to an array.
  void push(int32_t a, int32_t v) { link(a, v); }
  // Adds key: value to an object; a repeated key turns into an array of its values.
  void put(int32_t o, std::string_view key, int32_t v) {
    for (int32_t c = n_[static_cast<size_t>(o)].first; c >= 0; c = n_[static_cast<size_t>(c)].next) {
      if (key_of(c) != key) continue;
      if (!n_[static_cast<size_t>(c)].merged) {
        // The first value moves into a new node; this slot becomes the array.
        int32_t moved = add(n_[static_cast<size_t>(c)].k);
        N& m = n_[static_cast<size_t>(moved)];
        const N& old = n_[static_cast<size_t>(c)];
        m.val_off = old.val_off;
        m.val_len = old.val_len;
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
    N& nv = n_[static_cast<size_t>(v)];
    nv.key_off = static_cast<uint32_t>(text_.size());
    nv.key_len = static_cast<uint32_t>(key.size());
    text_.append(key);
    link(o, v);
  }
  void dump(std::string& out, int32_t root, bool pretty, int indent) const { write(out, root, pretty, indent); }

private:
  struct N {
    K k;
    bool merged = false;
    uint32_t key_off = 0, key_len = 0, val_off = 0, val_len = 0;
    int32_t first = -1, last = -1, next = -1;
  };
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
    return std::string_view(text_).substr(n.key_off, n.key_len);
  }
  static void escape(std::string& out, std::string_view s) {
    out += '"';
    size_t i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
        size_t j = i + 1;
        while (j < s.size()) {
          unsigned char d = static_cast<unsigned char>(s[j]);
          if (d < 0x20 || d == '"' || d == '\\' || d >= 0x80) break;
          ++j;
        }
        out.append(s.data() + i, j - i);
        i = j;
        continue;
      }
      if (c < 0x80) {
        switch (c) {
          case '"': out += "\\\""; break;
          case '\\': out += "\\\\"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\t': out += "\\t"; break;
          case '\b': out += "\\b"; break;
          case '\f': out += "\\f"; break;
          default: {
            char u[8];
            snprintf(u, sizeof u, "\\u%04x", c);
            out += u;
          }
        }
        ++i;
        continue;
      }
      // UTF-8: a valid sequence is copied, anything else becomes U+FFFD.
      size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
      bool ok = len && i + len <= s.size();
      for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      if (ok) {
        out.append(s.data() + i, len);
        i += len;
      } else {
        out += "\xef\xbf\xbd";
        ++i;
      }
    }
    out += '"';
  }
  void write(std::string& out, int32_t i, bool pretty, int indent) const {
    const N& n = n_[static_cast<size_t>(i)];
    switch (n.k) {
      case K::Str: escape(out, std::string_view(text_).substr(n.val_off, n.val_len)); return;
      case K::True: out += "true"; return;
      case K::False: out += "false"; return;
      case K::Null: out += "null"; return;
      case K::Obj:
      case K::Arr: {
        const bool obj = n.k == K::Obj;
        if (n.first < 0) {
          out += obj ? "{}" : "[]";
          return;
        }
        out += obj ? '{' : '[';
        bool firstc = true;
        for (int32_t c = n.first; c >= 0; c = n_[static_cast<size_t>(c)].next) {
          if (!firstc) out += ',';
          firstc = false;
          if (pretty) {
            out += '\n';
            out.append(static_cast<size_t>(indent + 2), ' ');
          }
          if (obj) {
            escape(out, key_of(c));
            out += pretty ? ": " : ":";
          }
          write(out, c, pretty, indent + 2);
        }
        if (pretty) {
          out += '\n';
          out.append(static_cast<size_t>(indent), ' ');
        }
        out += obj ? '}' : ']';
        return;
      }
    }
  }
  std::vector<N> n_;
  std::string text_;
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

std::string ek_key(std::string_view layer, std::string_view abbrev) {
  // Fields another protocol registered (a certificate's inside TLS) carry
  // that protocol's name: "x509af_x509af_version", "pkcs-1_pkcs1_modulus".
  std::string_view owner = abbrev.substr(0, abbrev.find('.'));
  if (owner == "x509af" || owner == "x509if" || owner == "x509sat" || owner == "x509ce" || owner == "ber") layer = owner;
  else if (owner == "pkcs1") layer = "pkcs-1";
  std::string k(layer);
  k += '_';
  for (char c : abbrev) k += c == '.' ? '_' : c;
  return k;
}

}  // namespace

void JsonOutput::begin() {
  if (!o_.ek) w_.write("[");  // "[]" when no packet is displayed, as tshark
}

void JsonOutput::end() {
  if (!o_.ek) w_.write(any_ ? "\n]\n" : "]\n");
  w_.flush();
}

void JsonOutput::packet(const core::FieldTree& tree, const RowContext& row) {
  const auto& reg = core::FieldRegistry::instance();
  const auto& nodes = tree.nodes();
  thread_local JDoc doc;
  doc.clear();
  const int32_t layers = doc.obj();
  auto text_value = [&](const FieldDef& def, const FieldNode& n) {
    scratch_.clear();
    if (def.type == FieldType::None) return doc.str(scratch_);  // a label is not a value: tshark writes ""
    // A protocol item with neither value nor label (tshark's hidden _ws.malformed): its name.
    if (def.type == FieldType::Protocol && n.kind == core::ValueKind::None) return doc.str(def.name);
    value_text(scratch_, def, n);
    return doc.str(scratch_);
  };
  auto filtered = [&](std::string_view name) {
    int32_t f = doc.obj();
    doc.put(f, "filtered", doc.str(name));
    return f;
  };
  if (o_.columns) {
    // -e: each requested field that is present, as an array of strings.
    for (const FieldColumn& fc : *o_.columns) {
      int32_t vals = -1;
      auto push = [&](std::string_view v) {
        if (vals < 0) vals = doc.arr();
        doc.push(vals, doc.str(v));
      };
      if (fc.col != FieldColumn::Col::None) {
        scratch_.clear();
        render_fields(scratch_, {fc}, *o_.fopts, tree, row, o_.time_format, o_.digits);
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
      int32_t p = nodes[i].parent;
      children_[p < 0 ? nodes.size() : static_cast<size_t>(p)].push_back(static_cast<int32_t>(i));
    }
    // Adds node `c` to object `obj` (json: a value and its "<field>_tree"
    // object, or an object for a text-only item with children; ek: flattened).
    auto add = [&](auto&& self, int32_t obj, int32_t c, std::string_view layer, bool expand) -> void {
      const FieldNode& n = nodes[static_cast<size_t>(c)];
      const FieldDef* def = reg.def(n.id);
      if (!def) return;
      const auto& kids = children_[static_cast<size_t>(c)];
      if (n.id == link::ws_f::text) {
        // A text-only item: its label is its key (json); ek keeps only its children.
        if (o_.ek) {
          if (expand)
            for (int32_t k : kids) self(self, obj, k, layer, expand);
          return;
        }
        if (kids.empty()) {
          doc.put(obj, n.str(), doc.str(""));
          return;
        }
        int32_t sub = expand ? doc.obj() : filtered(n.str());
        if (expand)
          for (int32_t k : kids) self(self, sub, k, layer, expand);
        doc.put(obj, n.str(), sub);
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
          std::string key = ek_key("", def->abbrev).substr(1);
          int32_t sub = doc.obj();
          // Its own fields take its name; another protocol's field inside it
          // (an expert item's tcp.analysis.duplicate_ack) keeps its layer's.
          if (expand)
            for (int32_t k : kids) {
              const FieldDef* kd = reg.def(nodes[static_cast<size_t>(k)].id);
              self(self, sub, k, kd && !kd->abbrev.starts_with(def->abbrev) ? layer : std::string_view(key), expand);
            }
          doc.put(obj, key, sub);
          return;
        }
        int32_t v;
        if (n.kind == ValueKind::Bool) v = doc.boolean(n.u != 0);
        else if (n.kind == ValueKind::Time && def->type == FieldType::AbsoluteTime) v = doc.str(iso_time(n.t));
        else if (n.kind == ValueKind::None || def->type == FieldType::None) v = doc.null();  // a label is not a value
        else v = text_value(*def, n);
        // mDNS is dissected with DNS's fields, which keep DNS's name ("dns_dns_id"), as tshark
        // registers them. (Other borrowed names, like ip.version in IPv6, are the layer's own there.)
        std::string_view prefix = layer;
        if ((layer == "mdns" || layer == "llmnr") && def->type != FieldType::Protocol) {
          std::string_view own = reg.owner(def->id);
          if (!own.empty() && def->abbrev.starts_with(own)) prefix = own;
        }
        doc.put(obj, def->type == FieldType::Protocol ? ek_key("", def->abbrev).substr(1) : ek_key(prefix, def->abbrev), v);
        if (expand)
          for (int32_t k : kids) self(self, obj, k, layer, expand);
      } else if (!kids.empty() && text_item) {
        int32_t sub = expand ? doc.obj() : filtered(def->abbrev);
        if (expand)
          for (int32_t k : kids) self(self, sub, k, layer, expand);
        doc.put(obj, def->abbrev, sub);
      } else {
        doc.put(obj, def->abbrev, text_value(*def, n));
        if (!kids.empty()) {
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
          doc.put(layers, layer, filtered(layer));
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
        doc.put(layers, layer, text_value(*def, n));
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
        doc.put(layers, layer, obj);
      }
    }
  }

  std::string& out = w_.buf();
  if (o_.ek) {
    out += R"({"index":{"_index":")";
    out += index_name(row.ts);
    out += R"(","_type":"doc"}})";
    out += '\n';
    out += R"({"timestamp":")";
    core::append_uint(out, static_cast<uint64_t>(row.ts.sec) * 1000 + row.ts.nsec / 1000000);
    out += R"(","layers":)";
    doc.dump(out, layers, false, 0);
    out += "}\n";
  } else {
    // tshark indents each packet object by one level inside the array.
    out += any_ ? ",\n" : "\n";
    out += "  {\n    \"_index\": \"";
    out += index_name(row.ts);
    out += "\",\n    \"_type\": \"doc\",\n    \"_score\": null,\n    \"_source\": {\n      \"layers\": ";
    doc.dump(out, layers, true, 6);
    out += "\n    }\n  }";
    any_ = true;
  }
  w_.end_record();
}

}  // namespace mqsniff::out
