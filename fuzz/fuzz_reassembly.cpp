// libFuzzer target: a stream of reassembly operations decoded from the input
// (segment seq offset, length, duplicate/ack-beyond flags) fed to a DirStream
// with small caps; checks the accounting invariants on the way.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/tcp/reassembler.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  tcp::ReassemblyStats stats;
  tcp::ReassemblyLimits limits;
  limits.max_dir_bytes = 4096;
  limits.max_total_bytes = 8192;
  limits.max_ooo_segments = 16;
  {
    tcp::DirStream ds(&stats, &limits);
    size_t pos = 0;
    uint32_t frame = 0;
    while (pos + 4 <= size) {
      uint32_t seq = uint32_t(data[pos]) << 8 | data[pos + 1];  // small seq space: overlaps are frequent
      size_t len = data[pos + 2];
      bool acked = data[pos + 3] & 1;
      pos += 4;
      if (len > size - pos) len = size - pos;
      std::vector<uint8_t> seg(data + pos, data + pos + len);  // exact size for ASan
      pos += len;
      ds.feed(seq, seg, ++frame, &mqtt::frame_length, &mqtt::plausible_start, acked,
              [&](std::span<const uint8_t> p, const std::vector<uint32_t>*, uint32_t, std::vector<uint8_t>*) {
                volatile uint8_t sink = 0;
                for (uint8_t b : p) sink = static_cast<uint8_t>(sink ^ b);  // touch every byte
              });
      if (ds.buffered() > limits.max_dir_bytes || stats.buffered > limits.max_total_bytes) abort();
    }
  }
  if (stats.buffered != 0) abort();  // everything released when the stream goes away
  return 0;
}
