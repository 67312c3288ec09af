// libFuzzer target: arbitrary bytes as one DER certificate (the certificate
// path of the TLS dissector: OpenSSL's decoder, then every x509 and tls.cert
// field), and as a CertificateRequest's distinguished name.
#include <cstdint>
#include <vector>

#include "dissectors/core/packet.h"
#include "dissectors/tls/x509.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  core::FieldTree tree(fuzz::want_all());
  core::Packet pkt(tree);
  std::vector<uint8_t> buf(data, data + size);  // exact size for ASan
  pkt.frame.caplen = pkt.frame.len = static_cast<uint32_t>(buf.size());
  pkt.frame.data = buf.empty() ? nullptr : buf.data();
  pkt.frame.ts.sec = 1795519078;
  tls::dissect_certificate(core::Bytes(buf.data(), buf.size()), 0, pkt, -1);
  (void)tls::distinguished_name(core::Bytes(buf.data(), buf.size()));
  return 0;
}
