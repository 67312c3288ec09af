#include "dissectors/net/net_fields.h"

#include <span>

namespace mqsniff::net {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

// Names, types and bases follow tshark 4.0 (`tshark -G fields`).
static const FieldDef kIp[] = {
    {ip_f::proto, "ip", "Internet Protocol Version 4", FT::Protocol, Base::None, 0, 0, {}, "IPv4"},
    {ip_f::version, "ip.version", "Version", FT::UInt8, Base::Dec},
    {ip_f::hdr_len, "ip.hdr_len", "Header Length", FT::UInt8, Base::Dec},
    {ip_f::dsfield, "ip.dsfield", "Differentiated Services Field", FT::UInt8, Base::Hex},
    {ip_f::dsfield_dscp, "ip.dsfield.dscp", "Differentiated Services Codepoint", FT::UInt8, Base::Dec, 0xfc},
    {ip_f::dsfield_ecn, "ip.dsfield.ecn", "Explicit Congestion Notification", FT::UInt8, Base::Dec, 0x03},
    {ip_f::len, "ip.len", "Total Length", FT::UInt16, Base::Dec},
    {ip_f::id, "ip.id", "Identification", FT::UInt16, Base::HexDec},
    {ip_f::flags, "ip.flags", "Flags", FT::UInt8, Base::Hex, 0xe0},
    {ip_f::flags_rb, "ip.flags.rb", "Reserved bit", FT::Boolean, Base::None, 0x80, 8},
    {ip_f::flags_df, "ip.flags.df", "Don't fragment", FT::Boolean, Base::None, 0x40, 8},
    {ip_f::flags_mf, "ip.flags.mf", "More fragments", FT::Boolean, Base::None, 0x20, 8},
    {ip_f::frag_offset, "ip.frag_offset", "Fragment Offset", FT::UInt16, Base::Dec, 0x1fff},
    {ip_f::ttl, "ip.ttl", "Time to Live", FT::UInt8, Base::Dec},
    {ip_f::proto_, "ip.proto", "Protocol", FT::UInt8, Base::Dec},
    {ip_f::checksum, "ip.checksum", "Header Checksum", FT::UInt16, Base::Hex},
    {ip_f::checksum_status, "ip.checksum.status", "Header checksum status", FT::UInt8, Base::None},
    {ip_f::src, "ip.src", "Source Address", FT::Ipv4},
    {ip_f::dst, "ip.dst", "Destination Address", FT::Ipv4},
    {ip_f::addr, "ip.addr", "Source or Destination Address", FT::Ipv4},
    {ip_f::opt_type, "ip.opt.type", "Type", FT::UInt8, Base::Dec},
    {ip_f::options, "ip.options", "Options", FT::Bytes},
    {ip_f::bogus_ip_length, "ip.bogus_ip_length", "Bogus IP length", FT::None},
    {ip_f::fragments, "ip.fragments", "IPv4 Fragments", FT::Bytes},  // (tshark registers it as bytes: its value is the datagram)
    {ip_f::fragment, "ip.fragment", "IPv4 Fragment", FT::FrameNum},
    {ip_f::reassembled_data, "ip.reassembled.data", "Reassembled IPv4 data", FT::Bytes},
    {ip_f::reassembled_in, "ip.reassembled_in", "Reassembled IPv4 in frame", FT::FrameNum},
    {ip_f::fragment_count, "ip.fragment.count", "Fragment count", FT::UInt32, Base::Dec},
    {ip_f::reassembled_length, "ip.reassembled.length", "Reassembled IPv4 length", FT::UInt32, Base::Dec},
    // The host names of the addresses: with name resolution off (mqsniff never resolves), the address.
    {ip_f::src_host, "ip.src_host", "Source Host", FT::String},
    {ip_f::dst_host, "ip.dst_host", "Destination Host", FT::String},
    {ip_f::host, "ip.host", "Source or Destination Host", FT::String},
    {ip_f::ttl_lncb, "ip.ttl.lncb", "Time To Live", FT::None},
};
static const FieldDef kIpv6[] = {
    {ipv6_f::proto, "ipv6", "Internet Protocol Version 6", FT::Protocol, Base::None, 0, 0, {}, "IPv6"},
    // (registered with IPv6 itself, as tshark: EK names them "ipv6_ipv6_opt...")
    {ipv6_f::opt, "ipv6.opt", "IPv6 Option", FT::None},
    {ipv6_f::opt_type, "ipv6.opt.type", "Type", FT::UInt8, Base::Hex},
    {ipv6_f::opt_type_action, "ipv6.opt.type.action", "Action", FT::UInt8, Base::Dec, 0xc0},
    {ipv6_f::opt_type_change, "ipv6.opt.type.change", "May Change", FT::Boolean, Base::None, 0x20, 8},
    {ipv6_f::opt_type_rest, "ipv6.opt.type.rest", "Low-Order Bits", FT::UInt8, Base::Hex, 0x1f},
    {ipv6_f::opt_length, "ipv6.opt.length", "Length", FT::UInt8, Base::Dec},
    {ipv6_f::opt_padn, "ipv6.opt.padn", "PadN", FT::Bytes},
    {ipv6_f::opt_router_alert, "ipv6.opt.router_alert", "Router Alert", FT::UInt16, Base::Dec},
    {ipv6_f::version, "ipv6.version", "Version", FT::UInt8, Base::Dec},
    {ipv6_f::tclass, "ipv6.tclass", "Traffic Class", FT::UInt32, Base::Hex, 0x0ff00000},
    {ipv6_f::tclass_dscp, "ipv6.tclass.dscp", "Differentiated Services Codepoint", FT::UInt32, Base::Dec, 0x0fc00000},
    {ipv6_f::tclass_ecn, "ipv6.tclass.ecn", "Explicit Congestion Notification", FT::UInt32, Base::Dec, 0x00300000},
    {ipv6_f::flow, "ipv6.flow", "Flow Label", FT::UInt24, Base::Hex, 0x000fffff},
    {ipv6_f::plen, "ipv6.plen", "Payload Length", FT::UInt16, Base::Dec},
    {ipv6_f::nxt, "ipv6.nxt", "Next Header", FT::UInt8, Base::Dec},
    {ipv6_f::hlim, "ipv6.hlim", "Hop Limit", FT::UInt8, Base::Dec},
    {ipv6_f::src, "ipv6.src", "Source Address", FT::Ipv6},
    {ipv6_f::dst, "ipv6.dst", "Destination Address", FT::Ipv6},
    {ipv6_f::addr, "ipv6.addr", "Source or Destination Address", FT::Ipv6},
    // Extension headers are protocols of their own in Wireshark (frame.protocols shows them).
    {ipv6_f::hopopts, "ipv6.hopopts", "IPv6 Hop-by-Hop Option", FT::Protocol, Base::None, 0, 0, {}, "IPv6 Hop-by-Hop Option"},
    {ipv6_f::hopopts_nxt, "ipv6.hopopts.nxt", "Next Header", FT::UInt8, Base::Dec},
    {ipv6_f::hopopts_len, "ipv6.hopopts.len", "Length", FT::UInt8, Base::Dec},
    {ipv6_f::hopopts_len_oct, "ipv6.hopopts.len_oct", "Length", FT::UInt16, Base::Dec},
    {ipv6_f::routing, "ipv6.routing", "Routing Header for IPv6", FT::Protocol, Base::None, 0, 0, {}, "IPv6 Routing"},
    {ipv6_f::routing_nxt, "ipv6.routing.nxt", "Next Header", FT::UInt8, Base::Dec},
    {ipv6_f::routing_len, "ipv6.routing.len", "Length", FT::UInt8, Base::Dec},
    {ipv6_f::routing_type, "ipv6.routing.type", "Type", FT::UInt8, Base::Dec},
    {ipv6_f::routing_segleft, "ipv6.routing.segleft", "Segments Left", FT::UInt8, Base::Dec},
    {ipv6_f::fraghdr, "ipv6.fraghdr", "Fragment Header for IPv6", FT::Protocol, Base::None, 0, 0, {}, "IPv6 Fragment"},
    {ipv6_f::fraghdr_nxt, "ipv6.fraghdr.nxt", "Next header", FT::UInt8, Base::Dec},
    {ipv6_f::fraghdr_offset, "ipv6.fraghdr.offset", "Offset", FT::UInt16, Base::Dec, 0xfff8},
    {ipv6_f::fraghdr_more, "ipv6.fraghdr.more", "More Fragments", FT::Boolean, Base::None, 0x0001, 16},
    {ipv6_f::fraghdr_ident, "ipv6.fraghdr.ident", "Identification", FT::UInt32, Base::Hex},
    {ipv6_f::fraghdr_reserved_octet, "ipv6.fraghdr.reserved_octet", "Reserved octet", FT::UInt8, Base::Hex},
    {ipv6_f::fraghdr_reserved_bits, "ipv6.fraghdr.reserved_bits", "Reserved bits", FT::UInt16, Base::Dec, 0x0006},
    {ipv6_f::fragments, "ipv6.fragments", "IPv6 Fragments", FT::None},
    {ipv6_f::fragment, "ipv6.fragment", "IPv6 Fragment", FT::FrameNum},
    {ipv6_f::fragment_count, "ipv6.fragment.count", "Fragment count", FT::UInt32, Base::Dec},
    {ipv6_f::reassembled_length, "ipv6.reassembled.length", "Reassembled IPv6 length", FT::UInt32, Base::Dec},
    {ipv6_f::reassembled_data, "ipv6.reassembled.data", "Reassembled IPv6 data", FT::Bytes},
    {ipv6_f::reassembled_in, "ipv6.reassembled.in", "Reassembled IPv6 in frame", FT::FrameNum},
    {ipv6_f::dstopts, "ipv6.dstopts", "Destination Options for IPv6", FT::Protocol, Base::None, 0, 0, {}, "IPv6 Destination Option"},
    {ipv6_f::dstopts_nxt, "ipv6.dstopts.nxt", "Next Header", FT::UInt8, Base::Dec},
    {ipv6_f::dstopts_len, "ipv6.dstopts.len", "Length", FT::UInt8, Base::Dec},
    {ipv6_f::dstopts_len_oct, "ipv6.dstopts.len_oct", "Length", FT::UInt16, Base::Dec},
    {ipv6_f::bogus_version, "ipv6.bogus_ipv6_version", "Bogus IP version", FT::None},
    {ipv6_f::src_host, "ipv6.src_host", "Source Host", FT::String},
    {ipv6_f::dst_host, "ipv6.dst_host", "Destination Host", FT::String},
    {ipv6_f::host, "ipv6.host", "Source or Destination Host", FT::String},
};
static const FieldDef kUdp[] = {
    {udp_f::proto, "udp", "User Datagram Protocol", FT::Protocol, Base::None, 0, 0, {}, "UDP"},
    {udp_f::srcport, "udp.srcport", "Source Port", FT::UInt16, Base::PtUdp},
    {udp_f::dstport, "udp.dstport", "Destination Port", FT::UInt16, Base::PtUdp},
    {udp_f::port, "udp.port", "Source or Destination Port", FT::UInt16, Base::PtUdp},
    {udp_f::length, "udp.length", "Length", FT::UInt16, Base::Dec},
    {udp_f::checksum, "udp.checksum", "Checksum", FT::UInt16, Base::Hex},
    {udp_f::checksum_status, "udp.checksum.status", "Checksum Status", FT::UInt8, Base::None},
    {udp_f::stream, "udp.stream", "Stream index", FT::UInt32, Base::Dec},
    {udp_f::payload, "udp.payload", "Payload", FT::Bytes},
    {udp_f::length_bad, "udp.length.bad", "Bad length value", FT::None},
    {udp_f::time_relative, "udp.time_relative", "Time since first frame", FT::RelativeTime, Base::None},
    {udp_f::time_delta, "udp.time_delta", "Time since previous frame", FT::RelativeTime, Base::None},
};

std::span<const FieldDef> ip_field_table() { return kIp; }
std::span<const FieldDef> ipv6_field_table() { return kIpv6; }
std::span<const FieldDef> udp_field_table() { return kUdp; }

}  // namespace mqsniff::net
