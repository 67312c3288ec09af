// Helpers shared by the -z statistics (stats.cpp, mqtt_stats.cpp).
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"

namespace mqsniff::out {

std::string addr_text(const core::Address& a);
double secs(core::Timestamp t);
int64_t usecs(core::Timestamp t);
// Wireshark's format_size(..., FORMAT_SIZE_UNIT_BYTES): "530 bytes", "100 kB".
std::string format_size(uint64_t n);
void appendf(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
const core::FieldNode* first_node(const core::FieldTree& t, core::FieldId id);

// Which side of an MQTT connection is the client, before a CONNECT or SYN
// says so: the side not on a well-known broker port (1883, 8883, the
// WebSocket and HTTPS ports), else the higher port.
bool source_is_client(uint16_t sport, uint16_t dport);

// One end of a connection, compared as an address (no text per packet).
struct Endpoint {
  core::Address addr;
  uint16_t port = 0;
  bool is(const core::Address& a, uint16_t p) const { return port == p && addr.type == a.type && addr.bytes == a.bytes; }
  std::string text() const { return addr_text(addr) + ':' + std::to_string(port); }
};

// An MQTT topic hierarchy: each level ("maison", then "salon"...) with the
// messages and payload bytes of the topics at and below it.
struct TopicLevel {
  std::map<std::string, TopicLevel> kids;
  uint64_t messages = 0, bytes = 0;
  void add(std::string_view topic, uint64_t n, uint64_t payload_bytes);
};

}  // namespace mqsniff::out
