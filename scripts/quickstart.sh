#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the main job on a
# bundled capture (Lab A: a plaintext MQTT login whose password crosses in clear).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mqsniff >/dev/null
echo "\$ build/mqsniff -r captures/mqtt_password.pcap"
build/mqsniff -r captures/mqtt_password.pcap
echo
echo "\$ build/mqsniff -r captures/mqtt_password.pcap -T fields -e mqtt.clientid -e mqtt.username -e mqtt.passwd -e mqtt.topic -e mqtt.msg | grep -v '^\s*\$'"
build/mqsniff -r captures/mqtt_password.pcap -T fields -e mqtt.clientid -e mqtt.username -e mqtt.passwd \
  -e mqtt.topic -e mqtt.msg | grep -v '^\s*$'
