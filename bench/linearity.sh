#!/usr/bin/env bash
# Cost against file size (issue 16: packets/s on the 5M-packet file within
# 10 % of the 1M file's, for every output): each row on both bench files,
# wall time, median of 3 runs (1 run for -V, JSON, EK and -x, which take
# tens of seconds on the 5M file). Prints a Markdown table. Not run by CI.
#
#   bench/linearity.sh [BUILD=build-release]
# (bench/compare.sh 1000000 10 and 5000000 10 make the files)
set -euo pipefail
cd "$(dirname "$0")/.."
mq=$(realpath "${BUILD:-build-release}/mqsniff")
for n in 1000000 5000000; do
  [ -f "bench/out/bench_${n}_10.pcap" ] || { echo "linearity: no bench/out/bench_${n}_10.pcap (bench/compare.sh $n 10 makes it)" >&2; exit 1; }
done
rows=("-Y mqtt -T fields -e mqtt.topic" "" "-q" "-T fields -e frame.number -e tcp.srcport" "-V" "-T json" "-T ek" "-x")
echo "| command | 1M file | 5M file | 5M per packet against 1M |"
echo "|---|---|---|---|"
for args in "${rows[@]}"; do
  line="| \`${args:-(summary lines)}\` |"
  declare -A med=()
  for n in 1000000 5000000; do
    runs=3
    case "$args" in -V|"-T json"|"-T ek"|-x) runs=1 ;; esac
    ts=()
    for _ in $(seq "$runs"); do
      s=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$mq" -r "bench/out/bench_${n}_10.pcap" $args >/dev/null 2>&1
      e=$(date +%s.%N)
      ts+=("$(echo "$e - $s" | bc)")
    done
    m=$(printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    med[$n]=$m
    line="$line $(printf '%.3f s, %.0f k pkt/s' "$m" "$(echo "$n / $m / 1000" | bc -l)") |"
  done
  echo "$line $(printf '%.1f %%' "$(echo "${med[1000000]} * 5 / ${med[5000000]} * 100" | bc -l)") |"
done
