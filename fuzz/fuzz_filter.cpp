// libFuzzer target: arbitrary text compiled as a display filter, and when it
// compiles, evaluated on a small real packet tree.
#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/core/packet.h"
#include "fuzz/fuzz_common.h"
#include "dissectors/dissect.h"
#include "filters/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  static DissectState st(16);
  static core::FieldTree tree(fuzz::want_all());
  static bool ready = false;
  static std::vector<uint8_t> frame = {
      0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00,                                      // Ethernet
      0x45, 0, 0, 53, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,               // IPv4
      0xc3, 0x50, 0x07, 0x5b, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0x02, 0x00, 0, 0, 0, 0,  // TCP
      0x30, 0x0b, 0x00, 0x05, 'w', 'o', 'r', 'l', 'd', 'h', 'e', 'l', 'l'};              // MQTT PUBLISH
  if (!ready) {
    core::Packet pkt(tree);
    pkt.frame.number = 1;
    pkt.frame.caplen = pkt.frame.len = static_cast<uint32_t>(frame.size());
    pkt.frame.linktype = core::kLinkEthernet;
    pkt.frame.data = frame.data();
    dissect_frame(pkt, st);
    ready = true;
  }
  std::string text(reinterpret_cast<const char*>(data), size);
  filter::Filter f;
  filter::FilterError err;
  if (f.compile(text, err)) {
    (void)f.matches(tree);
  } else {
    (void)filter::render_error(text, err);
  }
  return 0;
}
