#include <doctest/doctest.h>

#include "dissectors/tls/tls_dissect.h"
#include "helpers.h"

using namespace testutil;

namespace {
std::vector<uint8_t> tls_frame(const std::vector<uint8_t>& payload, uint32_t seq = 1000, bool from_server = false) {
  TcpSpec s;
  s.flags = 0x18;
  s.ack = 1;
  s.seq = seq;
  if (from_server) {
    std::swap(s.src, s.dst);
    s.sport = 8883;
    s.dport = 50000;
  } else {
    s.dport = 8883;
  }
  s.payload = payload;
  return eth(0x0800, ipv4_tcp(s));
}
}  // namespace

TEST_CASE("tls: record framer") {
  std::vector<uint8_t> rec = {0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb};
  auto f = mqsniff::tls::record_length(rec);
  CHECK(f.kind == mqsniff::tcp::PduLen::Kind::Pdu);
  CHECK(f.total == 7);
  std::vector<uint8_t> part(rec.begin(), rec.begin() + 6);
  CHECK(mqsniff::tls::record_length(part).kind == mqsniff::tcp::PduLen::Kind::NeedMore);
  std::vector<uint8_t> bad = {0x30, 0x03, 0x03, 0x00, 0x01, 0x00};
  CHECK(mqsniff::tls::record_length(bad).kind == mqsniff::tcp::PduLen::Kind::Bad);
  std::vector<uint8_t> huge = {0x17, 0x03, 0x03, 0xff, 0xff};
  CHECK(mqsniff::tls::record_length(huge).kind == mqsniff::tcp::PduLen::Kind::Bad);  // > 2^14 + 2048
}

TEST_CASE("tls: a TLS 1.2 alert is shown in clear; after ChangeCipherSpec it is encrypted") {
  Harness h;
  h.run(tls_frame({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30}));  // fatal, unknown_ca (48)
  CHECK(h.cols.info == "Alert (Level: Fatal, Description: Unknown CA)");
  CHECK(h.cols.protocol == "TLSv1.2");
  CHECK(h.field("tls.alert_message.desc") == "48");
  std::vector<uint8_t> two = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x15, 0x03, 0x03, 0x00, 0x1a};
  two.resize(two.size() + 26, 0x5a);  // an alert encrypted with AES-GCM: nonce + ciphertext + tag
  h.run(tls_frame(two, 1007));
  CHECK(h.cols.info == "Change Cipher Spec, Encrypted Alert");
}

TEST_CASE("tls: hostile records are malformed, never over-read") {
  // A handshake whose length points past the record.
  std::vector<uint8_t> rec = {0x16, 0x03, 0x01, 0x00, 0x06, 0x01, 0x00, 0xff, 0xff, 0x03, 0x03};
  for (size_t cut = 1; cut <= rec.size(); ++cut) {
    Harness h;
    std::vector<uint8_t> part(rec.begin(), rec.begin() + static_cast<long>(cut));
    h.run(tls_frame(part));
    CHECK_FALSE(h.has("tls.handshake.random"));
  }
}
