#!/usr/bin/env bash
# --report in a real browser: headless Chromium (Debian's chromium) loads the
# HTML report of real captures from the file, and its DOM (--dump-dom) must
# hold the exposure table (one row per connection, the verdicts), one SVG
# ladder per connection, the latency histograms, the I/O graph's three series
# and the topic tree. A screenshot of each is kept in the build directory
# (test-artifacts/) for a person to look at.
set -u
bin=$(realpath "${1:?usage: report_check.sh MQSNIFF_BINARY [ARTIFACT_DIR]}")
root=$(cd "$(dirname "$0")/.." && pwd)
art=${2:-$(dirname "$bin")/test-artifacts}
chrome=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chrome" ] || { echo "report_check: chromium missing - skipped"; exit 77; }
mkdir -p "$art"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { if eval "$1"; then pass=$((pass+1)); else echo "FAIL: $2"; fail=$((fail+1)); fi; }
browse() { # html -> dom on stdout, screenshot beside
  local html=$1 name=$2
  timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" --dump-dom "file://$html" 2>/dev/null
  timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" --window-size=1200,3000 \
    --screenshot="$art/$name.png" "file://$html" >/dev/null 2>&1
}
cd "$root/captures" || exit 1

# Plaintext: five connections, a QoS 2 flow left incomplete, keepalive, wildcards.
"$bin" -r mqtt_analysis.pcap -q --report "$tmp/plain.html"; rc=$?
check '[ $rc -eq 0 ] && [ -s "$tmp/plain.html" ]' "--report did not write the file (rc=$rc)"
check '! grep -qiE "<script|<link|(src|href)=\"?https?:|url\(https?:" "$tmp/plain.html"' "the report is not self-contained"
dom=$(browse "$tmp/plain.html" report_plain)
rows=$(grep -o '<tr class="CLEAR"' <<<"$dom" | wc -l)
check '[ "$rows" -eq 5 ]' "exposure table: $rows CLEAR rows, want 5"
check '[ "$(grep -o "<g class=\"ladder\"" <<<"$dom" | wc -l)" -eq 5 ]' "not one SVG ladder per connection"
check 'grep -q "PUBREC m7" <<<"$dom" && grep -q "PUBLISH q1 m9 DUP" <<<"$dom"' "ladder arrows missing (PUBREC m7, the DUP PUBLISH)"
check '[ "$(grep -o "<polyline class=\"series\"" <<<"$dom" | wc -l)" -eq 3 ]' "I/O graph: not three series"
check '[ "$(grep -o "<svg class=\"histogram\"" <<<"$dom" | wc -l)" -eq 2 ] && grep -q "<rect class=\"bar\"" <<<"$dom"' "latency histograms missing"
check 'grep -q "QoS 1: completion latency (6 flows)" <<<"$dom"' "QoS 1 histogram does not count the 6 completed flows"
check 'grep -q "<li>maison" <<<"$dom" && grep -q "<li>temperature" <<<"$dom"' "topic tree missing"
check 'grep -q "timed out: the broker closed the connection" <<<"$dom"' "keepalive section missing"
check '[ -s "$art/report_plain.png" ]' "no screenshot"

# TLS: decrypted with the key log, then without.
"$bin" -r mqtts_keylog_mutual_tls13.pcap -o tls.keylog_file:mqtts_keylog_mutual_tls13.keys -q --report "$tmp/keys.html" >/dev/null
dom=$(browse "$tmp/keys.html" report_keys)
check 'grep -q "<tr class=\"DECRYPTED\"" <<<"$dom" && grep -q "<tr class=\"FAILED\"" <<<"$dom"' "TLS with keys: DECRYPTED and FAILED rows expected"
check 'grep -q "password '"'"'s\*\*\*\*t'"'"'" <<<"$dom" && ! grep -q s3cret <<<"$dom"' "the password is not masked"
"$bin" -r mqtts_keylog_mutual_tls13.pcap -q --report "$tmp/nokeys.html" >/dev/null
dom=$(browse "$tmp/nokeys.html" report_nokeys)
check 'grep -q "<tr class=\"PROTECTED\"" <<<"$dom" && grep -q "certificates hidden by TLS 1.3" <<<"$dom"' "TLS without keys: PROTECTED row expected"
check '! grep -q "secure/" <<<"$dom"' "a topic is readable without the keys"

# An unwritable destination is an error for a person, exit 2.
err=$("$bin" -r mqtt_plain.pcap -q --report /nonexistent/dir/r.html 2>&1 >/dev/null); rc=$?
check '[ $rc -eq 2 ] && [[ "$err" == *"could not be written"* ]]' "unwritable report: rc=$rc, $err"
echo "report_check: $pass passed, $fail failed (screenshots in $art)"
[ $fail -eq 0 ]
