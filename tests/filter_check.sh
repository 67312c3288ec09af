#!/usr/bin/env bash
# The display-filter table (tests/filters/TABLE): each filter's matching frames,
# or its error (message and caret), must be tshark 4.0's.
#
#   tests/filter_check.sh MQSNIFF             compare with tests/filters/expected.txt (CI)
#   tests/filter_check.sh MQSNIFF --update    rerun tshark and rewrite expected.txt
#   tests/filter_check.sh MQSNIFF --live      compare with tshark run now (no file)
# Where mqsniff's message adds to tshark's (suggestions), tshark's must be its start.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=$(realpath "${1:?usage: filter_check.sh MQSNIFF [--update|--live]}")
mode=${2:-compare}
table=$here/filters/TABLE
expected=$here/filters/expected.txt
export LC_ALL=C.UTF-8 TZ=UTC

# One result line: "frames 1-3,7" or "error MESSAGE|CARET" (stderr's first and third lines).
result() { # tool capture filter
  local tool=$1 cap=$2 f=$3 out err rc
  err=$(mktemp)
  out=$(cd "$root/captures" && "$tool" -n -r "$cap" -Y "$f" -T fields -e frame.number 2>"$err")
  rc=$?
  if [ $rc -ne 0 ] || [ -z "$out" -a -s "$err" ] && grep -qv '^Running as user' "$err"; then
    local msg caret
    msg=$(grep -v '^Running as user' "$err" | sed -n 1p | sed -E 's/^(tshark|mqsniff): //')
    caret=$(grep -v '^Running as user' "$err" | sed -n 3p)
    rm -f "$err"
    echo "error rc=$rc $msg|$caret"
    return
  fi
  rm -f "$err"
  # frame numbers as ranges
  printf '%s\n' "$out" | awk 'NF{ if (s=="") {s=$1; e=$1} else if ($1==e+1) e=$1; else { r=r (r?",":"") (s==e?s:s"-"e); s=$1; e=$1 } }
       END{ if (s!="") r=r (r?",":"") (s==e?s:s"-"e); print "frames " (r==""?"none":r) }'
}

same() { # expected got: equal, or an error whose message starts with the expected one (same caret, same rc)
  [ "$1" = "$2" ] && return 0
  case $1 in error*) ;; *) return 1;; esac
  local em=${1%%|*} ec=${1#*|} gm=${2%%|*} gc=${2#*|}
  # tshark prints no caret for an unexpected end; mqsniff points at what is unclosed.
  { [ -z "$ec" ] || [ "$ec" = "$gc" ]; } && [ "${gm#"$em"}" != "$gm" ]
}

pass=0; fail=0; n=0
declare -A want=()
if [ "$mode" = compare ]; then
  [ -f "$expected" ] || { echo "missing $expected: run with --update"; exit 1; }
  while IFS=$'\t' read -r cap f res; do want["$cap"$'\t'"$f"]=$res; done <"$expected"
fi
[ "$mode" = --update ] && : >"$expected.new"
while IFS=$'\t' read -r cap f; do
  case $cap in ''|'#'*) continue;; esac
  n=$((n+1))
  case $mode in
    --update)
      r=$(result tshark "$cap" "$f")
      printf '%s\t%s\t%s\n' "$cap" "$f" "$r" >>"$expected.new";;
    *)
      if [ "$mode" = --live ]; then w=$(result tshark "$cap" "$f"); else w=${want["$cap"$'\t'"$f"]-}; fi
      g=$(result "$bin" "$cap" "$f")
      if [ -n "$w" ] && same "$w" "$g"; then pass=$((pass+1))
      else fail=$((fail+1)); printf 'FAIL %s: %s\n  tshark:  %s\n  mqsniff: %s\n' "$cap" "$f" "$w" "$g"; fi;;
  esac
done <"$table"
if [ "$mode" = --update ]; then mv "$expected.new" "$expected"; echo "updated $n filters"; exit 0; fi
echo "filter_check: $pass passed, $fail failed (of $n filters)"
[ $fail -eq 0 ]
