// GTP-U, 3GPP TS 29.281 (UDP 2152): a cellular device's IP packets between
// base station and core. The inner packet is dissected as any other; the
// Protocol column reads "GTP <MQTT>", "GTP <TLSv1.2>" as tshark's does.
#pragma once
#include <span>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"

namespace mqsniff {
struct DissectState;
namespace gtp {
namespace gtp_f {
enum : core::FieldId {
  proto = core::field_base(core::Proto::Gtp), flags, flags_version, flags_payload, flags_reserved, flags_e, flags_s,
  flags_pn, message, length, teid, seq_number, npdu_number, next, ext_hdr_length,
};
}
void dissect_gtpu(core::Reader& r, core::Packet& pkt, DissectState& st);
std::span<const core::FieldDef> gtp_field_table();
}  // namespace gtp
}  // namespace mqsniff
