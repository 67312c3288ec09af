#include "dissectors/link/link_fields.h"

#include <span>

namespace mqsniff::link {
using core::Base;
using core::FieldDef;
using core::FieldType;
using FT = core::FieldType;

// Names, types and bases follow tshark 4.0 (`tshark -G fields`).
static const FieldDef kFrame[] = {
    {frame_f::proto, "frame", "Frame", FT::Protocol, Base::None, 0, 0, {}, "Frame"},
    {frame_f::time, "frame.time", "Arrival Time", FT::AbsoluteTime},
    {frame_f::time_epoch, "frame.time_epoch", "Epoch Time", FT::RelativeTime},
    {frame_f::time_delta, "frame.time_delta", "Time delta from previous captured frame", FT::RelativeTime},
    {frame_f::time_delta_displayed, "frame.time_delta_displayed", "Time delta from previous displayed frame", FT::RelativeTime},
    {frame_f::time_relative, "frame.time_relative", "Time since reference or first frame", FT::RelativeTime},
    {frame_f::number, "frame.number", "Frame Number", FT::UInt32, Base::Dec},
    {frame_f::len, "frame.len", "Frame length on the wire", FT::UInt32, Base::Dec},
    {frame_f::cap_len, "frame.cap_len", "Frame length stored into the capture file", FT::UInt32, Base::Dec},
    {frame_f::protocols, "frame.protocols", "Protocols in frame", FT::String},
    {frame_f::pkt_comment, "pkt_comment", "Packet comments", FT::Protocol, Base::None, 0, 0, {}, "Packet comments"},
    {frame_f::comment, "frame.comment", "Comment", FT::String},
    {frame_f::comment_expert, "frame.comment.expert", "Formatted comment", FT::None},
    {frame_f::encap_type, "frame.encap_type", "Encapsulation type", FT::Int16, Base::Dec},
    {frame_f::marked, "frame.marked", "Frame is marked", FT::Boolean},
    {frame_f::offset_shift, "frame.offset_shift", "Time shift for this packet", FT::RelativeTime},
    {frame_f::ignored, "frame.ignored", "Frame is ignored", FT::Boolean},
    {frame_f::interface_id, "frame.interface_id", "Interface id", FT::UInt32, Base::Dec},
    {frame_f::section_number, "frame.section_number", "Section number", FT::UInt32, Base::Dec},
    {frame_f::interface_name, "frame.interface_name", "Interface name", FT::String, Base::None},
    {frame_f::interface_description, "frame.interface_description", "Interface description", FT::String, Base::None},
};
static const FieldDef kEth[] = {
    {eth_f::proto, "eth", "Ethernet", FT::Protocol, Base::None, 0, 0, {}, "Ethernet"},
    {eth_f::dst, "eth.dst", "Destination", FT::Ether},
    {eth_f::src, "eth.src", "Source", FT::Ether},
    {eth_f::addr, "eth.addr", "Address", FT::Ether},
    {eth_f::type, "eth.type", "Type", FT::UInt16, Base::Hex},
    {eth_f::len, "eth.len", "Length", FT::UInt16, Base::Dec},
    {eth_f::lg, "eth.lg", "LG bit", FT::Boolean, Base::None, 0x20000, 24, "Specifies if this is an individual (unicast) or group (broadcast/multicast) address"},
    {eth_f::ig, "eth.ig", "IG bit", FT::Boolean, Base::None, 0x10000, 24},
    {eth_f::dst_lg, "eth.dst.lg", "LG bit", FT::Boolean, Base::None, 0x20000, 24},
    {eth_f::dst_ig, "eth.dst.ig", "IG bit", FT::Boolean, Base::None, 0x10000, 24},
    {eth_f::src_lg, "eth.src.lg", "LG bit", FT::Boolean, Base::None, 0x20000, 24},
    {eth_f::src_ig, "eth.src.ig", "IG bit", FT::Boolean, Base::None, 0x10000, 24},
    {eth_f::trailer, "eth.trailer", "Trailer", FT::Bytes},
    {eth_f::padding, "eth.padding", "Padding", FT::Bytes},
    {eth_f::fcs, "eth.fcs", "Frame check sequence", FT::UInt32, Base::Hex},
    {eth_f::fcs_status, "eth.fcs.status", "FCS Status", FT::UInt8, Base::None},
    {eth_f::padding_bad, "eth.padding_bad", "Padding was assumed, and an undecoded trailer exists", FT::None},
    // With name resolution off (mqsniff never resolves), the address itself; the
    // manufacturer's name from the OUI table (dissectors/core/oui.h).
    {eth_f::dst_resolved, "eth.dst_resolved", "Destination (resolved)", FT::String},
    {eth_f::dst_oui, "eth.dst.oui", "Destination OUI", FT::UInt24, Base::Oui},
    {eth_f::dst_oui_resolved, "eth.dst.oui_resolved", "Destination OUI (resolved)", FT::String},
    {eth_f::src_resolved, "eth.src_resolved", "Source (resolved)", FT::String},
    {eth_f::src_oui, "eth.src.oui", "Source OUI", FT::UInt24, Base::Oui},
    {eth_f::src_oui_resolved, "eth.src.oui_resolved", "Source OUI (resolved)", FT::String},
    {eth_f::addr_resolved, "eth.addr_resolved", "Address (resolved)", FT::String},
    {eth_f::addr_oui, "eth.addr.oui", "Address OUI", FT::UInt24, Base::Oui},
    {eth_f::addr_oui_resolved, "eth.addr.oui_resolved", "Address OUI (resolved)", FT::String},
};
static const FieldDef kVlan[] = {
    {vlan_f::proto, "vlan", "802.1Q Virtual LAN", FT::Protocol, Base::None, 0, 0, {}, "VLAN"},
    {vlan_f::priority, "vlan.priority", "Priority", FT::UInt16, Base::Dec, 0xe000},
    {vlan_f::dei, "vlan.dei", "DEI", FT::Boolean, Base::None, 0x1000, 16},
    {vlan_f::id, "vlan.id", "ID", FT::UInt16, Base::Dec, 0x0fff},
    {vlan_f::etype, "vlan.etype", "Type", FT::UInt16, Base::Hex},
    {vlan_f::len, "vlan.len", "Length", FT::UInt16, Base::Dec},
    {vlan_f::trailer, "vlan.trailer", "Trailer", FT::Bytes},
    {vlan_f::too_many_tags, "vlan.too_many_tags", "Too many nested VLAN tags", FT::None},
};
static const FieldDef kIeee8021ad[] = {
    {ieee8021ad_f::proto, "ieee8021ad", "IEEE 802.1ad", FT::Protocol, Base::None, 0, 0, {}, "IEEE 802.1AD"},
    {ieee8021ad_f::priority, "ieee8021ad.priority", "Priority", FT::UInt16, Base::Dec, 0xe000},
    {ieee8021ad_f::dei, "ieee8021ad.dei", "DEI", FT::UInt16, Base::Dec, 0x1000},
    {ieee8021ad_f::id, "ieee8021ad.id", "ID", FT::UInt16, Base::Dec, 0x0fff},
    // tshark names the 802.1ad tag's Type after 802.1ah's field.
    {ieee8021ad_f::etype, "ieee8021ah.etype", "Type", FT::UInt16, Base::Hex},
};
static const FieldDef kSll[] = {
    {sll_f::proto, "sll", "Linux cooked-mode capture", FT::Protocol, Base::None, 0, 0, {}, "SLL"},
    {sll_f::pkttype, "sll.pkttype", "Packet type", FT::UInt16, Base::Dec},
    {sll_f::hatype, "sll.hatype", "Link-layer address type", FT::UInt16, Base::Dec},
    {sll_f::halen, "sll.halen", "Link-layer address length", FT::UInt16, Base::Dec},
    {sll_f::src_eth, "sll.src.eth", "Source", FT::Ether},
    {sll_f::src_ipv4, "sll.src.ipv4", "Source", FT::Ipv4},
    {sll_f::src_other, "sll.src.other", "Source", FT::Bytes},
    {sll_f::unused, "sll.unused", "Unused", FT::Bytes},
    {sll_f::ltype, "sll.ltype", "Protocol", FT::UInt16, Base::Hex},
    {sll_f::etype, "sll.etype", "Protocol", FT::UInt16, Base::Hex},
    {sll_f::ifindex, "sll.ifindex", "Interface index", FT::UInt32, Base::Dec},
};
static const FieldDef kNull[] = {
    {null_f::proto, "null", "Null/Loopback", FT::Protocol, Base::None, 0, 0, {}, "Null"},
    {null_f::family, "null.family", "Family", FT::UInt32, Base::Dec},
    {null_f::type, "null.type", "Type", FT::UInt16, Base::Hex},
};
static const FieldDef kRaw[] = {
    {raw_f::proto, "raw", "Raw packet data", FT::Protocol, Base::None, 0, 0, {}, "Raw"},
};
static const FieldDef kData[] = {
    {data_f::proto, "data", "Data", FT::Protocol, Base::None, 0, 0, {}, "Data"},
    {data_f::data, "data.data", "Data", FT::Bytes},
    {data_f::len, "data.len", "Length", FT::Int32, Base::Dec},
};
static const FieldDef kWs[] = {
    {ws_f::short_, "_ws.short", "Short Frame", FT::Protocol, Base::None, 0, 0, {}, "Short frame"},
    {ws_f::malformed, "_ws.malformed", "Malformed Packet", FT::Protocol, Base::None, 0, 0, {}, "Malformed"},
    {ws_f::malformed_expert, "_ws.malformed.expert", "Malformed Packet (Exception occurred)", FT::None},
    {ws_f::unreassembled, "_ws.unreassembled", "Unreassembled Fragmented Packet", FT::Protocol, Base::None, 0, 0, {}, "Unreassembled"},
    {ws_f::unreassembled_expert, "_ws.unreassembled.expert", "Unreassembled fragment (change preferences to enable reassembly)", FT::None},
    {ws_f::expert, "_ws.expert", "Expert Info", FT::Protocol, Base::None, 0, 0, {}, "Expert"},
    {ws_f::expert_message, "_ws.expert.message", "Message", FT::String},
    {ws_f::expert_severity, "_ws.expert.severity", "Severity level", FT::UInt32, Base::None},
    {ws_f::expert_group, "_ws.expert.group", "Group", FT::UInt32, Base::None},
    {ws_f::text, "text", "Text item", FT::None},
};

std::span<const FieldDef> frame_field_table() { return kFrame; }
std::span<const FieldDef> eth_field_table() { return kEth; }
std::span<const FieldDef> vlan_field_table() { return kVlan; }
std::span<const FieldDef> ieee8021ad_field_table() { return kIeee8021ad; }
std::span<const FieldDef> sll_field_table() { return kSll; }
std::span<const FieldDef> null_field_table() { return kNull; }
std::span<const FieldDef> raw_field_table() { return kRaw; }
std::span<const FieldDef> data_field_table() { return kData; }
std::span<const FieldDef> ws_field_table() { return kWs; }

}  // namespace mqsniff::link
