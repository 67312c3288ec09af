#!/usr/bin/env bash
# Bounded memory, measured: peak RSS of mqsniff on hostile captures stays under
# the caps it is given (GNU time's maximum resident set size).
#   - 200,000 SYN-only connections with -o tcp.max_flows:10000
#   - 50 flows whose first segment is missing, then 40 MB that can never be
#     delivered in order, with -o tcp.reassembly_max_total:4000000
#   - 400 TLS ClientHellos announcing 250,000 bytes, each sending 100 KB in
#     16 KB records and never finishing (bench/attack_tls_hello.py): the
#     handshake fragments count against the same budget (4 MB here)
#   - 10 MQTT connections each with a hole, then 1 MB of 2-byte PDUs held
#     behind it (bench/attack.py hole): when the cap gives the hole up, the
#     held data holds 200,000 PDUs per frame; at most kMaxPdusPerFrame are
#     dissected (before: minutes of CPU and gigabytes with -V)
set -u
bin=$(realpath "${1:?usage: memory_test.sh MQSNIFF_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
python3 "$root/captures/craft_reassembly.py" "$tmp/syn.pcap" --synflood 200000
python3 "$root/captures/craft_reassembly.py" "$tmp/holes.pcap" --holes 40
peak() { /usr/bin/time -f "%M" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err"; tail -1 "$tmp/t"; }
kb=$(peak "$bin" -q -o tcp.max_flows:10000 -r "$tmp/syn.pcap" -T fields -e tcp.stream)
if [ "$kb" -lt 40000 ]; then pass=$((pass+1)); else echo "FAIL: SYN flood peak ${kb} KiB"; fail=$((fail+1)); fi
kb2=$(peak "$bin" -q -o tcp.reassembly_max_total:4000000 -r "$tmp/holes.pcap")
out=$("$bin" -q -o tcp.reassembly_max_total:4000000 -r "$tmp/holes.pcap" 2>/dev/null | tail -1)
if [ "$kb2" -lt 40000 ] && [[ "$out" == Reassembly:*"cap hits"* ]]; then pass=$((pass+1)); else
  echo "FAIL: holes peak ${kb2} KiB, summary: $out"; fail=$((fail+1)); fi
python3 "$root/bench/attack_tls_hello.py" "$tmp/hello.pcap" 400 100
kb3=$(peak "$bin" -q -o tcp.reassembly_max_total:4000000 -r "$tmp/hello.pcap")
out=$("$bin" -q -o tcp.reassembly_max_total:4000000 -r "$tmp/hello.pcap" 2>/dev/null | tail -1)
held=$(printf '%s\n' "$out" | sed -n 's/.*peak \([0-9]*\) bytes buffered.*/\1/p')
# (before the handshake fragments were counted: 53 MiB here, 984 MiB with 4,000 connections of 240 KB)
if [ "$kb3" -lt 40000 ] && [[ "$out" == Reassembly:*"cap hits"* ]] && [ "${held:-9}" -le 4000000 ]; then pass=$((pass+1)); else
  echo "FAIL: TLS handshake fragments peak ${kb3} KiB, summary: $out"; fail=$((fail+1)); fi
python3 "$root/bench/attack.py" hole "$tmp/hole.pcap" 10
kb4=$(peak "$bin" -V -o tcp.reassembly_max_total:4000000 -r "$tmp/hole.pcap")
out=$("$bin" -q -o tcp.reassembly_max_total:4000000 -r "$tmp/hole.pcap" 2>/dev/null | tail -1)
if [ "$kb4" -lt 60000 ] && [[ "$out" == *" PDUs not dissected (over 8192 in one frame)"* ]]; then pass=$((pass+1)); else
  echo "FAIL: PDUs held behind a hole: -V peak ${kb4} KiB, summary: $out"; fail=$((fail+1)); fi
echo "memory: $pass passed, $fail failed (SYN flood ${kb} KiB, holes ${kb2} KiB, TLS handshakes ${kb3} KiB, PDUs behind holes ${kb4} KiB peak)"
[ "$fail" -eq 0 ]
