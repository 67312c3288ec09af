#!/usr/bin/env bash
# --threads: the output of worker threads is byte for byte the output of one
# thread - summary lines, -T fields (with the Info column, TCP analysis,
# reassembly fields, pcapng comments), display filters, -q, -V without MQTT
# analysis (its tcp.stream, udp.stream and time since the previous displayed
# frame) - on every bundled capture (icmp_router.pcap: a router's ICMP errors
# quote conversations of other address pairs) and on a generated capture of
# thousands of conversations between many address pairs (where every worker
# gets packets: checked); tcp.stream printed by -e is numbered as one thread
# numbers it. What stays on one thread (a filter on tcp.stream, udp.stream;
# -V with MQTT analysis, whose sessions and forwarded messages cross
# conversations) is checked to stay there.
#   tests/threads_check.sh MQSNIFF_BINARY BENCH_GEN_BINARY [--sample]
# --sample (the sanitizer build's run, where each run costs ten times more):
# the captures with TLS secrets (key log or pcapng block) and every fifth other
# capture; the release run checks them all.
set -uo pipefail
bin=$(realpath "${1:?usage: threads_check.sh MQSNIFF BENCH_GEN [--sample]}")
gen=$(realpath "${2:?usage: threads_check.sh MQSNIFF BENCH_GEN [--sample]}")
sample=0; [ "${3:-}" = --sample ] && sample=1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
outputs=(""
         "-T fields -e frame.number -e frame.time_delta -e frame.time_relative -e ip.src -e tcp.srcport -e mqtt.topic -e _ws.col.Info -e _ws.col.Protocol -e tcp.analysis.flags -e tcp.reassembled_in -e tls.handshake.type -e dns.qry.name"
         "-Y mqtt -T fields -e mqtt.topic -e mqtt.msg"
         "-Y frame.comment -T fields -e frame.number -e frame.comment -e frame.interface_id"
         "-Y tcp.analysis.flags||_ws.malformed||_ws.expert"
         "-t d -Y tls"
         "-q"
         "-T fields -e frame.number -e tcp.stream -e tcp.srcport -e mqtt.topic"
         "-E occurrence=a -T fields -e tcp.stream -e ip.src"
         "-Y tcp.stream==3 -T fields -e tcp.stream -e frame.number"
         "-T fields -e tcp.stream -e udp.stream"
         "-o mqtt.analysis:FALSE -V"
         "-o mqtt.analysis:FALSE -V -Y udp||mqtt||icmp||tls.handshake"
         "-o mqtt.analysis:FALSE -V -O tcp,udp")
check() { # file extra-args...
  local f=$1; shift
  # -V's outputs only where the workers share the packets (more than one
  # address pair): on one pair every packet is one worker's, as the summary rows show.
  local spread=1
  MQSNIFF_WORKER_STATS=1 "$bin" -r "$f" "$@" -q --threads 3 2>&1 >/dev/null |
    grep -Eq 'packets each: ([1-9][0-9]* [1-9]|[1-9][0-9]* 0 [1-9]|0 [1-9][0-9]* [1-9])' || spread=0
  for args in "${outputs[@]}"; do
    [[ $args == *-V* ]] && [ $spread = 0 ] && continue
    # shellcheck disable=SC2086
    "$bin" -r "$f" "$@" $args --threads 1 >"$tmp/1.out" 2>"$tmp/1.err"; local r1=$?
    # shellcheck disable=SC2086
    "$bin" -r "$f" "$@" $args --threads 3 >"$tmp/3.out" 2>"$tmp/3.err"; local r3=$?
    if cmp -s "$tmp/1.out" "$tmp/3.out" && cmp -s "$tmp/1.err" "$tmp/3.err" && [ $r1 = $r3 ]; then
      pass=$((pass+1))
    else
      fail=$((fail+1)); echo "FAIL $(basename "$f") [$args]: --threads 3 differs from --threads 1"
      diff "$tmp/1.out" "$tmp/3.out" | head -4; diff "$tmp/1.err" "$tmp/3.err" | head -4
    fi
  done
}
i=0; checked=0
for f in "$root"/captures/*.pcap "$root"/captures/*.pcapng; do
  i=$((i+1))
  k=(); [ -f "${f%.pcap}.keys" ] && k=(-o "tls.keylog_file:${f%.pcap}.keys")
  if [ $sample = 1 ] && [ ${#k[@]} = 0 ] && [[ $f != *.pcapng ]] && [ $((i % 5)) != 0 ]; then continue; fi
  checked=$((checked+1))
  check "$f" "${k[@]}"
done
"$gen" "$tmp/many.pcap" 40000 10 >/dev/null
if [ "$("$bin" -r "$tmp/many.pcap" -q -T fields -e frame.number 2>/dev/null | wc -l)" = 40000 ]; then
  pass=$((pass+1))
else
  fail=$((fail+1)); echo "FAIL the generated capture cannot be read"
fi
check "$tmp/many.pcap"
# Every worker got a share of the generated capture's conversations.
MQSNIFF_WORKER_STATS=1 "$bin" -r "$tmp/many.pcap" -q --threads 3 2>"$tmp/stats" >/dev/null
if grep -Eq '^mqsniff: workers: 3, packets each: [1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$' "$tmp/stats"; then
  pass=$((pass+1))
else
  fail=$((fail+1)); echo "FAIL the generated capture was not dealt out to 3 workers: $(cat "$tmp/stats")"
fi
# -e tcp.stream runs on the workers (the merger renumbers); a filter on it,
# udp.stream, and a flow cap or memory budget too small to share stay on one thread.
if MQSNIFF_WORKER_STATS=1 "$bin" -r "$tmp/many.pcap" -T fields -e tcp.stream --threads 3 2>&1 >/dev/null | grep -q workers; then
  pass=$((pass+1))
else
  fail=$((fail+1)); echo "FAIL -e tcp.stream did not run on workers"
fi
if MQSNIFF_WORKER_STATS=1 "$bin" -r "$tmp/many.pcap" -o mqtt.analysis:FALSE -V --threads 3 2>&1 >/dev/null | grep -q workers; then
  pass=$((pass+1))
else
  fail=$((fail+1)); echo "FAIL -V without MQTT analysis did not run on workers"
fi
for args in "-Y tcp.stream==3" "-T fields -e udp.stream" "-o tcp.max_flows:1000" "-o tcp.reassembly_max_total:5000000" "-V" \
            "-o mqtt.analysis:FALSE -V -Y udp.stream==2" "-o mqtt.analysis:FALSE -V -l"; do
  # shellcheck disable=SC2086
  if MQSNIFF_WORKER_STATS=1 "$bin" -r "$tmp/many.pcap" $args --threads 3 2>&1 >/dev/null | grep -q workers; then
    fail=$((fail+1)); echo "FAIL [$args] ran on workers"
  else
    pass=$((pass+1))
  fi
done
echo "threads_check: $pass passed, $fail failed ($checked of $i bundled captures)"
[ $fail -eq 0 ]
