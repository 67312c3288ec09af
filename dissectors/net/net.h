#pragma once
#include "dissectors/core/packet.h"
#include "dissectors/core/reader.h"

namespace mqsniff {
struct DissectState;
namespace net {
void dissect_ipv4(core::Reader& r, core::Packet& pkt, DissectState& st);
void dissect_ipv6(core::Reader& r, core::Packet& pkt, DissectState& st);
void dissect_udp(core::Reader& r, core::Packet& pkt, DissectState& st);
// IP payload dispatch by protocol number (TCP, UDP, else data).
void dissect_ip_payload(uint8_t proto, core::Reader& r, core::Packet& pkt, DissectState& st);
}  // namespace net
}  // namespace mqsniff
