#!/usr/bin/env bash
# MQTT packets the real mosquitto refuses, beside ordinary traffic. In 5.0,
# with the DISCONNECT reason codes it answers them with (a sensor publishing at QoS 1
# to a dashboard): a PUBLISH naming a topic alias never set (0x82 Protocol
# Error), a PUBLISH with topic alias 0 (0x81 Malformed Packet), a QoS 2 PUBLISH
# to a broker whose max_qos is 1 (0x9B QoS not supported), a retained PUBLISH
# to a broker without retained messages (0x9A Retain not supported), a
# SUBSCRIBE whose second filter has reserved option bits set (0x81, the first
# filter logged), and a 5.0 client that stops sending (keep-alive timeout:
# mosquitto closes without a DISCONNECT). In 3.1.1, where the broker just
# closes the connection: a PUBLISH at QoS 3, with a wildcard, invalid UTF-8, a
# NUL, an empty topic, packet id 0; SUBSCRIBEs with reserved flags, an invalid
# second filter (the first is logged), QoS 3, no filter; an UNSUBSCRIBE and a
# PUBREL with reserved flags; packet type 15; a second CONNECT; a DISCONNECT
# with flags; and a PINGREQ with flags, which mosquitto accepts. Then the broker restarted with the
# dynamic-security plugin: an administrator disabling a connected 5.0 client
# with mosquitto_ctrl (0x98 Administrative action) and a 3.1.1 one (the broker
# closes it), then the broker stopped with two clients connected. The devices that misbehave
# are written by hand (mqtt_raw.py): libmosquitto would not send them.
# On the loopback of a network namespace this script creates.
# Writes captures/mqtt_refusals.pcap and the broker's log, mqtt_refusals.mosquitto.log.
# Needs root: sudo captures/make_refusals_capture.sh
# Packages: mosquitto mosquitto-clients tcpdump python3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_refusals_capture "apt-get install mosquitto mosquitto-clients tcpdump python3"
chmod 755 "$work"
ns=mqrefuse
cap_need mosquitto mosquitto_pub mosquitto_sub mosquitto_ctrl tcpdump python3
cap_netns "$ns"
run() { ip netns exec "$ns" "$@"; }
cat >"$work/strict.conf" <<EOF
listener 1883 127.0.0.1
persistence false
allow_anonymous true
log_dest stderr
log_type all
max_qos 1
retain_available false
EOF
ip netns exec "$ns" mosquitto -c "$work/strict.conf" -v 2>"$work/broker.log" & broker=$!
pids+=("$broker")
cap_wait_for "$work/broker.log" "running"
cap_dump_start "$ns" lo "$here/mqtt_refusals.pcap" "tcp port 1883"
P=(-h 127.0.0.1 -V mqttv5)
run mosquitto_sub "${P[@]}" -i dashboard -q 1 -t 'plant/#' -C 2 -W 10 >/dev/null & dash=$!
sleep 0.4
run mosquitto_pub "${P[@]}" -i boiler -q 1 -t plant/boiler/temp -m 71.5
# The misbehaving devices, one connection each.
PYTHONPATH="$here" ip netns exec "$ns" python3 - <<'PY'
import socket
import time
from mqtt_raw import pdu


def connect(client_id, keepalive=60):
    s = socket.create_connection(("127.0.0.1", 1883))
    s.sendall(pdu(0x10, b"\x00\x04MQTT\x05\x02" + keepalive.to_bytes(2, "big") + b"\x00"
                  + len(client_id).to_bytes(2, "big") + client_id))
    s.recv(64)  # CONNACK
    return s


def until_closed(s, seconds=3):
    s.settimeout(seconds)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


def publish(flags, topic, props, payload, packet_id=b""):
    return pdu(0x30 | flags, len(topic).to_bytes(2, "big") + topic + packet_id
               + bytes([len(props)]) + props + payload)


# A topic alias (property 0x23) the device never set, with an empty topic.
s = connect(b"valve-1")
s.sendall(publish(0, b"", b"\x23\x00\x03", b"open"))
until_closed(s)
# Topic alias 0.
s = connect(b"valve-2")
s.sendall(publish(0, b"plant/valve-2", b"\x23\x00\x00", b"open"))
until_closed(s)
# QoS 2 to a broker whose max_qos is 1.
s = connect(b"pump-1")
s.sendall(publish(4, b"plant/pump-1/state", b"", b"on", b"\x00\x07"))
until_closed(s)
# Retained, to a broker without retained messages.
s = connect(b"pump-2")
s.sendall(publish(1, b"plant/pump-2/state", b"", b"on"))
until_closed(s)
# Two filters; the second's options have the reserved bits set.
s = connect(b"panel")
s.sendall(pdu(0x82, b"\x00\x01\x00" + b"\x00\x0bplant/alarm" + b"\x01" + b"\x00\x0cplant/status" + b"\xc1"))
until_closed(s)
# Silent after its CONNECT, keep-alive 2 s: mosquitto closes the connection.
s = connect(b"sleeper", keepalive=2)
until_closed(s, 8)


