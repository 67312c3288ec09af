#!/usr/bin/env bash
# The attack captures of bench/attack.py and bench/attack_tls_hello.py, read by
# mqsniff and by tshark (summary lines to /dev/null, default options), one
# after the other: peak RSS (GNU time) and wall time, as a Markdown table.
#
#   bench/attacks.sh MQSNIFF_BINARY [OUTDIR] [--no-tshark] [--only MODE,...]
#
# Files are written to OUTDIR (default /tmp/mqsniff-attacks, kept for reruns).
# Each tool gets ATTACK_TIMEOUT seconds per file (default 600).
# Sizes are chosen so that tshark finishes (a few minutes each at most); the
# table says how many connections each file has.
set -u
bin=$(realpath "${1:?usage: attacks.sh MQSNIFF_BINARY [OUTDIR] [--no-tshark] [--only MODE,...]}")
shift
out=/tmp/mqsniff-attacks
tshark=1; only=
while [ $# -gt 0 ]; do
  case $1 in
    --no-tshark) tshark=0;;
    --only) only=$2; shift;;
    *) out=$1;;
  esac
  shift
done
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
command -v tshark >/dev/null || tshark=0
# mode | generator arguments | what
rows=(
  "syn|attack.py syn 1000000|1,000,000 SYN-only connections"
  "hole|attack.py hole 300|300 MQTT connections: a hole, then 1 MB each held behind it"
  "bigpdu|attack.py bigpdu 7000|one PUBLISH announcing 256 MiB (10 MB of it sent)"
  "hello|attack_tls_hello.py 4000 240|4,000 ClientHellos announcing 250 KB, 240 KB sent in 16 KB records"
  "hellotiny|attack_tls_hello.py 100000 tiny|100,000 ClientHellos sent as 1-byte records"
  "tlscut|attack.py tlscut 50000|50,000 TLS records announcing 16 KB, 100 bytes sent"
  "frag|attack.py frag 200000|200,000 first IPv4 fragments never completed"
  "tinymqtt|attack.py tinymqtt 100000|100,000 connections x 50 PINGREQs of 2 bytes"
  "ws|attack.py ws 10000|10,000 WebSocket connections, a frame announcing 2^63 bytes"
  "wsmqtt|attack.py wsmqtt 1000|1,000 WebSocket connections, an MQTT PUBLISH of 1 MB across frames, 700 KB sent"
  "aliases|attack.py aliases 1000|1,000 MQTT 5.0 connections x 64 topic aliases of 4 KB"
)
limit=${ATTACK_TIMEOUT:-600}  # seconds a tool may take on one file
measure() { # command...: "seconds|peak MiB"
  local t rc
  t=$(mktemp)
  timeout -s INT "$limit" /usr/bin/time -f "%e %M" -o "$t" "$@" >/dev/null 2>&1
  rc=$?
  if [ ! -s "$t" ]; then
    echo "stopped after $limit s|?"
  elif [ $rc = 124 ]; then
    # Stopped at the limit (SIGINT: the tool exits and GNU time reports its peak so far).
    tail -1 "$t" | awk -v l="$limit" '{ printf "stopped after %d s|%.0f MiB so far", l, $2 / 1024 }'
  else
    tail -1 "$t" | awk '{ printf "%.1f s|%.0f MiB", $1, $2 / 1024 }'
  fi
  rm -f "$t"
}
echo "| attack | file | mqsniff peak RSS | mqsniff time | tshark peak RSS | tshark time |"
echo "|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
  IFS='|' read -r mode gen what <<<"$row"
  [ -n "$only" ] && [[ ",$only," != *",$mode,"* ]] && continue
  f="$out/$mode.pcap"
  if [ ! -s "$f" ]; then
    read -r script a1 a2 a3 <<<"$gen"
    case $script in
      attack.py) python3 "$here/attack.py" "$a1" "$f" "$a2";;
      *) python3 "$here/attack_tls_hello.py" "$f" "$a1" "$a2";;
    esac
  fi
  size=$(du -m "$f" | cut -f1)
  IFS='|' read -r mt mm <<<"$(measure "$bin" -n -r "$f")"
  if [ $tshark = 1 ]; then
    IFS='|' read -r tt tm <<<"$(measure tshark -n -r "$f")"
  else
    tt=-; tm=-
  fi
  echo "| $what | $size MB | $mm | $mt | $tm | $tt |"
done
