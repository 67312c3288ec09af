#!/usr/bin/env python3
"""Attack capture: N TLS connections whose ClientHello announces 250,000 bytes
and sends 240 KB of it in 16 KB records, never finishing (issue 14). Writes a
classic pcap directly (Ethernet/IPv4/TCP, 1448-byte segments), interleaving the
connections so every handshake is in progress at once.

    bench/attack_tls_hello.py OUT.pcap [connections=1000] [kbytes=240]
    bench/attack_tls_hello.py OUT.pcap CONNECTIONS tiny
        complete 300-byte ClientHellos, each sent as 1-byte records
"""
import struct
import sys

out = sys.argv[1]
conns = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
tiny = len(sys.argv) > 3 and sys.argv[3] == "tiny"
kbytes = int(sys.argv[3]) if len(sys.argv) > 3 and not tiny else 240
MSS = 1448


def tiny_stream():
    """A whole ClientHello of 300 bytes, one byte per record."""
    hello = bytes([1]) + (296).to_bytes(3, "big") + bytes([3, 3]) + bytes(294)
    return b"".join(bytes([22, 3, 1, 0, 1, b]) for b in hello)


def stream(i):
    """The client's byte stream: records of 16 KB continuing one ClientHello."""
    total = kbytes * 1000
    hello = bytes([1]) + (250000).to_bytes(3, "big") + bytes([3, 3]) + bytes(32) + bytes([0])
    body = hello + bytes(total - len(hello))
    data = bytearray()
    for off in range(0, len(body), 16384):
        chunk = body[off:off + 16384]
        data += bytes([22, 3, 1]) + len(chunk).to_bytes(2, "big") + chunk
    return bytes(data)


def frame(i, seq, payload, t):
    src = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
    dst = bytes([10, 255, 0, 1])
    sport = 1024 + i % 60000
    tcp = struct.pack("!HHIIBBHHH", sport, 8883, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
    ip_len = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, i & 0xffff, 0x4000, 64, 6, 0, src, dst)
    eth = bytes(6) + bytes([0, 0, 0, 0, 0, 1]) + b"\x08\x00"
    pkt = eth + ip + tcp + payload
    return struct.pack("<IIII", t // 1000000, t % 1000000, len(pkt), len(pkt)) + pkt


data = tiny_stream() if tiny else stream(0)  # every connection sends the same bytes
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    t = 1_700_000_000_000_000
    for off in range(0, len(data), MSS):
        seg = data[off:off + MSS]
        for i in range(conns):
            t += 10
            f.write(frame(i, 1 + off, seg, t))
