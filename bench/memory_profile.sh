#!/usr/bin/env bash
# Memory along a run: for each output (summary, -q, -V, -T json, -T ek, -x,
# the lab's fields, some -z), mqsniff reads the bench file and its resident
# memory is sampled ten times a second; prints the peak and the RSS at each
# tenth of the run, so growth along the file shows (issue 16: at most 64 MiB,
# flat once the number of concurrent connections is steady). Not run by CI.
#
#   bench/memory_profile.sh [pcap=bench/out/bench_5000000_10.pcap] [BUILD=build-release]
#   ROWS='-T json;-T ek' bench/memory_profile.sh    (only these rows)
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-bench/out/bench_5000000_10.pcap}
build=${BUILD:-build-release}
mq=$(realpath "$build/mqsniff")
[ -f "$file" ] || { echo "memory_profile: no $file (bench/compare.sh 5000000 10 makes it)" >&2; exit 1; }
rows=("" "-q" "-V" "-T json" "-T ek" "-x" "-Y mqtt -T fields -e mqtt.topic" "-q -z conv,tcp" "-q -z conv,ip" "-q -z endpoints,tcp"
      "-q -z mqtt,tree")
if [ -n "${ROWS:-}" ]; then IFS=';' read -r -a rows <<<"$ROWS"; fi
echo "| command | peak RSS | RSS at 10 %, 20 %, ... 100 % of the run (MiB) | seconds |"
echo "|---|---|---|---|"
for args in "${rows[@]}"; do
  samples=$(mktemp)
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$mq" -r "$file" $args >/dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    awk '/VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null >>"$samples" || true
    sleep 0.1
  done
  wait "$pid" || true
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  python3 - "$samples" "${args:-(summary lines)}" "$secs" <<'EOF'
import sys
vals = [int(l) for l in open(sys.argv[1]) if l.strip().isdigit()]
if not vals:
    print("| `%s` | ? | ? | %.1f |" % (sys.argv[2], float(sys.argv[3])))
    sys.exit()
n = len(vals)
tenths = [vals[min(n - 1, max(0, round(n * k / 10) - 1))] for k in range(1, 11)]
print("| `%s` | %.1f MiB | %s | %.1f |" % (sys.argv[2], max(vals) / 1024, ", ".join("%.0f" % (v / 1024) for v in tenths),
                                         float(sys.argv[3])))
EOF
  rm -f "$samples"
done
