// Helpers shared by the -z statistics (stats.cpp, mqtt_stats.cpp).
#pragma once
#include <cstdint>
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

}  // namespace mqsniff::out
