#!/usr/bin/env bash
# Errors are for people: each bad invocation must print tshark's message (with
# "mqsniff:" in place of "tshark:") and exit with tshark's code.
set -u
bin=$(realpath "${1:?usage: cli_errors.sh MQSNIFF_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/captures" || exit 1
pass=0; fail=0
expect() { # expected_rc expected_stderr_substring args...
  local rc=$1 msg=$2; shift 2
  local err got
  err=$("$bin" "$@" 2>&1 >/dev/null); got=$?
  if [ "$got" -eq "$rc" ] && [[ "$err" == *"$msg"* ]]; then pass=$((pass+1)); else
    echo "FAIL: mqsniff $* -> rc=$got (want $rc), stderr: $err"; echo "      wanted: $msg"; fail=$((fail+1)); fi
}
expect 2 'The file "nonexist.pcap" doesn'"'"'t exist.' -r nonexist.pcap
expect 2 'The file "make_captures.sh" isn'"'"'t a capture file in a format mqsniff understands.' -r make_captures.sh
expect 2 'appears to have been cut short in the middle of a packet.' -r cut_mid_record.pcap
expect 2 'is a directory' -r .
expect 1 'invalid option -- '"'"'K'"'"'' -K
expect 1 'Invalid -T parameter "foo"' -r mqtt_plain.pcap -T foo
expect 1 '"-Tfields" was specified, but no fields were specified with "-e".' -r mqtt_plain.pcap -T fields
expect 1 'Some fields aren'"'"'t valid:' -r mqtt_plain.pcap -T fields -e tcp.foo
expect 1 'tcp.srcport' -r mqtt_plain.pcap -T fields -e tcp.srcprt
expect 1 'The specified packet count "abc" isn'"'"'t a decimal number' -r mqtt_plain.pcap -c abc
expect 1 'Invalid time stamp type "zz"' -r mqtt_plain.pcap -t zz
expect 1 '-G only valid as first option' -r mqtt_plain.pcap -G fields
expect 2 'Invalid capture filter "tcp port banana"' -r mqtt_plain.pcap -f "tcp port banana"
expect 0 '' -r mqtt_plain.pcap -f "tcp port 1883" -c 1
# -e without -T means -T fields (deliberate); with -T text it is still refused
expect 0 '' -r mqtt_plain.pcap -Y mqtt -e mqtt.topic
expect 1 'Output fields were specified with "-e", but "-Tek, -Tfields, -Tjson or -Tpdml" was not specified.' -r mqtt_plain.pcap -T text -e mqtt.topic
a=$("$bin" -r mqtt_plain.pcap -Y mqtt -e mqtt.topic 2>/dev/null); b=$("$bin" -r mqtt_plain.pcap -Y mqtt -T fields -e mqtt.topic 2>/dev/null)
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass=$((pass+1)); else echo "FAIL: -e without -T differs from -T fields"; fail=$((fail+1)); fi
# TLS key logs: missing (a warning, tshark says nothing), a directory, malformed lines
expect 0 'mqsniff: TLS key log "no-such.keys" not found: TLS sessions will stay encrypted.' -r mqtts_keylog_tls13.pcap --keylog no-such.keys
expect 1 'mqsniff: The TLS key log "." could not be read: Is a directory' -r mqtts_keylog_tls13.pcap -o tls.keylog_file:.
kl=$(mktemp -d); chmod 755 "$kl"
{ echo "# comment"; echo "CLIENT_RANDOM 00ff 1122"; cat mqtts_keylog_tls13.keys; } >"$kl/bad.keys"
expect 0 'mqsniff: TLS key log: 1 malformed line(s) skipped (first: line 2)' -r mqtts_keylog_tls13.pcap --keylog "$kl/bad.keys"
n=$("$bin" -r mqtts_keylog_tls13.pcap --keylog "$kl/bad.keys" -Y mqtt -T fields -e mqtt.topic 2>/dev/null | grep -c .)
if [ "$n" -eq 7 ]; then pass=$((pass+1)); else echo "FAIL: a malformed key-log line stopped decryption ($n topics, want 7)"; fail=$((fail+1)); fi
# ... and one its user cannot read (as tshark's unreadable capture: exit 1, and what to do)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
  cp "$bin" mqtts_keylog_tls13.pcap "$kl/"; cp mqtts_keylog_tls13.keys "$kl/private.keys"; chmod 600 "$kl/private.keys"
  chmod 644 "$kl/mqtts_keylog_tls13.pcap"; chmod 755 "$kl/$(basename "$bin")"
  err=$(cd "$kl" && setpriv --reuid=nobody --regid=nogroup --clear-groups "./$(basename "$bin")" -r mqtts_keylog_tls13.pcap \
        --keylog private.keys 2>&1 >/dev/null); rc=$?
  if [ $rc -eq 1 ] && [[ "$err" == *'could not be read: Permission denied. Check its permissions'* ]]; then pass=$((pass+1))
  else echo "FAIL: unreadable key log -> rc=$rc: $err"; fail=$((fail+1)); fi
fi
rm -rf "$kl"
# stdin, and a cut capture still prints the packets before the cut
a=$("$bin" -r - <mqtt_plain.pcap 2>/dev/null); b=$("$bin" -r mqtt_plain.pcap 2>/dev/null)
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass=$((pass+1)); else echo "FAIL: -r - differs from -r FILE"; fail=$((fail+1)); fi
# pcapng packet comments survive -w (pcapng), a display filter and stdin.
tmpc=$(mktemp -d)
a=$("$bin" -r mqtt_password_commented.pcapng -T fields -e frame.number -e frame.comment -Y frame.comment 2>/dev/null)
"$bin" -r mqtt_password_commented.pcapng -w "$tmpc/c.pcapng" 2>/dev/null
b=$("$bin" -r "$tmpc/c.pcapng" -T fields -e frame.number -e frame.comment -Y frame.comment 2>/dev/null)
c=$("$bin" -r - -T fields -e frame.number -e frame.comment -Y frame.comment <mqtt_password_commented.pcapng 2>/dev/null)
if [ "$(printf '%s\n' "$a" | wc -l)" -eq 2 ] && [ "$a" = "$b" ] && [ "$a" = "$c" ]; then pass=$((pass+1)); else
  echo "FAIL: pcapng comments lost (-r: $a / after -w: $b / stdin: $c)"; fail=$((fail+1)); fi
# A pcapng of three interfaces and two link types: -w keeps each packet on its
# interface (ids, names, link types; read back by mqsniff and by tshark), also
# after a display filter, from stdin and with a capture filter applied per link
# type; a pcap file cannot hold two link types (refused, as tshark does).
want=$("$bin" -r mqtt_multi_iface.pcapng -T fields -e frame.number -e frame.interface_id -e frame.interface_name -e frame.encap_type -e tcp.len 2>/dev/null)
"$bin" -r mqtt_multi_iface.pcapng -w "$tmpc/m.pcapng" 2>/dev/null
got=$("$bin" -r "$tmpc/m.pcapng" -T fields -e frame.number -e frame.interface_id -e frame.interface_name -e frame.encap_type -e tcp.len 2>/dev/null)
viat=$(command -v tshark >/dev/null && tshark -n -r "$tmpc/m.pcapng" -T fields -e frame.number -e frame.interface_id -e frame.interface_name -e frame.encap_type -e tcp.len 2>/dev/null || echo "$want")
if [ "$(printf '%s\n' "$want" | wc -l)" -eq 118 ] && [ "$want" = "$got" ] && [ "$want" = "$viat" ]; then pass=$((pass+1)); else
  echo "FAIL: multi-interface pcapng through -w"; fail=$((fail+1)); fi
"$bin" -r - -Y 'frame.interface_id == 2' -w "$tmpc/any.pcapng" <mqtt_multi_iface.pcapng 2>/dev/null
a=$("$bin" -r "$tmpc/any.pcapng" -T fields -e frame.interface_id -e frame.interface_name 2>/dev/null | sort | uniq -c | tr -s ' \t' '  ')
if [ "$a" = " 59 2 any" ]; then pass=$((pass+1)); else echo "FAIL: -Y frame.interface_id==2 -w kept: $a"; fail=$((fail+1)); fi
a=$("$bin" -r mqtt_multi_iface.pcapng -f 'tcp[tcpflags] & tcp-syn != 0' -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c | tr -s ' ' | tr '\n' ' ')
if [ "$a" = " 8 any  2 lo  6 veth0 " ]; then pass=$((pass+1)); else echo "FAIL: capture filter on a pcapng of two link types: $a"; fail=$((fail+1)); fi
expect 2 "can't be written as a \"pcap\" file" -r mqtt_multi_iface.pcapng -F pcap -w "$tmpc/m.pcap"
rm -rf "$tmpc"
n=$("$bin" -r cut_mid_record.pcap 2>/dev/null | wc -l)
if [ "$n" -eq 9 ]; then pass=$((pass+1)); else echo "FAIL: cut capture printed $n lines, want 9"; fail=$((fail+1)); fi
# A BPF capture filter applies to files too
n=$("$bin" -r mqtt_plain.pcap -f "tcp[tcpflags] & tcp-syn != 0" 2>/dev/null | wc -l)
want=$("$bin" -r mqtt_plain.pcap -T fields -e tcp.flags.syn 2>/dev/null | grep -c '^1$')
if [ "$n" -eq "$want" ] && [ "$n" -gt 0 ]; then pass=$((pass+1)); else echo "FAIL: -f syn filter printed $n lines, want $want"; fail=$((fail+1)); fi
# -G fields lists the registry in tshark's 8-column layout
row=$("$bin" -G fields | grep -P '^F\tSource Port\ttcp.srcport\t')
if [ "$row" = $'F\tSource Port\ttcp.srcport\tFT_UINT16\ttcp\tBASE_PT_TCP\t0x0\t' ]; then pass=$((pass+1)); else echo "FAIL: -G fields row: $row"; fail=$((fail+1)); fi
# MQTT on port 11883 is found by its CONNECT without -d, exactly as with -d
a=$("$bin" -r mqtt_port11883.pcap 2>/dev/null); b=$("$bin" -r mqtt_port11883.pcap -d tcp.port==11883,mqtt 2>/dev/null)
if [ "$a" = "$b" ] && [[ "$a" == *"Publish Message (id=1) [maison/garage/porte]"* ]]; then pass=$((pass+1)); else echo "FAIL: CONNECT heuristic"; fail=$((fail+1)); fi
n=$("$bin" -r mqtt_port11883.pcap --disable-heuristic mqtt 2>/dev/null | grep -c MQTT)
if [ "$n" -eq 0 ]; then pass=$((pass+1)); else echo "FAIL: --disable-heuristic mqtt still found $n MQTT frames"; fail=$((fail+1)); fi
expect 1 'isn'"'"'t a valid "Decode As" specification' -r mqtt_plain.pcap -d tcp.port=1883,mqtt
expect 1 'the protocols mqsniff can decode as are' -r mqtt_plain.pcap -d tcp.port==1883,http
# A capture that starts after a 5.0 CONNECT: the version is inferred from the
# Connect Ack, so the forwarded PUBLISH's properties are decoded (tshark mixes
# them into mqtt.msg); -o mqtt.default_version:v50 forces it.
out=$("$bin" -r mqtt_v5_midstream.pcap -T fields -e mqtt.version_inferred -e mqtt.prop.user_property 2>/dev/null)
if [[ "$out" == *$'5\t'* ]] && [[ "$out" == *'who=lab'* ]] && [[ "$out" == *'k1=v1'* ]]; then pass=$((pass+1)); else echo "FAIL: version inference"; fail=$((fail+1)); fi
expect 1 '-o flag "mqtt.default_version:v6" has an invalid value' -r mqtt_plain.pcap -o mqtt.default_version:v6
# -b (ring buffer): tshark's refusals
expect 1 'Multiple capture files requested, but the capture isn'"'"'t being saved to a file.' -i lo -b packets:3
expect 1 'Multiple capture files requested, but a capture isn'"'"'t being done.' -r mqtt_plain.pcap -w /dev/null -b packets:3
expect 1 'Ring buffer requested, but no maximum capture file size' -i lo -w /dev/null -b files:3
expect 1 'Invalid or unknown -b arg "foo:3"' -i lo -w /dev/null -b foo:3
expect 1 'Invalid or unknown -a flag "files:x"' -i lo -a files:x
# -o: tshark's wording for an unknown preference or a missing value; -G defaultprefs/currentprefs list them
expect 1 'mqsniff: -o flag "foo.bar:1" specifies unknown preference' -r mqtt_plain.pcap -o foo.bar:1
expect 1 'mqsniff: Invalid -o flag "tcp.desegment_tcp_streams"' -r mqtt_plain.pcap -o tcp.desegment_tcp_streams
expect 1 'has an invalid value: TRUE or FALSE is expected' -r mqtt_plain.pcap -o tcp.desegment_tcp_streams:maybe
expect 0 '' -r mqtt_plain.pcap -o "mqtt.default_version:MQTT v5.0" -o ssl.keylog_file:/dev/null
n=$("$bin" -G defaultprefs | grep -c '^#[a-z]')

if [ "$n" -ge 12 ] && "$bin" -G currentprefs -o mqtt.default_version:v50 | grep -qx 'mqtt.default_version: MQTT v5.0' &&
   "$bin" -G currentprefs | grep -qx '#mqtt.default_version: None'; then pass=$((pass+1))
else echo "FAIL: -G defaultprefs ($n preferences) / currentprefs"; fail=$((fail+1)); fi

# -o mqtt.show_msg_as_text:TRUE: "Message: 21.5" in -V, as tshark
if "$bin" -r mqtt_features.pcap -Y 'mqtt.msgtype==3' -o mqtt.show_msg_as_text:TRUE -V | grep -q '^    Message: 21.5$'; then pass=$((pass+1))
else echo "FAIL: mqtt.show_msg_as_text"; fail=$((fail+1)); fi
expect 1 'Invalid -z argument "bogus"; it must be one of:' -r mqtt_plain.pcap -z bogus
expect 1 'mqtt.topc' -r mqtt_plain.pcap -q -z io,stat,1,mqtt.topc==1
expect 1 'Invalid -T parameter "pdml"' -r mqtt_plain.pcap -T pdml
expect 1 'Some fields aren' -r mqtt_plain.pcap -T json -e mqtt.topc
# --color: 24-bit colours on a terminal (plaintext MQTT and TLS differ), none when piped.
if command -v script >/dev/null; then
  tty_out=$(script -qc "'$bin' -r mqtt_plain.pcap --color -Y mqtt" /dev/null)
  tls_out=$(script -qc "'$bin' -r mqtts_tls13.pcap --color -Y tls" /dev/null)
  if [[ "$tty_out" == *$'\x1b[38;2;18;39;46m\x1b[48;2;255;214;140m'* && "$tls_out" == *$'\x1b[48;2;164;224;255m'* ]]; then pass=$((pass+1)); else echo "FAIL: --color on a terminal"; fail=$((fail+1)); fi
fi
if ! "$bin" -r mqtt_plain.pcap --color | grep -q $'\x1b'; then pass=$((pass+1)); else echo "FAIL: --color when piped"; fail=$((fail+1)); fi
# -V and -T json/ek render on a second thread when reading a file:
# byte-identical to the single-threaded rendering, for every bundled capture,
# with -x and -O, and JSON's -j/-J.
for f in *.pcap *.pcapng; do
  [ -f "$f" ] || continue
  for args in "-V -x" "-V -O mqtt,tls" "-T json" "-T ek" "-T json -J tls"; do
    a=$("$bin" -r "$f" $args 2>&1 | md5sum); b=$(MQSNIFF_SINGLE_THREAD=1 "$bin" -r "$f" $args 2>&1 | md5sum)
    if [ "$a" = "$b" ]; then pass=$((pass+1)); else echo "FAIL: threaded output differs on $f ($args)"; fail=$((fail+1)); fi
  done
done
# ... and stops at once when the reader goes away (| head).
for args in "-V" "-T json" "-T ek"; do
  n=$("$bin" -r mqtt_features.pcap $args 2>/dev/null | head -2 | wc -l)
  if [ "$n" -eq 2 ]; then pass=$((pass+1)); else echo "FAIL: $args | head"; fail=$((fail+1)); fi
done
# gzip-compressed captures are read as tshark reads them (pcap and pcapng; the
# pcapng's TLS secrets too); a cut-short gzip stream is "cut short".
gz=$(mktemp -d)
gzip -c mqtt_features.pcap >"$gz/f.pcap.gz"; gzip -c mqtts_keylog_dsb.pcapng >"$gz/s.pcapng.gz"
head -c 300 "$gz/f.pcap.gz" >"$gz/cut.pcap.gz"
a=$("$bin" -r mqtt_features.pcap -V 2>&1); b=$("$bin" -r "$gz/f.pcap.gz" -V 2>&1)
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass=$((pass+1)); else echo "FAIL: .pcap.gz differs from .pcap"; fail=$((fail+1)); fi
a=$("$bin" -r mqtts_keylog_dsb.pcapng -Y mqtt -e mqtt.topic 2>&1); b=$("$bin" -r "$gz/s.pcapng.gz" -Y mqtt -e mqtt.topic 2>&1)
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass=$((pass+1)); else echo "FAIL: .pcapng.gz (with secrets) differs"; fail=$((fail+1)); fi
expect 2 'appears to have been cut short in the middle of a packet.' -r "$gz/cut.pcap.gz"
# TLS secrets after the first packet apply from there on (tests/golden
# dsb_late_*), on worker threads too: the same lines as on one thread.
a=$("$bin" --threads 2 -r mqtts_keylog_dsb_late.pcapng -Y mqtt -T fields -e frame.number -e mqtt.topic 2>&1)
b=$("$bin" --threads 1 -r mqtts_keylog_dsb_late.pcapng -Y mqtt -T fields -e frame.number -e mqtt.topic 2>&1)
if [ "$(echo "$a" | grep -c secure/)" -ge 5 ] && [ "$a" = "$b" ]; then pass=$((pass+1)); else
  echo "FAIL: late secrets on worker threads"; fail=$((fail+1)); fi
gz=$(mktemp -d)
gzip -c mqtts_keylog_dsb_late.pcapng >"$gz/late.pcapng.gz"
a=$("$bin" --threads 1 -r "$gz/late.pcapng.gz" -Y mqtt -T fields -e mqtt.topic 2>&1)
b=$(cat mqtts_keylog_dsb_late.pcapng | "$bin" --threads 1 -r - -Y mqtt -T fields -e mqtt.topic 2>&1)
c=$("$bin" --threads 1 -r mqtts_keylog_dsb_late.pcapng -Y mqtt -T fields -e mqtt.topic 2>&1)
if [ "$(echo "$c" | grep -c secure/)" -ge 5 ] && [ "$a" = "$c" ] && [ "$b" = "$c" ]; then pass=$((pass+1)); else
  echo "FAIL: late secrets from a gzip file or a pipe"; fail=$((fail+1)); fi
rm -rf "$gz"
rm -rf "$gz"
# Manufacturer names (eth.*.oui_resolved) from an OUI table in the IEEE registry's
# format (ieee-data), as MQSNIFF_OUI_FILE names it; without a table, no names.
oui=$(mktemp)
printf 'OUI/MA-L   Organization\n52-54-00   (hex)\t\tTest Lab Devices Inc.\n525400     (base 16)\t\tTest Lab Devices Inc.\n' >"$oui"
got=$(MQSNIFF_OUI_FILE=$oui "$bin" -r around_mqtt.pcap -c 1 -T fields -e eth.src.oui -e eth.src.oui_resolved -e eth.dst.oui_resolved 2>&1)
if [ "$got" = $'5395456\tTest Lab Devices Inc.\t' ]; then pass=$((pass+1)); else echo "FAIL: OUI table from MQSNIFF_OUI_FILE: $got"; fail=$((fail+1)); fi
rm -f "$oui"
echo "cli_errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
