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

// The name tshark shows for a field's value ("Connect Command"), or null.
const char* value_name(std::string_view abbrev, uint64_t v);

}  // namespace mqsniff::core
