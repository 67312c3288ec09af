#!/usr/bin/env bash
# Records the TLS classroom captures with the lab's own PKI, made with the
# openssl CLI exactly as the lab sheet does it (RSA 2048, SHA-256,
# `x509 -req -CA ... -CAcreateserial -days 100`): a CA, a broker certificate, a
# client certificate, and a rogue CA with its own client certificate.
#
# The real mosquitto broker runs a mutual-TLS listener (require_certificate
# true) inside a network namespace this script creates, whose loopback has a
# 600-byte MTU so the certificate flights are split over many TCP segments.
# Nothing leaves the namespace. Needs root.  Run:  sudo captures/make_tls_lab_captures.sh
#
#   mqtts_mutual_tls12.pcap     mutual TLS 1.2: CertificateRequest, both certificate chains in clear
#   mqtts_mutual_tls13.pcap     mutual TLS 1.3 with the right client certificate: nothing readable
#   mqtts_rogue_tls12.pcap      rogue client certificate, TLS 1.2: the broker's fatal "Unknown CA" alert in clear
#   mqtts_rogue_tls13.pcap      rogue client certificate, TLS 1.3: the same alert, encrypted
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_tls_lab_captures
chmod 755 "$work"
ns=mqsniff-tlscap-$$
cap_on_exit='[ -n "${MQSNIFF_CAPTURE_DEBUG:-}" ] && cat "$work/broker.log" >&2'
cap_need mosquitto mosquitto_pub tcpdump openssl ip

# --- the lab's PKI -----------------------------------------------------------
cd "$work"
mkca() { # $1 = name, $2 = CN
  openssl genrsa -out "$1.key" 2048 2>/dev/null
  openssl req -new -x509 -sha256 -days 100 -key "$1.key" -out "$1.crt" -subj "/C=FR/O=MQTT Lab/CN=$2"
}
mkcert() { # $1 = name, $2 = CN, $3 = signing CA
  openssl genrsa -out "$1.key" 2048 2>/dev/null
  openssl req -new -sha256 -key "$1.key" -out "$1.csr" -subj "/C=FR/O=MQTT Lab/CN=$2"
  openssl x509 -req -sha256 -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" -CAcreateserial -days 100 -out "$1.crt" 2>/dev/null
}
mkca ca "MQTT Lab CA"
mkcert server localhost ca
mkcert client student1 ca
mkca rogue "Rogue CA"
mkcert rogueclient intruder rogue
cat server.crt ca.crt >server-chain.crt   # the broker sends its chain
chmod 644 ./*.key

# --- the namespace and the broker --------------------------------------------
cap_netns "$ns"
ip netns exec "$ns" ip link set lo mtu 600
# No segmentation offload: the capture shows the 600-byte segments on the wire.
ip netns exec "$ns" ip link set lo gso_max_size 600 gso_max_segs 1
PORT=8884
cat >"$work/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
cafile $work/ca.crt
certfile $work/server-chain.crt
keyfile $work/server.key
require_certificate true
allow_anonymous true
log_dest stderr
log_type all
EOF
ip netns exec "$ns" mosquitto -c "$work/mosquitto.conf" 2>"$work/broker.log" &
pids+=($!)
cap_wait_for "$work/broker.log" "Opening ipv4 listen socket"
sleep 0.3

record() { # $1 = output, $2.. = client command
  local out=$1; shift
  cap_dump_start "$ns" lo "$out" "tcp port $PORT"
  ip netns exec "$ns" "$@" >/dev/null 2>&1 || true
  cap_dump_stop
}
pub=(mosquitto_pub -h localhost -p "$PORT" --cafile "$work/ca.crt" -t cheese/strudel -m "secret over mutual TLS")
# mosquitto_pub's --tls-version is only a minimum (OpenSSL 3 then negotiates
# TLS 1.3), so the TLS 1.2 sessions are spoken by openssl s_client -tls1_2,
# which sends the same MQTT CONNECT (client id "student1"), then stays 1 s.
cat >"$work/s_client.sh" <<END
#!/bin/sh
(printf '\020\024\000\004MQTT\004\002\000\074\000\010student1'; sleep 1) |
  timeout 5 openssl s_client -quiet -tls1_2 -connect 127.0.0.1:$PORT -CAfile $work/ca.crt \
    -servername localhost -cert "\$1" -key "\$2"
END
chmod +x "$work/s_client.sh"
s_client=$work/s_client.sh   # $1 = client certificate, $2 = its key
record "$here/mqtts_mutual_tls12.pcap" "$s_client" client.crt client.key
record "$here/mqtts_mutual_tls13.pcap" "${pub[@]}" -i student1 --cert client.crt --key client.key
record "$here/mqtts_rogue_tls12.pcap" "$s_client" rogueclient.crt rogueclient.key
record "$here/mqtts_rogue_tls13.pcap" "${pub[@]}" -i intruder --cert rogueclient.crt --key rogueclient.key
grep -i -e "unknown ca" -e "certificate verify" "$work/broker.log" | head -3 || true
ls -l "$here"/mqtts_mutual_*.pcap "$here"/mqtts_rogue_*.pcap
