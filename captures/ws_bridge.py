#!/usr/bin/env python3
"""MQTT over WebSocket on loopback, for captures/make_ws_capture.sh.

Debian 12's mosquitto 2.0.11 fails to open its websockets listener ("Unable to
start any listening sockets"), so this script plays both WebSocket ends of the
lab setup with the standard library only (RFC 6455):

  bridge PORT BROKER_PORT [CERT KEY]
                            a WebSocket server (subprotocol "mqtt") that relays
                            to the real mosquitto broker over TCP
  client PORT [CAFILE KEYLOG]
                            a WebSocket MQTT client: CONNECT, SUBSCRIBE ws/#,
                            PUBLISH QoS 0 and 1 (one of them split over two
                            WebSocket frames, two packets in one frame), PING,
                            DISCONNECT - masked frames, as browsers send

With CERT and KEY the bridge speaks TLS (wss://); the client then verifies it
with CAFILE and writes its TLS session keys to KEYLOG (NSS key log, as
SSLKEYLOGFILE-aware clients do), so the capture can be decrypted.

Loopback only (127.0.0.1)."""
import base64
import hashlib
import os
import select
import socket
import ssl
import struct
import sys
import time

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'


def frame(payload, opcode=2, fin=True, mask=True):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        hdr = bytes([b0, (0x80 if mask else 0) | n])
    elif n < 65536:
        hdr = bytes([b0, (0x80 if mask else 0) | 126]) + struct.pack('>H', n)
    else:
        hdr = bytes([b0, (0x80 if mask else 0) | 127]) + struct.pack('>Q', n)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_frames(buf):
    """Splits complete frames off buf: returns ([(opcode, fin, payload)], rest)."""
    out = []
    while len(buf) >= 2:
        n = buf[1] & 0x7f
        pos = 2
        if n == 126:
            if len(buf) < 4:
                break
            n = struct.unpack('>H', buf[2:4])[0]
            pos = 4
        elif n == 127:
            if len(buf) < 10:
                break
            n = struct.unpack('>Q', buf[2:10])[0]
            pos = 10
        masked = buf[1] & 0x80
        key = b''
        if masked:
            if len(buf) < pos + 4:
                break
            key = buf[pos:pos + 4]
            pos += 4
        if len(buf) < pos + n:
            break
        data = buf[pos:pos + n]
        if masked:
            data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
        out.append((buf[0] & 0x0f, bool(buf[0] & 0x80), data))
        buf = buf[pos + n:]
    return out, buf


def readable(socks, timeout):
    """select() that also counts bytes TLS has already decrypted and buffered."""
    ready = [x for x in socks if isinstance(x, ssl.SSLSocket) and x.pending()]
    if ready:
        return ready
    return select.select(socks, [], [], timeout)[0]


def read_http(sock):
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise SystemExit('connection closed during the handshake')
        data += chunk
    head, rest = data.split(b'\r\n\r\n', 1)
    return head.decode('latin-1'), rest


def bridge(port, broker_port, cert=None, key=None):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(1)
    print('ready', flush=True)
    cli, _ = srv.accept()
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        cli = ctx.wrap_socket(cli, server_side=True)
    head, rest = read_http(cli)
    key = [l.split(':', 1)[1].strip() for l in head.split('\r\n') if l.lower().startswith('sec-websocket-key:')][0]
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    cli.sendall(('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                 'Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n' % accept).encode())
    up = socket.create_connection(('127.0.0.1', broker_port))
    buf = rest
    while True:
        r = readable([cli, up], 10)
        if not r:
            break
        if cli in r:
            chunk = cli.recv(65536)
            if not chunk:
                break
            frames, buf = read_frames(buf + chunk)
            for op, _, data in frames:
                if op == 8:
                    cli.sendall(frame(b'\x03\xe8', opcode=8, mask=False))
                    up.close()
                    cli.close()
                    return
                up.sendall(data)
        if up in r:
            data = up.recv(65536)
            if not data:
                break
            cli.sendall(frame(data, mask=False))  # server frames are never masked
    cli.close()


def mqtt_str(s):
    return struct.pack('>H', len(s)) + s


def client(port, cafile=None, keylog=None):
    s = socket.create_connection(('127.0.0.1', port))
    if cafile:
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.keylog_filename = keylog
        s = ctx.wrap_socket(s, server_hostname='localhost')
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(('GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
               'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n'
               % (port, key)).encode())
    head, rest = read_http(s)
    assert ' 101 ' in head.split('\r\n')[0], head
    connect = b'\x10\x14' + mqtt_str(b'MQTT') + b'\x04\x02\x00\x3c' + mqtt_str(b'wsclient')
    subscribe = b'\x82\x09\x00\x01' + mqtt_str(b'ws/#') + b'\x00'
    pub0 = b'\x30\x18' + mqtt_str(b'ws/hello') + b'over websocket'
    pub1 = b'\x32\x10' + mqtt_str(b'ws/hello') + b'\x00\x02' + b'qos1'
    buf = rest

    def wait(n=1, timeout=2.0):
        nonlocal buf
        got = []
        end = time.time() + timeout
        while len(got) < n and time.time() < end:
            r = readable([s], max(0, end - time.time()))
            if not r:
                break
            chunk = s.recv(65536)
            if not chunk:
                break
            frames, buf = read_frames(buf + chunk)
            got += frames
        return got

    s.sendall(frame(connect))
    wait()                                      # CONNACK
    s.sendall(frame(subscribe))
    wait()                                      # SUBACK
    s.sendall(frame(pub0[:7], fin=False))       # one PUBLISH over two frames
    s.sendall(frame(pub0[7:], opcode=0))        # (continuation)
    wait()                                      # the message back (subscribed)
    s.sendall(frame(pub1 + b'\xc0\x00'))        # QoS 1 PUBLISH and PINGREQ in one frame
    wait(2)                                     # PUBACK, the message, PINGRESP
    time.sleep(0.2)
    s.sendall(frame(b'\xe0\x00'))               # DISCONNECT
    s.sendall(frame(b'\x03\xe8', opcode=8))     # WebSocket close
    wait()
    s.close()


if __name__ == '__main__':
    if sys.argv[1] == 'bridge':
        bridge(int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:6])
    else:
        client(int(sys.argv[2]), *sys.argv[3:5])
