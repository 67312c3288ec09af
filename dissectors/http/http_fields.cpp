#include "dissectors/http/http_fields.h"

namespace mqsniff::http {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

// Names, types and bases follow tshark 4.0 (`tshark -G fields`).
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
    {http_f::chat, "http.chat", "Formatted text", FT::None},
    {http_f::unknown_header, "http.unknown_header", "Unknown header", FT::String},
    {http_f::bad_header_name, "http.bad_header_name", "Illegal characters found in header name", FT::None},
    {http_f::request_line, "http.request.line", "Request line", FT::String},
    {http_f::response_line, "http.response.line", "Response line", FT::String},
    {http_f::response_code_desc, "http.response.code.desc", "Status Code Description", FT::String},
    {http_f::user_agent, "http.user_agent", "User-Agent", FT::String},
    {http_f::accept, "http.accept", "Accept", FT::String},
    {http_f::accept_encoding, "http.accept_encoding", "Accept Encoding", FT::String},
    {http_f::accept_language, "http.accept_language", "Accept-Language", FT::String},
    {http_f::authorization, "http.authorization", "Authorization", FT::String},
    {http_f::cache_control, "http.cache_control", "Cache-Control", FT::String},
    {http_f::content_type, "http.content_type", "Content-Type", FT::String},
    {http_f::content_length_header, "http.content_length_header", "Content-Length", FT::String},
    {http_f::content_length, "http.content_length", "Content length", FT::UInt64, Base::Dec},
    {http_f::server, "http.server", "Server", FT::String},
    {http_f::date, "http.date", "Date", FT::String},
    {http_f::last_modified, "http.last_modified", "Last-Modified", FT::String},
    {http_f::location, "http.location", "Location", FT::String},
    {http_f::referer, "http.referer", "Referer", FT::String},
    {http_f::cookie, "http.cookie", "Cookie", FT::String},
    {http_f::set_cookie, "http.set_cookie", "Set-Cookie", FT::String},
    {http_f::transfer_encoding, "http.transfer_encoding", "Transfer-Encoding", FT::String},
    {http_f::content_encoding, "http.content_encoding", "Content-Encoding", FT::String},
    {http_f::www_authenticate, "http.www_authenticate", "WWW-Authenticate", FT::String},
    {http_f::x_forwarded_for, "http.x_forwarded_for", "X-Forwarded-For", FT::String},
    {http_f::request_full_uri, "http.request.full_uri", "Full request URI", FT::String},
    {http_f::request_number, "http.request_number", "Request number", FT::UInt32, Base::Dec},
    {http_f::response_number, "http.response_number", "Response number", FT::UInt32, Base::Dec},
    {http_f::time, "http.time", "Time since request", FT::RelativeTime},
    {http_f::request_in, "http.request_in", "Request in frame", FT::FrameNum},
    {http_f::response_in, "http.response_in", "Response in frame", FT::FrameNum},
    {http_f::response_for_uri, "http.response_for.uri", "Request URI", FT::String},
    {http_f::file_data, "http.file_data", "File Data", FT::String},
};
static const FieldDef kJson[] = {
    {json_f::proto, "json", "JavaScript Object Notation", FT::Protocol, Base::None, 0, 0, {}, "JSON"},
    {json_f::object, "json.object", "Object", FT::None},
    {json_f::array, "json.array", "Array", FT::None},
    {json_f::member, "json.member", "Member", FT::String},
    {json_f::key, "json.key", "Key", FT::String},
    {json_f::value_string, "json.value.string", "String value", FT::String},
    {json_f::value_number, "json.value.number", "Number value", FT::String},
    {json_f::value_true, "json.value.true", "True value", FT::None},
    {json_f::value_false, "json.value.false", "False value", FT::None},
    {json_f::value_null, "json.value.null", "Null value", FT::None},
    {json_f::path, "json.path", "Path", FT::String},
    {json_f::path_with_value, "json.path_with_value", "Path with value", FT::String},
    {json_f::member_with_value, "json.member_with_value", "Member with value", FT::String},
};
static const FieldDef kText[] = {
    {text_f::data_text_lines, "data-text-lines", "Line-based text data", FT::Protocol, Base::None, 0, 0, {},
     "Line-based text data"},
    {media_f::proto, "media", "Media Type", FT::Protocol, Base::None, 0, 0, {}, "Media"},
    {media_f::type, "media.type", "Media type", FT::Bytes},
};
std::span<const FieldDef> http_field_table() { return kHttp; }
std::span<const FieldDef> json_field_table() { return kJson; }
std::span<const FieldDef> text_field_table() { return kText; }

}  // namespace mqsniff::http
