// CBOR (RFC 8949) as tshark 4.0's "cbor" dissector shows a payload whose
// Content Type is application/cbor: the first data item, each item a subtree
// (major type, then its argument: in the first byte's five low bits, or a
// "Size" and the 1, 2, 4 or 8 bytes after it), containers and tags holding
// their items. A reserved minor type, a length past 2^31 or a chunk of the
// wrong type in an indefinite-length string stops dissection with an expert
// item; bytes missing at the end are "[Malformed Packet: CBOR]".
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "dissectors/core/expert.h"
#include "dissectors/core/field_tree.h"
#include "dissectors/core/format.h"
#include "dissectors/link/link.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/media/media.h"

namespace mqsniff::media {
namespace {

using core::FieldTree;
using core::Subtree;

constexpr int kMaxDepth = 256;  // nesting shown (each level is a C++ frame); deeper: an expert item

// Thrown nowhere: a read past the end sets `cut` and every level returns false.
struct Cbor {
  FieldTree& t;
  const uint8_t* p;
  size_t n;
  uint32_t base;  // frame offset of p[0]
  bool show;      // -V lines wanted (labels, displays)
  bool cut = false;

  uint32_t at(size_t off) const { return base + static_cast<uint32_t>(off); }
  bool have(size_t off, size_t len) {
    if (off <= n && len <= n - off) return true;
    cut = true;
    return false;
  }
  uint64_t be(size_t off, size_t len) const {
    uint64_t v = 0;
    for (size_t i = 0; i < len; ++i) v = v << 8 | p[off + i];
    return v;
  }
  // The whole -V line of an item (FieldTree::set_display): tshark's labels.
  void display(int32_t idx, const std::string& s) {
    if (show && idx >= 0) t.set_display(idx, s);
  }
};

const char* major_name(unsigned m) {
  static const char* const k[] = {"Unsigned Integer", "Negative Integer", "Byte String", "Text String",
                                  "Array", "Map", "Tagged", "Floating-Point or Simple"};
  return k[m & 7];
}

const char* size_name(unsigned minor, bool indefinite_ok) {
  switch (minor) {
    case 24: return "1 byte";
    case 25: return "2 bytes";
    case 26: return "4 bytes";
    case 27: return "8 bytes";
    case 31: return indefinite_ok ? "Indefinite Length" : "No argument value is derived";
    default: return "Reserved for future additions";
  }
}

const char* tag_name(uint64_t v) {
  switch (v) {
    case 0: return "Standard date/time string";
    case 1: return "Epoch-based date/time";
    case 2: return "Positive bignum";
    case 3: return "Negative bignum";
    case 4: return "Decimal fraction";
    case 5: return "Bigfloat";
    case 21: return "Expected conversion to base64url encoding";
    case 22: return "Expected conversion to base64 encoding";
    case 23: return "Expected conversion to base16 encoding";
    case 24: return "Encoded CBOR data item";
    case 25: return "reference the nth previously seen string";
    case 26: return "Serialised Perl object with classname and constructor arguments";
    case 27: return "Serialised language-independent object with type name and constructor arguments";
    case 28: return "mark value as (potentially) shared";
    case 29: return "reference nth marked value";
    case 30: return "Rational number";
    case 32: return "URI";
    case 33: return "base64url";
    case 34: return "base64";
    case 35: return "Regular expression";
    case 36: return "MIME message";
    case 37: return "Binary UUID";
    case 38: return "Language-tagged string";
    case 39: return "Identifier";
    case 256: return "mark value as having string references";
    case 257: return "Binary MIME message";
    case 264: return "Decimal fraction with arbitrary exponent";
    case 265: return "Bigfloat with arbitrary exponent";
    case 22098: return "hint that indicates an additional level of indirection";
    case 55799: return "Self-describe CBOR";
    default: return "Unknown";
  }
}

const char* simple_name(uint64_t v) {
  switch (v) {
    case 20: return "False";
    case 21: return "True";
    case 22: return "Null";
    case 23: return "Undefined";
    default: return "Unknown";
  }
}

const char* float_type_name(unsigned minor) {
  switch (minor) {
    case 24: return "Simple value";
    case 25: return "IEEE 754 Half-Precision Float";
    case 26: return "IEEE 754 Single-Precision Float";
    case 27: return "IEEE 754 Double-Precision Float";
    case 31: return "Break indefinite length";
    default: return "Reserved for future additions";
  }
}

// "...1 1000 = " for the five low bits of a first byte.
std::string low_bits(unsigned minor) {
  std::string s = "...";
  s += (minor & 16) ? '1' : '0';
  s += ' ';
  for (int b = 3; b >= 0; --b) s += (minor >> b & 1) ? '1' : '0';
  return s + " = ";
}

std::string num(uint64_t v) { return std::to_string(v); }

std::string fmt_double(double d, int digits) {
  char b[40];
  snprintf(b, sizeof b, "%.*g", digits, d);
  return b;
}

double half_to_double(uint16_t h) {
  const int exp = h >> 10 & 0x1f;
  const int mant = h & 0x3ff;
  double v = exp == 0 ? std::ldexp(mant, -24) : exp != 31 ? std::ldexp(mant + 1024, exp - 25) : mant == 0 ? INFINITY : NAN;
  return (h & 0x8000) ? -v : v;
}

void expert(Cbor& c, const std::string& msg, core::FieldId named, size_t off) {
  core::add_expert(c.t, msg, core::Severity::Warn, core::ExpertGroup::Malformed, c.at(off), 1, named);
}

const char* kind_word(unsigned major) {
  switch (major) {
    case 0: return "unsigned integer";
    case 1: return "negative integer";
    case 2: return "byte string";
    case 3: return "text string";
    case 4: return "array";
    case 5: return "map";
    default: return "tag";
  }
}

// The argument after the first byte: the "Size" line and the 1-8 bytes (not
// for minor types below 24). false: reserved minor type (expert added) or
// bytes missing (c.cut). `indefinite`: minor 31 allowed (strings, arrays, maps).
bool argument(Cbor& c, size_t& off, unsigned major, unsigned minor, bool indefinite, uint64_t& arg, size_t& arg_off,
              size_t& arg_len) {
  arg_off = off + 1;
  arg_len = 0;
  if (minor < 24) {
    arg = minor;
    return true;
  }
  const int32_t s = c.t.add_uint(cbor_f::size, minor, c.at(off), 1);
  c.display(s, low_bits(minor) + "Size: " + size_name(minor, indefinite) + " (" + num(minor) + ")");
  if (minor == 31 && indefinite) {
    arg = 0;
    return true;
  }
  if (minor > 27) {
    expert(c, "invalid minor type " + num(minor) + " in " + kind_word(major), cbor_f::invalid_minor_type, off);
    return false;
  }
  arg_len = size_t(1) << (minor - 24);
  if (!c.have(arg_off, arg_len)) return false;
  arg = c.be(arg_off, arg_len);
  return true;
}

bool item(Cbor& c, size_t& off, int depth);

// The break byte (0xff) that ends an indefinite-length item.
void break_item(Cbor& c, size_t off) {
  const int32_t b = c.t.add_none(cbor_f::item_float_simple, c.at(off), 1);
  c.display(b, "Break indefinite length (31)");
  Subtree sb(c.t, b);
  c.display(c.t.add_uint(cbor_f::major_type, 7, c.at(off), 1), "111. .... = Major Type: Floating-Point or Simple (7)");
  c.display(c.t.add_uint(cbor_f::float_simple_type, 31, c.at(off), 1),
            "...1 1111 = Type: Break indefinite length (31)");
}

bool string_item(Cbor& c, size_t& off, unsigned major, unsigned minor, int32_t node, int depth) {
  const bool text = major == 3;
  const char* what = text ? "Text String" : "Byte String";
  uint64_t len = 0;
  size_t aoff = 0, alen = 0;
  const size_t start = off;
  if (!argument(c, off, major, minor, true, len, aoff, alen)) return false;
  if (minor == 31) {  // chunks of the same major type until a break
    off = aoff;
    c.display(node, std::string(what) + ": (indefinite length)");  // (kept when a chunk fails)
    const int32_t ind = c.t.add_none(text ? cbor_f::type_textstring_indef : cbor_f::type_bytestring_indef, c.at(off), 1);
    Subtree si(c.t, ind);
    for (;;) {
      if (!c.have(off, 1)) return false;
      const uint8_t b = c.p[off];
      if (b == 0xff) {
        break_item(c, off);
        ++off;
        break;
      }
      if ((b >> 5) != major) {
        expert(c, "invalid element " + num(b >> 5) + ", expected " + (text ? "text string" : "byte string"),
               cbor_f::invalid_element, off);
        return false;
      }
      if (!item(c, off, depth + 1)) return false;
    }
    if (ind >= 0) c.t.set_length(ind, c.at(off) - c.at(aoff));
    return true;
  }
  const int32_t l = c.t.add_uint(cbor_f::length, len, c.at(minor < 24 ? start : aoff), minor < 24 ? 1 : static_cast<uint32_t>(alen));
  c.display(l, minor < 24 ? low_bits(minor) + "Length: " + num(len) : "Length: " + num(len));
  off = aoff + alen;
  if (len > 0x7fffffffu) {
    expert(c, "the length (" + num(len) + ") of the " + (text ? "text string" : "byte string") + " too long",
           cbor_f::too_long_length, start);
    return false;
  }
  if (!c.have(off, static_cast<size_t>(len))) return false;
  const uint8_t* s = c.p + off;
  const size_t n = static_cast<size_t>(len);
  if (text) {
    // (the value as tshark decodes it: invalid UTF-8 a U+FFFD, which the label shows too)
    const std::string_view raw(reinterpret_cast<const char*>(s), n);
    c.t.add_string_copy(cbor_f::type_textstring, raw, c.at(off), static_cast<uint32_t>(n));
    if (c.show) c.display(node, "Text String: " + core::label_text(raw));
  } else {
    c.t.add_bytes_copy(cbor_f::type_bytestring, s, n, c.at(off));  // (an HTTP body may not outlive the tree)
    c.display(node, "Byte String: (" + num(n) + (n == 1 ? " byte)" : " bytes)"));
  }
  off += n;
  return true;
}

bool container(Cbor& c, size_t& off, unsigned major, unsigned minor, int32_t node, int depth) {
  const bool map = major == 5;
  uint64_t count = 0;
  size_t aoff = 0, alen = 0;
  const size_t start = off;
  if (!argument(c, off, major, minor, true, count, aoff, alen)) return false;
  const bool indefinite = minor == 31;
  if (!indefinite) {
    const int32_t k = c.t.add_uint(map ? cbor_f::pairs : cbor_f::items, count, c.at(minor < 24 ? start : aoff),
                                   minor < 24 ? 1 : static_cast<uint32_t>(alen));
    const std::string word = map ? "Pairs: " : "Items: ";
    c.display(k, minor < 24 ? low_bits(minor) + word + num(count) : word + num(count));
  }
  off = aoff + alen;
  const uint64_t items = map ? count * 2 : count;
  for (uint64_t i = 0; indefinite || i < items; ++i) {
    if (indefinite) {
      if (!c.have(off, 1)) return false;
      if (c.p[off] == 0xff) {
        break_item(c, off);
        ++off;
        break;
      }
    }
    if (!item(c, off, depth + 1)) return false;
    if (map && count > (uint64_t(1) << 62)) break;  // (cannot happen: each item takes a byte)
  }
  std::string l = map ? "Map: (" : "Array: (";
  if (indefinite) l += "indefinite length)";
  else l += num(count) + (map ? (count == 1 ? " pair)" : " pairs)") : (count == 1 ? " item)" : " items)"));
  c.display(node, l);
  return true;
}

bool item(Cbor& c, size_t& off, int depth) {
  if (!c.have(off, 1)) return false;
  const uint8_t first = c.p[off];
  const unsigned major = first >> 5, minor = first & 0x1f;
  if (depth > kMaxDepth) {
    core::add_expert(c.t, "Maximum allowed recursion depth reached. Dissection stopped.", core::Severity::Warn,
                     core::ExpertGroup::Protocol, c.at(off), 1, cbor_f::max_recursion);
    return false;
  }
  static constexpr core::FieldId kItem[] = {cbor_f::item_uint,  cbor_f::item_nint, cbor_f::item_bytestring,
                                            cbor_f::item_textstring, cbor_f::item_array, cbor_f::item_map,
                                            cbor_f::item_tag, cbor_f::item_float_simple};
  const size_t start = off;
  const int32_t node = c.t.add_none(kItem[major], c.at(off), 1);
  Subtree sub(c.t, node);
  const int32_t mt = c.t.add_uint(cbor_f::major_type, major, c.at(off), 1);
  if (c.show && mt >= 0) {
    std::string bits;
    for (int b = 2; b >= 0; --b) bits += (major >> b & 1) ? '1' : '0';
    c.display(mt, bits + ". .... = Major Type: " + major_name(major) + " (" + num(major) + ")");
  }
  bool ok = true;
  switch (major) {
    case 0:
    case 1: {
      uint64_t v = 0;
      size_t aoff = 0, alen = 0;
      if (!argument(c, off, major, minor, false, v, aoff, alen)) {
        ok = false;
        break;
      }
      off = aoff + alen;
      if (major == 0) {
        const int32_t u = c.t.add_uint(cbor_f::type_uint, v, c.at(minor < 24 ? start : aoff),
                                       minor < 24 ? 1 : static_cast<uint32_t>(alen));
        c.display(u, minor < 24 ? low_bits(minor) + "Unsigned Integer: " + num(v) : "Unsigned Integer: " + num(v));
        c.display(node, "Unsigned Integer: " + num(v));
      } else if (minor < 24) {
        // tshark stores the minor type and shows -1 - minor; its bit pattern
        // there is the payload's first byte's (a tshark slip): mqsniff shows the item's own.
        const int32_t u = c.t.add_uint(cbor_f::type_nint, v, c.at(start), 1);
        const std::string s = "-" + num(v + 1);
        c.display(u, low_bits(minor) + "Negative Integer: " + s);
        c.display(node, "Negative Integer: " + s);
      } else {
        if (v > static_cast<uint64_t>(INT64_MAX))
          expert(c, "The value is too small, Wireshark can not display it correctly", cbor_f::too_long_length, start);
        const int64_t s = static_cast<int64_t>(~v);  // -1 - v, as tshark computes it (wrapping)
        c.t.add_int(cbor_f::type_nint, s, c.at(aoff), static_cast<uint32_t>(alen));
        c.display(node, "Negative Integer: " + std::to_string(s));
      }
      break;
    }
    case 2:
    case 3:
      ok = string_item(c, off, major, minor, node, depth);
      break;
    case 4:
    case 5:
      ok = container(c, off, major, minor, node, depth);
      break;
    case 6: {
      uint64_t v = 0;
      size_t aoff = 0, alen = 0;
      if (!argument(c, off, major, minor, false, v, aoff, alen)) {
        ok = false;
        break;
      }
      const std::string named = std::string(tag_name(v)) + " (" + num(v) + ")";
      const int32_t g = c.t.add_uint(cbor_f::type_tag, v, c.at(minor < 24 ? start : aoff),
                                     minor < 24 ? 1 : static_cast<uint32_t>(alen));
      c.display(g, minor < 24 ? low_bits(minor) + "Tag: " + named : "Tag: " + named);
      off = aoff + alen;
      c.display(node, "Tag: " + named);
      ok = item(c, off, depth + 1);
      break;
    }
    default: {  // floating-point numbers and simple values
      ++off;
      if (minor < 24) {
        const int32_t s = c.t.add_uint(cbor_f::type_simple_data, minor, c.at(start), 1);
        const std::string named = std::string(simple_name(minor)) + " (" + num(minor) + ")";
        c.display(s, low_bits(minor) + "Simple data: " + named);
        c.display(node, "Simple: " + named);
        break;
      }
      const int32_t ty = c.t.add_uint(cbor_f::float_simple_type, minor, c.at(start), 1);
      c.display(ty, low_bits(minor) + "Type: " + float_type_name(minor) + " (" + num(minor) + ")");
      if (minor == 24) {
        if (!c.have(off, 1)) {
          ok = false;
          break;
        }
        const uint8_t v = c.p[off];
        const int32_t s = c.t.add_uint(cbor_f::type_simple_data, v, c.at(off), 1);
        const std::string named = std::string(simple_name(v)) + " (" + num(v) + ")";
        c.display(s, "Simple data: " + named);
        c.display(node, "Simple: " + named);
        off += 1;
      } else if (minor >= 25 && minor <= 27) {
        const size_t len = size_t(2) << (minor - 25);
        if (!c.have(off, len)) {
          ok = false;
          break;
        }
        const uint64_t raw = c.be(off, len);
        double d;
        int32_t f;
        std::string shown;
        if (minor == 25) {
          d = half_to_double(static_cast<uint16_t>(raw));
          shown = fmt_double(d, 6);
          // tshark keeps 0 as the value of a half-precision infinity or NaN (its line shows "inf", "nan").
          f = c.t.add_double(cbor_f::type_float16, std::isfinite(d) ? d : 0.0, c.at(off), 2);
          c.display(f, "Float 16 Bit: " + shown);
        } else if (minor == 26) {
          float x;
          const uint32_t r32 = static_cast<uint32_t>(raw);
          std::memcpy(&x, &r32, 4);
          d = x;
          shown = fmt_double(d, 6);
          f = c.t.add_double(cbor_f::type_float32, d, c.at(off), 4);
        } else {
          std::memcpy(&d, &raw, 8);
          shown = fmt_double(d, 15);
          f = c.t.add_double(cbor_f::type_float64, d, c.at(off), 8);
        }
        c.display(node, "Float: " + shown);
        off += len;
      } else if (minor == 31) {
        c.display(node, "Break indefinite length (31)");
      } else {
        expert(c, "invalid minor type " + num(minor) + " in simple data and float", cbor_f::invalid_minor_type, start);
        ok = false;
      }
      break;
    }
  }
  if (node >= 0) c.t.set_length(node, c.at(off) - c.at(start));
  return ok;
}

}  // namespace

void dissect_cbor(std::span<const uint8_t> body, uint32_t off, core::Packet& pkt) {
  auto& t = pkt.tree;
  pkt.layer("cbor");
  t.open(cbor_f::proto, off, static_cast<uint32_t>(body.size()));
  Cbor c{t, body.data(), body.size(), off, t.wants(link::ws_f::text)};
  size_t at = 0;
  item(c, at, 0);
  t.close();
  if (c.cut) link::add_malformed_item(pkt, "CBOR");
}

}  // namespace mqsniff::media
