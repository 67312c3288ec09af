#!/usr/bin/env bash
# A fuzzing campaign: every libFuzzer target (or those named) for SECONDS each,
# one after another on one core, growing fuzz/corpus/TARGET. Crashes, leaks,
# timeouts and UBSan reports (the fuzz build does not recover from them) are
# saved in fuzz/findings/TARGET/. One line per target is appended to
# fuzz/campaign.log: date, target, seconds, executions, coverage (edges),
# features, corpus entries (after minimising), findings, and the CPU seconds
# the fuzzer was given. Sum a target's lines for its CPU time
# (scripts/fuzz_summary.sh).
#
#   scripts/fuzz_campaign.sh BUILD_FUZZ_DIR SECONDS [TARGET...]
#
# Build first (clang):
#   CXX=clang++ cmake -S . -B build-fuzz -DMQSNIFF_FUZZ=ON -DMQSNIFF_TESTS=OFF
#   cmake --build build-fuzz
# A finding is fixed, then its input goes to fuzz/regressions/TARGET/ (replayed in CI).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:?usage: fuzz_campaign.sh BUILD_FUZZ_DIR SECONDS [TARGET...]}")
secs=${2:?seconds per target}
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_frame fuzz_pcap_reader fuzz_mqtt fuzz_reassembly fuzz_filter fuzz_tls
  fuzz_x509 fuzz_websocket fuzz_keylog fuzz_decrypt fuzz_netaux)
log="$root/fuzz/campaign.log"
status=0
for t in "${targets[@]}"; do
  bin="$build/$t"
  if [ ! -x "$bin" ]; then echo "no $bin: build the fuzz targets first" >&2; status=1; continue; fi
  corpus="$root/fuzz/corpus/$t"
  findings="$root/fuzz/findings/$t"
  mkdir -p "$corpus" "$findings"
  out=$(mktemp)
  # New inputs go to the first directory; the regressions are read as seeds.
  seeds=()
  [ -d "$root/fuzz/regressions/$t" ] && seeds+=("$root/fuzz/regressions/$t")
  # The CPU time the fuzzer got (user + system): on a shared or niced run it
  # is less than the wall-clock SECONDS, and it is what the log sums.
  cpuf=$(mktemp)
  timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%U %S" -o "$cpuf")
  (cd "$root" && "${timer[@]}" "$bin" "$corpus" "${seeds[@]}" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$findings/" >"$out" 2>&1)
  rc=$?
  cpu=$(awk 'NF == 2 && $1 ~ /^[0-9.]+$/ { printf "%d", $1 + $2 }' "$cpuf" 2>/dev/null)
  rm -f "$cpuf"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  last=$(grep -E '^#[0-9]+[[:space:]]' "$out" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  # Keep the corpus minimal (the inputs that add coverage), merged into a fresh folder.
  if [ "$rc" -eq 0 ]; then
    min=$(mktemp -d)
    if (cd "$root" && "$bin" -merge=1 "$min" "$corpus" >/dev/null 2>&1) && [ -n "$(ls -A "$min")" ]; then
      rm -rf "$corpus" && mv "$min" "$corpus"
    else
      rm -rf "$min"
    fi
  fi
  n=$(find "$corpus" -type f | wc -l)
  found=$(find "$findings" -type f ! -name "log-*" | wc -l)  # inputs that crashed, leaked or hung (not the logs)
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) $t seconds=$secs cpu=${cpu:-?} execs=${execs:-?} cov=${cov:-?} ft=${ft:-?} corpus=$n findings=$found rc=$rc"
  echo "$line" | tee -a "$log"
  if [ "$rc" -ne 0 ]; then
    status=1
    grep -E 'ERROR|runtime error|SUMMARY' "$out" | head -5
    cp "$out" "$findings/log-$(date -u +%s).txt"
  fi
  rm -f "$out"
done
exit $status
