#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "dissectors/core/packet.h"
#include "dissectors/core/reader.h"
#include "dissectors/mqtt/mqtt_analysis.h"
#include "dissectors/tcp/reassembler.h"

namespace mqsniff::mqtt {

// Per-conversation MQTT state: the protocol level announced by CONNECT
// (3 = 3.1, 4 = 3.1.1, 5 = 5.0; 0 = not seen), which decides how later
// packets in both directions are parsed.
struct MqttSession {
  uint8_t version = 0;      // 0: no CONNECT seen yet
  bool inferred = false;    // version came from inference or the default preference
  uint8_t dir = 0;          // direction of the packet being dissected (set by TCP)
  uint8_t default_version = 0;  // -o mqtt.default_version (0: none)
  // Topic aliases (5.0 §3.3.2.3.4), one map per direction, allocated on first use.
  // Bounded: at most kMaxAliases per direction.
  struct Aliases {
    std::map<uint16_t, std::string> dir[2];
    size_t bytes[2] = {0, 0};  // topic bytes held per direction
  };
  std::unique_ptr<Aliases> aliases;
  static constexpr size_t kMaxAliases = 1024;
  static constexpr size_t kMaxAliasBytes = 64 * 1024;  // topic bytes per direction
  static constexpr size_t kAliasNodeBytes = 80;        // a map node with its string, roughly
  uint64_t not_kept = 0;  // aliases, subscriptions or sessions not kept by these limits (counted once read)
  // QoS flow analysis (mqtt.analysis.*), when a filter, field, output or -z
  // statistic asks for it (set by TCP); allocated on the first QoS > 0 packet.
  bool analyze = false;
  bool msg_as_text = false;  // -o mqtt.show_msg_as_text:TRUE: the PUBLISH payload shown as text
  QosForward* forward = nullptr;  // -2 (set by TCP)
  SessionStore* sessions = nullptr;  // sessions across connections (set by TCP), or null
  int8_t client_dir = -1;            // the CONNECT's direction (-1: not seen)
  KeepaliveTrack keepalive;          // this connection's Keep Alive timing
  std::shared_ptr<MqttAnalysis> analysis;  // this connection's, or its client's stored session
  // The analysis's index of the direction of the packet being dissected:
  // 0 from the client, 1 from the broker (the TCP direction before a CONNECT).
  unsigned role() const { return client_dir < 0 ? dir & 1u : (dir & 1u) == static_cast<unsigned>(client_dir) ? 0u : 1u; }
  // Heap bytes of this connection's state (its own analysis; a stored
  // session's is counted by the SessionStore).
  size_t heap_bytes() const;
  MqttAnalysis& analysis_state() {
    if (!analysis) analysis = std::make_shared<MqttAnalysis>();
    analysis->forward = forward;
    return *analysis;
  }
};

// Dissects the MQTT control packets of one TCP segment's payload. Complete
// packets are dissected (several per segment give several occurrences of each
// field); bytes of a packet that continues in another segment are left as data
// until TCP reassembly hands whole packets over.
// Returns how far the last PDU runs past the segment's end when the snapshot
// length cut the segment and that PDU's length was captured (0 otherwise):
// tshark's PDU tracking then takes the next bytes of the stream for its rest.
// `room`: where the segment's bytes end for a read (SIZE_MAX: the reader's
// declared length); a read past it is "unreassembled", not cut (an ICMP
// error's quote ends there while its PDU runs on).
size_t dissect_segment(core::Reader& payload, core::Packet& pkt, MqttSession& session, size_t room = SIZE_MAX);

// The framer in the reassembler's terms (length of the PDU at the start).
tcp::PduLen frame_length(std::span<const uint8_t> b);
// The control packet type's name as tshark shows it ("Connect Command").
const char* msgtype_name(uint8_t type);
using tcp::PduLen;
// Could an MQTT control packet start here? Type 1..15 with the fixed-header
// flags the specification requires for that type (§2.2.2), and a Remaining
// Length of at most 4 bytes. Used to resynchronise after a gap.
bool plausible_start(std::span<const uint8_t> b);
// Heuristic: do these first bytes of a TCP stream carry an MQTT CONNECT
// ("MQTT" level 4/5 or "MQIsdp" level 3)? Lets mqsniff find MQTT on any port.
bool looks_like_connect(std::span<const uint8_t> b);

// Dissects one whole MQTT control packet (as cut by the framer, possibly
// reassembled from several segments). `base` is its offset in the frame (0
// for reassembled data); `first` says it is the frame's first MQTT packet.
void dissect_pdu(core::Bytes pdu, uint32_t base, core::Packet& pkt, MqttSession& session, bool first);

}  // namespace mqsniff::mqtt
