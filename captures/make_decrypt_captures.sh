#!/usr/bin/env bash
# Records MQTTS captures together with the TLS key logs of their sessions, for
# the classroom step "with the keys, TLS opens" and for the decryption tests.
#
# The real mosquitto broker listens with TLS on 127.0.0.1:8883 (a throw-away
# self-signed certificate). The clients are captures/mqtts_keylog_client.py
# (Python's ssl module, SSLContext.keylog_filename) and, for the KeyUpdate,
# `openssl s_client -keylogfile`. Each capture NAME.pcap has its key log
# NAME.keys beside it. Loopback only. Needs root (tcpdump on lo).
#   sudo captures/make_decrypt_captures.sh
#
#   mqtts_keylog_tls13.pcap         TLS 1.3 AES-256-GCM: CONNECT with user name and password, QoS 0/1/2, PINGREQ
#   mqtts_keylog_tls13_chacha.pcap  TLS 1.3 ChaCha20-Poly1305 (broker ciphers_tls1.3)
#   mqtts_keylog_tls13_resume.pcap  TLS 1.3 AES-128-GCM, then a resumed session (PSK from the ticket)
#   mqtts_keylog_tls13_keyupdate.pcap  TLS 1.3, openssl s_client sends a KeyUpdate ("K": update requested)
#   mqtts_keylog_tls12_aead.pcap    TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, ECDHE-RSA-AES256-GCM-SHA384,
#                                   ECDHE-RSA-CHACHA20-POLY1305, RSA key exchange AES128-GCM-SHA256
#   mqtts_keylog_tls12_cbc.pcap     TLS 1.2 CBC: ECDHE-RSA-AES128-SHA (encrypt-then-MAC), AES256-SHA256
#                                   and ECDHE-RSA-AES256-SHA384 (MAC-then-encrypt)
#   mqtts_keylog_tls12_resume.pcap  TLS 1.2 resumption by session ticket, then by session ID
#                                   (.keys: all sessions; _first.keys: only the two full handshakes)
#   mqtts_keylog_dsb.pcapng         mqtts_keylog_tls13.pcap with its keys injected by editcap (no key log needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${MQSNIFF_CAPTURE_DEBUG:-}" ] && cat "$work/broker.log" >&2
  rm -rf "$work"
}
trap cleanup EXIT
for tool in mosquitto tcpdump openssl python3 editcap; do
  command -v "$tool" >/dev/null || { echo "make_decrypt_captures: $tool is missing" >&2; exit 1; }
done
PORT=8883
client=$here/mqtts_keylog_client.py
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 100 -subj "/CN=localhost" \
  -keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
chmod 644 "$work/server.key"

start_broker() { # $1.. = extra listener lines
  cat >"$work/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
certfile $work/server.crt
keyfile $work/server.key
allow_anonymous true
$(printf '%s\n' "$@")
log_dest stderr
log_type all
EOF
  : >"$work/broker.log"
  mosquitto -c "$work/mosquitto.conf" -v 2>"$work/broker.log" &
  broker=$!; pids+=("$broker")
  for _ in $(seq 50); do grep -q "Opening ipv4 listen socket" "$work/broker.log" && break; sleep 0.1; done
  sleep 0.3
}
stop_broker() { kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; }
start_tcpdump() { # $1 = output
  : >"$work/tcpdump.log"
  tcpdump -i lo --immediate-mode -U -s 262144 -w "$1" "tcp port $PORT" 2>"$work/tcpdump.log" &
  dump=$!; pids+=("$dump")
  for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.log" && break; sleep 0.1; done
  sleep 0.3
}
stop_tcpdump() { sleep 0.5; kill -INT "$dump" 2>/dev/null || true; wait "$dump" 2>/dev/null || true; }
run() { python3 "$client" 127.0.0.1 "$PORT" "$work/server.crt" "$@" >/dev/null; }

