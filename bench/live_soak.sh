#!/usr/bin/env bash
# A long live capture at a fixed rate: the bench file replayed in a loop by
# tcpreplay (--pps, --duration) into a veth pair inside a network namespace
# this script creates (nothing leaves it), captured on the other end by
# mqsniff, then by tshark, with the same command. Every 10 s it samples each
# tool's RSS and CPU time (tshark: tshark and its dumpcap together); at the end
# it reports packets captured, kernel drops, how long the tool kept working
# after the replay stopped (its backlog), CPU and peak RSS, side by side.
# Root needed; not run by CI.
#
#   bench/live_soak.sh [seconds=300] [pps=100000] [verbose|fields] [pcap]
#
# verbose: `-V` (the text goes to a counting pipe: at these rates it is
# hundreds of MB/s); fields: the lab's `-Y mqtt -T fields -e mqtt.topic`.
# tshark is stopped when its RSS passes TSHARK_RSS_CAP_MIB (default 8192)
# or BACKLOG_WAIT seconds (default 600) after the replay ended, whichever comes
# first; its backlog
# is then reported as "not done".
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
pps=${2:-100000}
mode=${3:-verbose}
file=${4:-bench/out/bench_1000000_10.pcap}
build=${BUILD:-build-release}
cap_mib=${TSHARK_RSS_CAP_MIB:-8192}
wait_ms=$(( ${BACKLOG_WAIT:-600} * 1000 ))
[ -x "$build/mqsniff" ] || { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null; cmake --build "$build" -j"$(nproc)" --target mqsniff bench_gen >/dev/null; }
[ -f "$file" ] || "$build/bench_gen" "$file" 1000000 10
command -v tcpreplay >/dev/null || { echo "live_soak: tcpreplay is missing (apt-get install tcpreplay)" >&2; exit 1; }
case $mode in
  verbose) args=(-V) ;;
  fields) args=(-Y mqtt -T fields -e mqtt.topic) ;;
  *) echo "live_soak: mode is verbose or fields" >&2; exit 2 ;;
esac
ns=mqsniff-soak-$$
tmp=$(mktemp -d)
cleanup() { pkill -INT -f -- "-i vS" 2>/dev/null || true; ip netns del "$ns" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link add vR type veth peer name vS
for d in vR vS; do ip netns exec "$ns" ip link set "$d" mtu 65535 up; done
ip netns exec "$ns" ip link set lo up
tick=$(getconf CLK_TCK)
now_ms() { date +%s%3N; }
# RSS (KiB) and CPU time (clock ticks) of the processes whose command line
# matches, summed.
sample() {
  local rss=0 cpu=0 p s
  for p in $(pgrep -f -- "$1" || true); do
    [ -r "/proc/$p/status" ] || continue
    s=$(awk '/^VmRSS:/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    rss=$((rss + ${s:-0}))
    s=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    cpu=$((cpu + ${s:-0}))
  done
  echo "$rss $cpu"
}

run() { # name pattern command...
  local name=$1 pat=$2; shift 2
  local err="$tmp/$name.err" cnt="$tmp/$name.count"
  ( ip netns exec "$ns" "$@" -i vS "${args[@]}" 2>"$err" | wc -c >"$cnt" ) &
  local pid=$!
  for _ in $(seq 100); do grep -q "Capturing on" "$err" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  local t0 t1 rss cpu peak=0 line="" stopped=""
  t0=$(now_ms)
  ip netns exec "$ns" tcpreplay -q --loop=0 --duration="$secs" --pps="$pps" -i vR "$file" >"$tmp/$name.replay" 2>&1 &
  local rp=$!
  while kill -0 "$rp" 2>/dev/null; do
    sleep 10
    read -r rss cpu < <(sample "$pat")
    [ "$rss" -gt "$peak" ] && peak=$rss
    line+="$((rss / 1024)) "
    if [ $((rss / 1024)) -gt "$cap_mib" ]; then stopped="RSS cap"; kill "$rp" 2>/dev/null || true; break; fi
  done
  wait "$rp" 2>/dev/null || true
  t1=$(now_ms)
  # The backlog: until the tool's CPU time stops moving (2 s quiet).
  local prev=-1 last quiet=0
  last=$(now_ms)
  while :; do
    read -r rss cpu < <(sample "$pat")
    [ "$rss" -gt "$peak" ] && peak=$rss
    if [ "$cpu" != "$prev" ]; then prev=$cpu; last=$(now_ms); fi
    [ $(( $(now_ms) - last )) -gt 2000 ] && break
    [ $(( rss / 1024 )) -gt "$cap_mib" ] && { stopped="RSS cap"; break; }
    [ $(( $(now_ms) - t1 )) -gt "$wait_ms" ] && { stopped="$((wait_ms / 1000)) s after the replay"; break; }
    sleep 0.2
  done
  read -r rss cpu < <(sample "$pat")
  pkill -INT -f -- "$pat.*-i vS" 2>/dev/null || pkill -INT -f -- "$pat" || true
  # (tshark goes on through its backlog after SIGINT: stopped after 5 s.)
  for _ in $(seq 50); do pgrep -f -- "$pat" >/dev/null || break; sleep 0.1; done
  pkill -KILL -f -- "$pat" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local sent captured dropped backlog
  sent=$(grep -Eo 'Actual: [0-9]+ packets' "$tmp/$name.replay" | grep -Eo '[0-9]+' || echo "?")
  captured=$(grep -Eo '^[0-9]+ packets captured' "$err" | grep -Eo '^[0-9]+' | tail -1 || echo "?")
  dropped=$(grep -Eo '[0-9]+ packets dropped' "$err" | head -1 | grep -Eo '^[0-9]+' || echo 0)
  backlog=$(( last > t1 ? last - t1 : 0 ))
  [ -n "$stopped" ] && backlog="not done (stopped: $stopped)"
  printf "%-8s sent %9s  captured %9s  kernel drops %7s  CPU %7.1f s (%3.0f %% of the replay)  backlog after the replay: %s ms  output %s bytes  peak RSS %6.1f MiB\n" \
    "$name" "$sent" "${captured:-?}" "$dropped" "$(echo "$cpu / $tick" | bc -l)" \
    "$(echo "100 * $cpu / $tick / (($t1 - $t0) / 1000)" | bc -l)" "$backlog" "$(cat "$cnt" 2>/dev/null || echo ?)" \
    "$(echo "$peak / 1024" | bc -l)"
  echo "         RSS every 10 s (MiB): $line"
}
echo "file: $file, looped at $pps packets/s for $secs s into a veth pair (netns $ns); output: ${args[*]}"
mq=$(realpath "$build/mqsniff")
run mqsniff "^$mq" "$mq" ${MQSNIFF_ARGS:-}
[ -n "${SKIP_TSHARK:-}" ] || ! command -v tshark >/dev/null || run tshark "^(/usr/bin/tshark|/usr/bin/dumpcap)" "$(command -v tshark)" -n -l
