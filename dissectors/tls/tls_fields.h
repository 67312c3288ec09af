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
  comp_methods_length, comp_method, extensions_length, server_name_len, supported_groups_length, supported_group,
  ec_point_formats_length, ec_point_format, alpn_len, alpn_str_len, alpn_str, sig_hash_alg_len, sig_hash_alg,
  sig_hash_hash, sig_hash_sig, key_share_group, supported_versions_len, reneg_info_len, certificates_length,
  certificates, certificate_length, certificate, cert_types_count, cert_types, cert_type, dnames_len, dnames,
  dname_len, dname, server_curve_type, server_named_curve, server_point_len, server_point, client_point_len,
  client_point, epms_len, epms, sig_len, sig, session_ticket_lifetime_hint, session_ticket_length, session_ticket,
  ja4, ja4_r, cert_vrfy_sig_len, cert_vrfy_sig,
  app_data_proto, verify_data, session_ticket_age_add, session_ticket_nonce_length, session_ticket_nonce,
  cert_request_context_length, cert_request_context, key_update_request, resumed, key_share_selected_group,
  segment_data, segments, segment, segment_count, reassembled_length, reassembled_data,
  // The hello messages' tree as tshark 4.0 shows it.
  random_time, random_bytes, ciphersuites, comp_methods, extension_data, server_name_list_len, server_name_type,
  ec_point_formats, supported_groups, sig_hash_algs, alpn_list, psk_ke_modes_length, psk_ke_mode,
  key_share_client_length, key_share_key_exchange_length, key_share_key_exchange, psk_identities_length,
  psk_identity_length, psk_identity, psk_obfuscated_age, psk_binders_len, psk_binders, psk_selected, cookie_len,
  cookie, padding_data, reneg_info, max_early_data_size, record_size_limit, max_fragment_length,
  // mqsniff's own (README "Fields tshark 4.0 does not have")
  dname_str, inferred_alert, decrypted, decrypt_failed, decrypt_missing,
  // SSL 2.0-format ClientHello
  cipher_spec_len, challenge_length, cipherspec, challenge,
  ignored_unknown_record, record_continues,
  handshake_fragments, handshake_fragment, handshake_fragment_count, handshake_reassembled_in, reassembled_in,
  record_length_invalid, heartbeat_message, heartbeat_type, heartbeat_payload_length, heartbeat_payload,
  heartbeat_padding, heartbeat_payload_length_invalid, malformed_vector_length, malformed_trailing_data, malformed_buffer_too_small,
  status_request_type, status_request_responder_ids_len, status_request_exts_len,
  // finite-field Diffie-Hellman key exchange (DHE_*, DH_anon_* suites)
  dh_p_len, dh_p, dh_g_len, dh_g, dh_ys_len, dh_ys, dh_yc_len, dh_yc,
};
}

// X.509 certificates (x509af/x509sat/x509ce as tshark names them, and
// mqsniff's readable per-certificate tls.cert.* fields).
namespace x509_f {
enum : FieldId {
  af_proto = field_base(Proto::X509), sat_proto, ce_proto, version, serial_number, algorithm_id, utc_time,
  subject_public_key, extension_id, ca, dns_name, ski, key_identifier, country_name,
  printable_string, utf8_string, ia5_string, teletex_string,
  // The certificate's tree as tshark's BER walk shows it.
  signed_certificate, signature_element, issuer, subject, if_rdn_sequence, af_rdn_sequence, rdn_item, rdn_attr,
  if_oid, directory_string, validity, not_before, not_after, generalized_time, spki, algorithm_element, modulus,
  public_exponent, extensions, extension_element, critical, aki, basic_constraints, path_len, general_names,
  general_name, ip_address, rfc822_name, key_usage, key_purpose_ids, key_purpose_id, algorithm_identifier, padding,
  encrypted, bmp_string, universal_string, ec_named_curve, ec_parameters, ip_address_v4, ip_address_v6,
  // own
  cert_subject, cert_issuer, cert_serial, cert_not_before, cert_not_after, cert_pubkey, cert_pubkey_bits, cert_sig_alg,
  cert_san, cert_self_signed, cert_is_ca, cert_expired,
};
}

}  // namespace mqsniff::tls
