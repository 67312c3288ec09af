#include "src/output/json.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "dissectors/core/format.h"
#include "src/output/field_format.h"

namespace mqsniff::out {
using core::FieldDef;
using core::FieldNode;
using core::FieldType;
using core::ValueKind;
using ojson = nlohmann::ordered_json;

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
    default: append_field_value(out, def, n); return;
  }
}

// Adds key: value to an object; a repeated key becomes an array of its values.
void put(ojson& obj, const std::string& key, ojson v) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    obj.emplace(key, std::move(v));
  } else if (it->is_array() && it->size() && !it->front().is_array()) {
    // Already a list of repeated values: arrays of arrays do not occur.
    it->push_back(std::move(v));
  } else {
    ojson arr = ojson::array();
    arr.push_back(std::move(*it));
    arr.push_back(std::move(v));
    *it = std::move(arr);
  }
}

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
  ojson layers = ojson::object();
  if (o_.columns) {
    // -e: each requested field that is present, as an array of strings.
    for (const FieldColumn& fc : *o_.columns) {
      ojson vals = ojson::array();
      if (fc.col != FieldColumn::Col::None) {
        scratch_.clear();
        render_fields(scratch_, {fc}, *o_.fopts, tree, row, o_.time_format, o_.digits);
        if (!scratch_.empty() && scratch_.back() == '\n') scratch_.pop_back();
        if (!scratch_.empty()) vals.push_back(scratch_);
      } else {
        const FieldDef* def = reg.def(fc.id);
        for (const FieldNode& n : nodes) {
          if (n.id != fc.id) continue;
          scratch_.clear();
          append_field_value(scratch_, *def, n);
          vals.push_back(scratch_);
        }
      }
      if (vals.empty()) continue;
      std::string key = fc.name;
      if (o_.ek)
        for (char& c : key) c = c == '.' ? '_' : c;
      layers[key] = std::move(vals);
    }
  } else {
    // The whole tree. Children lists first (parents always precede children).
    if (children_.size() < nodes.size() + 1) children_.resize(nodes.size() + 1);
    for (size_t i = 0; i <= nodes.size(); ++i) children_[i].clear();
    for (size_t i = 0; i < nodes.size(); ++i) {
      int32_t p = nodes[i].parent;
      children_[p < 0 ? nodes.size() : static_cast<size_t>(p)].push_back(static_cast<int32_t>(i));
    }
    // Adds node `c` to `obj` (json: a value and its "<field>_tree" object, or
    // an object for a text-only item with children; ek: flattened).
    auto add = [&](auto&& self, ojson& obj, int32_t c, std::string_view layer, bool expand) -> void {
      const FieldNode& n = nodes[static_cast<size_t>(c)];
      const FieldDef* def = reg.def(n.id);
      if (!def) return;
      const auto& kids = children_[static_cast<size_t>(c)];
      ojson v;
      if (o_.ek && n.kind == ValueKind::Bool) {
        v = n.u != 0;
      } else if (o_.ek && n.kind == ValueKind::Time && def->type == FieldType::AbsoluteTime) {
        v = iso_time(n.t);
      } else if (o_.ek && n.kind == ValueKind::None) {
        v = nullptr;
      } else {
        scratch_.clear();
        value_text(scratch_, *def, n);
        v = scratch_;
      }
      const bool text_item = def->type == FieldType::None ||
                             (def->type == FieldType::Protocol && n.kind != ValueKind::Bytes);
      if (o_.ek) {
        // tshark's EK names: "<layer>_<field>"; a protocol-like item names
        // itself, and one without a value holds its children as an object
        // ("_ws_expert": {"_ws_expert__ws_expert_message": ...}).
        if (def->type == FieldType::Protocol && !kids.empty() && n.kind != ValueKind::Bytes) {
          std::string key = ek_key("", def->abbrev).substr(1);
          ojson sub = ojson::object();
          if (expand)
            for (int32_t k : kids) self(self, sub, k, key, expand);
          put(obj, key, std::move(sub));
          return;
        }
        put(obj, def->type == FieldType::Protocol ? ek_key("", def->abbrev).substr(1) : ek_key(layer, def->abbrev),
            std::move(v));
        if (expand)
          for (int32_t k : kids) self(self, obj, k, layer, expand);
      } else if (!kids.empty() && text_item) {
        ojson sub = ojson::object();
        if (expand) {
          for (int32_t k : kids) self(self, sub, k, layer, expand);
        } else {
          sub["filtered"] = std::string(def->abbrev);
        }
        put(obj, std::string(def->abbrev), std::move(sub));
      } else {
        put(obj, std::string(def->abbrev), std::move(v));
        if (!kids.empty()) {
          ojson sub = ojson::object();
          if (expand) {
            for (int32_t k : kids) self(self, sub, k, layer, expand);
          } else {
            sub["filtered"] = std::string(def->abbrev);  // -j: subtrees are not expanded
          }
          put(obj, std::string(def->abbrev) + "_tree", std::move(sub));
        }
      }
    };
    for (int32_t top : children_[nodes.size()]) {
      const FieldNode& n = nodes[static_cast<size_t>(top)];
      const FieldDef* def = reg.def(n.id);
      if (!def) continue;
      std::string_view layer = def->abbrev;
      if (!o_.protocols.empty() && def->type == FieldType::Protocol) {
        // -j / -J: other layers are only named ({"filtered": "eth"}).
        bool keep = false;
        for (const auto& p : o_.protocols) keep |= p == layer;
        if (!keep) {
          ojson f = ojson::object();
          f["filtered"] = std::string(layer);
          put(layers, std::string(layer), std::move(f));
          continue;
        }
      }
      if (def->type != FieldType::Protocol && !o_.protocols.empty()) {
        bool keep = false;
        for (const auto& p : o_.protocols) keep |= def->abbrev.starts_with(p + ".");
        if (!keep) {
          ojson f = ojson::object();
          f["filtered"] = std::string(def->abbrev);
          put(layers, std::string(def->abbrev), std::move(f));
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
      ojson obj = ojson::object();
      const bool expand = o_.expand_children || o_.protocols.empty();  // -j: this layer's subtrees stay closed
      for (int32_t k : children_[static_cast<size_t>(top)]) add(add, obj, k, layer, expand);
      put(layers, std::string(layer), std::move(obj));
    }
  }

  std::string& out = w_.buf();
  if (o_.ek) {
    out += R"({"index":{"_index":")";
    out += index_name(row.ts);
    out += R"(","_type":"doc"}})";
    out += '\n';
    ojson doc = ojson::object();
    std::string ms;
    core::append_uint(ms, static_cast<uint64_t>(row.ts.sec) * 1000 + row.ts.nsec / 1000000);
    doc["timestamp"] = ms;
    doc["layers"] = std::move(layers);
    out += doc.dump(-1, ' ', false, ojson::error_handler_t::replace);
    out += '\n';
  } else {
    ojson pkt = ojson::object();
    pkt["_index"] = index_name(row.ts);
    pkt["_type"] = "doc";
    pkt["_score"] = nullptr;
    pkt["_source"]["layers"] = std::move(layers);
    std::string text = pkt.dump(2, ' ', false, ojson::error_handler_t::replace);
    out += any_ ? ",\n" : "\n";
    // tshark indents each packet object by one level inside the array.
    out += "  ";
    for (char c : text) {
      out += c;
      if (c == '\n') out += "  ";
    }
    any_ = true;
  }
  w_.end_record();
}

}  // namespace mqsniff::out
