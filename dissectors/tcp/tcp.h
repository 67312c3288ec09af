#pragma once
#include "dissectors/core/packet.h"
#include "dissectors/core/reader.h"

namespace mqsniff {
struct DissectState;
namespace tcp {
void dissect_tcp(core::Reader& r, core::Packet& pkt, DissectState& st);
}
}  // namespace mqsniff
