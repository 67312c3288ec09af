#include "dissectors/websocket/ws_fields.h"

#include <span>

namespace mqsniff::websocket {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

// Names, types, bases and masks follow tshark 4.0 (`tshark -G fields`).
static const FieldDef kHttp[] = {
    {http_f::proto, "http", "Hypertext Transfer Protocol", FT::Protocol, Base::None, 0, 0, {}, "HTTP"},
    {http_f::request, "http.request", "Request", FT::Boolean},
    {http_f::response, "http.response", "Response", FT::Boolean},
    {http_f::request_method, "http.request.method", "Request Method", FT::String},
    {http_f::request_uri, "http.request.uri", "Request URI", FT::String},
    {http_f::request_version, "http.request.version", "Request Version", FT::String},
    {http_f::response_version, "http.response.version", "Response Version", FT::String},
    {http_f::response_code, "http.response.code", "Status Code", FT::UInt16, Base::Dec},
    {http_f::response_phrase, "http.response.phrase", "Response Phrase", FT::String},
    {http_f::host, "http.host", "Host", FT::String},
    {http_f::upgrade, "http.upgrade", "Upgrade", FT::String},
    {http_f::connection, "http.connection", "Connection", FT::String},
    {http_f::sec_websocket_key, "http.sec_websocket_key", "Sec-WebSocket-Key", FT::String},
    {http_f::sec_websocket_accept, "http.sec_websocket_accept", "Sec-WebSocket-Accept", FT::String},
    {http_f::sec_websocket_protocol, "http.sec_websocket_protocol", "Sec-WebSocket-Protocol", FT::String},
    {http_f::sec_websocket_version, "http.sec_websocket_version", "Sec-WebSocket-Version", FT::String},
};

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
    {websocket_f::payload, "websocket.payload", "Payload", FT::None},
    {websocket_f::close_status_code, "websocket.payload.close.status_code", "Status code", FT::UInt16, Base::Dec},
    // mqsniff's own
    {websocket_f::unmasked_payload, "websocket.unmasked_payload", "Unmasked payload", FT::Bytes},
};

std::span<const FieldDef> http_field_table() { return kHttp; }
std::span<const FieldDef> websocket_field_table() { return kWebSocket; }

}  // namespace mqsniff::websocket
