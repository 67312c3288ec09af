#!/usr/bin/env bash
# Golden-output tests: run mqsniff on every TESTLIST entry and compare with the
# expected output recorded from tshark 4.0 on the same capture.
#
#   tests/run_golden.sh MQSNIFF_BINARY            compare (CI)
#   tests/run_golden.sh MQSNIFF_BINARY --update   regenerate expected files with tshark
#   tests/run_golden.sh MQSNIFF_BINARY --update-own
#                                                 regenerate only the @own entries (mqsniff's
#                                                 reviewed output: review the git diff), compare the rest
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
# Protocols mqsniff does not dissect yet would be disabled in tshark here, so the
# reference shows their payload as data, as mqsniff does.
TSHARK_EXTRA=()
export TZ=UTC LC_ALL=C.UTF-8

pass=0; fail=0
# Big outputs are kept as "sha256 HASH lines N".
digest() { local h n; h=$(sha256sum | cut -d' ' -f1); echo "sha256 $h"; }
same() { # got expected_file
  local exp=$2
  if head -c 7 "$exp" | grep -q '^sha256 '; then [ "$(printf '%s\n' "$1" | digest)" = "$(cat "$exp")" ]
  else [ "$1" == "$(cat "$exp")" ]; fi
}
run_one() { # dir name capture reference args...
  local dir=$1 name=$2 cap=$3 ref_kind=$4; shift 4
  local exp="$here/golden/$name.out"
  local got extra=("${TSHARK_EXTRA[@]}")
  [ "$dir" != "$root/captures" ] && extra+=(-o tcp.reassemble_out_of_order:TRUE)
  got=$(cd "$dir" && "$bin" -r "$cap" "$@" 2>/dev/null; echo "rc=$?")
  # -o mqtt.analysis:FALSE is mqsniff's own switch to tshark's exact tree, --threads N
  # its own thread count: tshark is run without them.
  local targs=() a prev=
  for a in "$@"; do
    if [ "$prev" = -o ] && [ "$a" = mqtt.analysis:FALSE ]; then unset 'targs[${#targs[@]}-1]'; prev=; continue; fi
    if [ "$prev" = --threads ]; then unset 'targs[${#targs[@]}-1]'; prev=; continue; fi
    targs+=("$a"); prev=$a
  done
  local m=$mode
  [ "$m" = --update-own ] && { [ "$ref_kind" = own ] && m=--update || m=compare; }
  case $m in
    --update)
      local out
      if [ "$ref_kind" = own ]; then out=$got
      else out=$(cd "$dir" && tshark -n "${extra[@]}" -r "$cap" "${targs[@]}" 2>/dev/null; echo "rc=$?"); fi
      if [ "$(printf '%s\n' "$out" | wc -l)" -gt 3000 ]; then printf '%s\n' "$out" | digest >"$exp"
      else printf '%s\n' "$out" >"$exp"; fi
      echo "updated $name";;
    --check-tshark)
      if [ "$ref_kind" != own ]; then
        local ref
        ref=$(cd "$dir" && tshark -n "${extra[@]}" -r "$cap" "${targs[@]}" 2>/dev/null; echo "rc=$?")
        if ! same "$ref" "$exp"; then echo "DRIFT $name: tshark no longer prints the expected file"; fail=$((fail+1)); fi
      fi
      if same "$got" "$exp"; then pass=$((pass+1)); else echo "FAIL $name"; fail=$((fail+1)); fi;;
    *)
      if [ ! -f "$exp" ]; then echo "MISSING $exp"; fail=$((fail+1)); return; fi
      if same "$got" "$exp"; then pass=$((pass+1)); else
        echo "FAIL $name (mqsniff -r $cap $*)"; head -c 7 "$exp" | grep -q '^sha256 ' || diff <(echo "$got") "$exp" | head -10; fail=$((fail+1)); fi;;
  esac
}

while read -r name cap args; do
  case $name in ''|'#'*) continue;; esac
  ref=tshark
  case $args in @own*) ref=own; args=${args#@own};; esac  # a deliberate difference, reviewed output
  eval "set -- $args"  # shell quoting in TESTLIST: -Y 'a && b'
  run_one "$root/captures" "$name" "$cap" "$ref" "$@"
done <"$here/golden/TESTLIST"

# Crafted reassembly captures, generated into a temporary folder.
crafted=$(mktemp -d)
trap 'rm -rf "$crafted"' EXIT
python3 "$root/captures/craft_reassembly.py" "$crafted" --large
while read -r name cap ref args; do
  case $name in ''|'#'*) continue;; esac
  # shellcheck disable=SC2086
  run_one "$crafted" "$name" "$cap" "$ref" $args
done <"$here/golden/TESTLIST.crafted"
[ "$mode" = "--update" ] && exit 0
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
