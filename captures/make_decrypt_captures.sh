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
#   mqtts_keylog_tls12_dhe.pcap     TLS 1.2 finite-field DHE (mosquitto's dhparamfile, the RFC 7919
#                                   ffdhe2048 group): DHE-RSA-AES128-GCM-SHA256, DHE-RSA-AES256-SHA256,
#                                   DHE-RSA-CHACHA20-POLY1305
#   mqtts_keylog_tls12_resume.pcap  TLS 1.2 resumption by session ticket, then by session ID
#                                   (.keys: all sessions; _first.keys: only the two full handshakes)
#   mqtts_keylog_dsb.pcapng         mqtts_keylog_tls13.pcap with its keys injected by editcap (no key log needed)
#   mqtts_keylog_wss.pcap           MQTT over WebSocket over TLS (wss://, port 443): captures/ws_bridge.py with TLS
#                                   in front of mosquitto (Debian 12's mosquitto has no websockets listener)
#   mqtts_keylog_hrr.pcap           TLS 1.3 HelloRetryRequest: the broker only accepts P-256 (OPENSSL_CONF),
#                                   openssl s_client offers an X25519 key share first
#   mqtts_keylog_mutual_tls13.pcap  TLS 1.3 mutual TLS: a client certificate the broker accepts, then one
#                                   signed by another CA, refused with an (encrypted) unknown_ca alert
#
# With names as arguments, only those captures are made again:
#   sudo captures/make_decrypt_captures.sh mqtts_keylog_wss mqtts_keylog_hrr
set -euo pipefail
only=("$@")
want() {
  [ ${#only[@]} -eq 0 ] && return 0
  local n
  for n in "${only[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_decrypt_captures
chmod 755 "$work"
cap_on_exit='[ -n "${MQSNIFF_CAPTURE_DEBUG:-}" ] && cat "$work/broker.log" >&2'
cap_need mosquitto tcpdump openssl python3 editcap
PORT=8883
client=$here/mqtts_keylog_client.py
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 100 -subj "/CN=localhost" \
  -keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
chmod 644 "$work/server.key"

start_broker() { # $1.. = extra listener lines (BROKER_ENV: environment for mosquitto)
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
  env ${BROKER_ENV:-} mosquitto -c "$work/mosquitto.conf" -v 2>"$work/broker.log" &
  broker=$!; pids+=("$broker")
  for _ in $(seq 50); do grep -q "Opening ipv4 listen socket" "$work/broker.log" && break; sleep 0.1; done
  sleep 0.3
}
stop_broker() { kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; }
start_tcpdump() { # $1 = output, $2 = port (default $PORT)
  : >"$work/tcpdump.log"
  rm -f "${1%.pcap}.keys"
  cap_dump_start "" lo "$1" "tcp port ${2:-$PORT}"
}
stop_tcpdump() { cap_dump_stop; }
run() { python3 "$client" 127.0.0.1 "$PORT" "$work/server.crt" "$@" >/dev/null; }

# TLS 1.3, the default suite (AES-256-GCM).
start_broker
if want mqtts_keylog_tls13; then
  start_tcpdump "$here/mqtts_keylog_tls13.pcap"
  run "$here/mqtts_keylog_tls13.keys" --id keyholder
  stop_tcpdump
fi
# TLS 1.3 KeyUpdate: s_client sends CONNECT, then "K" (KeyUpdate, update
# requested: the broker answers with its own), then a PUBLISH and a DISCONNECT.
if want mqtts_keylog_tls13_keyupdate; then
  start_tcpdump "$here/mqtts_keylog_tls13_keyupdate.pcap"
  { printf '\x10\x15\x00\x04MQTT\x04\x02\x00\x3c\x00\x09keyupdate'; sleep 0.5; echo K; sleep 0.5
    printf '\x30\x17\x00\x0dsecure/rotateafter KU'; sleep 0.3; printf '\xe0\x00'; sleep 0.5; } |
    timeout 8 openssl s_client -tls1_3 -connect 127.0.0.1:"$PORT" -CAfile "$work/server.crt" -servername localhost \
      -keylogfile "$here/mqtts_keylog_tls13_keyupdate.keys" >/dev/null 2>&1 || true
  stop_tcpdump
fi
# TLS 1.2 AEAD suites, one session each (the client offers only that suite).
if want mqtts_keylog_tls12_aead; then
  start_tcpdump "$here/mqtts_keylog_tls12_aead.pcap"
  for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305 AES128-GCM-SHA256; do
    run "$here/mqtts_keylog_tls12_aead.keys" --tls12 --ciphers "$c" --id "$c"
  done
  stop_tcpdump
fi
stop_broker
# TLS 1.2 CBC suites: encrypt-then-MAC (OpenSSL's default) and MAC-then-encrypt.
if want mqtts_keylog_tls12_cbc; then
  start_broker "ciphers ECDHE-RSA-AES128-SHA:AES256-SHA256:ECDHE-RSA-AES256-SHA384"
  start_tcpdump "$here/mqtts_keylog_tls12_cbc.pcap"
  run "$here/mqtts_keylog_tls12_cbc.keys" --tls12 --ciphers ECDHE-RSA-AES128-SHA --id etm-sha1
  run "$here/mqtts_keylog_tls12_cbc.keys" --tls12 --ciphers AES256-SHA256 --no-etm --id rsa-sha256
  run "$here/mqtts_keylog_tls12_cbc.keys" --tls12 --ciphers ECDHE-RSA-AES256-SHA384 --no-etm --id mte-sha384
  stop_tcpdump
  stop_broker
fi
# TLS 1.2 with finite-field Diffie-Hellman: mosquitto loads DH parameters
# (dhparamfile) and offers only DHE suites; one session per suite.
if want mqtts_keylog_tls12_dhe; then
  openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$work/dhparam.pem" 2>/dev/null
  start_broker "dhparamfile $work/dhparam.pem" \
    "ciphers DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA256:DHE-RSA-CHACHA20-POLY1305"
  start_tcpdump "$here/mqtts_keylog_tls12_dhe.pcap"
  for c in DHE-RSA-AES128-GCM-SHA256 DHE-RSA-AES256-SHA256 DHE-RSA-CHACHA20-POLY1305; do
    run "$here/mqtts_keylog_tls12_dhe.keys" --tls12 --ciphers "$c" --id "$c"
  done
  stop_tcpdump
  stop_broker
fi
# TLS 1.2 resumption: by ticket, then by session ID (tickets off).
if want mqtts_keylog_tls12_resume; then
  start_broker
  start_tcpdump "$here/mqtts_keylog_tls12_resume.pcap"
  run "$here/mqtts_keylog_tls12_resume.keys" --tls12 --resume --id ticket
  run "$here/mqtts_keylog_tls12_resume.keys" --tls12 --resume --no-ticket --id sessionid
  stop_tcpdump
  stop_broker
  # The same key log without the resumed sessions' lines: their keys must come
  # from the sessions they resume (by ticket, by session ID).
  grep CLIENT_RANDOM "$here/mqtts_keylog_tls12_resume.keys" | sed -n '1p;3p' >"$here/mqtts_keylog_tls12_resume_first.keys"
fi
# TLS 1.3 suites chosen by the broker (Python cannot pick TLS 1.3 suites).
if want mqtts_keylog_tls13_chacha; then
  start_broker "ciphers_tls1.3 TLS_CHACHA20_POLY1305_SHA256"
  start_tcpdump "$here/mqtts_keylog_tls13_chacha.pcap"
  run "$here/mqtts_keylog_tls13_chacha.keys" --id chacha
  stop_tcpdump
  stop_broker
fi
if want mqtts_keylog_tls13_resume; then
  start_broker "ciphers_tls1.3 TLS_AES_128_GCM_SHA256"
  start_tcpdump "$here/mqtts_keylog_tls13_resume.pcap"
  run "$here/mqtts_keylog_tls13_resume.keys" --resume --id resumer
  stop_tcpdump
  stop_broker
fi
# The key log inside the capture (pcapng Decryption Secrets Block).
if want mqtts_keylog_dsb; then
  editcap --inject-secrets tls,"$here/mqtts_keylog_tls13.keys" "$here/mqtts_keylog_tls13.pcap" "$here/mqtts_keylog_dsb.pcapng"
fi
# MQTT over WebSocket over TLS: the bridge serves wss:// on 443 (where tshark
# too looks for HTTPS) and relays to a plaintext mosquitto listener.
if want mqtts_keylog_wss; then
  printf 'listener 18831 127.0.0.1\nallow_anonymous true\n' >"$work/plain.conf"
  mosquitto -c "$work/plain.conf" 2>"$work/plain.log" &
  plain=$!; pids+=("$plain")
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/18831) 2>/dev/null && break; sleep 0.1; done
  start_tcpdump "$here/mqtts_keylog_wss.pcap" 443
  python3 "$here/ws_bridge.py" bridge 443 18831 "$work/server.crt" "$work/server.key" >"$work/bridge.log" &
  pids+=($!)
  for _ in $(seq 50); do grep -q ready "$work/bridge.log" && break; sleep 0.1; done
  python3 "$here/ws_bridge.py" client 443 "$work/server.crt" "$here/mqtts_keylog_wss.keys"
  stop_tcpdump
  kill "$plain" 2>/dev/null || true
fi
# HelloRetryRequest: the broker's OpenSSL only accepts P-256 (system default
# section of its own OPENSSL_CONF); s_client sends its key share for X25519.
if want mqtts_keylog_hrr; then
  cat >"$work/p256.cnf" <<EOF
openssl_conf = conf
[conf]
ssl_conf = ssl
[ssl]
system_default = sys
[sys]
Groups = P-256
EOF
  BROKER_ENV="OPENSSL_CONF=$work/p256.cnf" start_broker
  start_tcpdump "$here/mqtts_keylog_hrr.pcap"
  { printf '\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03hrr'; sleep 0.5
    printf '\x30\x13\x00\x0asecure/hrrretried'; sleep 0.3; printf '\xe0\x00'; sleep 0.5; } |
    timeout 8 openssl s_client -tls1_3 -groups X25519:P-256 -connect 127.0.0.1:"$PORT" -CAfile "$work/server.crt" \
      -servername localhost -keylogfile "$here/mqtts_keylog_hrr.keys" >"$work/hrr.log" 2>&1 || true
  stop_tcpdump
  stop_broker
  grep -q "Server Temp Key: ECDH, prime256v1" "$work/hrr.log" || { echo "no P-256 after the retry" >&2; exit 1; }
fi
# Mutual TLS under TLS 1.3: the broker trusts client certificates of ca_a only.
if want mqtts_keylog_mutual_tls13; then
  for ca in ca_a ca_b; do
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 100 -subj "/CN=mqsniff test $ca" \
      -keyout "$work/$ca.key" -out "$work/$ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=device-$ca" -keyout "$work/client_$ca.key" \
      -out "$work/client_$ca.csr" 2>/dev/null
    openssl x509 -req -in "$work/client_$ca.csr" -CA "$work/$ca.crt" -CAkey "$work/$ca.key" -CAcreateserial \
      -days 100 -sha256 -out "$work/client_$ca.crt" 2>/dev/null
  done
  start_broker "cafile $work/ca_a.crt" "require_certificate true"
  start_tcpdump "$here/mqtts_keylog_mutual_tls13.pcap"
  run "$here/mqtts_keylog_mutual_tls13.keys" --id trusted --cert "$work/client_ca_a.crt" --key "$work/client_ca_a.key"
  run "$here/mqtts_keylog_mutual_tls13.keys" --id rogue --cert "$work/client_ca_b.crt" --key "$work/client_ca_b.key" \
    --expect-reject
  stop_tcpdump
  stop_broker
fi
chmod 644 "$here"/mqtts_keylog_*
ls -l "$here"/mqtts_keylog_*
