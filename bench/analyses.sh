#!/usr/bin/env bash
# The MQTT analyses against -q on the same bench file: each row is the median
# of RUNS runs (rows alternate within a round, so drift hits all alike), with
# peak RSS. The issue's bar: at most 1.25x the time of -q, under 64 MiB.
#
#   bench/analyses.sh [packets=1000000] [tls_percent=10]     RUNS=5 by default
#
# Uses the bench file of bench/compare.sh (made with bench_gen if missing).
# Not run by CI (timing belongs here, never in tests).
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${1:-1000000}
tls=${2:-10}
runs=${RUNS:-5}
build=${BUILD:-build-release}
if [ ! -x "$build/mqsniff" ] || [ ! -x "$build/bench_gen" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target mqsniff bench_gen >/dev/null
fi
mkdir -p bench/out
file=bench/out/bench_${packets}_${tls}.pcap
[ -f "$file" ] || "$build/bench_gen" "$file" "$packets" "$tls"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rows=("-q" "-q -z mqtt,qos" "-q -z mqtt,keepalive" "-q -z mqtt,subscriptions" "-q -z mqtt,exposure"
      "-q -z mqtt,tree" "-q -z mqtt,ladder" "-q -z mqtt,ladder --ladder-svg $out/l.svg" "-T brokerlog"
      "-q --report $out/r.html")
for ((r = 0; r < runs; r++)); do
  for i in "${!rows[@]}"; do
    # shellcheck disable=SC2086
    /usr/bin/time -o "$out/t" -f "%e %M" "$build/mqsniff" -r "$file" ${rows[$i]} >/dev/null 2>&1
    cat "$out/t" >>"$out/row$i"
  done
done
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
base=$(cut -d' ' -f1 "$out/row0" | median)
printf "%s, %d packets, median of %d runs\n" "$file" "$packets" "$runs"
printf "%-48s %8s %8s %9s\n" "options" "seconds" "x -q" "peak MiB"
for i in "${!rows[@]}"; do
  s=$(cut -d' ' -f1 "$out/row$i" | median)
  m=$(cut -d' ' -f2 "$out/row$i" | sort -n | tail -1)
  awk -v n="${rows[$i]/$out\//}" -v s="$s" -v b="$base" -v m="$m" \
    'BEGIN { printf "%-48s %8.3f %8.2f %9.1f\n", n, s, s / b, m / 1024 }'
done
