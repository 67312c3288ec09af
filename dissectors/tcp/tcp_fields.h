// Field ids of TCP.
#pragma once
#include "dissectors/core/field_registry.h"

namespace mqsniff::tcp {
using core::field_base;
using core::FieldId;
using core::Proto;

namespace tcp_f {
enum : FieldId {
  proto = field_base(Proto::Tcp), srcport, dstport, port, stream, len, seq, seq_raw, nxtseq, ack, ack_raw,
  hdr_len, flags, flags_res, flags_ae, flags_cwr, flags_ece, flags_urg, flags_ack, flags_push, flags_reset,
  flags_syn, flags_fin, flags_str, window_size_value, window_size, window_size_scalefactor, checksum,
  checksum_status, urgent_pointer, options, option_kind, option_len, options_nop, options_eol, options_mss,
  options_mss_val, options_wscale, options_wscale_shift, options_wscale_multiplier, options_sack_perm,
  options_sack, options_sack_le, options_sack_re, options_sack_count, options_timestamp, options_timestamp_tsval,
  options_timestamp_tsecr, time_relative, time_delta, payload, option_len_invalid, bogus_hdr_len,
  segments, segment, segment_count, reassembled_length, reassembled_data, segment_data, reassembled_in,
  analysis_flags, a_retransmission, a_fast_retransmission, a_spurious_retransmission, a_out_of_order,
  a_lost_segment, a_ack_lost_segment, a_window_update, a_window_full, a_keep_alive, a_keep_alive_ack,
  a_zero_window, a_zero_window_probe, a_zero_window_probe_ack, a_reused_ports, a_duplicate_ack, a_duplicate_ack_num, a_duplicate_ack_frame, segment_overlap,
  segment_overlap_conflict, completeness, connection_syn, connection_synack, connection_fin, connection_fin_active,
  connection_fin_passive, connection_rst, analysis, a_acks_frame, a_ack_rtt, a_initial_rtt, a_bytes_in_flight,
  a_push_bytes_sent, pdu_size, a_rto, a_rto_frame, options_sack_dsack_le, options_sack_dsack_re,
  options_sack_dsack,
};
}

}  // namespace mqsniff::tcp
