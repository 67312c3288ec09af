#!/usr/bin/env bash
# Hostile-input sweep: every bundled capture cut at snaplens 14-200 (step 7),
# 256, 512 and 1000, plus byte-flip mutants of its payloads and mutants of its
# record headers (scripts/sweep_inputs.py), each read by mqsniff in five ways:
# summary, -V, -T json, -T fields, -x (key-log captures with their keys).
# Meant for the AddressSanitizer + UndefinedBehaviorSanitizer build.
#
#   scripts/sweep.sh MQSNIFF_BINARY [--sample] [-j JOBS] [--mutants N]
#
# Counts crashes (killed by a signal), sanitizer reports, hangs (30 s), and
# frames cut by the snaplen inside a dissected layer that carry no truncation
# marker (_ws.short, _ws.malformed, tshark's _ws.unreassembled for a PDU
# running past a cut segment, or mqsniff's hidden tls.record_continues where
# tshark shows nothing). Exit status 1 if any is non-zero.
# SWEEP_CAPS="FILE..." sweeps only those captures.
# --sample: 4 captures, 6 snaplens, 2 mutants each (the CI replay, ~1 minute).
set -u
bin=$(realpath "${1:?usage: sweep.sh MQSNIFF_BINARY [--sample] [-j JOBS] [--mutants N]}")
shift
root=$(cd "$(dirname "$0")/.." && pwd)
sample=0; jobs=$(nproc); mutants=10
while [ $# -gt 0 ]; do
  case $1 in
    --sample) sample=1;;
    -j) jobs=$2; shift;;
    --mutants) mutants=$2; shift;;
    *) echo "unknown option $1" >&2; exit 2;;
  esac
  shift
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/in" "$tmp/src" "$tmp/res"
caps=("$root"/captures/*.pcap "$root"/captures/*.pcapng)
# SWEEP_CAPS="a.pcap b.pcap": only those (paths), e.g. a new capture.
[ -n "${SWEEP_CAPS:-}" ] && read -r -a caps <<<"$SWEEP_CAPS"
snaps=()
if [ $sample = 1 ]; then
  caps=("$root/captures/mqtt_features.pcap" "$root/captures/mqtts_keylog_tls13.pcap"
        "$root/captures/around_mqtt.pcap" "$root/captures/mqtt_websocket.pcap")
  snaps=(--snaplens 14,35,63,98,200,512); mutants=2
fi
for c in "${caps[@]}"; do
  name=$(basename "${c%.*}")
  # One classic pcap per capture (mqsniff writes it), then its variants.
  if "$bin" -r "$c" -w "$tmp/src/$name.pcap" -F pcap 2>/dev/null; then
    python3 "$root/scripts/sweep_inputs.py" "$tmp/src/$name.pcap" "$tmp/in" "${snaps[@]}" --mutants "$mutants"
    [ -f "${c%.*}.keys" ] && echo "$name" >>"$tmp/keyed"
  fi
done
touch "$tmp/keyed"
n=$(find "$tmp/in" -name '*.pcap' | wc -l)
echo "sweep: $n inputs x 5 outputs with $(basename "$bin"), $jobs jobs" >&2

one() { # input file: the five outputs, then the truncation check
  local f=$1 base name keys=() mode i=0 rc err
  base=$(basename "$f" .pcap); name=${base%.*}
  grep -qx "$name" "$SWEEP_TMP/keyed" && keys=(-o "tls.keylog_file:$SWEEP_ROOT/captures/$name.keys")
  for mode in "" "-V" "-T json" "-T fields -e frame.number -e mqtt.topic -e tls.handshake.type -e _ws.short" "-x"; do
    i=$((i+1))
    err="$SWEEP_TMP/res/$base.$i.err"
    # shellcheck disable=SC2086
    timeout 30 "$SWEEP_BIN" -n -r "$f" "${keys[@]}" $mode >/dev/null 2>"$err"
    rc=$?
    if [ $rc = 124 ]; then echo "HANG $base mode $i"
    elif grep -qE 'AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer' "$err"; then
      echo "SANITIZER $base mode $i: $(grep -m1 -E 'ERROR|runtime error' "$err")"
    elif [ $rc -ge 128 ]; then echo "CRASH $base mode $i (rc $rc)"
    else rm -f "$err"; fi
  done
  case $base in
    *.snap*)
      # A cut inside what was dissected must say so; a cut in the link
      # trailer (padding after the IP datagram) misses nothing, nor does one in
      # a TCP payload no dissector reads (data sent before the capture started:
      # tshark shows no marker there either), nor one in bytes only the data
      # dissector shows (tshark's never reports a cut: it shows what is there).
      "$SWEEP_BIN" -n -r "$f" "${keys[@]}" \
        -Y 'frame.cap_len < frame.len && !_ws.short && !_ws.malformed && !_ws.unreassembled && !tls.record_continues && !(tcp.payload && frame.protocols matches ":tcp$") && !(frame.protocols matches ":data$")' \
        -T fields -e frame.number -e frame.cap_len -e frame.len -e ip.len -e ipv6.plen -e eth.padding \
                  -e eth.trailer -e vlan.trailer -e arp.opcode -e vlan.id 2>/dev/null |
        awk -v b="$base" -F'\t' '$7 != "" || $8 != "" { next }  # cut in the link trailer (tshark: no marker)
                                 $9 != "" { if ($2 + 0 < ($10 != "" ? 18 : 14) + 28) print "UNMARKED " b " frame " $1; next }
                                 $4 == "" && $5 == "" && $6 == "" { print "UNMARKED " b " frame " $1 }
                                 $4 != "" && $6 == "" && $4 + 0 > $2 - 14 { print "UNMARKED " b " frame " $1 }';;
  esac
}
export -f one
export SWEEP_BIN=$bin SWEEP_TMP=$tmp SWEEP_ROOT=$root
find "$tmp/in" -name '*.pcap' | sort | xargs -P "$jobs" -I{} bash -c 'one "$1"' _ {} >"$tmp/report"
hangs=$(grep -c '^HANG' "$tmp/report"); san=$(grep -c '^SANITIZER' "$tmp/report")
crashes=$(grep -c '^CRASH' "$tmp/report"); unmarked=$(grep -c '^UNMARKED' "$tmp/report")
grep -v '^UNMARKED' "$tmp/report" | head -20
grep '^UNMARKED' "$tmp/report" | head -10
echo "sweep: $n inputs, $((n * 5)) runs: $crashes crashes, $san sanitizer reports, $hangs hangs, $unmarked cut frames without a truncation marker"
[ "$crashes" = 0 ] && [ "$san" = 0 ] && [ "$hangs" = 0 ] && [ "$unmarked" = 0 ]
