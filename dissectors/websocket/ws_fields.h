// Field ids of the HTTP Upgrade handshake and WebSocket frames (tshark 4.0's
// http.* and websocket.* names).
#pragma once
#include "dissectors/core/field_registry.h"
#include "dissectors/http/http_fields.h"

namespace mqsniff::websocket {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace http_f = http::http_f;  // the HTTP Upgrade handshake uses HTTP's fields

namespace websocket_f {
enum : FieldId {
  proto = field_base(Proto::WebSocket), fin, rsv, opcode, mask, payload_length, payload_length_ext_16,
  payload_length_ext_64, masking_key, payload, close_status_code,
  // mqsniff's own: the unmasked payload bytes
  unmasked_payload,
  masked_payload, fragments, fragment, fragment_count, reassembled_length, payload_close, close_reason,
};
}

}  // namespace mqsniff::websocket
