// Field ids of HTTP/1.x (tshark 4.0's http.* names) and of the bodies it
// carries: JSON (json.*), text lines (data-text-lines), other media (media).
#pragma once
#include <span>

#include "dissectors/core/field_registry.h"

namespace mqsniff::http {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace http_f {
enum : FieldId {
  proto = field_base(Proto::Http), request, response, request_method, request_uri, request_version, response_version,
  response_code, response_phrase, host, upgrade, connection, sec_websocket_key, sec_websocket_accept,
  sec_websocket_protocol, sec_websocket_version,
  chat, request_line, response_line, response_code_desc, user_agent, accept, accept_encoding, accept_language,
  authorization, cache_control, content_type, content_length_header, content_length, server, date, last_modified,
  location, referer, cookie, set_cookie, transfer_encoding, content_encoding, www_authenticate, x_forwarded_for,
  request_full_uri, request_number, response_number, time, request_in, response_in, response_for_uri, file_data,
  unknown_header, bad_header_name,
};
}
namespace json_f {
enum : FieldId {
  proto = field_base(Proto::Json), object, array, member, key, value_string, value_number, value_true, value_false,
  value_null, path, path_with_value, member_with_value,
};
}
namespace text_f {
enum : FieldId { data_text_lines = field_base(Proto::DataTextLines) };
}
namespace media_f {
enum : FieldId { proto = field_base(Proto::Media), type };
}

std::span<const core::FieldDef> http_field_table();
std::span<const core::FieldDef> json_field_table();
std::span<const core::FieldDef> text_field_table();

}  // namespace mqsniff::http
