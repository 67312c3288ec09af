#include "dissectors/core/field_registry.h"

#include <algorithm>
#include <stdexcept>

namespace mqsniff::core {

const char* field_type_name(FieldType t) {
  switch (t) {
    case FieldType::None: return "FT_NONE";
    case FieldType::Protocol: return "FT_PROTOCOL";
    case FieldType::UInt8: return "FT_UINT8";
    case FieldType::UInt16: return "FT_UINT16";
    case FieldType::UInt24: return "FT_UINT24";
    case FieldType::UInt32: return "FT_UINT32";
    case FieldType::UInt64: return "FT_UINT64";
    case FieldType::Int8: return "FT_INT8";
    case FieldType::Int16: return "FT_INT16";
    case FieldType::Int32: return "FT_INT32";
    case FieldType::Int64: return "FT_INT64";
    case FieldType::Boolean: return "FT_BOOLEAN";
    case FieldType::String: return "FT_STRING";
    case FieldType::Bytes: return "FT_BYTES";
    case FieldType::Ipv4: return "FT_IPv4";
    case FieldType::Ipv6: return "FT_IPv6";
    case FieldType::Ether: return "FT_ETHER";
    case FieldType::AbsoluteTime: return "FT_ABSOLUTE_TIME";
    case FieldType::RelativeTime: return "FT_RELATIVE_TIME";
    case FieldType::FrameNum: return "FT_FRAMENUM";
    case FieldType::Double: return "FT_DOUBLE";
    case FieldType::Float: return "FT_FLOAT";
    case FieldType::UIntString: return "FT_UINT_STRING";
    case FieldType::Oid: return "FT_OID";
  }
  return "FT_NONE";
}

const char* base_name(Base b) {
  switch (b) {
    case Base::None: return "BASE_NONE";
    case Base::Dec: return "BASE_DEC";
    case Base::Hex: return "BASE_HEX";
    case Base::DecHex: return "BASE_DEC_HEX";
    case Base::HexDec: return "BASE_HEX_DEC";
    case Base::Oct: return "BASE_OCT";
    case Base::PtTcp: return "BASE_PT_TCP";
    case Base::PtUdp: return "BASE_PT_UDP";
    case Base::Custom: return "BASE_CUSTOM";
    case Base::Oui: return "BASE_OUI";
    case Base::SepColon: return "BASE_NONE";
  }
  return "BASE_NONE";
}

bool is_integer(FieldType t) {
  switch (t) {
    case FieldType::UInt8: case FieldType::UInt16: case FieldType::UInt24: case FieldType::UInt32:
    case FieldType::UInt64: case FieldType::Int8: case FieldType::Int16: case FieldType::Int32:
    case FieldType::Int64: case FieldType::FrameNum:
      return true;
    default:
      return false;
  }
}

unsigned integer_bits(FieldType t) {
  switch (t) {
    case FieldType::UInt8: case FieldType::Int8: return 8;
    case FieldType::UInt16: case FieldType::Int16: return 16;
    case FieldType::UInt24: return 24;
    case FieldType::UInt32: case FieldType::Int32: case FieldType::FrameNum: return 32;
    default: return 64;
  }
}

unsigned mask_shift(uint64_t mask) {
  if (mask == 0) return 0;
  unsigned s = 0;
  while (!(mask & 1)) {
    mask >>= 1;
    ++s;
  }
  return s;
}

const FieldRegistry& FieldRegistry::instance() {
  static const FieldRegistry reg;
  return reg;
}

FieldRegistry::FieldRegistry() : by_id_(kMaxFieldId, UINT32_MAX) {
  for (auto table : all_field_tables()) {
    for (const FieldDef& d : table) {
      if (d.id >= kMaxFieldId || by_id_[d.id] != UINT32_MAX)
        throw std::logic_error("field registry: duplicate or out-of-range id for " + std::string(d.abbrev));
      by_id_[d.id] = static_cast<uint32_t>(defs_.size());
      defs_.push_back(d);
    }
  }
  std::string_view current;
  for (const auto& d : defs_) {
    // A protocol has a Protocol-column name; protocol-typed items (TCP options) do not.
    if (d.type == FieldType::Protocol && !d.short_name.empty()) current = d.abbrev;
    owner_.push_back(current.empty() ? d.abbrev : current);
  }
  for (const auto& d : defs_) sorted_.emplace_back(d.abbrev, d.id);
  std::sort(sorted_.begin(), sorted_.end());
  for (size_t i = 1; i < sorted_.size(); ++i)
    if (sorted_[i].first == sorted_[i - 1].first)
      throw std::logic_error("field registry: name registered twice: " + std::string(sorted_[i].first));
}

std::optional<FieldId> FieldRegistry::find(std::string_view abbrev) const {
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), abbrev,
                             [](const auto& e, std::string_view k) { return e.first < k; });
  if (it != sorted_.end() && it->first == abbrev) return it->second;
  return std::nullopt;
}

static size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string_view> FieldRegistry::suggest(std::string_view abbrev, size_t max) const {
  std::vector<std::pair<size_t, std::string_view>> scored;
  size_t limit = std::max<size_t>(2, abbrev.size() / 3);
  for (const auto& d : defs_) {
    // The distance is at least the difference in length: most names need no
    // table (a long mistyped name would otherwise cost length x length each).
    const size_t diff = abbrev.size() > d.abbrev.size() ? abbrev.size() - d.abbrev.size() : d.abbrev.size() - abbrev.size();
    if (diff > limit) continue;
    size_t dist = edit_distance(abbrev, d.abbrev);
    if (dist <= limit) scored.emplace_back(dist, d.abbrev);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string_view> out;
  for (size_t i = 0; i < scored.size() && out.size() < max; ++i) out.push_back(scored[i].second);
  return out;
}

}  // namespace mqsniff::core
