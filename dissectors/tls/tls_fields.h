// Field ids of TLS (tshark 4.0's tls.* names).
#pragma once
#include "dissectors/core/field_registry.h"

namespace mqsniff::tls {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace tls_f {
enum : FieldId {
  proto = field_base(Proto::Tls), record, record_content_type, record_opaque_type, record_version, record_length,
  app_data, change_cipher_spec, alert_message, alert_level, alert_desc, handshake, handshake_type, handshake_length,
  handshake_version, handshake_random, session_id_length, session_id, cipher_suites_length, ciphersuite,
  extension_type, extension_len, server_name, supported_version, ja3_full, ja3, ja3s_full, ja3s,
};
}

}  // namespace mqsniff::tls
