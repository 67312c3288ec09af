#pragma once
#include "dissectors/core/packet.h"
#include "dissectors/core/reader.h"

namespace mqsniff {
struct DissectState;
namespace link {
// Link layers. Each consumes its header from r and hands the rest on.
void dissect_ethernet(core::Reader& r, core::Packet& pkt, DissectState& st);
void dissect_sll(core::Reader& r, core::Packet& pkt, DissectState& st, bool v2);
void dissect_null(core::Reader& r, core::Packet& pkt, DissectState& st, bool network_order);
void dissect_raw(core::Reader& r, core::Packet& pkt, DissectState& st, bool add_raw_layer);
// An EtherType-selected payload (after Ethernet, VLAN tags, SLL).
void dissect_ethertype(uint16_t type, core::Reader& r, core::Packet& pkt, DissectState& st);
// Undissected bytes: Wireshark's `data` protocol.
void dissect_data(core::Reader& r, core::Packet& pkt);
// tshark's "[Malformed Packet: PROTO]" item and Info marker, placed where
// called (after the malformed PDU); marks the packet malformed.
void add_malformed_item(core::Packet& pkt, std::string_view proto);
// tshark's "[BoundError Unreassembled Packet: MQTT]": a PDU that runs past the
// end of a segment the snapshot length cut, so it could not be reassembled.
void add_unreassembled_item(core::Packet& pkt, std::string_view proto);
}  // namespace link
}  // namespace mqsniff
