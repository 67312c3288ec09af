#!/usr/bin/env bash
# MQTT 5.0 as the real mosquitto and its clients speak it, property by
# property: CONNECT properties (session expiry, receive maximum, maximum packet
# size, topic alias maximum, request problem information, user properties), a
# will with properties that the broker publishes when the client dies, a
# retained message with a message expiry and a payload format indicator,
# subscription identifiers delivered back, a shared subscription
# ($share/workers/...) splitting jobs between two clients, request/response
# (mosquitto_rr: response topic and correlation data), a topic alias, an
# UNSUBSCRIBE of a filter never subscribed (UNSUBACK 0x11), payloads with
# Content Types (JSON, text that is not JSON, text, bytes, a type with
# parameters), and a CONNECT with an authentication method the broker does not
# support (CONNACK 0x8C), and a PUBLISH over the broker's max_packet_size
# (DISCONNECT 0x95 Packet too large). On the
# loopback of a network namespace this script creates.
# Writes captures/mqtt_v5_props.pcap and the broker's log, mqtt_v5_props.mosquitto.log.
# Needs root: sudo captures/make_v5_capture.sh
# Packages: mosquitto mosquitto-clients tcpdump
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_v5_capture "apt-get install mosquitto mosquitto-clients tcpdump"
chmod 755 "$work"
ns=mqv5
cap_need mosquitto mosquitto_pub mosquitto_sub mosquitto_rr tcpdump
cap_netns "$ns"
run() { ip netns exec "$ns" "$@"; }
cat >"$work/mosquitto.conf" <<EOF
listener 1883 127.0.0.1
persistence false
allow_anonymous true
log_dest stderr
log_type all
max_packet_size 4096
EOF
run mosquitto -c "$work/mosquitto.conf" -v 2>"$work/broker.log" & pids+=($!)
sleep 0.5
cap_dump_start "$ns" lo "$here/mqtt_v5_props.pcap" "tcp port 1883"
P=(-h 127.0.0.1 -V mqttv5)
# A retained status with an expiry, then a dashboard subscribing to home/#
# with a subscription identifier and CONNECT properties.
run mosquitto_pub "${P[@]}" -i status -r -q 1 -t home/status -m online \
  -D publish message-expiry-interval 3600 -D publish payload-format-indicator 1
run mosquitto_sub "${P[@]}" -i dashboard -q 1 -t 'home/#' -C 4 -W 8 \
  -D connect session-expiry-interval 120 -D connect receive-maximum 5 -D connect maximum-packet-size 4096 \
  -D connect topic-alias-maximum 10 -D connect request-problem-information 0 -D connect user-property site lab \
  -D subscribe subscription-identifier 42 -D subscribe user-property view main >/dev/null & dash=$!
# A device with a will (its own properties) published when it dies.
ip netns exec "$ns" mosquitto_sub "${P[@]}" -i device-7 -t 'cmd/device-7' --will-topic home/device-7/lwt --will-payload gone \
  --will-qos 1 -D will content-type text/plain -D will user-property reason crash \
  -D connect session-expiry-interval 30 >/dev/null & dev=$!
sleep 0.6
# A temperature with a topic alias.
run mosquitto_pub "${P[@]}" -i sensor -q 1 -t home/kitchen/temp -m 21.5 -D publish topic-alias 1 \
  -D publish user-property unit C
kill -KILL "$dev" 2>/dev/null || true
sleep 0.8
# Two workers sharing jobs.
run mosquitto_sub "${P[@]}" -i worker-a -q 1 -t '$share/workers/jobs/#' -C 1 -W 5 >/dev/null & wa=$!
run mosquitto_sub "${P[@]}" -i worker-b -q 1 -t '$share/workers/jobs/#' -C 1 -W 5 >/dev/null & wb=$!
sleep 0.5
run mosquitto_pub "${P[@]}" -i dispatcher -q 1 -t jobs/resize -m img-1
run mosquitto_pub "${P[@]}" -i dispatcher -q 1 -t jobs/resize -m img-2
wait "$wa" "$wb" 2>/dev/null || true
# Request/response: the requester waits on its response topic; a responder answers.
run mosquitto_rr "${P[@]}" -i requester -t rpc/clock -e rpc/clock/reply -m now -W 3 >/dev/null & rr=$!
sleep 0.5
run mosquitto_pub "${P[@]}" -i responder -t rpc/clock/reply -m 12:00 -D publish correlation-data 0001
wait "$rr" 2>/dev/null || true
# An UNSUBSCRIBE of a filter never subscribed.
run mosquitto_sub "${P[@]}" -i tidy -t home/garage -U home/attic -W 1 >/dev/null 2>&1 || true
# Payloads with a Content Type: tshark hands JSON types to its JSON dissector
# (text that does not parse goes on as lines), text types to its line-based
# text dissector, application/octet-stream to its data dissector; others and
# a type with parameters stay MQTT's message.
i=0
for ct in application/json application/json text/plain TEXT/PLAIN 'text/plain; charset=utf-8' \
          application/octet-stream application/senml+json text/csv; do
  i=$((i + 1))
  case $i in
    1) m='{"t":21.5,"unit":"C","ok":true,"tags":["a","b"]}' ;;
    2) m='not json' ;;
    3) m=$'line one\nline two\n' ;;
    7) m='[{"bn":"dev7/","n":"temp","u":"Cel","v":21.5}]' ;;
    *) m="value $i" ;;
  esac
  run mosquitto_pub "${P[@]}" -i media -t home/media -m "$m" -D publish content-type "$ct"
done
# A PUBLISH larger than the broker's max_packet_size: DISCONNECT 0x95. (A
# device that ignores the limit the CONNACK announced; libmosquitto would not
# send it, so the packet is written by hand.)
PYTHONPATH="$here" ip netns exec "$ns" python3 - <<'PY'
import socket
from mqtt_raw import pdu
s = socket.create_connection(("127.0.0.1", 1883))
s.sendall(pdu(0x10, b"\x00\x04MQTT\x05\x02\x00\x3c\x00" + b"\x00\x06camera"))
s.recv(64)
topic = b"home/camera/snapshot"
s.sendall(pdu(0x30, len(topic).to_bytes(2, "big") + topic + b"\x00" + b"\xff" * 6000))
s.settimeout(2)
try:
    s.recv(64)
except OSError:
    pass
s.close()
PY
# An authentication method the broker does not know.
run mosquitto_pub "${P[@]}" -i sso -t home/x -m 1 -D connect authentication-method SCRAM-SHA-256 2>/dev/null || true
wait "$dash" 2>/dev/null || true
sleep 0.2
cap_dump_stop
# The broker's own log of the run (tests/brokerlog_check.sh compares -T brokerlog with it).
cp "$work/broker.log" "$here/mqtt_v5_props.mosquitto.log"
