#!/usr/bin/env bash
# Golden-output tests: run mqsniff on every TESTLIST entry and compare with the
# expected output recorded from tshark 4.0 on the same capture.
#
#   tests/run_golden.sh MQSNIFF_BINARY            compare (CI)
#   tests/run_golden.sh MQSNIFF_BINARY --update   regenerate expected files with tshark
#   tests/run_golden.sh MQSNIFF_BINARY --check-tshark
#                                                 also check that tshark (from apt) still
#                                                 produces every expected file
# Expected files hold stdout, then a line "rc=N" (exit code). stderr is not
# compared (tshark prints "Running as user root" there).
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(realpath "${1:?usage: run_golden.sh MQSNIFF_BINARY [--update|--check-tshark]}")
mode=${2:-compare}
# Protocols mqsniff does not dissect yet (TLS) are disabled in tshark, so the
# reference shows their payload as data, as mqsniff does.
TSHARK_EXTRA=(--disable-protocol tls)
export TZ=UTC LC_ALL=C.UTF-8

pass=0; fail=0
run_one() { # name capture args...
  local name=$1 cap=$2; shift 2
  local exp="$here/golden/$name.out"
  local got
  got=$(cd "$root/captures" && "$bin" -r "$cap" "$@" 2>/dev/null; echo "rc=$?")
  case $mode in
    --update)
      (cd "$root/captures" && tshark -n "${TSHARK_EXTRA[@]}" -r "$cap" "$@" 2>/dev/null; echo "rc=$?") >"$exp"
      echo "updated $name";;
    --check-tshark)
      local ref
      ref=$(cd "$root/captures" && tshark -n "${TSHARK_EXTRA[@]}" -r "$cap" "$@" 2>/dev/null; echo "rc=$?")
      if [ "$ref" != "$(cat "$exp")" ]; then echo "DRIFT $name: tshark no longer prints the expected file"; fail=$((fail+1)); fi
      if [ "$got" == "$(cat "$exp")" ]; then pass=$((pass+1)); else echo "FAIL $name"; diff <(echo "$got") "$exp" | head -10; fail=$((fail+1)); fi;;
    *)
      if [ ! -f "$exp" ]; then echo "MISSING $exp"; fail=$((fail+1)); return; fi
      if [ "$got" == "$(cat "$exp")" ]; then pass=$((pass+1)); else
        echo "FAIL $name (mqsniff -r $cap $*)"; diff <(echo "$got") "$exp" | head -10; fail=$((fail+1)); fi;;
  esac
}

while read -r name cap args; do
  case $name in ''|'#'*) continue;; esac
  # shellcheck disable=SC2086
  run_one "$name" "$cap" $args
done <"$here/golden/TESTLIST"
[ "$mode" = "--update" ] && exit 0
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
