#include "src/output/field_format.h"

#include <cstdint>

#include <ctime>

#include "dissectors/core/format.h"

namespace mqsniff::out {
using core::FieldType;
using core::ValueKind;

void append_rel_time(std::string& out, core::Timestamp t, int digits) {
  int64_t sec = t.sec;
  int64_t nsec = t.nsec;
  if (sec < 0) {
    // (sec, nsec) with nsec >= 0 represents sec + nsec; print as -|value|.
    if (nsec) {
      sec = -(sec + 1);
      nsec = 1000000000 - nsec;
    } else {
      sec = -sec;
    }
    // (tshark truncates the fraction first: a value that shows as zero has no sign)
    int64_t shown = nsec;
    for (int d = digits < 0 ? 0 : digits; d < 9; ++d) shown /= 10;
    if (sec || shown) out += '-';
  }
  core::append_uint(out, static_cast<uint64_t>(sec));
  if (digits <= 0) return;
  out += '.';
  char frac[10];
  int64_t v = nsec;
  for (int i = 8; i >= 0; --i) {
    frac[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(frac, static_cast<size_t>(digits > 9 ? 9 : digits));
}

void append_abs_time(std::string& out, core::Timestamp t) {
  static const char* const kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // localtime_r takes a lock and reads the zone: do it once per second of capture.
  thread_local int64_t cached_sec = INT64_MIN;
  thread_local char date[48];  // "Nov 24, 2026 10:57:28."
  thread_local char zone[16];
  thread_local int date_len = 0;
  if (t.sec != cached_sec) {
    time_t s = static_cast<time_t>(t.sec);
    struct tm tm;
    if (!localtime_r(&s, &tm)) {
      out += "Not representable";
      return;
    }
    date_len = snprintf(date, sizeof date, "%s %2d, %d %02d:%02d:%02d.", kMon[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
    snprintf(zone, sizeof zone, "%s", tm.tm_zone ? tm.tm_zone : "");
    cached_sec = t.sec;
  }
  out.append(date, date_len > 0 ? static_cast<size_t>(date_len) : 0);
  char ns[10];
  uint32_t v = t.nsec;
  for (int i = 8; i >= 0; --i) {
    ns[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(ns, 9);
  out += ' ';
  out += zone;
}

void append_display_string(std::string& out, std::string_view s, bool raw_controls) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (raw_controls && (c == '\n' || c == '\r' || c == '\t')) {
        out += static_cast<char>(c);
        ++i;
        continue;
      }
      if (const char* e = core::control_escape(c)) out += e;
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    // Validate one UTF-8 sequence; anything invalid becomes U+FFFD.
    size_t len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool valid = len && i + len <= n;
    for (size_t k = 1; valid && k < len; ++k) valid = (p[i + k] & 0xC0) == 0x80;
    if (valid && len == 2 && c < 0xC2) valid = false;                              // overlong
    if (valid && len == 3 && c == 0xE0 && p[i + 1] < 0xA0) valid = false;         // overlong
    if (valid && len == 3 && c == 0xED && p[i + 1] >= 0xA0) valid = false;        // surrogates
    if (valid && len == 4 && (c > 0xF4 || (c == 0xF0 && p[i + 1] < 0x90) || (c == 0xF4 && p[i + 1] >= 0x90)))
      valid = false;
    if (valid) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
}

void append_field_value(std::string& out, const core::FieldDef& def, const core::FieldNode& n) {
  if (def.type == FieldType::None) {  // tshark prints 1 for a present FT_NONE item (its -V label is not a value)
    out += '1';
    return;
  }
  switch (n.kind) {
    case ValueKind::None:
      // A protocol item without text of its own: tshark prints the protocol's filter name.
      if (def.type == FieldType::Protocol) out.append(def.abbrev);
      return;
    case ValueKind::UInt:
      if (def.type == FieldType::Boolean) {
        out += n.u ? '1' : '0';
      } else if (def.base == core::Base::Hex || def.base == core::Base::HexDec) {
        core::append_hex(out, n.u, core::integer_bits(def.type) / 4);
      } else {
        core::append_uint(out, n.u);
      }
      return;
    case ValueKind::Int:
      core::append_int(out, n.i);
      return;
    case ValueKind::Bool:
      out += n.u ? '1' : '0';
      return;
    case ValueKind::Double: {
      char buf[32];
      int k = snprintf(buf, sizeof buf, "%.*g", def.type == FieldType::Float ? 6 : 15, n.d);
      out.append(buf, k > 0 ? static_cast<size_t>(k) : 0);
      return;
    }
    case ValueKind::String:
      if (def.type == FieldType::Protocol) out.append(n.str());  // tree label, printed as is
      else append_display_string(out, n.str());
      return;
    case ValueKind::Bytes:
      if (n.b.n == 0) out += "<MISSING>";
      else core::append_hex_bytes(out, n.b.p, n.b.n, def.base == core::Base::SepColon ? ':' : 0);
      return;
    case ValueKind::Ipv4: {
      char buf[16];
      out.append(buf, core::format_ipv4(buf, n.ip4));
      return;
    }
    case ValueKind::Ipv6: {
      char buf[48];
      out.append(buf, core::format_ipv6(buf, n.ip6));
      return;
    }
    case ValueKind::Ether: {
      char buf[20];
      out.append(buf, core::format_ether(buf, n.ether));
      return;
    }
    case ValueKind::Time:
      if (def.type == FieldType::AbsoluteTime) append_abs_time(out, n.t);
      else append_rel_time(out, n.t);
      return;
  }
}

}  // namespace mqsniff::out
