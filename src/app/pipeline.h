// The capture loop: source -> dissection -> output, one packet at a time.
#pragma once

#include "src/cli/options.h"

namespace mqsniff::app {
// Runs mqsniff with parsed options; returns the process exit code.
int run(const cli::Options& opts);
}
