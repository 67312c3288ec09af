#!/usr/bin/env bash
# MQTT over TLS with a pre-shared key instead of certificates, as constrained
# devices use it: the real mosquitto (psk_hint, psk_file,
# use_identity_as_username) on port 8883. TLS 1.2 from `openssl s_client
# -psk` speaking MQTT 3.1.1 (a PSK cipher suite, the ServerKeyExchange with the
# broker's identity hint, the ClientKeyExchange with the device's identity, no
# Certificate at all; its key log kept), TLS 1.3 from mosquitto_pub --psk (the
# identity in the ClientHello's pre_shared_key extension), and a device with
# the wrong key in both versions, refused by the broker. On the loopback of a
# network namespace this script creates.
# Writes captures/mqtts_psk.pcap and the TLS 1.2 session's key log, mqtts_psk.keys.
# Needs root: sudo captures/make_psk_capture.sh
# Packages: mosquitto mosquitto-clients openssl tcpdump
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_psk_capture "apt-get install mosquitto mosquitto-clients openssl tcpdump"
chmod 755 "$work"
ns=mqpsk
cap_need mosquitto mosquitto_pub openssl tcpdump
cap_netns "$ns"
run() { ip netns exec "$ns" "$@"; }
key=5f3a9c0e61b24d87a1c3e5f70921b4d6
wrong=00112233445566778899aabbccddeeff
echo "sensor-01:$key" >"$work/pskfile"
chmod 644 "$work/pskfile"
cat >"$work/mosquitto.conf" <<EOF
listener 8883 127.0.0.1
psk_hint mqsniff-lab-broker
psk_file $work/pskfile
use_identity_as_username true
allow_anonymous true
persistence false
log_dest none
EOF
run mosquitto -c "$work/mosquitto.conf" & pids+=($!)
sleep 0.5
cap_dump_start "$ns" lo "$here/mqtts_psk.pcap" "tcp port 8883"
# TLS 1.2 (mosquitto_pub's PSK handshakes go to 1.3 whatever --tls-version
# says): openssl s_client sends MQTT 3.1.1 bytes from its input - CONNECT,
# PUBLISH at QoS 1, then DISCONNECT once the PUBACK had time to come.
mqtt_session() {
  printf '\x10\x15\x00\x04MQTT\x04\x02\x00\x3c\x00\x09sensor-01'
  printf '\x32\x1b\x00\x14plant/line1/pressure\x00\x01%s' "$1"
  sleep 0.3
  printf '\xe0\x00'
  sleep 0.2
}
mqtt_session 4.2 | timeout 5 ip netns exec "$ns" openssl s_client -quiet -tls1_2 -connect 127.0.0.1:8883 \
  -psk_identity sensor-01 -psk "$key" -keylogfile "$work/keys" >/dev/null 2>&1 || true
sleep 0.3
run mosquitto_pub -h 127.0.0.1 -p 8883 -i sensor-01 --psk-identity sensor-01 --psk "$key" \
  -q 1 -t plant/line1/pressure -m 4.3
sleep 0.3
# The wrong key, in TLS 1.2 (the broker cannot verify the device's Finished)
# and in TLS 1.3 (the ClientHello's binder does not verify).
mqtt_session 9.9 | timeout 5 ip netns exec "$ns" openssl s_client -quiet -tls1_2 -connect 127.0.0.1:8883 \
  -psk_identity sensor-01 -psk "$wrong" >/dev/null 2>&1 || true
sleep 0.3
run mosquitto_pub -h 127.0.0.1 -p 8883 -i sensor-02 --psk-identity sensor-01 --psk "$wrong" \
  -q 1 -t plant/line1/pressure -m 9.9 2>/dev/null || true
sleep 0.3
cap_dump_stop
cp "$work/keys" "$here/mqtts_psk.keys"
