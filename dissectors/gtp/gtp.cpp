// GTP-U, 3GPP TS 29.281 §5.1:
//   flags[1] (version[3] PT[1] spare[1] E[1] S[1] PN[1]) message type[1]
//   length[2] (what follows the first 8 bytes) TEID[4]
//   if E, S or PN: sequence[2] N-PDU[1] next extension type[1], then the
//   extension headers (length[1] in 4-byte units ... next type[1]).
// A T-PDU (type 255) carries an IPv4 or IPv6 packet.
#include "dissectors/gtp/gtp.h"

#include <string>

#include "dissectors/dissect.h"
#include "dissectors/link/link.h"
#include "dissectors/net/net.h"

namespace mqsniff::gtp {
using core::Base;
using core::FieldDef;
using FT = core::FieldType;

static const FieldDef kGtp[] = {
    {gtp_f::proto, "gtp", "GPRS Tunneling Protocol", FT::Protocol, Base::None, 0, 0, {}, "GTP"},
    {gtp_f::flags, "gtp.flags", "Flags", FT::UInt8, Base::Hex},
    {gtp_f::flags_version, "gtp.flags.version", "Version", FT::UInt8, Base::Dec, 0xe0},
    {gtp_f::flags_payload, "gtp.flags.payload", "Protocol type", FT::UInt8, Base::Dec, 0x10},
    {gtp_f::flags_reserved, "gtp.flags.reserved", "Reserved", FT::UInt8, Base::Dec, 0x08},
    {gtp_f::flags_e, "gtp.flags.e", "Is Next Extension Header present?", FT::Boolean, Base::None, 0x04, 8},
    {gtp_f::flags_s, "gtp.flags.s", "Is Sequence Number present?", FT::Boolean, Base::None, 0x02, 8},
    {gtp_f::flags_pn, "gtp.flags.pn", "Is N-PDU number present?", FT::Boolean, Base::None, 0x01, 8},
    {gtp_f::message, "gtp.message", "Message Type", FT::UInt8, Base::Hex},
    {gtp_f::length, "gtp.length", "Length", FT::UInt16, Base::Dec},
    {gtp_f::teid, "gtp.teid", "TEID", FT::UInt32, Base::HexDec},
    {gtp_f::seq_number, "gtp.seq_number", "Sequence number", FT::UInt16, Base::HexDec},
    {gtp_f::npdu_number, "gtp.npdu_number", "N-PDU Number", FT::UInt8, Base::Hex},
    {gtp_f::next, "gtp.ext_hdr.next", "Next extension header type", FT::UInt8, Base::Hex},
    {gtp_f::ext_hdr_length, "gtp.ext_hdr.length", "Extension Header Length", FT::UInt8, Base::Dec},
};
std::span<const FieldDef> gtp_field_table() { return kGtp; }

namespace {
const char* message_name(uint8_t m) {
  switch (m) {
    case 1: return "Echo Request";
    case 2: return "Echo Response";
    case 26: return "Error Indication";
    case 31: return "Supported Extension Headers Notification";
    case 253: return "Tunnel Status";
    case 254: return "End Marker";
    case 255: return "T-PDU";
    default: return nullptr;
  }
}
// The flags byte and its bits (tshark's subtree).
void add_flags(core::FieldTree& t, uint8_t flags, uint32_t off) {
  core::Subtree sub(t, t.add_uint(gtp_f::flags, flags, off, 1));
  t.add_uint(gtp_f::flags_version, flags >> 5, off, 1);
  t.add_uint(gtp_f::flags_payload, (flags >> 4) & 1, off, 1);
  t.add_uint(gtp_f::flags_reserved, (flags >> 3) & 1, off, 1);
  t.add_bool(gtp_f::flags_e, flags & 4, off, 1);
  t.add_bool(gtp_f::flags_s, flags & 2, off, 1);
  t.add_bool(gtp_f::flags_pn, flags & 1, off, 1);
}

}  // namespace

void dissect_gtpu(core::Reader& r, core::Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  const size_t have = r.captured_remaining();
  if (have < 2 && r.remaining() >= 2) {
    // The capture kept less than the flags and message type: tshark's GTP
    // declines it and UDP's heuristics meet the cut (WireGuard's first).
    if (have > 0) {
      pkt.layer("wg");
      pkt.mark_truncated("WireGuard");
    } else {
      pkt.mark_truncated("UDP");
    }
    return;
  }
  pkt.layer("gtp");
  pkt.set_protocol("GTP");
  int32_t p = t.open(gtp_f::proto, off, 8);
  uint8_t flags = r.u8();
  uint8_t type = r.u8();
  uint16_t len = r.be16();
  uint32_t teid = r.be32();
  if (!r.ok()) {
    // The header cut by the snapshot length: its fields as far as they go.
    if (have >= 2 && r.error() == core::ReadError::Truncated) {
      add_flags(t, flags, off);
      t.add_uint(gtp_f::message, type, off + 1, 1);
      if (have >= 4) t.add_uint(gtp_f::length, len, off + 2, 2);
      const char* mn = message_name(type);
      if (pkt.cols) pkt.cols->info = mn ? mn : "Unknown";
    }
    pkt.check(r, "GTP");
    t.close();
    return;
  }
  add_flags(t, flags, off);
  t.add_uint(gtp_f::message, type, off + 1, 1);
  t.add_uint(gtp_f::length, len, off + 2, 2);
  t.add_uint(gtp_f::teid, teid, off + 4, 4);
  const char* mn = message_name(type);
  if (pkt.cols) pkt.cols->info = mn ? mn : "Unknown";
  if ((flags >> 5) != 1) {  // GTP' and GTPv2 are other protocols: shown as data
    t.close();
    link::dissect_data(r, pkt);
    return;
  }
  core::Reader body = r.sub(len <= r.remaining() ? len : r.remaining());
  uint32_t hdr = 8;
  if (flags & 7) {
    uint16_t seq = body.be16();
    uint8_t npdu = body.u8();
    uint8_t next = body.u8();
    if (pkt.check(body, "GTP")) {
      t.close();
      return;
    }
    t.add_uint(gtp_f::seq_number, seq, off + 8, 2);
    t.add_uint(gtp_f::npdu_number, npdu, off + 10, 1);
    t.add_uint(gtp_f::next, next, off + 11, 1);
    hdr = 12;
    // Extension headers: a bounded walk (each is at least 4 bytes).
    while ((flags & 4) && next != 0) {
      uint8_t units = body.u8();
      if (!body.ok() || units == 0) {
        pkt.mark_malformed("GTP");
        t.close();
        return;
      }
      t.add_uint(gtp_f::ext_hdr_length, units, off + hdr, 1);
      body.skip(size_t(units) * 4 - 2);
      next = body.u8();
      if (pkt.check(body, "GTP")) {
        t.close();
        return;
      }
      hdr += uint32_t(units) * 4;
    }
  }
  t.set_length(p, hdr);
  t.close();
  if (type != 255 || !body.remaining()) {
    if (body.remaining()) link::dissect_data(body, pkt);
    return;
  }
  core::Bytes first = body.rest_captured();
  if (first.empty()) {  // (the capture kept nothing of the packet it carries)
    pkt.mark_truncated("GTP");
    return;
  }
  const uint8_t version = first[0] >> 4;
  if (version == 4) net::dissect_ipv4(body, pkt, st);
  else if (version == 6) net::dissect_ipv6(body, pkt, st);
  else link::dissect_data(body, pkt);
  // (A packet cut by the snapshot length inside the inner layers keeps the
  // inner protocol's name alone: tshark's exception unwinds past GTP's
  // column code.)
  if (pkt.cols && (version == 4 || version == 6) && !pkt.truncated) {
    std::string col = "GTP <";
    col += pkt.cols->protocol;
    col += '>';
    pkt.cols->protocol = pkt.tree.arena().copy(col);
  }
}

}  // namespace mqsniff::gtp
