// DNS over UDP (RFC 1035, EDNS RFC 6891): what a device asks before it
// connects to its broker, and what it is told.
#pragma once
#include <span>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"
#include "dissectors/tcp/reassembler.h"

namespace mqsniff {
struct DissectState;
namespace dns {
namespace dns_f {
enum : core::FieldId {
  proto = core::field_base(core::Proto::Dns), id, flags, flags_response, flags_opcode, flags_authoritative,
  flags_truncated, flags_recdesired, flags_recavail, flags_z, flags_authenticated, flags_checkdisable, flags_rcode,
  count_queries, count_answers, count_auth_rr, count_add_rr, qry_name, qry_name_len, count_labels, qry_type,
  qry_class, resp_name, resp_type, resp_class, resp_ttl, resp_len, a, aaaa, cname, ptr_domain_name, ns,
  mx_preference, mx_mail_exchange, txt_length, txt, srv_priority, srv_weight, srv_port, srv_target, soa_mname,
  soa_rname, soa_serial_number, soa_refresh_interval, soa_retry_interval, soa_expire_limit, soa_minimum_ttl,
  rr_udp_payload_size, resp_ext_rcode, resp_edns0_version, resp_z, resp_z_do, resp_z_reserved, response_to, time,
  mdns_proto, qry_qu, resp_cache_flush, srv_service, srv_proto, srv_name, retransmit_request,
  retransmit_response, retransmit_request_in, retransmit_response_in, retransmission, unsolicited, length, opt, response_in,
  opt_code, opt_len, opt_data, opt_cookie_client, opt_cookie_server, opt_padding,
  llmnr_proto, flags_conflict, flags_tentative,
};
}
void dissect_dns(core::Reader& r, core::Packet& pkt, DissectState& st);
// Multicast DNS (RFC 6762, UDP 5353): the same messages, the class's top bit
// asking for a unicast answer (questions) or flushing caches (records).
void dissect_mdns(core::Reader& r, core::Packet& pkt, DissectState& st);
// Link-local Multicast Name Resolution (RFC 4795, UDP 5355): DNS messages
// whose header flags carry Conflict and Tentative instead of AA and RD.
void dissect_llmnr(core::Reader& r, core::Packet& pkt, DissectState& st);
// DNS over TCP (RFC 1035 §4.2.2, port 53): each message after a 2-byte
// length (dns.length), framed by TCP reassembly.
tcp::PduLen tcp_pdu_length(std::span<const uint8_t> b);
bool tcp_plausible(std::span<const uint8_t> b);
void dissect_tcp_message(core::Bytes pdu, uint32_t base, core::Packet& pkt, DissectState& st);
// A segment the snapshot length cut that starts a DNS-over-TCP message (it
// cannot be reassembled): the message as far as it was captured.
void dissect_tcp_cut(core::Reader& r, uint32_t base, core::Packet& pkt, DissectState& st);
std::span<const core::FieldDef> dns_field_table();
}  // namespace dns
}  // namespace mqsniff
