// libFuzzer target: arbitrary bytes as TLS records (one record per framer
// cut), through the record and handshake dissector, with the session state
// carried across records.
#include <cstdint>
#include <vector>

#include "dissectors/core/packet.h"
#include "fuzz/fuzz_common.h"
#include "dissectors/tls/tls_dissect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  core::FieldTree tree(fuzz::want_all());
  core::Columns cols;
  core::Packet pkt(tree);
  pkt.cols = &cols;
  std::vector<uint8_t> buf(data, data + size);  // exact size for ASan
  pkt.frame.caplen = pkt.frame.len = static_cast<uint32_t>(buf.size());
  pkt.frame.data = buf.empty() ? nullptr : buf.data();
  tls::TlsSession s;
  fuzz::for_each_pdu(buf, tls::record_length, [&](std::span<const uint8_t> rec, uint32_t off, bool first) {
    s.dir = static_cast<uint8_t>(off & 1);
    tls::dissect_record(rec, off, pkt, s, first);
  });
  return 0;
}
