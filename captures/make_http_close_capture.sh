#!/usr/bin/env bash
# Records HTTP responses whose body runs until the server closes the
# connection (HTTP/1.0 without Content-Length, RFC 9112 §6.3 rule 8): what
# small device web servers and Python's http.server handlers send. curl fetches
# a 4 KB JSON configuration (several segments: the namespace's loopback has a
# 1500-byte MTU) and a short status document from a Python handler on port
# 8080, in a network namespace this script creates; nothing leaves it. Root.
#   Run:  sudo captures/make_http_close_capture.sh
#
#   http_close.pcap  two GETs, each answered by an HTTP/1.0 200 without
#                    Content-Length, the body ending with the server's FIN
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_http_close_capture
cap_need tcpdump python3 curl ip
ns=mqsniff-httpclose-$$
cap_netns "$ns"
ip netns exec "$ns" ip link set lo mtu 1500
ip netns exec "$ns" ip link set lo gso_max_size 1500 gso_max_segs 1 2>/dev/null || true

cat >"$work/server.py" <<'EOF'
import http.server, json

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the body ends when the connection closes

    def do_GET(self):
        if self.path == "/config.json":
            body = json.dumps({"broker": "broker.lab", "port": 8883, "tls": True,
                               "topics": ["plant/line%d/sensor%d" % (i, j) for i in range(8) for j in range(8)]},
                              indent=2).encode()
        else:
            body = b'{"status": "ok", "uptime": 42}\n'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()  # no Content-Length
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
EOF
ip netns exec "$ns" python3 "$work/server.py" &
pids+=($!)
for _ in $(seq 50); do ip netns exec "$ns" python3 -c "import socket; socket.create_connection(('127.0.0.1', 8080), 0.2)" 2>/dev/null && break; sleep 0.1; done
cap_dump_start "$ns" lo "$here/http_close.pcap" "tcp port 8080"
ip netns exec "$ns" curl -s -o /dev/null http://127.0.0.1:8080/config.json
ip netns exec "$ns" curl -s -o /dev/null http://127.0.0.1:8080/status
cap_dump_stop
ls -l "$here/http_close.pcap"
