#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: doctest unit tests,
# golden outputs (cross-checked against tshark from apt), CLI error checks,
# fuzz-corpus replay; then the unit tests and fuzz replay again under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)
echo "Building and testing: about 6 minutes on 2 cores (two builds: release with tests, then ASan+UBSan)." >&2
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMQSNIFF_TESTS=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure --no-tests=error)
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMQSNIFF_SANITIZE=ON -DMQSNIFF_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs" --target mqsniff_unit fuzz_frame fuzz_pcap_reader fuzz_mqtt fuzz_reassembly fuzz_filter fuzz_tls fuzz_x509 fuzz_websocket fuzz_keylog fuzz_decrypt fuzz_netaux mqsniff bench_gen
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure --no-tests=error -R 'unit|replay_|golden$|json_check|filter_check$|sweep_sample|threads_check')
echo "all tests passed"
