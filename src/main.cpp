// mqsniff: argv -> Options -> run.
#include <malloc.h>

#include <cstdio>
#include <exception>
#include <string>

#include "src/app/pipeline.h"
#include "src/cli/option_table.h"
#include "src/cli/options.h"

int main(int argc, char** argv) {
  using namespace mqsniff;
  // Reassembly buffers of large PDUs come and go all run long. glibc would
  // give each one over 128 KiB its own fresh mapping and trim the heap after
  // it, so every large message paid a page fault per 4 KiB again. Keep freed
  // memory for reuse instead (what is held stays bounded by the reassembly
  // caps, which are what bound memory).
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  try {
    cli::Options opts = cli::parse(argc, argv);
    return app::run(opts);
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "mqsniff: %s\n", e.what());
    if (e.usage) std::fprintf(stderr, "\n%s", cli::usage_text().c_str());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mqsniff: internal error: %s\n", e.what());
    return 2;
  }
}