# TLS 1.3, the default suite (AES-256-GCM).
start_broker
rm -f "$here"/mqtts_keylog_*.keys
start_tcpdump "$here/mqtts_keylog_tls13.pcap"
run "$here/mqtts_keylog_tls13.keys" --id keyholder
stop_tcpdump
# TLS 1.3 KeyUpdate: s_client sends CONNECT, then "K" (KeyUpdate, update
# requested: the broker answers with its own), then a PUBLISH and a DISCONNECT.
start_tcpdump "$here/mqtts_keylog_tls13_keyupdate.pcap"
{ printf '\x10\x15\x00\x04MQTT\x04\x02\x00\x3c\x00\x09keyupdate'; sleep 0.5; echo K; sleep 0.5
  printf '\x30\x17\x00\x0dsecure/rotateafter KU'; sleep 0.3; printf '\xe0\x00'; sleep 0.5; } |
  timeout 8 openssl s_client -tls1_3 -connect 127.0.0.1:"$PORT" -CAfile "$work/server.crt" -servername localhost \
    -keylogfile "$here/mqtts_keylog_tls13_keyupdate.keys" >/dev/null 2>&1 || true
stop_tcpdump
# TLS 1.2 AEAD suites, one session each (the client offers only that suite).
start_tcpdump "$here/mqtts_keylog_tls12_aead.pcap"
for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305 AES128-GCM-SHA256; do
  run "$here/mqtts_keylog_tls12_aead.keys" --tls12 --ciphers "$c" --id "$c"
done
stop_tcpdump
# TLS 1.2 CBC suites: encrypt-then-MAC (OpenSSL's default) and MAC-then-encrypt.
stop_broker
start_broker "ciphers ECDHE-RSA-AES128-SHA:AES256-SHA256:ECDHE-RSA-AES256-SHA384"
start_tcpdump "$here/mqtts_keylog_tls12_cbc.pcap"
run "$here/mqtts_keylog_tls12_cbc.keys" --tls12 --ciphers ECDHE-RSA-AES128-SHA --id etm-sha1
run "$here/mqtts_keylog_tls12_cbc.keys" --tls12 --ciphers AES256-SHA256 --no-etm --id rsa-sha256
run "$here/mqtts_keylog_tls12_cbc.keys" --tls12 --ciphers ECDHE-RSA-AES256-SHA384 --no-etm --id mte-sha384
stop_tcpdump
stop_broker
# TLS 1.2 resumption: by ticket, then by session ID (tickets off).
start_broker
start_tcpdump "$here/mqtts_keylog_tls12_resume.pcap"
run "$here/mqtts_keylog_tls12_resume.keys" --tls12 --resume --id ticket
run "$here/mqtts_keylog_tls12_resume.keys" --tls12 --resume --no-ticket --id sessionid
stop_tcpdump
stop_broker
# The same key log without the resumed sessions' lines: their keys must come
# from the sessions they resume (by ticket, by session ID).
grep CLIENT_RANDOM "$here/mqtts_keylog_tls12_resume.keys" | sed -n '1p;3p' >"$here/mqtts_keylog_tls12_resume_first.keys"
# TLS 1.3 suites chosen by the broker (Python cannot pick TLS 1.3 suites).
start_broker "ciphers_tls1.3 TLS_CHACHA20_POLY1305_SHA256"
start_tcpdump "$here/mqtts_keylog_tls13_chacha.pcap"
run "$here/mqtts_keylog_tls13_chacha.keys" --id chacha
stop_tcpdump
stop_broker
start_broker "ciphers_tls1.3 TLS_AES_128_GCM_SHA256"
start_tcpdump "$here/mqtts_keylog_tls13_resume.pcap"
run "$here/mqtts_keylog_tls13_resume.keys" --resume --id resumer
stop_tcpdump
stop_broker
# The key log inside the capture (pcapng Decryption Secrets Block).
editcap --inject-secrets tls,"$here/mqtts_keylog_tls13.keys" "$here/mqtts_keylog_tls13.pcap" "$here/mqtts_keylog_dsb.pcapng"
chmod 644 "$here"/mqtts_keylog_*
ls -l "$here"/mqtts_keylog_*
