// Field ids of IPv4, IPv6 and UDP.
#pragma once
#include "dissectors/core/field_registry.h"

namespace mqsniff::net {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace ip_f {
enum : FieldId {
  proto = field_base(Proto::Ip), version, hdr_len, dsfield, dsfield_dscp, dsfield_ecn, len, id, flags, flags_rb,
  flags_df, flags_mf, frag_offset, ttl, proto_, checksum, checksum_status, src, dst, addr, opt_type, options,
  bogus_ip_length, fragment, fragment_count, reassembled_length, src_host, dst_host, host, ttl_lncb, ttl_too_small, fragments,
  reassembled_data, reassembled_in,
};
}
namespace ipv6_f {
enum : FieldId {
  proto = field_base(Proto::Ipv6), version, tclass, tclass_dscp, tclass_ecn, flow, plen, nxt, hlim, src, dst, addr,
  hopopts, hopopts_nxt, hopopts_len, routing, routing_nxt, routing_len, routing_type, routing_segleft,
  fraghdr, fraghdr_nxt, fraghdr_offset, fraghdr_more, fraghdr_ident, dstopts, dstopts_nxt, dstopts_len,
  bogus_version, src_host, dst_host, host, fragments, fragment, fragment_count, reassembled_length, reassembled_data,
  fraghdr_reserved_octet, fraghdr_reserved_bits, hopopts_len_oct, dstopts_len_oct, opt, opt_type, opt_type_action,
  opt_type_change, opt_type_rest, opt_length, opt_padn, opt_router_alert, reassembled_in,
  routing_len_oct, routing_unknown_data, routing_src_reserved, routing_src_addr, routing_mipv6_reserved,
  routing_mipv6_home_address, routing_rpl_cmpri, routing_rpl_cmpre, routing_rpl_pad, routing_rpl_reserved,
  routing_rpl_addr_count, routing_rpl_address, routing_rpl_full_address, routing_srh_last_entry,
  routing_srh_flags, routing_srh_tag, routing_srh_addr, routing_undecoded, routing_deprecated,
  routing_crh16_current_sid, routing_crh32_current_sid, routing_crh16_sid, routing_crh32_sid, routing_invalid_length,
  routing_invalid_segleft,
};
}
namespace udp_f {
enum : FieldId {
  proto = field_base(Proto::Udp), srcport, dstport, port, length, checksum, checksum_status, stream, payload,
  length_bad, time_relative, time_delta,
};
}

}  // namespace mqsniff::net
