#!/usr/bin/env bash
# Records TLS as other people's captures hold it and the project's other
# captures do not, made by real stacks (mosquitto and the openssl CLI) in a
# network namespace this script creates; nothing leaves it. Needs root.
#   Run:  sudo captures/make_tls_variety_captures.sh
#
#   mqtts_bigchain.pcap  mosquitto whose certificate carries 700 DNS names
#                        (about 20 KB, as a CDN's certificate): under TLS 1.2
#                        the Certificate message is larger than a record and
#                        is fragmented over two records (RFC 5246 §6.2.1);
#                        two mosquitto_pub capped at TLS 1.2 (under TLS 1.3
#                        the certificate is encrypted)
#   tls_versions.pcap    openssl s_server on 443 and one openssl s_client
#                        per case: TLS 1.0 and TLS 1.1 (CBC suites, security
#                        level 0), TLS 1.2 with RSA key exchange and a CBC
#                        suite, TLS 1.2 with OCSP status request and ALPN,
#                        a TLS 1.2 renegotiation (s_client's "R" command:
#                        an encrypted handshake inside the connection), and
#                        a TLS 1.3 KeyUpdate (s_client's "k" command)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_tls_variety_captures
chmod 755 "$work"
cap_on_exit='[ -n "${MQSNIFF_CAPTURE_DEBUG:-}" ] && cat "$work/broker.log" "$work/server.log" >&2'
cap_need mosquitto mosquitto_pub tcpdump openssl ip
ns=mqsniff-tlsvar-$$

cd "$work"
# The big certificate: 700 subjectAltName DNS entries.
{
  printf '[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=localhost\nO=MQTT Lab\n[ext]\nsubjectAltName=@alt\n[alt]\nDNS.1=localhost\n'
  for i in $(seq 2 700); do printf 'DNS.%d=sensor-%04d.plant.example\n' "$i" "$i"; done
} >big.cnf
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 100 -keyout big.key -out big.crt -config big.cnf 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 100 -keyout server.key -out server.crt \
  -subj "/C=FR/O=MQTT Lab/CN=localhost" 2>/dev/null
chmod 644 big.key server.key

cap_netns "$ns"
cat >"$work/mosquitto.conf" <<EOF
listener 8883 127.0.0.1
certfile $work/big.crt
keyfile $work/big.key
allow_anonymous true
log_dest stderr
log_type all
EOF
ip netns exec "$ns" mosquitto -c "$work/mosquitto.conf" 2>"$work/broker.log" &
pids+=($!)
cap_wait_for "$work/broker.log" "Opening ipv4 listen socket"
sleep 0.3

# --- a certificate larger than a record ------------------------------------------
cap_dump_start "$ns" lo "$here/mqtts_bigchain.pcap" "tcp port 8883"
# (mosquitto's tls_version options set a minimum: the clients' OpenSSL is
# capped at TLS 1.2 by its configuration instead)
printf 'openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = sys\n[sys]\nMaxProtocol = TLSv1.2\n' >tls12.cnf
for i in 1 2; do
  OPENSSL_CONF=$work/tls12.cnf ip netns exec "$ns" mosquitto_pub -h localhost -p 8883 --cafile big.crt -i "big-$i" \
    -t "plant/line$i/temp" -m "2$i.5" >/dev/null 2>&1
  sleep 0.3
done
cap_dump_stop

# --- TLS versions and features with openssl s_server / s_client -------------------
# (s_server ends at the end of its input: it reads a FIFO this script holds open)
mkfifo "$work/server.in"
ip netns exec "$ns" openssl s_server -accept 443 -cert server.crt -key server.key \
  -cipher 'DEFAULT:@SECLEVEL=0' -min_protocol TLSv1 -alpn mqtt -client_renegotiation <"$work/server.in" >"$work/server.log" 2>&1 &
pids+=($!)
exec 3>"$work/server.in"
cap_wait_for "$work/server.log" "ACCEPT"
client() {  # $1: seconds of input; then the s_client options
  local secs=$1
  shift
  { sleep 0.3; printf 'hello %s\n' "$*"; sleep "$secs"; } |
    ip netns exec "$ns" timeout 10 openssl s_client -connect 127.0.0.1:443 -servername localhost \
      -CAfile server.crt "$@" >/dev/null 2>&1 || true
  sleep 0.3
}
cap_dump_start "$ns" lo "$here/tls_versions.pcap" "tcp port 443"
client 0.3 -tls1 -cipher 'AES128-SHA:@SECLEVEL=0'
client 0.3 -tls1_1 -cipher 'ECDHE-RSA-AES256-SHA:@SECLEVEL=0'
client 0.3 -tls1_2 -cipher 'AES256-SHA256'
client 0.3 -tls1_2 -status -alpn mqtt
# Renegotiation: s_client reads "R" from its input and starts a new handshake.
{ sleep 0.4; echo R; sleep 0.6; echo after-renegotiation; sleep 0.4; } |
  ip netns exec "$ns" timeout 10 openssl s_client -connect 127.0.0.1:443 -tls1_2 -CAfile server.crt >/dev/null 2>&1 || true
sleep 0.3
# KeyUpdate: "k" asks for one (TLS 1.3).
{ sleep 0.4; echo k; sleep 0.4; echo after-keyupdate; sleep 0.4; } |
  ip netns exec "$ns" timeout 10 openssl s_client -connect 127.0.0.1:443 -tls1_3 -CAfile server.crt >/dev/null 2>&1 || true
cap_dump_stop
echo "wrote $here/mqtts_bigchain.pcap $here/tls_versions.pcap"
