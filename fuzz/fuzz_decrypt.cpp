// libFuzzer target: a capture file dissected with TLS decryption on, the keys
// fixed: the key logs of the bundled decryption captures (captures/*.keys).
// Seeded with those captures, mutations reach the record decryption (tags and
// MACs that fail, CBC padding, lengths), the key schedules (suites and hellos
// changed under known secrets) and the dissection of what decrypts.
// Every input starts from fresh state (the key log is copied in).
#include <dirent.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "fuzz/fuzz_capture.h"

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
  mqsniff::fuzz::dissect_capture(data, size, [](mqsniff::DissectState& st) {
    st.tls_decrypt = std::make_unique<mqsniff::tls::DecryptContext>();
    st.tls_decrypt->keylog = fixed_keys();
  });
  return 0;
}
