#pragma once
#include "dissectors/core/packet.h"
#include "dissectors/core/reader.h"

namespace mqsniff {
struct DissectState;
namespace tcp {
void dissect_tcp(core::Reader& r, core::Packet& pkt, DissectState& st);
// The first bytes of a TCP header quoted by an ICMP error: ports and the raw
// sequence number, no conversation state touched; `cut`: the snapshot length
// cut the header before its window (tshark's view of that).
void dissect_tcp_quoted(core::Reader& r, core::Packet& pkt, bool cut = false);
}
}  // namespace mqsniff
