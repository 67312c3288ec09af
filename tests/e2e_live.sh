#!/usr/bin/env bash
# The classroom story end to end, live on loopback (root needed): the lab's PKI
# made with the openssl CLI, the real mosquitto broker with a plaintext
# listener (password file), a TLS listener (server authentication) and a
# mutual-TLS listener (require_certificate true), mqsniff -i lo in the
# background, the real mosquitto_pub / mosquitto_sub. Every step asserts on
# mqsniff's own output; the -w file must be read by tshark with the same
# count; SIGINT must stop cleanly. Loopback only; processes cleaned up by PID.
set -u
bin=$(realpath "${1:?usage: e2e_live.sh MQSNIFF_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then echo "e2e_live: needs root for live capture - skipped"; exit 77; fi
for t in mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd openssl; do
  command -v $t >/dev/null || { echo "e2e_live: $t missing - skipped"; exit 77; }
done
tmp=$(mktemp -d); chmod 755 "$tmp"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
[ -n "${E2E_KEEP:-}" ] && trap "for p in \"\${pids[@]}\"; do kill \$p 2>/dev/null; done; echo kept \$tmp" EXIT
pass=0; fail=0
check() { if eval "$1"; then pass=$((pass+1)); else echo "FAIL: $2"; fail=$((fail+1)); fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return; sleep 0.1; done; }

# 1. The lab's PKI: CA, broker and client certificates, and a rogue CA with its
#    own client certificate (RSA 2048, SHA-256, x509 -req -CA -CAcreateserial -days 100).
(
  cd "$tmp" || exit 1
  for ca in ca rogue; do
    openssl genrsa -out $ca.key 2048
    openssl req -new -x509 -sha256 -days 100 -key $ca.key -out $ca.crt -subj "/O=MQTT Lab/CN=$ca"
  done
  mk() { # name CN ca
    openssl genrsa -out "$1.key" 2048
    openssl req -new -sha256 -key "$1.key" -out "$1.csr" -subj "/O=MQTT Lab/CN=$2"
    openssl x509 -req -sha256 -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -days 100 -out "$1.crt"
  }
  mk server localhost ca; mk client student1 ca; mk rogueclient intruder rogue
) >/dev/null 2>&1
chmod 644 "$tmp"/*.key
check '[ -s "$tmp/server.crt" ] && [ -s "$tmp/client.crt" ] && [ -s "$tmp/rogueclient.crt" ]' "openssl could not make the lab PKI"

# 2. One broker, three listeners, on free ports of 127.0.0.1.
port=$(free_port); tport=$(free_port); mport=$(free_port)
mosquitto_passwd -b -c "$tmp/passwd" alice s3cret 2>/dev/null; chmod 644 "$tmp/passwd"
cat >"$tmp/m.conf" <<EOF
per_listener_settings true
listener $port 127.0.0.1
password_file $tmp/passwd
allow_anonymous false
listener $tport 127.0.0.1
cafile $tmp/ca.crt
certfile $tmp/server.crt
keyfile $tmp/server.key
password_file $tmp/passwd
allow_anonymous false
listener $mport 127.0.0.1
cafile $tmp/ca.crt
certfile $tmp/server.crt
keyfile $tmp/server.key
require_certificate true
allow_anonymous true
EOF
mosquitto -c "$tmp/m.conf" >"$tmp/broker.log" 2>&1 & pids+=($!)
wait_port $port; wait_port $tport; wait_port $mport

# 3. mqsniff in the background, as on the lab sheet: the summary, the lab's
#    field extraction, and a -w file.
ports="tcp port $port or tcp port $tport or tcp port $mport"
"$bin" -i lo -f "$ports" -l -w "$tmp/live.pcapng" -P >"$tmp/sum.txt" 2>"$tmp/err.txt" & sniff=$!; pids+=($sniff)
"$bin" -i lo -f "$ports" -l -Y mqtt -T fields -e tcp.srcport -e mqtt.msgtype -e mqtt.topic -e mqtt.msg \
  -e mqtt.username -e mqtt.passwd -e mqtt.retain >"$tmp/f.txt" 2>/dev/null & sf=$!; pids+=($sf)
# The lab's command exactly as people type it (-e without -T: -T fields)
"$bin" -i lo -f "$ports" -l -Y mqtt -e mqtt.topic >"$tmp/lab.txt" 2>/dev/null & sl=$!; pids+=($sl)
"$bin" -i lo -f "tcp port $tport or tcp port $mport" -l -T fields -e frame.number -e tcp.srcport -e _ws.col.Info \
  -e tls.alert_message.desc -e tls.inferred_alert -e tls.cert.subject >"$tmp/tls.txt" 2>/dev/null & st=$!; pids+=($st)
# TLS decryption live: the key log does not exist yet; the client creates it
# and appends to it as it connects, and mqsniff reads it on a ClientHello it
# has no secret for.
"$bin" -i lo -f "tcp port $tport" -l --keylog "$tmp/live.keys" -Y mqtt -T fields -e mqtt.clientid -e mqtt.topic \
  -e mqtt.msg >"$tmp/dec.txt" 2>"$tmp/dec_err.txt" & sd=$!; pids+=($sd)
# The MQTT analyses live: printed when the capture stops (SIGINT), the report written then.
"$bin" -i lo -f "tcp port $port or tcp port $tport" -q -z mqtt,qos -z mqtt,exposure -z mqtt,subscriptions \
  --keylog "$tmp/live.keys" --report "$tmp/live.html" >"$tmp/z.txt" 2>/dev/null & sz=$!; pids+=($sz)
sleep 1
P=(-h 127.0.0.1 -p "$port" -u alice -P s3cret)
# keepalive 5 s (mosquitto_sub's minimum): PINGREQ/PINGRESP while the rest runs
mosquitto_sub "${P[@]}" -i pinger -k 5 -W 7 -t lab/ping >/dev/null 2>&1 & ka=$!; pids+=($ka)
# wildcard subscribers, then a late subscriber for a retained message
mosquitto_sub "${P[@]}" -i wild -t 'maison/+/temperature' -t 'maison/#' -C 2 -W 5 >"$tmp/wild.txt" 2>/dev/null & ws=$!; pids+=($ws)
sleep 0.5
mosquitto_pub "${P[@]}" -i plain -t cheese/strudel -m hello
mosquitto_pub "${P[@]}" -i q1 -t maison/salon/temperature -m 21.5 -q 1
mosquitto_pub "${P[@]}" -i q2 -t maison/qos2 -m x -q 2
mosquitto_pub "${P[@]}" -i ret -t lab/retained -m kept -r
mosquitto_sub "${P[@]}" -i late -t lab/retained -C 1 -W 3 >"$tmp/late.txt" 2>/dev/null
# MQTTS, server authentication: only the handshake and Application Data
mosquitto_pub -h localhost -p "$tport" --cafile "$tmp/ca.crt" -u alice -P s3cret -t cheese/strudel -m "secret over TLS"
tls_rc=$?
# ... and a client that writes its TLS keys (Python's SSLContext.keylog_filename)
python3 "$root/captures/mqtts_keylog_client.py" 127.0.0.1 "$tport" "$tmp/ca.crt" "$tmp/live.keys" --id livekeys >/dev/null
keys_rc=$?
# mutual TLS with the right client certificate: accepted, still nothing readable
mosquitto_pub -h localhost -p "$mport" --cafile "$tmp/ca.crt" --cert "$tmp/client.crt" --key "$tmp/client.key" \
  -t cheese/strudel -m "secret over mutual TLS"
mtls_rc=$?
# ... and a client that writes its TLS keys (Python's SSLContext.keylog_filename)
python3 "$root/captures/mqtts_keylog_client.py" 127.0.0.1 "$tport" "$tmp/ca.crt" "$tmp/live.keys" --id livekeys >/dev/null
keys_rc=$?
# ... with the rogue client certificate: refused. TLS 1.3 (what mosquitto_pub
# negotiates) hides the alert; TLS 1.2 (openssl s_client) shows "Unknown CA".
mosquitto_pub -h localhost -p "$mport" --cafile "$tmp/ca.crt" --cert "$tmp/rogueclient.crt" --key "$tmp/rogueclient.key" \
  -t cheese/strudel -m nope >/dev/null 2>&1
rogue_rc=$?
echo | timeout 5 openssl s_client -tls1_2 -connect 127.0.0.1:"$mport" -CAfile "$tmp/ca.crt" \
  -cert "$tmp/rogueclient.crt" -key "$tmp/rogueclient.key" >/dev/null 2>&1
wait $ka $ws
sleep 1
kill -INT $sniff $sf $st $sd $sz $sl; wait $sniff; rc=$?; wait $sf $st $sd $sl; wait $sz; zrc=$?

# 4. What mqsniff showed.
check '[ $rc -eq 0 ]' "mqsniff did not stop cleanly on SIGINT (rc=$rc)"
check 'grep -Eq "^[0-9]+ packets captured" "$tmp/err.txt"' "no 'N packets captured' line on SIGINT"
check 'grep -q "	3	cheese/strudel	68656c6c6f	" "$tmp/f.txt"' "plaintext topic and payload not shown"
check 'grep -qx "cheese/strudel" "$tmp/lab.txt" && grep -qx "maison/salon/temperature" "$tmp/lab.txt"' \
  "the lab command as typed (-Y mqtt -e mqtt.topic) did not print the topics"
check 'grep -q "	1			alice	s3cret	" "$tmp/f.txt"' "user name and password of the CONNECT not shown"
check 'grep -q "Publish Message \[cheese/strudel\]" "$tmp/sum.txt"' "summary line of the plaintext publish missing"
check '[ $tls_rc -eq 0 ] && [ $mtls_rc -eq 0 ] && [ $rogue_rc -ne 0 ]' \
  "broker verdicts unexpected: TLS rc=$tls_rc, mutual TLS rc=$mtls_rc, rogue rc=$rogue_rc"
tlsonly=$(cat "$tmp/tls.txt")
check '[[ "$tlsonly" == *"Client Hello"* && "$tlsonly" == *"Server Hello"* && "$tlsonly" == *"Application Data"* ]]' \
  "TLS handshake / Application Data not shown"
check '! grep -q -e "secret over" -e 7365637265 <<<"$tlsonly"' "a TLS payload is readable"
check '! grep -E "	($tport|$mport)	" "$tmp/f.txt" | grep -q .' "MQTT fields decoded from a TLS port"
check 'grep -q "will be read when it appears" "$tmp/dec_err.txt"' "no warning that the live key log does not exist yet"
check '[ $keys_rc -eq 0 ] && grep -q "^livekeys		" "$tmp/dec.txt"' "live key log: the CONNECT of the MQTTS client not decrypted"
check 'grep -q "	secure/password	68756e7465723" "$tmp/dec.txt"' "live key log: the QoS 2 PUBLISH inside TLS not decrypted"
check '! grep -q "736563726574206f766572" "$tmp/dec.txt"' "a session without keys was shown decrypted"
check '[ $zrc -eq 0 ] && grep -q "MQTT QoS flows" "$tmp/z.txt"' "live -z mqtt,qos not printed at SIGINT (rc=$zrc)"
check 'grep -Eq "all connections +2 +client -> broker +[1-9]" "$tmp/z.txt"' "live -z mqtt,qos: no QoS 2 message from a client"
check 'grep -q "CLEAR: credentials and" "$tmp/z.txt" && grep -q "password '"'"'s\*\*\*\*t'"'"'" "$tmp/z.txt"' \
  "live -z mqtt,exposure: the plaintext credentials (masked) not reported"
check 'grep -q "PROTECTED: TLS 1.3, nothing readable" "$tmp/z.txt" && grep -q "DECRYPTED with the key log" "$tmp/z.txt"' \
  "live -z mqtt,exposure: the TLS session without keys and the one with keys not told apart"
check 'grep -q "'"'"'maison/+/temperature'"'"'" "$tmp/z.txt" && grep -q "Overlapping subscriptions" "$tmp/z.txt"' \
  "live -z mqtt,subscriptions: the overlapping wildcard subscriptions not explained"
check '[ -s "$tmp/live.html" ] && grep -q "exposure-table" "$tmp/live.html"' "live --report not written at SIGINT"
check 'grep -q "handshake rejected" "$tmp/tls.txt"' "TLS 1.3 rejection of the rogue client certificate not inferred"
check 'grep -q "Alert (Level: Fatal, Description: Unknown CA)	48" "$tmp/tls.txt"' "TLS 1.2 fatal Unknown CA alert not shown"
check 'grep -q "CN=intruder" "$tmp/tls.txt"' "the rogue client certificate (TLS 1.2, in clear) not shown"
# QoS ladders, in order, per connection (tcp.stream) in the written file
q1=$("$bin" -r "$tmp/live.pcapng" -Y "mqtt.msgtype in {3, 4} && mqtt.qos == 1 || mqtt.msgtype == 4" -T fields -e mqtt.msgtype | tr '\n' ' ')
check '[[ "$q1" == *"3 3 4"* || "$q1" == *"3 4"* ]]' "QoS 1 PUBLISH/PUBACK not in order: $q1"
q2=$("$bin" -r "$tmp/live.pcapng" -Y "mqtt.msgtype in {5, 6, 7} || (mqtt.msgtype == 3 && mqtt.qos == 2)" -T fields -e mqtt.msgtype | tr '\n' ' ')
check '[[ "$q2" == *"3 5 6 3 7"* || "$q2" == *"3 5 6 7"* ]]' "QoS 2 ladder PUBLISH/PUBREC/PUBREL/PUBCOMP not in order: $q2"
check 'grep -q "	12	" "$tmp/f.txt" && grep -q "	13	" "$tmp/f.txt"' "keepalive PINGREQ/PINGRESP not shown"
check 'grep -q "^$port	3	lab/retained	6b657074		.*1$" "$tmp/f.txt" && [ "$(cat "$tmp/late.txt")" = kept ]' \
  "retained message not delivered to the late subscriber with the retain flag"
check 'grep -q "maison/+/temperature" "$tmp/f.txt" && grep -q "maison/#" "$tmp/f.txt"' "wildcard topic filters of the SUBSCRIBE not shown"
check 'grep -q "^$port	3	maison/salon/temperature	32312e35" "$tmp/f.txt" && [ "$(wc -l <"$tmp/wild.txt")" -eq 2 ]' \
  "publish to maison/salon/temperature not delivered through the wildcards"
written=$(wc -l <"$tmp/sum.txt")
if command -v tshark >/dev/null; then
  n=$(tshark -r "$tmp/live.pcapng" 2>/dev/null | wc -l)
  check '[ "$n" -eq "$written" ] && [ "$n" -gt 100 ]' "tshark reads $n packets from the -w file, mqsniff displayed $written"
fi

# 5. -a duration stops by itself.
start=$(date +%s)
"$bin" -i lo -f "tcp port $port" -a duration:2 -q 2>/dev/null
end=$(date +%s)
check '[ $((end - start)) -le 4 ]' "-a duration:2 took $((end - start)) s"
# 6. -Z drops root once the device and the -w file are open.
"$bin" -i lo -f "tcp port $port" -a duration:3 -q -Z nobody -w "$tmp/z.pcapng" 2>/dev/null & z=$!; pids+=($z)
sleep 1
uid=$(awk '/^Uid:/ {print $2}' /proc/$z/status 2>/dev/null)
check '[ "$uid" = "$(id -u nobody)" ]' "-Z nobody: the capture still runs as uid $uid"
wait $z
check '[ -s "$tmp/z.pcapng" ]' "-Z nobody: the -w file was not written"
# 7. Without permission to capture, a message that says what to do.
if command -v setpriv >/dev/null; then
  cp "$bin" "$tmp/mqsniff_np"; chmod 755 "$tmp/mqsniff_np"
  msg=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$tmp/mqsniff_np" -i lo -c 1 2>&1); prc=$?
  check '[ $prc -eq 2 ] && [[ "$msg" == *"Run mqsniff as root (sudo)"* ]] && [[ "$msg" == *"sudo setcap cap_net_raw,cap_net_admin=eip"* ]]' \
    "no helpful permission message: $msg"
fi
# 7b. Several interfaces at once (-i lo -i any), as tshark: "Capturing on
#     'Loopback: lo' and 'any'", each packet on its own interface (ids 0 and 1, two link
#     types) in the -w file, which tshark reads back the same.
"$bin" -i lo -i any -f "tcp port $port" -a duration:4 -w "$tmp/two.pcapng" -P >"$tmp/two.txt" 2>"$tmp/two_err.txt" & two=$!; pids+=($two)
sleep 1.5
mosquitto_pub "${P[@]}" -i twoif -t lab/two -m both -q 1
wait $two
two_ids=$(tshark -r "$tmp/two.pcapng" -T fields -e frame.interface_id -e frame.interface_name -e frame.encap_type 2>/dev/null | sort -u | tr '\n\t' ' :')
ours=$("$bin" -r "$tmp/two.pcapng" -T fields -e frame.interface_id -e frame.interface_name -e frame.encap_type 2>/dev/null | sort -u | tr '\n\t' ' :')
check 'grep -q "Capturing on '"'"'Loopback: lo'"'"' and '"'"'any'"'"'" "$tmp/two_err.txt"' "-i lo -i any: $(cat "$tmp/two_err.txt")"
check '[[ "$two_ids" == "0:lo:1 1:any:"* ]] && [ "$two_ids" = "$ours" ]' "-i lo -i any: interfaces in the -w file: tshark '$two_ids', mqsniff '$ours'"
check '[ "$("$bin" -r "$tmp/two.pcapng" 2>/dev/null | wc -l)" -eq "$(wc -l <"$tmp/two.txt")" ] && grep -q "Publish Message" "$tmp/two.txt"' \
  "-i lo -i any: the printed lines and the -w file differ"
# 8. -Z with an unknown user: refused before any device is opened.
msg=$("$bin" -i lo -a duration:1 -Z no_such_user_e2e 2>&1); zrc=$?
check '[ $zrc -eq 1 ] && [[ "$msg" != *"Capturing on"* ]] && [[ "$msg" == *"no user \"no_such_user_e2e\""* ]]' "-Z unknown user: rc=$zrc $msg"
# 10. -b: a set of files named as dumpcap names them, a ring of the newest N;
#     -a files / filesize stop the capture by themselves. Each file complete (tshark reads it).
rb="$tmp/ring"; mkdir -p "$rb"
rport=$(free_port)
python3 - "$rport" <<'PYEOF' & pids+=($!)
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); s.settimeout(15)
try:
    while True:
        c, _ = s.accept(); c.close()
except OSError:
    pass
PYEOF
wait_port "$rport"
"$bin" -i lo -f "tcp port $rport" -w "$rb/out.pcapng" -b packets:5 -b files:3 -a duration:4 -q 2>/dev/null & r=$!; pids+=($r)
sleep 1
for _ in $(seq 8); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $rport)).close()"; sleep 0.1; done
wait $r
files=$(ls "$rb" | grep -cE '^out_[0-9]{5}_[0-9]{14}\.pcapng$')
check '[ "$files" -eq 3 ]' "-b packets:5 -b files:3 kept $files files: $(ls "$rb")"
last=$(ls "$rb" | sort | tail -1); first=$(ls "$rb" | sort | head -1)
n=$(tshark -r "$rb/$first" 2>/dev/null | wc -l)
check '[ "$n" -eq 5 ]' "a full ring file holds $n packets, want 5"
check 'tshark -r "$rb/$last" >/dev/null 2>&1' "the last ring file is not readable"
rm -f "$rb"/*
start=$(date +%s.%N)
timeout 20 "$bin" -i lo -f "tcp port $rport" -w "$rb/t.pcap" -F pcap -b duration:1 -a files:3 -q 2>/dev/null
took=$(python3 -c "import time; print(int(time.time() - $start))")
files=$(ls "$rb" | grep -c '^t_')
check '[ "$files" -eq 3 ] && [ "$took" -le 6 ]' "-b duration:1 -a files:3: $files files in ${took}s"
rm -f "$rb"/*
"$bin" -i lo -f "tcp port $rport" -w "$rb/s.pcapng" -a filesize:1 -a duration:8 -q 2>/dev/null & r=$!; pids+=($r)
sleep 1
for _ in $(seq 10); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $rport)).close()"; sleep 0.05; done
wait $r
size=$(stat -c %s "$rb/s.pcapng")
n=$(tshark -r "$rb/s.pcapng" 2>/dev/null | wc -l)
check '[ "$size" -ge 1000 ] && [ "$size" -lt 1400 ] && [ "$n" -lt 40 ]' "-a filesize:1: $size bytes, $n packets"
# 9. No -i: dumpcap's choice - in a network namespace that has only lo, "any".
ns=mqsniff_e2e_$$
if ip netns add "$ns" 2>/dev/null; then
  ip netns exec "$ns" ip link set lo up
  msg=$(ip netns exec "$ns" timeout 10 "$bin" -a duration:1 2>&1 >/dev/null)
  check '[[ "$msg" == *"Capturing on '"'"'any'"'"'"* ]]' "default interface in a namespace with only lo: $msg"
  ip netns del "$ns"
fi
# 10. Live output is written while the capture runs, not only at its end:
# when the interface is idle, what the worker threads or the render thread
# hold is written out (to a file here: not line-buffered).
# One ICMP echo request to 127.0.0.1 from a raw socket (root; no ping needed).
icmp_echo() {
  python3 - <<'PY'
import socket, struct
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
body = b'mqsniff e2e'
body += b'\0' * (len(body) % 2)
hdr = struct.pack('!BBHHH', 8, 0, 0, 0x6d71, 1)
pkt = struct.pack('!BBHHH', 8, 0, csum(hdr + body), 0x6d71, 1) + body
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(pkt, ('127.0.0.1', 0))
PY
}
for mode in "" "--threads 1" "-V" "-T json" "-T ek" "-Y icmp -T fields -e frame.number -e ip.src"; do
  # shellcheck disable=SC2086
  "$bin" -i lo -f icmp -a duration:4 $mode >"$tmp/idle.out" 2>/dev/null & r=$!; pids+=($r)
  sleep 1
  icmp_echo  # (the kernel answers: a request and a reply)
  sleep 0.6
  during=$(grep -c -E 'ICMP|^Frame|"_index"|"index"|127\.0\.0\.1' "$tmp/idle.out")
  wait $r
  check '[ "$during" -ge 2 ]' "live [$mode]: the ping's lines were not written during the capture ($during)"
done
echo "e2e_live: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
