#!/usr/bin/env bash
# Long live run with connection churn: for DURATION seconds, the bench file is
# replayed in a loop (tcpreplay, at RATE packets/s or --topspeed) into a veth
# pair between two network namespaces this script creates, while real MQTT
# clients (mosquitto_pub/mosquitto_sub) connect to a real mosquitto across the
# same pair and leave again, a new one every second. mqsniff captures the
# broker's end with the lab's -Y mqtt -T fields -e mqtt.topic; its RSS is
# sampled every 10 s. Reports the RSS series, packets captured and the
# kernel's drops. Root needed; nothing leaves the namespaces; not run by CI.
#
#   bench/live_churn.sh [DURATION=1800] [RATE=topspeed] [pcap=bench/out/bench_1000000_10.pcap]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-1800}
rate=${2:-topspeed}
file=${3:-bench/out/bench_1000000_10.pcap}
build=${BUILD:-build-release}
[ -x "$build/mqsniff" ] || { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMQSNIFF_TESTS=OFF >/dev/null; cmake --build "$build" -j"$(nproc)" --target mqsniff bench_gen >/dev/null; }
[ -f "$file" ] || "$build/bench_gen" "$file" 1000000 10
for t in tcpreplay mosquitto mosquitto_pub mosquitto_sub; do
  command -v $t >/dev/null || { echo "live_churn: $t is missing (apt-get install tcpreplay mosquitto mosquitto-clients)" >&2; exit 1; }
done
a=mqsniff-churn-a-$$; b=mqsniff-churn-b-$$
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns pids "$a" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids "$b" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$a" 2>/dev/null || true
  ip netns del "$b" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip link add vA netns "$a" type veth peer name vB netns "$b"
ip netns exec "$a" ip addr add 10.77.0.1/24 dev vA
ip netns exec "$b" ip addr add 10.77.0.2/24 dev vB
for n in "$a" "$b"; do ip netns exec "$n" ip link set lo up; done
ip netns exec "$a" ip link set vA mtu 65535 up
ip netns exec "$b" ip link set vB mtu 65535 up

cat >"$tmp/mosquitto.conf" <<EOF
listener 1883 10.77.0.2
allow_anonymous true
EOF
ip netns exec "$b" mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.log" 2>&1 &
pids+=($!)
sleep 0.5

ip netns exec "$b" "$(realpath "$build/mqsniff")" -i vB -Y mqtt -T fields -e mqtt.topic >"$tmp/out" 2>"$tmp/err" &
mq=$!
pids+=($mq)
for _ in $(seq 100); do grep -q "Capturing on" "$tmp/err" 2>/dev/null && break; sleep 0.1; done
# The capturing process itself (ip netns exec replaces itself with it).
cap=$(pgrep -f "^$(realpath "$build/mqsniff") -i vB" | head -1)

replay_args=(--topspeed)
[ "$rate" != topspeed ] && replay_args=(--pps "$rate")
ip netns exec "$a" tcpreplay -q --loop 0 "${replay_args[@]}" -i vA "$file" >"$tmp/replay" 2>&1 &
rp=$!
pids+=($rp)

# Churn: every second a client subscribes or publishes, stays a moment, leaves.
(
  i=0
  while :; do
    i=$((i + 1))
    ip netns exec "$a" timeout 3 mosquitto_sub -h 10.77.0.2 -i "churn-sub-$i" -t "churn/$i/#" -C 1 >/dev/null 2>&1 &
    ip netns exec "$a" mosquitto_pub -h 10.77.0.2 -i "churn-pub-$i" -t "churn/$i/t" -m "reading $i" -q 1 >/dev/null 2>&1 || true
    sleep 1
  done
) &
pids+=($!)

echo "live_churn: $duration s, tcpreplay ${replay_args[*]} of $file in a loop, a client connecting every second"
echo "elapsed_s rss_kib output_lines"
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  sleep 10
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$cap/status" 2>/dev/null || echo "?")
  echo "$(( $(date +%s) - start )) $rss $(wc -l <"$tmp/out")"
done
kill -INT "$rp" 2>/dev/null || true
sleep 2
kill -INT "$cap" 2>/dev/null || true
wait "$mq" 2>/dev/null || true
captured=$(grep -Eo '^[0-9]+ packets captured' "$tmp/err" | grep -Eo '^[0-9]+' || echo "?")
dropped=$(grep -Eo '[0-9]+ packets dropped' "$tmp/err" | head -1 | grep -Eo '^[0-9]+' || echo 0)
sent=$(grep -Eo 'Actual: [0-9]+ packets' "$tmp/replay" | grep -Eo '[0-9]+' | head -1 || echo "?")
churn=$(grep -c "churn/" "$tmp/out" || true)
echo "captured $captured, kernel drops $dropped, replayed $sent, churn topics seen $churn"
grep -E 'Rated|Actual' "$tmp/replay" | head -2 || true