# 3.1.1: the broker closes the connection, no DISCONNECT.
def connect311(client_id):
    s = socket.create_connection(("127.0.0.1", 1883))
    s.sendall(pdu(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client_id).to_bytes(2, "big") + client_id))
    s.recv(64)
    return s


for client_id, packet in [
        (b"qos3", pdu(0x36, b"\x00\x0bplant/qos3x\x00\x01x")),
        (b"wildcard", pdu(0x30, b"\x00\x07plant/#x")),
        (b"latin1", pdu(0x30, b"\x00\x09plant/caf\xe9x")),
        (b"nul", pdu(0x30, b"\x00\x07plant/\x00x")),
        (b"notopic", pdu(0x30, b"\x00\x00x")),
        (b"mid0", pdu(0x32, b"\x00\x0bplant/mid0x\x00\x00x")),
        (b"subflags", pdu(0x80, b"\x00\x01\x00\x07plant/a\x00")),
        (b"subfilter", pdu(0x82, b"\x00\x01\x00\x07plant/a\x00\x00\x07plant#b\x00")),
        (b"subqos3", pdu(0x82, b"\x00\x01\x00\x07plant/a\x03")),
        (b"subnone", pdu(0x82, b"\x00\x01")),
        (b"unsubflags", pdu(0xa0, b"\x00\x01\x00\x07plant/a")),
        (b"pubrelflags", pdu(0x60, b"\x00\x01")),
        (b"type15", pdu(0xf0, b"")),
        (b"twice", pdu(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x05twice")),
        (b"discflags", pdu(0xe1, b"")),
        (b"pingflags", pdu(0xc1, b""))]:
    s = connect311(client_id)
    s.sendall(packet)
    if client_id == b"pingflags":  # accepted: PINGRESP, then a proper goodbye
        s.recv(64)
        s.sendall(pdu(0xe0, b""))
    until_closed(s, 2)
PY
run mosquitto_pub "${P[@]}" -i boiler -q 1 -t plant/boiler/temp -m 71.9
wait "$dash" 2>/dev/null || true
kill "$broker"
wait "$broker" 2>/dev/null || true
# The same broker with the dynamic-security plugin; an administrator disables
# a connected client.
mosquitto_ctrl dynsec init "$work/dynsec.json" admin admin-secret >/dev/null
chown mosquitto "$work/dynsec.json" 2>/dev/null || chmod 666 "$work/dynsec.json"
cat >"$work/dynsec.conf" <<EOF
listener 1883 127.0.0.1
persistence false
log_dest stderr
log_type all
plugin /usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/mosquitto_dynamic_security.so
plugin_opt_config_file $work/dynsec.json
EOF
ip netns exec "$ns" mosquitto -c "$work/dynsec.conf" -v 2>>"$work/broker.log" & broker=$!
pids+=("$broker")
sleep 0.6
A=(-h 127.0.0.1 -u admin -P admin-secret)
for user in meter gauge panel; do
  run mosquitto_ctrl "${A[@]}" dynsec createClient "$user" -p "$user-secret" >/dev/null 2>&1
done
# (mosquitto_pub -l stays connected while its input is open)
(sleep 3 | ip netns exec "$ns" mosquitto_pub "${P[@]}" -i meter-1 -u meter -P meter-secret -t plant/meter -l) 2>/dev/null &
meter=$!
(sleep 3 | ip netns exec "$ns" mosquitto_pub -h 127.0.0.1 -V mqttv311 -i gauge-1 -u gauge -P gauge-secret -t plant/gauge -l) 2>/dev/null &
gauge=$!
sleep 0.8
run mosquitto_ctrl "${A[@]}" dynsec disableClient meter >/dev/null 2>&1
sleep 0.5
run mosquitto_ctrl "${A[@]}" dynsec disableClient gauge >/dev/null 2>&1
wait "$meter" "$gauge" 2>/dev/null || true
# Two clients connected when the broker stops: it closes both, and logs no line for either.
(sleep 3 | ip netns exec "$ns" mosquitto_pub -h 127.0.0.1 -V mqttv311 -i panel-1 -u panel -P panel-secret -t plant/panel -l) 2>/dev/null &
p1=$!
(sleep 3 | ip netns exec "$ns" mosquitto_pub "${P[@]}" -i panel-2 -u panel -P panel-secret -t plant/panel -l) 2>/dev/null &
p2=$!
sleep 0.8
kill "$broker" 2>/dev/null || echo "make_refusals_capture: the broker with dynamic security had stopped: $(tail -3 "$work/broker.log")" >&2
wait "$broker" 2>/dev/null || true
wait "$p1" "$p2" 2>/dev/null || true
cap_dump_stop
# The broker's own log of the run (tests/brokerlog_check.sh compares -T brokerlog with it).
cp "$work/broker.log" "$here/mqtt_refusals.mosquitto.log"
