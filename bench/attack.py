#!/usr/bin/env python3
"""Attack captures for the hardening issue (14): each pushes one kind of
per-connection state as an attacker would, written as a classic pcap directly
(Ethernet/IPv4/TCP or UDP, fast). Run them with bench/attacks.sh, which
measures peak RSS and time of mqsniff and tshark on each.

    bench/attack.py MODE OUT.pcap [N]

  syn        N (default 1,000,000) SYN-only connections to 1883
  hole       N (10,000) MQTT connections: 100 bytes, a hole of 1448 bytes never
             filled, then 1 MB in 1448-byte segments (held out of order)
  bigpdu     one PUBLISH announcing 256 MiB, N (7,000) segments of it sent
  tinymqtt   N (100,000) connections each sending 50 PINGREQs of 2 bytes,
             one segment per PDU
  frag       N (200,000) first fragments of IPv4 datagrams never completed
  ws         N (10,000) WebSocket connections on 8080: the upgrade, then a
             frame announcing 2^63 bytes and 16 KB of it
  tlscut     N (50,000) connections on 8883, each a TLS record header
             announcing 16 KB followed by 100 bytes, nothing more
  wsmqtt     N (1,000) WebSocket connections on 8080: the upgrade, then whole
             WebSocket frames carrying an MQTT PUBLISH that announces 1 MB and
             sends 700 KB of it (held between frames)
  aliases    N (1,000) MQTT 5.0 connections, each defining 64 topic aliases
             with 4 KB topics (remembered per connection)
(bench/attack_tls_hello.py makes the TLS handshake attacks.)
"""
import struct
import sys

mode, out = sys.argv[1], sys.argv[2]
DEFAULTS = {"syn": 1_000_000, "hole": 10_000, "bigpdu": 7_000, "tinymqtt": 100_000, "frag": 200_000,
            "ws": 10_000, "tlscut": 50_000, "wsmqtt": 1_000, "aliases": 1_000}
n = int(sys.argv[3]) if len(sys.argv) > 3 else DEFAULTS[mode]
MSS = 1448
t = [1_700_000_000_000_000]


def ip4(i):
    return bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])


def write(f, l3):
    t[0] += 5
    pkt = bytes(6) + bytes([0, 0, 0, 0, 0, 1]) + b"\x08\x00" + l3
    f.write(struct.pack("<IIII", t[0] // 1000000, t[0] % 1000000, len(pkt), len(pkt)) + pkt)


def tcp(f, i, dport, seq, payload, flags=0x18, ack=1):
    sport = 1024 + i % 60000
    th = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(th) + len(payload), i & 0xffff, 0x4000, 64, 6, 0,
                     ip4(i), bytes([10, 255, 0, 1]))
    write(f, ih + th + payload)


def varint(n):
    b = bytearray()
    while True:
        d = n & 0x7f
        n >>= 7
        b.append(d | (0x80 if n else 0))
        if not n:
            return bytes(b)


with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    if mode == "syn":
        for i in range(n):
            tcp(f, i, 1883, 1000, b"", flags=0x02, ack=0)
    elif mode == "hole":
        connect = bytes([0x10, 0x0c, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 60, 0, 0])
        for i in range(n):
            tcp(f, i, 1883, 1, connect)
        seg = bytes([0x30]) + bytes(MSS - 1)
        for k in range(2, 2 + 1_000_000 // MSS):
            for i in range(n):
                tcp(f, i, 1883, 1 + len(connect) + k * MSS, seg)
    elif mode == "bigpdu":
        rl = 256 * 1024 * 1024
        hdr = bytes([0x30]) + bytes([(rl >> (7 * k) & 0x7f) | (0x80 if k < 3 else 0) for k in range(4)])
        first = hdr + bytes([0, 1]) + b"t" + bytes(MSS - len(hdr) - 3)
        tcp(f, 0, 1883, 1, first)
        for k in range(1, n):
            tcp(f, 0, 1883, 1 + k * MSS, bytes(MSS))
    elif mode == "tinymqtt":
        for r in range(50):
            for i in range(n):
                tcp(f, i, 1883, 1 + 2 * r, b"\xc0\x00")
    elif mode == "frag":
        for i in range(n):
            udp = struct.pack("!HHHH", 40000, 5000, 8 + 1400, 0) + bytes(1392)
            ih = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0x2000, 64, 17, 0,
                             ip4(i), bytes([10, 255, 0, 1]))
            write(f, ih + udp)
    elif mode == "ws":
        upgrade = (b"GET /mqtt HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   b"Sec-WebSocket-Protocol: mqtt\r\n\r\n")
        frame = bytes([0x82, 0xff]) + (2 ** 63 - 1).to_bytes(8, "big") + bytes(4)
        for i in range(n):
            tcp(f, i, 8080, 1, upgrade)
        for k in range(12):
            for i in range(n):
                payload = frame + bytes(MSS - len(frame)) if k == 0 else bytes(MSS)
                tcp(f, i, 8080, 1 + len(upgrade) + k * MSS, payload)
    elif mode == "tlscut":
        rec = bytes([23, 3, 3]) + (16384).to_bytes(2, "big") + bytes(100)
        for i in range(n):
            tcp(f, i, 8883, 1, rec)
    elif mode == "wsmqtt":
        upgrade = (b"GET /mqtt HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   b"Sec-WebSocket-Protocol: mqtt\r\n\r\n")
        pub = bytes([0x30]) + varint(1_000_000) + b"\x00\x01t"
        chunk = 1400 - 8
        seq = [1 + len(upgrade)] * n
        for i in range(n):
            tcp(f, i, 8080, 1, upgrade)
        for k in range(700_000 // chunk):
            for i in range(n):
                body = (pub + bytes(chunk - len(pub))) if k == 0 else bytes(chunk)
                frame = bytes([0x82, 0x80 | 126]) + len(body).to_bytes(2, "big") + bytes(4) + body  # mask 0
                tcp(f, i, 8080, seq[i], frame)
                seq[i] += len(frame)
    elif mode == "aliases":
        connect = bytes([0x10, 13, 0, 4]) + b"MQTT" + bytes([5, 2, 0, 60, 0, 0, 0])
        seq = [1 + len(connect)] * n
        for i in range(n):
            tcp(f, i, 1883, 1, connect)
        for k in range(64):
            for i in range(n):
                topic = (b"t%d/" % k) * 1000
                topic = topic[:4000]
                var = len(topic).to_bytes(2, "big") + topic + bytes([3, 0x23]) + (k + 1).to_bytes(2, "big")
                pub = bytes([0x30]) + varint(len(var)) + var
                tcp(f, i, 1883, seq[i], pub)
                seq[i] += len(pub)
    else:
        sys.exit("unknown mode " + mode)
