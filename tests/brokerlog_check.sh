#!/usr/bin/env bash
# -T brokerlog against the real broker: for each capture with the `mosquitto -v`
# log recorded in the same run (captures/NAME.mosquitto.log), mqsniff's lines
# must be the broker's lines. Where wire and log legitimately differ:
#  - the broker's start-up and shut-down lines (version, config, listener, plugins) and the dynamic-security plugin's audit lines ("dynsec: ...") are
#    not on the wire;
#  - an ACL refusal is a decision, not a packet: the log's "Denied PUBLISH from"
#    is the wire's "Received PUBLISH from";
#  - order within one second: the broker logs a packet when it processes it, and
#    it may process a client's PUBACK after sending the next PUBLISH that is
#    already on the wire; so the lines are compared per second, not in order
#    (a line the broker wrote just before a second ended may be on the wire in
#    the next second);
#  - a broker that was stopped and killed (its log section ends without
#    "terminating", the next one "starting") logs nothing of what reached it
#    meanwhile, nor of the connections its death closed: from its last line to
#    the restarted broker's first, the wire may show more than the log (every
#    logged line must still be on the wire).
set -u
bin=$(realpath "${1:?usage: brokerlog_check.sh MQSNIFF_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
fail=0; n=0
for log in "$root"/captures/*.mosquitto.log; do
  cap=${log%.mosquitto.log}.pcap
  [ -f "$cap" ] || continue
  n=$((n+1))
  if ! "$bin" -r "$cap" -T brokerlog >"${TMPDIR:-/tmp}/brokerlog.$$"; then
    echo "FAIL $(basename "$cap"): mqsniff failed"; fail=$((fail+1)); continue
  fi
  if python3 - "$log" "${TMPDIR:-/tmp}/brokerlog.$$" "$(basename "$cap")" <<'PY'
import collections, re, sys
log, got_path, name = sys.argv[1:4]
HOUSEKEEPING = re.compile(r": (mosquitto version |Config loaded from |Opening ipv[46] listen socket|Loading plugin: |dynsec: )")
want, down = [], []  # down: [first, last] seconds while a killed broker was gone
last, killed_at = None, None
for line in open(log, encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    t = int(line.split(":", 1)[0])
    if re.search(r": mosquitto version \S+ starting", line) and killed_at is not None:
        down.append((killed_at, t))
    if re.search(r": mosquitto version \S+ (starting|terminating)", line):
        killed_at = None
    if HOUSEKEEPING.search(line):
        if "terminating" not in line:
            last = t
        continue
    killed_at = last = t
    want.append(line.replace(": Denied PUBLISH from ", ": Received PUBLISH from "))
got = [l.rstrip("\n") for l in open(got_path, encoding="utf-8", errors="replace")]
missing = collections.Counter(want) - collections.Counter(got)
extra = collections.Counter(got) - collections.Counter(want)
def in_down(line):
    t = int(line.split(":", 1)[0])
    return any(a <= t <= b for a, b in down)
excused = sum(n for l, n in extra.items() if in_down(l))
extra = collections.Counter({l: n for l, n in extra.items() if not in_down(l)})
# A line the broker wrote at the end of a second whose packet reached the wire
# in the next one: the same line one second later.
def shifted(line, by):
    t, rest = line.split(":", 1)
    return f"{int(t) + by}:{rest}"
for l in list(missing):
    later = shifted(l, 1)
    while missing[l] and extra[later]:
        missing[l] -= 1; extra[later] -= 1
missing, extra = +missing, +extra
if missing or extra:
    print(f"FAIL {name}: -T brokerlog differs from the broker's log:")
    for l in list(missing)[:10]: print("  only in the log:  ", l)
    for l in list(extra)[:10]: print("  only in mqsniff:  ", l)
    sys.exit(1)
if len(got) < 20:
    print(f"FAIL {name}: too few lines to mean anything"); sys.exit(1)
note = f" ({excused} more while the broker was down)" if excused else ""
if down and not excused:
    print(f"FAIL {name}: the broker was killed, yet the wire shows nothing it missed"); sys.exit(1)
print(f"ok   {name}: {len(got) - excused} lines, the broker's own{note}")
PY
  then :; else fail=$((fail+1)); fi
  rm -f "${TMPDIR:-/tmp}/brokerlog.$$"
done
[ $n -gt 0 ] || { echo "no capture with a broker log"; exit 1; }
[ $n -ge 2 ] || { echo "FAIL: expected the broker logs of at least two captures"; exit 1; }
echo "brokerlog_check: $fail failed"
[ $fail -eq 0 ]
