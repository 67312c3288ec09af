// libFuzzer target: one frame through link -> IP -> TCP/UDP dissection, with
// every field wanted and columns built. The first input byte picks the link
// type; flow state persists across inputs so TCP state paths are exercised.
#include <cstdint>
#include <cstring>
#include <vector>

#include "dissectors/core/packet.h"
#include "fuzz/fuzz_common.h"
#include "dissectors/dissect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  static const int kLinks[] = {core::kLinkEthernet, core::kLinkSll,  core::kLinkSll2, core::kLinkNull,
                               core::kLinkLoop,     core::kLinkRawDlt, core::kLinkIpv4, core::kLinkIpv6};
  static DissectState st(1024);
  st.mqtt_analysis = true;  // the QoS flow analysis runs too
  static core::FieldTree tree(fuzz::want_all());
  static core::Columns cols;
  static uint64_t number = 0;
  if (size < 1) return 0;
  // Exact-size copy of the frame so any over-read is caught by ASan.
  std::vector<uint8_t> frame(data + 1, data + size);
  tree.reset();
  cols.reset();
  core::Packet pkt(tree);
  pkt.cols = &cols;
  pkt.frame.number = ++number;
  pkt.frame.ts = core::Timestamp{static_cast<int64_t>(number), 0};
  pkt.frame.caplen = static_cast<uint32_t>(frame.size());
  // Sometimes claim a longer wire length, as a snaplen cut would.
  pkt.frame.len = pkt.frame.caplen + ((data[0] & 0x80) ? 100 : 0);
  pkt.frame.linktype = kLinks[data[0] % (sizeof kLinks / sizeof kLinks[0])];
  pkt.frame.data = frame.empty() ? nullptr : frame.data();
  dissect_frame(pkt, st);
  return 0;
}
