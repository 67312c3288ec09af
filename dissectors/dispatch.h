// Where each protocol above the link layer is found: one table per layer
// that hands over by number (EtherType, IP protocol, UDP port). A protocol is
// a folder under dissectors/ plus one row here. TCP's application protocols
// (MQTT, TLS, WebSocket) have their own table in dissectors/tcp/tcp.cpp,
// since they need framing and reassembly as well as a port.
#pragma once

#include <cstdint>
#include <span>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"

namespace mqsniff {
struct DissectState;
namespace dispatch {

using Dissector = void (*)(core::Reader&, core::Packet&, DissectState&);
struct Entry {
  uint32_t key;  // EtherType, IP protocol number or UDP port
  core::Proto proto;
  Dissector dissect;
};

std::span<const Entry> ethertypes();
std::span<const Entry> ip_protocols();
std::span<const Entry> udp_ports();

// The dissector registered for key, or null (none, or its protocol disabled
// with --disable-protocol).
Dissector find(std::span<const Entry> table, uint32_t key, const DissectState& st);
// The same, its table row (its protocol too).
const Entry* find_entry(std::span<const Entry> table, uint32_t key, const DissectState& st);

}  // namespace dispatch
}  // namespace mqsniff
