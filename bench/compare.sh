#!/usr/bin/env bash
# Side-by-side throughput and peak memory: mqsniff vs tshark on the same file
# with the same options, plus a bare libpcap read loop as the floor.
#
#   bench/compare.sh [packets=1000000] [tls_percent=10]
#   KEYS=1 bench/compare.sh 1000000 50    TLS decryption: the TLS flows replay the
#       key-log captures, both tools get -o tls.keylog_file:<file>.keys on every row
#
# Generates bench/out/bench_<packets>_<tls>.pcap with bench_gen if missing.
# Not run by CI (timing belongs here, never in tests).
set -euo pipefail
cd "$(dirname "$0")/.."
packets=${1:-1000000}
tls=${2:-10}
build=${BUILD:-build-release}
if [ ! -x "$build/mqsniff" ] || [ ! -x "$build/bench_gen" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null
  cmake --build "$build" -j"$(nproc)" --target mqsniff bench_gen bench_bare_read >/dev/null
fi
mkdir -p bench/out
opt=()
if [ -n "${KEYS:-}" ]; then
  file=bench/out/bench_${packets}_${tls}_keys.pcap
  [ -f "$file" ] && [ -f "$file.keys" ] || "$build/bench_gen" "$file" "$packets" "$tls" 2000 1 keys
  opt=(-o "tls.keylog_file:$file.keys")
else
  file=bench/out/bench_${packets}_${tls}.pcap
  [ -f "$file" ] || "$build/bench_gen" "$file" "$packets" "$tls"
fi
ls -l "$file" | awk '{printf "file: %s, %.1f MiB\n", $9, $5/1048576}'

measure() { # label command... -> prints "seconds peak_rss_kib"
  shift
  local tf
  tf=$(mktemp)
  /usr/bin/time -o "$tf" -f "%e %M" "$@" >/dev/null 2>/dev/null || true
  tail -1 "$tf"
  rm -f "$tf"
}
row() { # name args...
  local name=$1; shift
  local m t ms mm ts tm
  m=$(measure mqsniff "$build/mqsniff" -r "$file" "${opt[@]}" "$@")
  ms=${m% *}; mm=${m#* }
  if command -v tshark >/dev/null; then
    t=$(measure tshark tshark -n -r "$file" "${opt[@]}" "$@")
    ts=${t% *}; tm=${t#* }
  else
    ts=nan; tm=0
  fi
  awk -v n="$name" -v p="$packets" -v ms="$ms" -v mm="$mm" -v ts="$ts" -v tm="$tm" 'BEGIN {
    mp = p / (ms > 0 ? ms : 0.001); tp = (ts == "nan") ? 0 : p / (ts > 0 ? ts : 0.001);
    printf "%-34s mqsniff %10.0f pkt/s %7.1f MiB | tshark %9.0f pkt/s %7.1f MiB | x%.1f\n",
           n, mp, mm / 1024, tp, tm / 1024, (tp > 0 ? mp / tp : 0) }'
}
bare=$("$build/bench_bare_read" "$file" | sed 's/.*: \([0-9]*\) packets\/s.*/\1/')
echo "bare pcap_next_ex loop: $bare packets/s"
if [ -n "${KEYS:-}" ]; then
  echo "TLS decryption with ${opt[*]}"
  row "-Y mqtt -T fields -e mqtt.topic" -Y mqtt -T fields -e mqtt.topic
  row "summary (default)"
  row "-Y tls -T fields -e tls.record.content_type" -Y tls -T fields -e tls.record.content_type
  opt=()
  row "no key log: -Y mqtt -T fields -e mqtt.topic" -Y mqtt -T fields -e mqtt.topic
  exit 0
fi
row "-T fields -e frame.number -e tcp.srcport" -T fields -e frame.number -e tcp.srcport
row "summary (default)"
row "-T fields -e tcp.stream -e tcp.seq -e tcp.flags" -T fields -e tcp.stream -e tcp.seq -e tcp.flags
row "-T fields -e mqtt.topic" -T fields -e mqtt.topic
row "-Y mqtt -T fields -e mqtt.topic" -Y mqtt -T fields -e mqtt.topic
if [ "${ROWS:-}" = all ] || [ "$tls" -ge 50 ]; then
  row "-T fields -e tls.handshake.type -e tls.record.content_type" -T fields -e tls.handshake.type -e tls.record.content_type
fi
if [ "${ROWS:-}" = all ] || [ "${ROWS:-}" = formats ]; then
  row "-T json" -T json
  row "-T ek" -T ek
  row "-V" -V
fi
m=$(measure mqsniff "$build/mqsniff" -r "$file" -T fields -e frame.number -e tcp.srcport)
awk -v p="$packets" -v s="${m% *}" -v b="$bare" 'BEGIN { printf "mqsniff fields vs bare read: %.1fx slower\n", b / (p / s) }'
