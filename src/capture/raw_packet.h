// A packet as a source reads it, and the pcapng interface it came on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/core/packet.h"

namespace mqsniff::capture {

// A pcapng Interface Description Block, as frame.interface_* shows it.
struct Interface {
  int linktype = 0;        // as libpcap names it (DLT_): LINKTYPE_RAW is DLT_RAW
  uint32_t id = 0;         // index within its section (frame.interface_id)
  uint32_t section = 0;    // 0-based (frame.section_number - 1)
  uint32_t snaplen = 0;    // 0: none given
  int digits = 6;          // fractional digits tshark shows its times with: its if_tsresol's precision (0-3, 6 or 9)
  std::string name;        // if_name
  std::string description; // if_description
};

struct RawPacket {
  core::Timestamp ts;
  uint32_t len = 0;
  uint32_t caplen = 0;
  const uint8_t* data = nullptr;
  const std::vector<std::string>* comments = nullptr;  // pcapng opt_comment values, if any (valid until the next read)
  const Interface* iface = nullptr;  // pcapng: the packet's interface (valid while the source lives)
};

enum class ReadStatus { Packet, End, CutShort, Error, Timeout };

// The frame names the interface its packet came on (frame.interface_*, its link type).
inline void set_interface(core::FrameData& f, const Interface& i) {
  f.linktype = i.linktype;
  f.interface_id = static_cast<int>(i.id);
  f.section = i.section;
  f.interface_name = i.name.empty() ? std::string_view("unknown") : std::string_view(i.name);  // tshark's word
  f.interface_description = i.description;
}

}  // namespace mqsniff::capture
