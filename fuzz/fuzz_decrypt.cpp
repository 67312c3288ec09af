// libFuzzer target: a capture file dissected with TLS decryption on, the keys
// fixed: the key logs of the bundled decryption captures (captures/*.keys).
// Seeded with those captures, mutations reach the record decryption (tags and
// MACs that fail, CBC padding, lengths), the key schedules (suites and hellos
// changed under known secrets) and the dissection of what decrypts.
// Every input starts from fresh state (the key log is copied in).
#include <dirent.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "dissectors/core/packet.h"
#include "dissectors/dissect.h"
#include "fuzz/fuzz_common.h"
#include "src/capture/pcap_source.h"

#ifndef MQSNIFF_CAPTURES_DIR
#define MQSNIFF_CAPTURES_DIR "captures"
#endif

namespace {
const mqsniff::tls::KeyLog& fixed_keys() {
  static const mqsniff::tls::KeyLog log = [] {
    mqsniff::tls::KeyLog l;
    if (DIR* d = opendir(MQSNIFF_CAPTURES_DIR)) {
      while (dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n.size() < 5 || n.compare(n.size() - 5, 5, ".keys") != 0) continue;
        std::ifstream f(std::string(MQSNIFF_CAPTURES_DIR) + "/" + n);
        std::stringstream ss;
        ss << f.rdbuf();
        l.add_text(ss.str());
      }
      closedir(d);
    }
    return l;
  }();
  return log;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  int fd = memfd_create("fuzz_decrypt", 0);
  if (fd < 0) return 0;
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
    st.tls_decrypt = std::make_unique<tls::DecryptContext>();
    st.tls_decrypt->keylog = fixed_keys();
    core::FieldTree tree(fuzz::want_all());
    core::Columns cols;
    capture::RawPacket raw;
    uint64_t n = 0;
    while (src.next(raw) == capture::ReadStatus::Packet && n < 10000) {
      tree.reset();
      cols.reset();
      core::Packet pkt(tree);
      pkt.cols = &cols;
      pkt.frame.number = ++n;
      pkt.frame.ts = raw.ts;
      pkt.frame.len = raw.len;
      pkt.frame.caplen = raw.caplen;
      pkt.frame.linktype = src.linktype();
      pkt.frame.data = raw.data;
      dissect_frame(pkt, st);
    }
  } catch (const capture::OpenError&) {
  }
  close(fd);
  return 0;
}
