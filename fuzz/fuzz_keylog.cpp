// libFuzzer target: arbitrary bytes as an NSS key log (SSLKEYLOGFILE text),
// then lookups of the client randoms the text might name.
#include <cstdint>
#include <string_view>

#include "dissectors/tls/tls_keylog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff::tls;
  KeyLog log;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  log.add_text(text);
  // Every 32-byte window that starts a line's random field is tried as a
  // client random (hits and misses both walk the table).
  ClientRandom r{};
  for (size_t i = 0; i + r.size() <= size && i < 4096; i += 31) {
    for (size_t k = 0; k < r.size(); ++k) r[k] = data[i + k];
    if (const SessionSecrets* s = log.find(r)) {
      if (s->master.len > sizeof s->master.v || s->client_app.len > sizeof s->client_app.v) __builtin_trap();
    }
  }
  if (log.sessions() > KeyLog::kMaxSessions) __builtin_trap();
  if (log.malformed_lines() && log.first_malformed_line() == 0) __builtin_trap();
  return 0;
}
