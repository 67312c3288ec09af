// HTML form data (application/x-www-form-urlencoded) as tshark 4.0's
// "urlencoded-form" dissector shows it: one "Form item" per key=value pair,
// %XX and '+' decoded. As there: a key runs to the next '=' (an '&' before it
// stays in the key), a value to the next '&'; a bad %XX escape ends the
// list; an escape cut by the end of the body is "[Malformed Packet: URL
// Encoded Form Data]"; a decoded NUL ends its string; the decoded bytes are
// the value (-T fields prints them as they are, -V shows invalid UTF-8 as U+FFFD).
#include <string>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/text_item.h"
#include "dissectors/link/link.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/media/media.h"

namespace mqsniff::media {
namespace {

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

enum class Scan { Ok, BadEscape, Cut };

// Decodes from `off` to the stop byte (or the end); `next` is where the stop
// byte is (or the end).
Scan decode(std::span<const uint8_t> b, size_t off, char stop, std::string& out, size_t& next) {
  out.clear();
  size_t i = off;
  bool nul = false;
  while (i < b.size()) {
    const uint8_t c = b[i];
    if (c == static_cast<uint8_t>(stop)) break;
    if (c == '%') {
      if (i + 1 >= b.size()) return Scan::Cut;
      const int h = hex_value(b[i + 1]);
      if (h < 0) return Scan::BadEscape;
      if (i + 2 >= b.size()) return Scan::Cut;
      const int l = hex_value(b[i + 2]);
      if (l < 0) return Scan::BadEscape;
      const char v = static_cast<char>(h << 4 | l);
      if (v == 0) nul = true;
      if (!nul) out += v;
      i += 3;
      continue;
    }
    if (!nul) out += c == '+' ? ' ' : static_cast<char>(c);
    ++i;
  }
  next = i;
  return Scan::Ok;
}

}  // namespace

void dissect_form(std::span<const uint8_t> body, std::string_view media, uint32_t off, core::Packet& pkt) {
  auto& t = pkt.tree;
  if (!body.empty()) pkt.layer("urlencoded-form");  // (tshark drops the layer of a dissector that took no bytes)
  const int32_t p = t.open(form_f::proto, off, static_cast<uint32_t>(body.size()));
  if (t.wants(form_f::proto)) t.set_label(p, "HTML Form URL Encoded: " + std::string(media));
  const bool show = t.wants(link::ws_f::text);
  bool cut = false;
  std::string key, value;
  size_t at = 0;
  while (at < body.size()) {
    const int32_t item = show ? core::add_text(t, "Form item", off + static_cast<uint32_t>(at), 0) : -1;
    core::Subtree sub(t, item);
    std::string label = "Form item";
    size_t next = 0;
    const size_t key_at = at;
    Scan s = decode(body, at, '=', key, next);
    if (s != Scan::Ok) {
      cut = s == Scan::Cut;
      break;
    }
    t.add_string_copy(form_f::key, key, off + static_cast<uint32_t>(key_at), static_cast<uint32_t>(next - key_at));
    label += ": \"" + key + "\"";
    if (show) t.set_label(item, label);
    at = next + 1;
    const size_t value_at = at;
    if (at < body.size()) {
      s = decode(body, at, '&', value, next);
      if (s != Scan::Ok) {
        cut = s == Scan::Cut;
        break;
      }
    } else {
      value.clear();
      next = at;
    }
    t.add_string_copy(form_f::value, value, off + static_cast<uint32_t>(std::min(value_at, body.size())),
                      static_cast<uint32_t>(next - std::min(value_at, next)));
    label += " = \"" + value + "\"";
    if (show) {
      t.set_label(item, label);
      t.set_length(item, static_cast<uint32_t>(std::min(next, body.size()) - key_at));
    }
    at = next + 1;
  }
  t.close();
  if (pkt.cols) {
    pkt.cols->info += " (";
    pkt.cols->info += media;
    pkt.cols->info += ')';
  }
  if (cut) link::add_malformed_item(pkt, "URL Encoded Form Data");
}

Kind kind_of(std::string_view media) {
  auto same = [&](std::string_view m) {
    return m.size() == media.size() && std::equal(m.begin(), m.end(), media.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  if (same("application/x-www-form-urlencoded")) return Kind::Form;
  if (same("application/cbor") || same("application/cbor-seq") || same("application/senml+cbor") ||
      same("application/sensml+cbor"))
    return Kind::Cbor;
  return Kind::None;
}

void dissect_cbor(std::span<const uint8_t> body, uint32_t off, core::Packet& pkt);

void dissect(Kind kind, std::span<const uint8_t> body, std::string_view media, uint32_t off, core::Packet& pkt) {
  if (kind == Kind::Form) dissect_form(body, media, off, pkt);
  else if (kind == Kind::Cbor) dissect_cbor(body, off, pkt);
}

}  // namespace mqsniff::media
