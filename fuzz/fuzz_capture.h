// Shared by the fuzz targets whose input is a whole capture file
// (fuzz_pcap_reader, fuzz_decrypt): the bytes as a file (memfd), read through
// PcapSource and every packet dissected with every field wanted. `setup`
// prepares each input's fresh DissectState (decryption keys...).
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "dissectors/core/packet.h"
#include "dissectors/dissect.h"
#include "fuzz/fuzz_common.h"
#include "src/capture/pcap_source.h"

namespace mqsniff::fuzz {

template <typename Setup>
void dissect_capture(const uint8_t* data, size_t size, Setup setup) {
  int fd = memfd_create("fuzz_capture", 0);
  if (fd < 0) return;
  size_t off = 0;
  while (off < size) {
    ssize_t n = write(fd, data + off, size - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    auto src = capture::PcapSource::open_file(path);
    DissectState st(256);
    st.mqtt_analysis = true;
    setup(st);
    core::FieldTree tree(want_all());
    core::Columns cols;
    capture::RawPacket raw;
    uint64_t n = 0;
    while (src.next(raw) == capture::ReadStatus::Packet && n < 10000) {
      tree.reset();
      cols.reset();
      core::Packet pkt(tree);
      pkt.cols = &cols;
      pkt.frame = capture::frame_of(raw, ++n, src.linktype());
      dissect_frame(pkt, st);
    }
  } catch (const capture::OpenError&) {
  }
  close(fd);
}

}  // namespace mqsniff::fuzz
