#!/usr/bin/env bash
# Records the small real captures bundled in captures/ with the real mosquitto
# broker and clients, on loopback only (127.0.0.1 and ::1). Needs root (tcpdump
# on lo). Run from anywhere:  sudo captures/make_captures.sh
#
# Every capture written here is listed in captures/README.md. The link-type
# variants (SLL2 and BSD loopback / raw IP / VLAN re-encapsulations) are derived
# from the real Ethernet captures by captures/relink.py.
set -euo pipefail
[ -n "${MQSNIFF_CAPTURE_DEBUG:-}" ] && set -x
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_captures "apt-get install mosquitto mosquitto-clients tcpdump"
chmod 755 "$work"   # mosquitto drops root and must read its password file
cap_on_exit='[ -n "${MQSNIFF_CAPTURE_DEBUG:-}" ] && cat "$work/broker.log" >&2'

cap_need mosquitto mosquitto_pub mosquitto_sub tcpdump

PORT=${MQSNIFF_CAPTURE_PORT:-1883}

start_broker() { # $1 = extra config lines (default: anonymous access)
  cat >"$work/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
listener $PORT ::1
persistence false
log_dest stderr
log_type all
${1:-allow_anonymous true}
EOF
  : >"$work/broker.log"
  mosquitto -c "$work/mosquitto.conf" -v 2>"$work/broker.log" &
  broker=$!; pids+=("$broker")
  for _ in $(seq 50); do
    grep -q "Opening ipv4 listen socket" "$work/broker.log" && break
    sleep 0.1
  done
  sleep 0.3
}
stop_broker() { kill "$broker" 2>/dev/null || true; wait "$broker" 2>/dev/null || true; }

start_tcpdump() { # $1 = output file, $2.. = extra tcpdump args
  local out=$1; shift
  : >"$work/tcpdump.log"
  tcpdump -i "${IFACE:-lo}" --immediate-mode -U -s 262144 "$@" -w "$out" "tcp port ${PORT}" 2>"$work/tcpdump.log" &
  dump=$!; pids+=("$dump")
  for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.log" && break; sleep 0.1; done
  sleep 0.3
}
stop_tcpdump() { sleep 0.5; kill -INT "$dump" 2>/dev/null || true; wait "$dump" 2>/dev/null || true; }

# 1. Lab A: plaintext MQTT 3.1.1 over IPv4 - a subscriber, two publishes (QoS 0 and 1).
start_broker
start_tcpdump "$here/mqtt_plain.pcap"
mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'cheese/#' -t world -v -C 2 -i sub1 >/dev/null &
sub=$!; pids+=("$sub"); sleep 0.5
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pub1 -t world -m hello
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pub2 -t cheese/strudel -m "apple and cinnamon" -q 1
wait "$sub" || true
stop_tcpdump

# 2. The same exchange over IPv6 (::1), nanosecond-resolution pcap.
start_tcpdump "$here/mqtt_ipv6_ns.pcap" --time-stamp-precision=nano
mosquitto_sub -h ::1 -p "$PORT" -t 'maison/#' -v -C 1 -i sub6 >/dev/null &
sub=$!; pids+=("$sub"); sleep 0.5
mosquitto_pub -h ::1 -p "$PORT" -i pub6 -t maison/salon/temperature -m 21.5
wait "$sub" || true
stop_tcpdump

# 3. Linux cooked capture v2, what `-i any` gives (here forced with -y LINUX_SLL2).
#    --immediate-mode matters: on these VMs a TPACKET_V3 block that is not yet
#    full is lost when tcpdump is interrupted, and short captures come out empty.
IFACE=any start_tcpdump "$here/mqtt_any_sll2.pcap" -y LINUX_SLL2
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pubany -t sensors/any -m 42
stop_tcpdump

# 4. pcapng as dumpcap (tshark's capture engine) writes it: microsecond if_tsresol.
if command -v dumpcap >/dev/null; then
  dumpcap -q -i lo -f "tcp port $PORT" -w "$here/mqtt_dumpcap.pcapng" 2>"$work/dumpcap.log" &
  dump=$!; pids+=("$dump"); sleep 1.5
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pubng -t world -m "from pcapng"
  stop_tcpdump
fi

# 5. Lab A step 4: a broker with a password file; the password crosses in clear.
stop_broker
mosquitto_passwd -b -c "$work/passwd" alice s3cret 2>/dev/null
chmod 644 "$work/passwd"
start_broker "password_file $work/passwd
allow_anonymous false"
start_tcpdump "$here/mqtt_password.pcap"
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i student -u alice -P s3cret -t cheese/strudel -m "secret recipe"
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i intruder -u alice -P wrong -t cheese/strudel -m nope || true
stop_tcpdump
stop_broker

# 5b. MQTT features (Lab C and MQTT 5.0): QoS 0/1/2, retained message and a
#     late subscriber, pipelined publishes, a payload spanning TCP segments,
#     UNSUBSCRIBE, a will message, and 5.0 with properties.
start_broker
start_tcpdump "$here/mqtt_features.pcap"
mosquitto_sub -h 127.0.0.1 -p "$PORT" -i subv5 -V mqttv5 -t 'maison/#' -q 2 -C 6 \
  -D subscribe user-property who lab -D connect session-expiry-interval 60 >/dev/null &
