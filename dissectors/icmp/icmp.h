// ICMP (RFC 792) and ICMPv6 (RFC 4443, neighbour discovery RFC 4861): echo
// requests and replies paired as tshark pairs them, the errors with the
// datagram they quote dissected inside, neighbour and router discovery.
#pragma once
#include <span>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"

namespace mqsniff {
struct DissectState;
namespace icmp {
namespace icmp_f {
enum : core::FieldId {
  proto = core::field_base(core::Proto::Icmp), type, code, checksum, checksum_status, ident, ident_le, seq, seq_le,
  resp_to, resptime, data_time, data_time_relative, unused, mtu, redir_gw, pointer, resp_in, no_resp, resp_not_found,
};
}
namespace icmpv6_f {
enum : core::FieldId {
  proto = core::field_base(core::Proto::Icmpv6), type, code, checksum, checksum_status, reserved, mtu, pointer,
  echo_identifier, echo_sequence_number, resp_to, resptime, resp_in, no_resp, resp_not_found, ns_target_address, na_flag, na_flag_r, na_flag_s,
  na_flag_o, na_flag_rsv, na_target_address, rd_target_address, rd_destination_address, ra_cur_hop_limit, ra_flag,
  ra_router_lifetime, ra_reachable_time, ra_retrans_timer, opt, opt_type, opt_length, opt_linkaddr,
  opt_src_linkaddr, opt_target_linkaddr, opt_prefix_length, opt_prefix_valid_lifetime,
  opt_prefix_preferred_lifetime, opt_prefix, opt_mtu, opt_nonce, mldr_nb_mcast_records, mldr_mar, mldr_mar_record_type,
  mldr_mar_aux_data_len, mldr_mar_nb_sources, mldr_mar_multicast_address, mldr_mar_source_address,
  mldr_mar_auxiliary_data,
};
}
void dissect_icmp(core::Reader& r, core::Packet& pkt, DissectState& st);
void dissect_icmpv6(core::Reader& r, core::Packet& pkt, DissectState& st);
std::span<const core::FieldDef> icmp_field_table();
std::span<const core::FieldDef> icmpv6_field_table();
}  // namespace icmp
}  // namespace mqsniff
