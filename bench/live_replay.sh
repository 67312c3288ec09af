#!/usr/bin/env bash
# Live capture under load: replays the bench file at top speed (tcpreplay)
# into a veth pair inside a network namespace this script creates (nothing
# leaves it), while mqsniff - then tshark - capture the other end with the
# lab's `-Y mqtt -T fields -e mqtt.topic`. Reports, side by side: packets
# captured, packets the kernel dropped, how long after the replay ended the
# last output line appeared, and peak memory. Root needed; not run by CI.
#
#   bench/live_replay.sh [pcap=bench/out/bench_1000000_10.pcap]
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-bench/out/bench_1000000_10.pcap}
build=${BUILD:-build-release}
[ -x "$build/mqsniff" ] || { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null; cmake --build "$build" -j"$(nproc)" --target mqsniff bench_gen >/dev/null; }
[ -f "$file" ] || "$build/bench_gen" "$file" 1000000 10
command -v tcpreplay >/dev/null || { echo "live_replay: tcpreplay is missing (apt-get install tcpreplay)" >&2; exit 1; }
ns=mqsniff-replay-$$
tmp=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link add vA type veth peer name vB
for d in vA vB; do ip netns exec "$ns" ip link set "$d" mtu 65535 up; done
ip netns exec "$ns" ip link set lo up
total=$("$build/mqsniff" -r "$file" -q -T fields -e frame.number 2>/dev/null | wc -l || true)
[ "$total" -gt 0 ] || total=$(tcpdump -r "$file" -qn 2>/dev/null | wc -l)

now_ms() { date +%s%3N; }
run() { # name command...
  local name=$1; shift
  local out="$tmp/$name.out" err="$tmp/$name.err" tim="$tmp/$name.time"
  ip netns exec "$ns" /usr/bin/time -o "$tim" -f "%M" "$@" -i vB -Y mqtt -T fields -e mqtt.topic >"$out" 2>"$err" &
  local pid=$!
  for _ in $(seq 100); do grep -q "Capturing on" "$err" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  local t0 t1 last size prev
  t0=$(now_ms)
  ip netns exec "$ns" tcpreplay -q --topspeed -i vA "$file" >"$tmp/$name.replay" 2>&1
  t1=$(now_ms)
  # The last output line: when the output file stops growing (2 s quiet).
  last=$t1; prev=-1
  while :; do
    size=$(stat -c %s "$out")
    if [ "$size" != "$prev" ]; then prev=$size; last=$(now_ms); fi
    [ $(( $(now_ms) - last )) -gt 2000 ] && break
    [ $(( $(now_ms) - t1 )) -gt 180000 ] && break
    sleep 0.05
  done
  # The tool's own process (under /usr/bin/time, inside ip netns exec).
  pkill -INT -f "^$1 .*-i vB" || true
  wait "$pid" || true
  local captured dropped rss lag rate
  captured=$(grep -Eo '^[0-9]+ packets captured' "$err" | grep -Eo '^[0-9]+' || echo "?")
  dropped=$(grep -Eo '[0-9]+ packets dropped' "$err" | head -1 | grep -Eo '^[0-9]+' || echo 0)
  rss=$(tail -1 "$tim")
  lag=$(( last > t1 ? last - t1 : 0 ))
  rate=$(grep -Eo 'Rated: [0-9.]+ Bps, [0-9.]+ Mbps, [0-9.]+ pps' "$tmp/$name.replay" | grep -Eo '[0-9.]+ pps' || echo "?")
  printf "%-8s replay %5d ms (%s)  captured %8s / %d  kernel drops %8s  last line %6d ms after the replay  lines %7d  peak %6.1f MiB\n" \
    "$name" $((t1 - t0)) "$rate" "$captured" "$total" "$dropped" "$lag" "$(wc -l <"$out")" "$(echo "$rss / 1024" | bc -l)"
}
echo "file: $file ($total packets), veth pair in netns $ns, tcpreplay --topspeed"
run mqsniff "$(realpath "$build/mqsniff")" ${MQSNIFF_ARGS:-}
[ -n "${SKIP_TSHARK:-}" ] || ! command -v tshark >/dev/null || run tshark "$(command -v tshark)" -n -l
