// One field registry: every field mqsniff knows is declared exactly once, with
// Wireshark's filter name, type and display base (see
// shared/reference/wireshark-fields.tsv). Dissectors, the filter engine, every
// output format and `-G fields` resolve names through this table; nothing else
// keeps a list of fields.
//
// Ids are grouped in fixed blocks per protocol (kBlock ids each), so a
// protocol's field enum never depends on another protocol's size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mqsniff::core {

using FieldId = uint16_t;
constexpr FieldId kNoField = 0xFFFF;

// Protocol blocks. Order is the order of `-G fields`/`-G protocols`.
enum class Proto : uint8_t {
  Frame = 0, Eth, Vlan, Ieee8021ad, Sll, Null, Raw, Ip, Ipv6, Tcp, Udp, Mqtt, Tls, X509, Http, WebSocket, Data, Ws,
  Arp, Icmp, Icmpv6, Dns, Gtp, Vxlan, Json, DataTextLines, Media, UrlencodedForm, Cbor, Xml,
  Count
};
constexpr FieldId kBlock = 512;
constexpr FieldId field_base(Proto p) { return static_cast<FieldId>(static_cast<unsigned>(p) * kBlock); }
constexpr FieldId kMaxFieldId = static_cast<FieldId>(static_cast<unsigned>(Proto::Count) * kBlock);

// Wireshark's FT_* types that mqsniff uses.
enum class FieldType : uint8_t {
  None, Protocol, UInt8, UInt16, UInt24, UInt32, UInt64, Int8, Int16, Int32, Int64, Boolean,
  String, Bytes, Ipv4, Ipv6, Ether, AbsoluteTime, RelativeTime, FrameNum, Double,
  UIntString,  // a length-prefixed string (FT_UINT_STRING); renders like String
  Oid,         // an ASN.1 object identifier in dotted form (FT_OID); renders and compares like String
  Float,       // FT_FLOAT: a Double node printed with 6 significant digits (tshark's FLT_DIG)
};

// Wireshark's BASE_* display bases (BASE_NONE is None).
enum class Base : uint8_t { None, Dec, Hex, DecHex, HexDec, Oct, PtTcp, PtUdp, Custom, Oui,
  SepColon,  // bytes printed aa:bb:cc (BASE_NONE|SEP_COLON)
};

struct FieldDef {
  FieldId id = kNoField;
  std::string_view abbrev;  // filter name, e.g. "tcp.srcport"
  std::string_view name;    // label, e.g. "Source Port"
  FieldType type = FieldType::None;
  Base base = Base::None;
  uint64_t bitmask = 0;
  uint8_t bool_bits = 0;  // FT_BOOLEAN: width of the parent bitfield (tshark -G "base" column)
  std::string_view blurb = {};
  std::string_view short_name = {};  // protocols only: the Protocol column name ("IPv4")
};

const char* field_type_name(FieldType t);  // "FT_UINT16"
const char* base_name(Base b);             // "BASE_DEC"
bool is_integer(FieldType t);
// Width in bits of an unsigned/signed integer type (for hex rendering).
unsigned integer_bits(FieldType t);
// Shift that brings a bitmask's lowest set bit to bit 0.
unsigned mask_shift(uint64_t mask);

class FieldRegistry {
public:
  static const FieldRegistry& instance();

  const FieldDef* def(FieldId id) const {
    return id < kMaxFieldId && by_id_[id] != UINT32_MAX ? &defs_[by_id_[id]] : nullptr;
  }
  std::optional<FieldId> find(std::string_view abbrev) const;
  // Up to `max` known names closest to `abbrev` (edit distance), best first.
  std::vector<std::string_view> suggest(std::string_view abbrev, size_t max = 3) const;
  // Every definition, protocols first within their block, in registration order.
  const std::vector<FieldDef>& all() const { return defs_; }
  // The protocol field of the block an id belongs to.
  FieldId protocol_of(FieldId id) const { return static_cast<FieldId>(id / kBlock * kBlock); }
  // The protocol a field belongs to, as tshark registers it (-T ek names a field
  // "<protocol>_<field>"): the last protocol registered before it ("dns" for
  // dns.qry.name, also inside an mdns layer; "x509af" for x509af.version).
  std::string_view owner(FieldId id) const {
    return id < kMaxFieldId && by_id_[id] != UINT32_MAX ? owner_[by_id_[id]] : std::string_view{};
  }

private:
  FieldRegistry();
  std::vector<FieldDef> defs_;
  std::vector<uint32_t> by_id_;
  std::vector<std::string_view> owner_;  // per definition
  std::vector<std::pair<std::string_view, FieldId>> sorted_;  // by abbrev, for find()
};

// Each protocol exposes its table; the registry gathers them (registry_list.cpp).
std::vector<std::span<const FieldDef>> all_field_tables();

}  // namespace mqsniff::core
