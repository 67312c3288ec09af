#include "dissectors/tcp/tcp_fields.h"

#include <span>

namespace mqsniff::tcp {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

// Names, types and bases follow tshark 4.0 (`tshark -G fields`). TCP options
// that Wireshark registers as protocols (tcp.options.mss, ...) are protocols
// here too: `-e tcp.options.mss` prints the option's bytes, as tshark does.
static const FieldDef kTcp[] = {
    {tcp_f::proto, "tcp", "Transmission Control Protocol", FT::Protocol, Base::None, 0, 0, {}, "TCP"},
    {tcp_f::srcport, "tcp.srcport", "Source Port", FT::UInt16, Base::PtTcp},
    {tcp_f::dstport, "tcp.dstport", "Destination Port", FT::UInt16, Base::PtTcp},
    {tcp_f::port, "tcp.port", "Source or Destination Port", FT::UInt16, Base::PtTcp},
    {tcp_f::stream, "tcp.stream", "Stream index", FT::UInt32, Base::Dec},
    {tcp_f::len, "tcp.len", "TCP Segment Len", FT::UInt32, Base::Dec},
    {tcp_f::seq, "tcp.seq", "Sequence Number", FT::UInt32, Base::Dec},
    {tcp_f::seq_raw, "tcp.seq_raw", "Sequence Number (raw)", FT::UInt32, Base::Dec},
    {tcp_f::nxtseq, "tcp.nxtseq", "Next Sequence Number", FT::UInt32, Base::Dec},
    {tcp_f::ack, "tcp.ack", "Acknowledgment Number", FT::UInt32, Base::Dec},
    {tcp_f::ack_raw, "tcp.ack_raw", "Acknowledgment number (raw)", FT::UInt32, Base::Dec},
    {tcp_f::hdr_len, "tcp.hdr_len", "Header Length", FT::UInt8, Base::Dec},
    {tcp_f::flags, "tcp.flags", "Flags", FT::UInt16, Base::Hex, 0x0fff},
    {tcp_f::flags_res, "tcp.flags.res", "Reserved", FT::Boolean, Base::None, 0xe00, 12, "Three reserved bits (must be zero)"},
    {tcp_f::flags_ae, "tcp.flags.ae", "Accurate ECN", FT::Boolean, Base::None, 0x100, 12},
    {tcp_f::flags_cwr, "tcp.flags.cwr", "Congestion Window Reduced", FT::Boolean, Base::None, 0x80, 12},
    {tcp_f::flags_ece, "tcp.flags.ece", "ECN-Echo", FT::Boolean, Base::None, 0x40, 12},
    {tcp_f::flags_urg, "tcp.flags.urg", "Urgent", FT::Boolean, Base::None, 0x20, 12},
    {tcp_f::flags_ack, "tcp.flags.ack", "Acknowledgment", FT::Boolean, Base::None, 0x10, 12},
    {tcp_f::flags_push, "tcp.flags.push", "Push", FT::Boolean, Base::None, 0x08, 12},
    {tcp_f::flags_reset, "tcp.flags.reset", "Reset", FT::Boolean, Base::None, 0x04, 12},
    {tcp_f::flags_syn, "tcp.flags.syn", "Syn", FT::Boolean, Base::None, 0x02, 12},
    {tcp_f::flags_fin, "tcp.flags.fin", "Fin", FT::Boolean, Base::None, 0x01, 12},
    {tcp_f::flags_str, "tcp.flags.str", "TCP Flags", FT::String},
    {tcp_f::window_size_value, "tcp.window_size_value", "Window", FT::UInt16, Base::Dec},
    {tcp_f::window_size, "tcp.window_size", "Calculated window size", FT::UInt32, Base::Dec},
    {tcp_f::window_size_scalefactor, "tcp.window_size_scalefactor", "Window size scaling factor", FT::Int32, Base::Dec},
    {tcp_f::checksum, "tcp.checksum", "Checksum", FT::UInt16, Base::Hex},
    {tcp_f::checksum_status, "tcp.checksum.status", "Checksum Status", FT::UInt8, Base::None},
    {tcp_f::urgent_pointer, "tcp.urgent_pointer", "Urgent Pointer", FT::UInt16, Base::Dec},
    {tcp_f::options, "tcp.options", "TCP Options", FT::Bytes},
    {tcp_f::option_kind, "tcp.option_kind", "Kind", FT::UInt8, Base::Dec, 0, 0, "This TCP option's kind"},
    {tcp_f::option_len, "tcp.option_len", "Length", FT::UInt8, Base::Dec, 0, 0, "Length of this TCP option in bytes (including kind and length fields)"},
    {tcp_f::options_nop, "tcp.options.nop", "TCP Option - No-Operation (NOP)", FT::Protocol, Base::None, 0, 0, {}, "TCP Option - No-Operation (NOP)"},
    {tcp_f::options_eol, "tcp.options.eol", "TCP Option - End of Option List (EOL)", FT::Protocol, Base::None, 0, 0, {}, "TCP Option - End of Option List (EOL)"},
    {tcp_f::options_mss, "tcp.options.mss", "TCP Option - Maximum segment size", FT::Protocol, Base::None, 0, 0, {}, "TCP Option - Maximum segment size"},
    {tcp_f::options_mss_val, "tcp.options.mss_val", "MSS Value", FT::UInt16, Base::Dec},
    {tcp_f::options_wscale, "tcp.options.wscale", "TCP Option - Window scale", FT::Protocol, Base::None, 0, 0, {}, "TCP Option - Window scale"},
    {tcp_f::options_wscale_shift, "tcp.options.wscale.shift", "Shift count", FT::UInt8, Base::Dec},
    {tcp_f::options_wscale_multiplier, "tcp.options.wscale.multiplier", "Multiplier", FT::UInt16, Base::Dec},
    {tcp_f::options_sack_perm, "tcp.options.sack_perm", "TCP Option - SACK permitted", FT::Protocol, Base::None, 0, 0, {}, "TCP Option - SACK permitted"},
    {tcp_f::options_sack, "tcp.options.sack", "TCP Option - SACK", FT::Protocol, Base::None, 0, 0, {}, "TCP Option - SACK"},
    {tcp_f::options_sack_le, "tcp.options.sack_le", "TCP SACK Left Edge", FT::UInt32, Base::Dec},
    {tcp_f::options_sack_re, "tcp.options.sack_re", "TCP SACK Right Edge", FT::UInt32, Base::Dec},
    {tcp_f::options_sack_count, "tcp.options.sack.count", "TCP SACK Count", FT::UInt8, Base::Dec},
    {tcp_f::options_timestamp, "tcp.options.timestamp", "TCP Option - Timestamps", FT::Protocol, Base::None, 0, 0, {}, "TCP Option - Timestamps"},
    {tcp_f::options_timestamp_tsval, "tcp.options.timestamp.tsval", "Timestamp value", FT::UInt32, Base::Dec, 0, 0, "Value of sending machine's timestamp clock"},
    {tcp_f::options_timestamp_tsecr, "tcp.options.timestamp.tsecr", "Timestamp echo reply", FT::UInt32, Base::Dec, 0, 0, "Echoed timestamp from remote machine"},
    {tcp_f::time_relative, "tcp.time_relative", "Time since first frame in this TCP stream", FT::RelativeTime},
    {tcp_f::time_delta, "tcp.time_delta", "Time since previous frame in this TCP stream", FT::RelativeTime},
    {tcp_f::payload, "tcp.payload", "TCP payload", FT::Bytes},
    {tcp_f::option_len_invalid, "tcp.option.len.invalid", "Invalid length for option", FT::None},
    {tcp_f::bogus_hdr_len, "tcp.bogus_header_length", "Bogus TCP Header length", FT::None},
    {tcp_f::segments, "tcp.segments", "Reassembled TCP Segments", FT::None, Base::None, 0, 0, "TCP Segments"},
    {tcp_f::segment, "tcp.segment", "TCP Segment", FT::FrameNum},
    {tcp_f::segment_count, "tcp.segment.count", "Segment count", FT::UInt32, Base::Dec},
    {tcp_f::reassembled_length, "tcp.reassembled.length", "Reassembled TCP length", FT::UInt32, Base::Dec, 0, 0, "The total length of the reassembled payload"},
    {tcp_f::reassembled_data, "tcp.reassembled.data", "Reassembled TCP Data", FT::Bytes, Base::None, 0, 0, "The reassembled payload"},
    {tcp_f::analysis_flags, "tcp.analysis.flags", "TCP Analysis Flags", FT::None, Base::None, 0, 0, "This frame has some of the TCP analysis flags set"},
    {tcp_f::a_retransmission, "tcp.analysis.retransmission", "Retransmission", FT::None, Base::None, 0, 0, "This frame is a suspected TCP retransmission"},
    {tcp_f::a_fast_retransmission, "tcp.analysis.fast_retransmission", "Fast Retransmission", FT::None, Base::None, 0, 0, "This frame is a suspected TCP fast retransmission"},
    {tcp_f::a_spurious_retransmission, "tcp.analysis.spurious_retransmission", "Spurious Retransmission", FT::None, Base::None, 0, 0, "This frame is a suspected TCP spurious retransmission"},
    {tcp_f::a_out_of_order, "tcp.analysis.out_of_order", "Out Of Order", FT::None, Base::None, 0, 0, "This frame is a suspected Out-Of-Order segment"},
    {tcp_f::a_lost_segment, "tcp.analysis.lost_segment", "Previous segment(s) not captured", FT::None, Base::None, 0, 0, "A segment before this frame wasn't captured"},
    {tcp_f::a_ack_lost_segment, "tcp.analysis.ack_lost_segment", "ACKed Lost Packet", FT::None, Base::None, 0, 0, "This frame ACKs a segment we have not seen (lost?)"},
    {tcp_f::a_window_update, "tcp.analysis.window_update", "Window update", FT::None, Base::None, 0, 0, "This frame is a tcp window update"},
    {tcp_f::a_window_full, "tcp.analysis.window_full", "Window full", FT::None, Base::None, 0, 0, "This segment has caused the allowed window to become 100% full"},
    {tcp_f::a_keep_alive, "tcp.analysis.keep_alive", "Keep Alive", FT::None, Base::None, 0, 0, "This is a keep-alive segment"},
    {tcp_f::a_keep_alive_ack, "tcp.analysis.keep_alive_ack", "Keep Alive ACK", FT::None, Base::None, 0, 0, "This is an ACK to a keep-alive segment"},
    {tcp_f::a_zero_window, "tcp.analysis.zero_window", "Zero Window", FT::None, Base::None, 0, 0, "This is a zero-window"},
    {tcp_f::a_duplicate_ack, "tcp.analysis.duplicate_ack", "Duplicate ACK", FT::None, Base::None, 0, 0, "This is a duplicate ACK"},
    {tcp_f::a_duplicate_ack_num, "tcp.analysis.duplicate_ack_num", "Duplicate ACK #", FT::UInt32, Base::Dec, 0, 0, "This is duplicate ACK number #"},
    {tcp_f::a_duplicate_ack_frame, "tcp.analysis.duplicate_ack_frame", "Duplicate to the ACK in frame", FT::FrameNum, Base::None, 0, 0, "This is a duplicate to the ACK in frame #"},
    {tcp_f::segment_overlap, "tcp.segment.overlap", "Segment overlap", FT::Boolean, Base::None, 0, 0, "Segment overlaps with other segments"},
    {tcp_f::segment_overlap_conflict, "tcp.segment.overlap.conflict", "Conflicting data in segment overlap", FT::Boolean, Base::None, 0, 0, "Overlapping segments contained conflicting data"},
    {tcp_f::segment_data, "tcp.segment_data", "TCP segment data", FT::Bytes, Base::None, 0, 0, "A data segment used in reassembly of a lower-level protocol"},
};

std::span<const FieldDef> tcp_field_table() { return kTcp; }

}  // namespace mqsniff::tcp
