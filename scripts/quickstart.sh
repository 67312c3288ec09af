#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the main job on bundled
# captures - Lab A's `-Y mqtt -T fields -e mqtt.topic`, and what an
# eavesdropper reads of a password-protected login.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mqsniff >/dev/null
run() { echo "\$ $*"; "$@"; echo; }
run build/mqsniff -r captures/mqtt_plain.pcap -Y mqtt -T fields -e mqtt.topic
run build/mqsniff -r captures/mqtt_password.pcap -Y mqtt
run build/mqsniff -r captures/mqtt_password.pcap -Y "mqtt.msgtype == 1" -T fields -e mqtt.clientid -e mqtt.username -e mqtt.passwd
run build/mqsniff -r captures/mqtt_features.pcap --topic "maison/+/temperature" -T fields -e frame.number -e mqtt.topic -e mqtt.msg
