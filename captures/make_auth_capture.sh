#!/usr/bin/env bash
# What a broker that checks its clients answers, on the wire: the real
# mosquitto with a password file and an ACL, and the real mosquitto clients in
# MQTT 3.1.1 and 5.0. A wrong password is refused (3.1.1 CONNACK return code
# 5, 5.0 reason code 0x86/0x87); a subscription the ACL denies is refused in
# the SUBACK (3.1.1 0x80 Failure, 5.0 0x87 Not authorized) beside one it
# grants; a 5.0 PUBLISH the ACL denies is answered 0x87 in its PUBACK (QoS 1)
# and PUBREC (QoS 2); a 5.0 PUBLISH nobody subscribed to gets 0x10 No
# matching subscribers; a 5.0 client whose client id is taken over by a new
# connection gets DISCONNECT 0x8E Session taken over. On the loopback of a
# network namespace this script creates. Writes captures/mqtt_auth.pcap and
# the broker's log, mqtt_auth.mosquitto.log.
# Needs root: sudo captures/make_auth_capture.sh
# Packages: mosquitto mosquitto-clients tcpdump
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_auth_capture "apt-get install mosquitto mosquitto-clients tcpdump"
chmod 755 "$work"
ns=mqauth
cap_need mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd tcpdump
cap_netns "$ns"
run() { ip netns exec "$ns" "$@"; }
: >"$work/passwd"
mosquitto_passwd -b "$work/passwd" sensor s3cret
mosquitto_passwd -b "$work/passwd" ops 0psPass
cat >"$work/acl" <<EOF
user sensor
topic write sensors/#
topic read cmd/sensor

user ops
topic readwrite #
EOF
chmod 644 "$work/passwd" "$work/acl"
cat >"$work/mosquitto.conf" <<EOF
listener 1883 127.0.0.1
persistence false
allow_anonymous false
password_file $work/passwd
acl_file $work/acl
log_dest stderr
log_type all
EOF
run mosquitto -c "$work/mosquitto.conf" -v 2>"$work/broker.log" & pids+=($!)
sleep 0.5
cap_dump_start "$ns" lo "$here/mqtt_auth.pcap" "tcp port 1883"
# Wrong passwords (the clients exit with an error: expected).
run mosquitto_pub -V mqttv311 -i bad-311 -u sensor -P wrong -t sensors/x -m 1 2>/dev/null || true
sleep 0.2
run mosquitto_pub -V mqttv5 -i bad-5 -u sensor -P wrong -t sensors/x -m 1 2>/dev/null || true
sleep 0.2
# One subscription granted, one denied by the ACL (-W: leave after a second).
run mosquitto_sub -V mqttv311 -i sub-311 -u sensor -P s3cret -q 1 -t cmd/sensor -t admin/# -W 1 2>/dev/null || true
sleep 0.2
run mosquitto_sub -V mqttv5 -i sub-5 -u sensor -P s3cret -q 2 -t cmd/sensor -t admin/# -W 1 2>/dev/null || true
sleep 0.2
# 5.0 PUBLISHes the ACL denies, at QoS 1 and 2, and one nobody subscribed to.
run mosquitto_pub -V mqttv5 -i pub-5 -u sensor -P s3cret -q 1 -t admin/reboot -m now 2>/dev/null || true
sleep 0.2
run mosquitto_pub -V mqttv5 -i pub-5 -u sensor -P s3cret -q 2 -t admin/reboot -m now 2>/dev/null || true
sleep 0.2
run mosquitto_pub -V mqttv5 -i pub-5 -u sensor -P s3cret -q 1 -t sensors/boiler/temp -m 61.5
sleep 0.2
# The same client id twice: the first 5.0 connection is taken over.
run mosquitto_sub -V mqttv5 -i panel -u ops -P 0psPass -t 'sensors/#' -W 3 >/dev/null 2>&1 & first=$!
sleep 0.5
run mosquitto_pub -V mqttv5 -i panel -u ops -P 0psPass -q 1 -t cmd/sensor -m calibrate
wait "$first" 2>/dev/null || true
sleep 0.2
cap_dump_stop
# The broker's own log of the run (tests/brokerlog_check.sh compares -T brokerlog with it).
cp "$work/broker.log" "$here/mqtt_auth.mosquitto.log"
