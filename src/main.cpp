// mqsniff: argv -> Options -> run.
#include <cstdio>
#include <exception>
#include <string>

#include "src/app/pipeline.h"
#include "src/cli/options.h"

int main(int argc, char** argv) {
  using namespace mqsniff;
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
