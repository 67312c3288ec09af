// libFuzzer target: the input is a capture file, read through PcapSource
// (libpcap plus our header peeking) and every packet dissected.
#include <cstdint>

#include "fuzz/fuzz_capture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mqsniff::fuzz::dissect_capture(data, size, [](mqsniff::DissectState&) {});
  return 0;
}
