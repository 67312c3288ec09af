// Value names: the text tshark shows beside a field's number ("Connect
// Command (1)"), from the registries (IEEE, IANA, OASIS MQTT). -V, the
// statistics and the display filters ("mqtt.msgtype == \"Publish Message\"")
// all read them here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mqsniff::core {

struct Vs {
  uint64_t v;
  const char* name;
};
template <size_t N>
const char* lookup(const Vs (&t)[N], uint64_t v) {
  for (const auto& e : t)
    if (e.v == v) return e.name;
  return nullptr;
}

// The name tshark shows for a field's value ("Connect Command"); "Unknown"
// for a value a field with a table of names lacks (tshark: "Unknown (7)");
// null for a field without names.
const char* value_name(std::string_view abbrev, uint64_t v);
// ... null also where the table lacks the value (for callers with their own
// words for it).
const char* value_name_known(std::string_view abbrev, uint64_t v);

}  // namespace mqsniff::core
