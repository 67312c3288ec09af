#!/usr/bin/env bash
# -T brokerlog against the real broker: for each capture with the `mosquitto -v`
# log recorded in the same run (captures/NAME.mosquitto.log), mqsniff's lines
# must be the broker's lines. Where wire and log legitimately differ:
#  - the broker's start-up lines (version, config, listener) are not on the wire;
#  - an ACL refusal is a decision, not a packet: the log's "Denied PUBLISH from"
#    is the wire's "Received PUBLISH from";
#  - order within one second: the broker logs a packet when it processes it, and
#    it may process a client's PUBACK after sending the next PUBLISH that is
#    already on the wire; so the lines are compared per second, not in order.
set -u
bin=$(realpath "${1:?usage: brokerlog_check.sh MQSNIFF_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0; n=0
for log in "$root"/captures/*.mosquitto.log; do
  cap=${log%.mosquitto.log}.pcap
  [ -f "$cap" ] || continue
  n=$((n+1))
  want=$(grep -v -e ': mosquitto version ' -e ': Config loaded from ' -e ': Opening ipv[46] listen socket' "$log" |
         sed 's/: Denied PUBLISH from /: Received PUBLISH from /' | LC_ALL=C sort)
  got=$("$bin" -r "$cap" -T brokerlog | LC_ALL=C sort)
  if [ "$want" != "$got" ]; then
    echo "FAIL $(basename "$cap"): -T brokerlog differs from the broker's log:"
    diff <(echo "$want") <(echo "$got") | head -20
    fail=$((fail+1))
  elif [ "$(echo "$got" | wc -l)" -lt 20 ]; then
    echo "FAIL $(basename "$cap"): too few lines to mean anything"; fail=$((fail+1))
  else
    echo "ok   $(basename "$cap"): $(echo "$got" | wc -l) lines, the broker's own"
  fi
done
[ $n -gt 0 ] || { echo "no capture with a broker log"; exit 1; }
echo "brokerlog_check: $fail failed"
[ $fail -eq 0 ]
