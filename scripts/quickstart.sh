#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the main job on bundled
# captures - Lab A's `-Y mqtt -T fields -e mqtt.topic`, and what an
# eavesdropper reads of a password-protected login.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
if [ ! -x build/mqsniff ]; then
  echo "Building mqsniff (a few minutes on 2 cores; later builds are incremental)..." >&2
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mqsniff >/dev/null
# Each command is echoed as it can be pasted (arguments with spaces quoted).
run() {
  local line="\$" a
  for a in "$@"; do
    if [[ $a =~ [^A-Za-z0-9_./:=,+#-] ]]; then line+=" \"$a\""; else line+=" $a"; fi
  done
  echo "$line"
  "$@"
  echo
}
say() { echo "# $*"; }
say "Lab A: the topics readable on port 1883 (-Y mqtt.topic: only the packets that carry one;"
say "with -Y mqtt, as the lab sheet writes it, the others print as empty lines)"
run build/mqsniff -r captures/mqtt_plain.pcap -Y mqtt.topic -T fields -e mqtt.topic
say "A login protected by a password - which crosses the network in clear:"
run build/mqsniff -r captures/mqtt_password.pcap -Y mqtt
run build/mqsniff -r captures/mqtt_password.pcap -Y "mqtt.msgtype == 1" -T fields -e mqtt.clientid -e mqtt.username -e mqtt.passwd
say "Messages matching an MQTT subscription; mqtt.msg is the payload in hex, as tshark prints it"
say "(32312e35 is \"21.5\"): add -o mqtt.show_msg_as_text:TRUE to see it as text."
run build/mqsniff -r captures/mqtt_features.pcap --topic "maison/+/temperature" -T fields -e frame.number -e mqtt.topic -e mqtt.msg
run build/mqsniff -r captures/mqtt_features.pcap --topic "maison/+/temperature" -o mqtt.show_msg_as_text:TRUE -T fields -e mqtt.topic -e mqtt.msg
