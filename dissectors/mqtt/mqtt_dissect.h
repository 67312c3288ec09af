#pragma once
#include <cstdint>

#include "dissectors/core/packet.h"
#include "dissectors/core/reader.h"

namespace mqsniff::mqtt {

// Per-conversation MQTT state: the protocol level announced by CONNECT
// (3 = 3.1, 4 = 3.1.1, 5 = 5.0; 0 = not seen), which decides how later
// packets in both directions are parsed.
struct MqttSession {
  uint8_t version = 0;
};

// Dissects the MQTT control packets of one TCP segment's payload. Complete
// packets are dissected (several per segment give several occurrences of each
// field); bytes of a packet that continues in another segment are left as data
// until TCP reassembly hands whole packets over.
void dissect_segment(core::Reader& payload, core::Packet& pkt, MqttSession& session);

}  // namespace mqsniff::mqtt
