#include "dissectors/tls/tls_fields.h"

#include <span>

namespace mqsniff::tls {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

// Names, types and bases follow tshark 4.0 (`tshark -G fields`).
static const FieldDef kTls[] = {
    {tls_f::proto, "tls", "Transport Layer Security", FT::Protocol, Base::None, 0, 0, {}, "TLS"},
    {tls_f::record, "tls.record", "Record Layer", FT::None},
    {tls_f::record_content_type, "tls.record.content_type", "Content Type", FT::UInt8, Base::Dec},
    {tls_f::record_opaque_type, "tls.record.opaque_type", "Opaque Type", FT::UInt8, Base::Dec},
    {tls_f::record_version, "tls.record.version", "Version", FT::UInt16, Base::Hex},
    {tls_f::record_length, "tls.record.length", "Length", FT::UInt16, Base::Dec},
    {tls_f::app_data, "tls.app_data", "Encrypted Application Data", FT::Bytes},
    {tls_f::change_cipher_spec, "tls.change_cipher_spec", "Change Cipher Spec Message", FT::None},
    {tls_f::alert_message, "tls.alert_message", "Alert Message", FT::None},
    {tls_f::alert_level, "tls.alert_message.level", "Level", FT::UInt8, Base::Dec},
    {tls_f::alert_desc, "tls.alert_message.desc", "Description", FT::UInt8, Base::Dec},
    {tls_f::handshake, "tls.handshake", "Handshake Protocol", FT::None},
    {tls_f::handshake_type, "tls.handshake.type", "Handshake Message Type", FT::UInt8, Base::Dec},
    {tls_f::handshake_length, "tls.handshake.length", "Length", FT::UInt24, Base::Dec},
    {tls_f::handshake_version, "tls.handshake.version", "Version", FT::UInt16, Base::Hex},
    {tls_f::handshake_random, "tls.handshake.random", "Random", FT::Bytes},
    {tls_f::session_id_length, "tls.handshake.session_id_length", "Session ID Length", FT::UInt16, Base::Dec},
    {tls_f::session_id, "tls.handshake.session_id", "Session ID", FT::Bytes},
    {tls_f::cipher_suites_length, "tls.handshake.cipher_suites_length", "Cipher Suites Length", FT::UInt16, Base::Dec},
    {tls_f::ciphersuite, "tls.handshake.ciphersuite", "Cipher Suite", FT::UInt16, Base::Hex},
    {tls_f::extension_type, "tls.handshake.extension.type", "Type", FT::UInt16, Base::Dec},
    {tls_f::extension_len, "tls.handshake.extension.len", "Length", FT::UInt16, Base::Dec},
    {tls_f::server_name, "tls.handshake.extensions_server_name", "Server Name", FT::String},
    {tls_f::supported_version, "tls.handshake.extensions.supported_version", "Supported Version", FT::UInt16, Base::Hex},
    {tls_f::ja3_full, "tls.handshake.ja3_full", "JA3 Fullstring", FT::String},
    {tls_f::ja3, "tls.handshake.ja3", "JA3", FT::String},
    {tls_f::ja3s_full, "tls.handshake.ja3s_full", "JA3S Fullstring", FT::String},
    {tls_f::ja3s, "tls.handshake.ja3s", "JA3S", FT::String},
};

std::span<const FieldDef> tls_field_table() { return kTls; }

}  // namespace mqsniff::tls
