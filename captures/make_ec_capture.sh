#!/usr/bin/env bash
# MQTT over TLS 1.2 with elliptic-curve certificates, as cloud IoT platforms
# issue them: a CA with a P-256 key, a broker certificate with a P-256 key and
# subject alternative names, a device certificate with a P-384 key (mutual
# TLS: mosquitto's require_certificate, use_identity_as_username), and a second
# broker address whose certificate has an Ed25519 key. TLS 1.2 so the
# certificates are on the wire (ECDHE-ECDSA suites, ecdsa_secp256r1_sha256 and
# ed25519 signatures), and the device once in TLS 1.3. The real mosquitto;
# openssl s_client for TLS 1.2, mosquitto_pub for TLS 1.3. On the loopback of a network namespace this script
# creates. Writes captures/mqtts_ec_certs.pcap.
# Needs root: sudo captures/make_ec_capture.sh
# Packages: mosquitto mosquitto-clients openssl tcpdump
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_ec_capture "apt-get install mosquitto mosquitto-clients openssl tcpdump"
chmod 755 "$work"
ns=mqec
cap_need mosquitto mosquitto_pub openssl tcpdump
cap_netns "$ns"
run() { ip netns exec "$ns" "$@"; }
cd "$work"
# The PKI: 100 days from now, serial numbers from the CA's serial file.
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 100 \
  -subj "/C=FR/O=mqsniff lab/CN=Lab EC Root CA" -keyout ca.key -out ca.crt 2>/dev/null
cert() {  # NAME KEYOPTS SUBJECT EXT
  openssl req -new $2 -nodes -subj "$3" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$4" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 100 -sha256 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}
cert broker "-newkey ec -pkeyopt ec_paramgen_curve:P-256" "/O=mqsniff lab/CN=localhost" \
  "subjectAltName=DNS:localhost,DNS:broker.lab,IP:127.0.0.1
extendedKeyUsage=serverAuth"
cert device "-newkey ec -pkeyopt ec_paramgen_curve:P-384" "/O=mqsniff lab/OU=devices/CN=sensor-42" \
  "extendedKeyUsage=clientAuth"
cert edbroker "-newkey ed25519" "/O=mqsniff lab/CN=ed.broker.lab" \
  "subjectAltName=DNS:ed.broker.lab,IP:127.0.0.2"
chmod 644 ./*.key ./*.crt
cat >mosquitto.conf <<EOF
per_listener_settings true
persistence false
log_dest none

listener 8883 127.0.0.1
cafile $work/ca.crt
certfile $work/broker.crt
keyfile $work/broker.key
tls_version tlsv1.2
require_certificate true
use_identity_as_username true
allow_anonymous false

listener 8883 127.0.0.2
certfile $work/edbroker.crt
keyfile $work/edbroker.key
tls_version tlsv1.2
allow_anonymous true
EOF
run mosquitto -c mosquitto.conf & pids+=($!)
sleep 0.5
cap_dump_start "$ns" lo "$here/mqtts_ec_certs.pcap" "tcp port 8883"
# The device with its P-384 certificate, in TLS 1.2 (openssl s_client sending
# MQTT 3.1.1 bytes: CONNECT, PUBLISH at QoS 1, DISCONNECT once the PUBACK came);
# mosquitto's tls_version and mosquitto_pub's --tls-version are minimums, so
# the same device through mosquitto_pub speaks TLS 1.3 (certificates encrypted).
device_session() {
  printf '\x10\x15\x00\x04MQTT\x04\x02\x00\x3c\x00\x09sensor-42'
  printf '\x32\x1e\x00\x15plant/line2/vibration\x00\x01%s' 0.031
  sleep 0.3
  printf '\xe0\x00'
  sleep 0.2
}
device_session | timeout 5 ip netns exec "$ns" openssl s_client -quiet -tls1_2 -connect 127.0.0.1:8883 \
  -servername localhost -CAfile ca.crt -cert device.crt -key device.key >/dev/null 2>&1 || true
sleep 0.3
run mosquitto_pub -h localhost -p 8883 --cafile ca.crt --cert device.crt --key device.key \
  -i sensor-42 -q 1 -t plant/line2/vibration -m 0.032
sleep 0.3
# A client without a certificate, in TLS 1.2: refused in the handshake.
device_session | timeout 5 ip netns exec "$ns" openssl s_client -quiet -tls1_2 -connect 127.0.0.1:8883 \
  -servername localhost -CAfile ca.crt >/dev/null 2>&1 || true
sleep 0.3
# The Ed25519 broker, reached by openssl s_client in TLS 1.2 (server name given).
printf '\x10\x0e\x00\x04MQTT\x04\x02\x00\x3c\x00\x02ed\xe0\x00' |
  timeout 5 ip netns exec "$ns" openssl s_client -quiet -tls1_2 -connect 127.0.0.2:8883 -servername ed.broker.lab \
    -CAfile ca.crt >/dev/null 2>&1 || true
sleep 0.3
cap_dump_stop
