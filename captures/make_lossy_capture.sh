#!/usr/bin/env bash
# Records MQTT over a lossy path, with real loss: in a network namespace this
# script creates, nftables drops TCP segments to or from port 1883 at random
# (numgen random): one in six before they reach the loopback device (never
# captured) and one in eight after it (captured, but lost on the way in), so
# the capture holds what a sniffer on a bad link sees: segments never captured,
# retransmissions, duplicate ACKs with SACK and D-SACK, out-of-order arrivals.
# The loopback MTU is 1500 so the larger messages span segments.
#
# Writes captures/mqtt_lossy.pcap. Needs root: sudo captures/make_lossy_capture.sh
# Packages: mosquitto mosquitto-clients tcpdump nftables
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_lossy_capture "apt-get install mosquitto mosquitto-clients tcpdump nftables"
chmod 755 "$work"
ns=mqlossy
cap_need mosquitto mosquitto_pub mosquitto_sub tcpdump nft
cap_netns "$ns"
ip netns exec "$ns" ip link set lo mtu 1500
ip netns exec "$ns" nft -f - <<'NFT'
table inet loss {
  chain out {
    type filter hook output priority 0; policy accept;
    tcp dport 1883 numgen random mod 6 == 0 drop
    tcp sport 1883 numgen random mod 6 == 0 drop
  }
  chain in {
    type filter hook input priority 0; policy accept;
    tcp dport 1883 numgen random mod 8 == 0 drop
    tcp sport 1883 numgen random mod 8 == 0 drop
  }
}
NFT
printf 'listener 1883 127.0.0.1\npersistence false\nallow_anonymous true\nlog_dest none\n' >"$work/mosquitto.conf"
ip netns exec "$ns" mosquitto -c "$work/mosquitto.conf" & pids+=($!)
sleep 0.5
cap_dump_start "$ns" lo "$here/mqtt_lossy.pcap" "tcp port 1883"
ip netns exec "$ns" mosquitto_sub -h 127.0.0.1 -i lossy-sub -t 'lossy/#' -q 1 -C 33 >/dev/null &
sub=$!; pids+=("$sub")
sleep 1
# Twenty QoS 1 messages from one connection, then a 20 KB one at QoS 2.
seq 1 20 | sed 's/^/reading /' | ip netns exec "$ns" mosquitto_pub -h 127.0.0.1 -i lossy-pub -t lossy/sensor -q 1 -l
head -c 20000 /dev/zero | tr '\0' 'x' | ip netns exec "$ns" mosquitto_pub -h 127.0.0.1 -i lossy-big -t lossy/blob -q 2 -s
# Ten QoS 1 messages of 3 KB from ten connections, a tenth of a second apart.
for i in $(seq 10); do
  head -c 3000 /dev/zero | tr '\0' "$i" | ip netns exec "$ns" mosquitto_pub -h 127.0.0.1 -i "lossy-$i" -t lossy/chunk -q 1 -s
  sleep 0.1
done
ip netns exec "$ns" mosquitto_pub -h 127.0.0.1 -i lossy-end -t lossy/end -q 1 -m done
for _ in $(seq 200); do kill -0 "$sub" 2>/dev/null || break; sleep 0.1; done
sleep 0.5
cap_dump_stop
echo "wrote $here/mqtt_lossy.pcap"
