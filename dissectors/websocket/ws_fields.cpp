#include "dissectors/websocket/ws_fields.h"

#include <span>

namespace mqsniff::websocket {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

// Names, types, bases and masks follow tshark 4.0 (`tshark -G fields`).

static const FieldDef kWebSocket[] = {
    {websocket_f::proto, "websocket", "WebSocket", FT::Protocol, Base::None, 0, 0, {}, "WebSocket"},
    {websocket_f::fin, "websocket.fin", "Fin", FT::Boolean, Base::None, 0x80, 8},
    {websocket_f::rsv, "websocket.rsv", "Reserved", FT::UInt8, Base::Hex, 0x70},
    {websocket_f::opcode, "websocket.opcode", "Opcode", FT::UInt8, Base::Dec, 0x0f},
    {websocket_f::mask, "websocket.mask", "Mask", FT::Boolean, Base::None, 0x80, 8},
    {websocket_f::payload_length, "websocket.payload_length", "Payload length", FT::UInt8, Base::Dec, 0x7f},
    {websocket_f::payload_length_ext_16, "websocket.payload_length_ext_16", "Extended Payload length (16 bits)", FT::UInt16, Base::Dec},
    {websocket_f::payload_length_ext_64, "websocket.payload_length_ext_64", "Extended Payload length (64 bits)", FT::UInt64, Base::Dec},
    {websocket_f::masking_key, "websocket.masking_key", "Masking-Key", FT::Bytes},
    {websocket_f::masked_payload, "websocket.masked_payload", "Masked payload", FT::None},
    {websocket_f::payload, "websocket.payload", "Payload", FT::None},
    {websocket_f::fragments, "websocket.fragments", "Reassembled websocket Fragments", FT::None},
    {websocket_f::fragment, "websocket.fragment", "Websocket Fragment", FT::FrameNum},
    {websocket_f::fragment_count, "websocket.fragment.count", "Fragment count", FT::UInt32, Base::Dec},
    {websocket_f::reassembled_length, "websocket.reassembled.length", "Reassembled websocket Payload length", FT::UInt32, Base::Dec},
    {websocket_f::payload_close, "websocket.payload.close", "Close", FT::None},
    {websocket_f::close_reason, "websocket.payload.close.reason", "Reason", FT::String},
    {websocket_f::close_status_code, "websocket.payload.close.status_code", "Status code", FT::UInt16, Base::Dec},
    // mqsniff's own
    {websocket_f::unmasked_payload, "websocket.unmasked_payload", "Unmasked payload", FT::Bytes},
};

std::span<const FieldDef> websocket_field_table() { return kWebSocket; }

}  // namespace mqsniff::websocket