sub=$!; pids+=("$sub"); sleep 0.5
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pubq0 -t maison/salon/temperature -m 21.5 -q 0
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pubq1 -t maison/salon/humidite -m 40 -q 1
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pubq2 -t maison/chambre_1/temperature -m 19 -q 2 -r
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i pubv5 -V mqttv5 -t maison/cuisine/json -m '{"t":22}' -q 1 \
  -D publish content-type application/json -D publish user-property k1 v1 -D publish message-expiry-interval 30
printf 'l1\nl2\nl3\n' | mosquitto_pub -h 127.0.0.1 -p "$PORT" -i publines -t maison/lines -l
wait "$sub" || true
mosquitto_sub -h 127.0.0.1 -p "$PORT" -i late -t 'maison/chambre_1/#' -C 1 -W 3 >/dev/null || true
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i willer -t big/blob -s -q 1 --will-topic maison/lwt --will-payload gone \
  < <(head -c 90000 /dev/zero | tr '\0' 'A')
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i cleaner -t maison/chambre_1/temperature -r -n
stop_tcpdump
stop_broker

# 5c. MQTT on a non-standard port (11883): tshark needs -d tcp.port==11883,mqtt,
#     mqsniff also finds it by the CONNECT at the start of the stream.
PORT_SAVE=$PORT; PORT=11883
start_broker
start_tcpdump "$here/mqtt_port11883.pcap"
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i oddport -t maison/garage/porte -m ouverte -q 1
stop_tcpdump
stop_broker
PORT=$PORT_SAVE

# 5d. Lab C keepalive (5 s, the clients' minimum: one PINGREQ/PINGRESP), an
#     UNSUBSCRIBE, and the old MQTT 3.1 ("MQIsdp", level 3).
start_broker
start_tcpdump "$here/mqtt_keepalive_v31.pcap"
mosquitto_sub -h 127.0.0.1 -p "$PORT" -i pinger -k 5 -W 7 -t lab/ping -U lab/ping >/dev/null 2>&1 || true
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i old31 -V mqttv31 -t lab/v31 -m "protocol 3.1"
stop_tcpdump
stop_broker

# 6. MQTT over TLS (mosquitto TLS listener on 8883, server authentication only,
#    a throw-away self-signed certificate): what an eavesdropper sees of MQTTS.
TLSPORT=${MQSNIFF_CAPTURE_TLS_PORT:-8883}
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 100 -subj "/CN=localhost" \
  -keyout "$work/server.key" -out "$work/server.crt" 2>/dev/null
chmod 644 "$work/server.key"
cat >"$work/mosquitto-tls.conf" <<EOF
listener $TLSPORT 127.0.0.1
certfile $work/server.crt
keyfile $work/server.key
allow_anonymous true
log_dest stderr
EOF
: >"$work/broker.log"
mosquitto -c "$work/mosquitto-tls.conf" -v 2>"$work/broker.log" &
broker=$!; pids+=("$broker")
for _ in $(seq 50); do grep -q "Opening ipv4 listen socket" "$work/broker.log" && break; sleep 0.1; done
sleep 0.3
PORT=$TLSPORT start_tcpdump "$here/mqtts_tls13.pcap"
mosquitto_pub -h localhost -p "$TLSPORT" --cafile "$work/server.crt" -i tlspub -t cheese/strudel -m "secret over TLS"
stop_tcpdump
# 6a. The same listener spoken to in TLS 1.2 (openssl s_client -tls1_2): the
#     certificate flight (Certificate, Server Key Exchange, Server Hello Done)
#     is in clear, as the lab sheet's "Certificate (type 11)" step expects.
PORT=$TLSPORT start_tcpdump "$here/mqtts_tls12.pcap"
printf '\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00\xe0\x00' |
  timeout 5 openssl s_client -quiet -tls1_2 -connect 127.0.0.1:"$TLSPORT" -CAfile "$work/server.crt" \
    -servername localhost >/dev/null 2>&1 || true
stop_tcpdump
# 6b. Lab B's classic failure: the client trusts another CA ("rogue"), so it
#     rejects the broker's certificate with a fatal "unknown CA" alert - sent in
#     clear by OpenSSL, visible to the sniffer (TLS 1.3 and 1.2 alike).
openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 100 -subj "/CN=Rogue CA" \
  -keyout "$work/rogue.key" -out "$work/rogue.crt" 2>/dev/null
PORT=$TLSPORT start_tcpdump "$here/mqtts_unknown_ca.pcap"
mosquitto_pub -h localhost -p "$TLSPORT" --cafile "$work/rogue.crt" -i wrongca -t cheese/strudel -m nope 2>/dev/null || true
stop_tcpdump
stop_broker

# 7. Plain UDP datagrams on loopback (an unassigned port), for the UDP decoder.
PORT=40000
: >"$work/tcpdump.log"
tcpdump -i lo --immediate-mode -U -w "$here/udp_plain.pcap" "udp port $PORT" 2>"$work/tcpdump.log" &
dump=$!; pids+=("$dump")
for _ in $(seq 50); do grep -q "listening on" "$work/tcpdump.log" && break; sleep 0.1; done
sleep 0.3
python3 - "$PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for msg in (b"hello udp", b"", b"x" * 300):
    s.sendto(msg, ("127.0.0.1", port))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.sendto(b"over ipv6", ("::1", port))
PY
stop_tcpdump

# Link-type variants derived from the real captures (no new traffic).
python3 "$here/relink.py" "$here"

ls -l "$here"/*.pcap*
