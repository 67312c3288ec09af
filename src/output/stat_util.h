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

// An MQTT topic hierarchy: each level ("maison", then "salon"...) with the
// messages and payload bytes of the topics at and below it.
struct TopicLevel {
  std::map<std::string, TopicLevel> kids;
  uint64_t messages = 0, bytes = 0;
  void add(std::string_view topic, uint64_t n, uint64_t payload_bytes);
};

}  // namespace mqsniff::out
