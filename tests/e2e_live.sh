#!/usr/bin/env bash
# End to end against the real broker, live on loopback (root needed):
# mosquitto with a password file, mqsniff -i lo in the background, the real
# mosquitto_pub; asserts on mqsniff's own output, on the -w file (tshark reads
# it with the same count), and on a clean SIGINT stop. Loopback only.
set -u
bin=$(realpath "${1:?usage: e2e_live.sh MQSNIFF_BINARY}")
if [ "$(id -u)" -ne 0 ]; then echo "e2e_live: needs root for live capture - skipped"; exit 77; fi
for t in mosquitto mosquitto_pub mosquitto_passwd; do command -v $t >/dev/null || { echo "e2e_live: $t missing - skipped"; exit 77; }; done
tmp=$(mktemp -d); chmod 755 "$tmp"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0; fail=0
check() { if eval "$1"; then pass=$((pass+1)); else echo "FAIL: $2"; fail=$((fail+1)); fi; }

# A free port on 127.0.0.1.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mosquitto_passwd -b -c "$tmp/passwd" alice s3cret 2>/dev/null; chmod 644 "$tmp/passwd"
printf 'listener %s 127.0.0.1\npassword_file %s\nallow_anonymous false\n' "$port" "$tmp/passwd" >"$tmp/m.conf"
mosquitto -c "$tmp/m.conf" >"$tmp/broker.log" 2>&1 & pids+=($!)
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# 1. The lab's command, live: topic, payload, user name and password in clear.
"$bin" -i lo -f "tcp port $port" -l -Y mqtt -T fields -e mqtt.topic -e mqtt.msg -e mqtt.username -e mqtt.passwd \
  -w "$tmp/live.pcapng" -P >"$tmp/out.txt" 2>"$tmp/err.txt" & sniff=$!; pids+=($sniff)
sleep 1
mosquitto_pub -h 127.0.0.1 -p "$port" -u alice -P s3cret -t cheese/strudel -m hello
mosquitto_pub -h 127.0.0.1 -p "$port" -u alice -P s3cret -t maison/salon/temperature -m 21.5 -q 1
mosquitto_pub -h 127.0.0.1 -p "$port" -u alice -P s3cret -t maison/qos2 -m x -q 2
sleep 1
kill -INT $sniff; wait $sniff; rc=$?
check '[ $rc -eq 0 ]' "mqsniff did not stop cleanly on SIGINT (rc=$rc)"
check 'grep -q "^cheese/strudel	68656c6c6f" "$tmp/out.txt"' "topic and payload of the plaintext publish not shown"
check 'grep -q "	alice	s3cret$" "$tmp/out.txt"' "user name and password not shown"
check 'grep -q "^maison/salon/temperature	32312e35" "$tmp/out.txt"' "QoS 1 publish not shown"
check 'grep -Eq "^[0-9]+ packets captured" "$tmp/err.txt"' "no 'N packets captured' line on SIGINT"
written=$(wc -l <"$tmp/out.txt")
if command -v tshark >/dev/null; then
  n=$(tshark -r "$tmp/live.pcapng" 2>/dev/null | wc -l)
  check '[ "$n" -eq "$written" ]' "tshark reads $n packets from the -w file, mqsniff displayed $written"
fi
# 2. The QoS 2 ladder appears in order in the written file.
ladder=$("$bin" -r "$tmp/live.pcapng" -Y "mqtt.msgtype in {3 5 6 7} && tcp.port == $port" -T fields -e mqtt.msgtype | tr '\n' ' ')
check '[[ "$ladder" == *"3 5 6 3 7"* || "$ladder" == *"3 5 6 7"* ]]' "QoS 2 ladder PUBLISH/PUBREC/PUBREL/PUBCOMP not in order: $ladder"
# 3. -a duration stops by itself.
start=$(date +%s)
"$bin" -i lo -f "tcp port $port" -a duration:2 -q 2>/dev/null
end=$(date +%s)
check '[ $((end - start)) -le 4 ]' "-a duration:2 took $((end - start)) s"
# 4. -Z drops root once the device and the -w file are open.
"$bin" -i lo -f "tcp port $port" -a duration:3 -q -Z nobody -w "$tmp/z.pcapng" 2>/dev/null & z=$!; pids+=($z)
sleep 1
uid=$(awk '/^Uid:/ {print $2}' /proc/$z/status 2>/dev/null)
check '[ "$uid" = "$(id -u nobody)" ]' "-Z nobody: the capture still runs as uid $uid"
wait $z
check '[ -s "$tmp/z.pcapng" ]' "-Z nobody: the -w file was not written"
# 6. MQTTS (lab B): a TLS listener with a CA-signed broker certificate made with
#    the openssl CLI as the lab does. On the wire: Client Hello, Server Hello,
#    then only Application Data - no topic, payload or password anywhere.
if command -v openssl >/dev/null; then
  (cd "$tmp" &&
   openssl req -new -x509 -days 365 -sha256 -newkey rsa:2048 -nodes -subj "/CN=Lab CA" -keyout ca.key -out ca.crt &&
   openssl req -new -sha256 -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr &&
   openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 100 -sha256 -out server.crt) >/dev/null 2>&1
  chmod 644 "$tmp"/*.key
  tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf 'listener %s 127.0.0.1\ncafile %s/ca.crt\ncertfile %s/server.crt\nkeyfile %s/server.key\npassword_file %s\nallow_anonymous false\n' \
    "$tport" "$tmp" "$tmp" "$tmp" "$tmp/passwd" >"$tmp/tls.conf"
  mosquitto -c "$tmp/tls.conf" >"$tmp/tlsbroker.log" 2>&1 & pids+=($!)
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$tport) 2>/dev/null && break; sleep 0.1; done
  "$bin" -i lo -f "tcp port $tport" -l >"$tmp/tls.txt" 2>/dev/null & ts=$!; pids+=($ts)
  "$bin" -i lo -f "tcp port $tport" -l -T fields -e mqtt.topic -e mqtt.passwd -e tls.handshake.type >"$tmp/tlsf.txt" 2>/dev/null & tf=$!; pids+=($tf)
  sleep 1
  mosquitto_pub -h localhost -p "$tport" --cafile "$tmp/ca.crt" -u alice -P s3cret -t cheese/strudel -m "secret over TLS"
  sleep 1
  kill -INT $ts $tf; wait $ts $tf
  check 'grep -q "Client Hello" "$tmp/tls.txt" && grep -q "Server Hello" "$tmp/tls.txt"' "TLS handshake not shown"
  check 'grep -q "TLSv1.3.*Application Data" "$tmp/tls.txt"' "TLS 1.3 Application Data not shown"
  check '! grep -q -e cheese -e s3cret -e "secret over" "$tmp/tls.txt" "$tmp/tlsf.txt"' "topic or password visible over TLS"
fi

# 5. Without permission to capture, a message that says what to do.
if command -v setpriv >/dev/null; then
  cp "$bin" "$tmp/mqsniff_np"; chmod 755 "$tmp/mqsniff_np"
  msg=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$tmp/mqsniff_np" -i lo -c 1 2>&1); prc=$?
  check '[ $prc -eq 2 ] && [[ "$msg" == *"Run mqsniff as root (sudo), or give the binary the capture capabilities"* ]]' \
    "no helpful permission message: $msg"
fi
echo "e2e_live: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
