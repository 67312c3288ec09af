// Manufacturer names of MAC address prefixes (OUIs), for eth.*.oui_resolved.
// Read once, on first use, from Wireshark's own table when it is installed
// (/usr/share/wireshark/manuf: the names tshark prints), else from the IEEE
// registry Debian ships in ieee-data (/usr/share/ieee-data/oui.txt);
// MQSNIFF_OUI_FILE names another file in either format. Without any, no names.
#pragma once
#include <cstdint>
#include <string_view>

namespace mqsniff::core {

// The name of the 24-bit OUI (the first three bytes of a MAC address), or empty.
std::string_view oui_name(uint32_t oui);

}  // namespace mqsniff::core
