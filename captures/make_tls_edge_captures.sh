#!/usr/bin/env bash
# Records TLS captures of the kind third-party traces hold and the project's
# other captures do not: a capture that starts in the middle of a TLS
# connection on a port no dissector is registered for, and a ClientHello in
# the SSL 2.0-compatible format (RFC 5246 Appendix E.2) answered by a real
# mosquitto. Everything runs against a real mosquitto broker in a network
# namespace this script creates; nothing leaves it. Needs root.
#   Run:  sudo captures/make_tls_edge_captures.sh
#
#   mqtts_midstream_9883.pcap  mosquitto TLS listener on port 9883; tcpdump is
#                              started after a subscriber's handshake, so that
#                              connection is picked up in the middle (records
#                              only), while a publisher connects from the start
#   mqtts_sslv2_hello.pcap     an SSLv2-format ClientHello (sent by a short
#                              Python client) to mosquitto's listener on 8883;
#                              the broker answers with a TLS 1.2 ServerHello
#                              flight (at security level 0, see below); the
#                              client then leaves
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_tls_edge_captures
chmod 755 "$work"
cap_on_exit='[ -n "${MQSNIFF_CAPTURE_DEBUG:-}" ] && cat "$work/broker.log" >&2'
cap_need mosquitto mosquitto_pub mosquitto_sub tcpdump openssl python3 ip
ns=mqsniff-tlsedge-$$

cd "$work"
# One self-signed broker certificate (the clients trust it directly).
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 100 -keyout server.key -out server.crt \
  -subj "/C=FR/O=MQTT Lab/CN=localhost" 2>/dev/null
chmod 644 server.key

cap_netns "$ns"
cat >"$work/mosquitto.conf" <<EOF
listener 9883 127.0.0.1
certfile $work/server.crt
keyfile $work/server.key
listener 8883 127.0.0.1
certfile $work/server.crt
keyfile $work/server.key
# A hello without extensions offers no signature algorithms: TLS 1.2 then
# means SHA-1 signatures, which OpenSSL's default security level refuses
# (the broker's answer is a handshake_failure alert without this line).
ciphers DEFAULT:@SECLEVEL=0
allow_anonymous true
log_dest stderr
log_type all
EOF
ip netns exec "$ns" mosquitto -c "$work/mosquitto.conf" 2>"$work/broker.log" &
pids+=($!)
for _ in $(seq 50); do [ "$(grep -c "Opening ipv4 listen socket" "$work/broker.log")" -ge 2 ] && break; sleep 0.1; done
sleep 0.3

start_dump() { cap_dump_start "$ns" lo "$1" "tcp port $2"; }  # $1 = output, $2 = port
stop_dump() { cap_dump_stop; }

# --- picked up midstream -------------------------------------------------------
# The subscriber connects (TLS handshake, CONNECT, SUBSCRIBE) before tcpdump
# starts; its keepalive of 5 s makes it send PINGREQs while it is recorded.
ip netns exec "$ns" mosquitto_sub -h localhost -p 9883 --cafile server.crt -i late-sub -k 5 \
  -t "plant/#" -C 3 >"$work/sub.out" 2>&1 &
sub=$!
pids+=($sub)
sleep 1.5
start_dump "$here/mqtts_midstream_9883.pcap" 9883
for i in 1 2 3; do
  ip netns exec "$ns" mosquitto_pub -h localhost -p 9883 --cafile server.crt -i "pub-$i" \
    -t "plant/line$i/temp" -m "2$i.5" >/dev/null 2>&1
  sleep 2.2
done
wait "$sub" 2>/dev/null || true
stop_dump

# --- an SSLv2-format ClientHello -------------------------------------------------
cat >"$work/sslv2_hello.py" <<'EOF'
import socket, struct, sys
# RFC 5246 E.2: msg_length (high bit set), msg_type 1, version, three lengths,
# 3-byte cipher specs (TLS suites as 00xxxx, one SSL 2.0 kind), challenge.
specs = [0x00c02f, 0x00c030, 0x00009c, 0x00002f, 0x0000ff, 0x010080]
challenge = bytes(range(0x40, 0x60))
body = bytes([1]) + struct.pack("!HHHH", 0x0303, 3 * len(specs), 0, len(challenge))
body += b"".join(s.to_bytes(3, "big") for s in specs) + challenge
hello = struct.pack("!H", 0x8000 | len(body)) + body
s = socket.create_connection(("127.0.0.1", 8883), timeout=2)
s.sendall(hello)
got = b""
try:
    while b"\x0e\x00\x00\x00" not in got:  # ServerHelloDone
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
except socket.timeout:
    pass
s.close()
print(len(got), "bytes from the broker", file=sys.stderr)
EOF
start_dump "$here/mqtts_sslv2_hello.pcap" 8883
ip netns exec "$ns" python3 "$work/sslv2_hello.py"
stop_dump

ls -l "$here/mqtts_midstream_9883.pcap" "$here/mqtts_sslv2_hello.pcap"
