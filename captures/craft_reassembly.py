#!/usr/bin/env python3
"""Craft the TCP-reassembly test captures from real MQTT packets.

The MQTT bytes are those mosquitto and mosquitto_pub put on the wire in
captures/mqtt_features.pcap and captures/mqtt_plain.pcap; only the TCP
segmentation, ordering and loss are made up. Deterministic: same output
every run. Usage: craft_reassembly.py OUT_DIR [--large]

  reorder.pcap        two data segments swapped
  duplicate.pcap      an exact duplicate segment
  overlap_same.pcap   a retransmission overlapping delivered data, same bytes
  overlap_diff.pcap   the same with different bytes (first data wins)
  lost.pcap           a segment never captured, later data ACKed by the peer
  wraparound.pcap     sequence numbers wrapping around 2^32 mid-stream
  split_varint.pcap   the Remaining Length split across two segments
  pipelined40.pcap    40 PUBLISH packets in one segment
  big1448.pcap        one 210 KB PUBLISH in 150 segments of 1448 bytes (Ethernet)
  ipfrag.pcap         a PUBLISH segment sent as three IPv4 fragments
  flows10k.pcap       10,000 interleaved MQTT connections   (--large only)
"""
import os, struct, sys

CLIENT, BROKER = (127 << 24) | 1, (127 << 24) | 2
MAC_C, MAC_S = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


class Writer:
    def __init__(self, path):
        self.f = open(path, 'wb')
        self.f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        self.t = 1795500000 * 1000000

    def frame(self, data, gap_us=100):
        self.t += gap_us
        self.f.write(struct.pack('<IIII', self.t // 1000000, self.t % 1000000, len(data), len(data)) + data)

    def close(self):
        self.f.close()


def ipv4(src, dst, proto, payload, ident=1, frag=0x4000):
    h = struct.pack('!BBHHHBBHII', 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def tcp_seg(src, dst, sp, dp, seq, ack, flags, payload=b'', win=512, opts=b''):
    hl = 20 + len(opts)
    t = struct.pack('!HHIIBBHHH', sp, dp, seq & 0xffffffff, ack & 0xffffffff, (hl // 4) << 4, flags, win, 0, 0)
    pseudo = struct.pack('!IIBBH', src, dst, 0, 6, hl + len(payload))
    c = csum(pseudo + t + opts + payload)
    return t[:16] + struct.pack('!H', c) + t[18:] + opts + payload


def eth(frm_client, ip):
    return (MAC_S + MAC_C if frm_client else MAC_C + MAC_S) + b'\x08\x00' + ip


class Conn:
    """One client<->broker TCP connection writing into a Writer."""

    def __init__(self, w, cport=50000, cisn=1000, sisn=90000, client=CLIENT, broker=BROKER):
        self.w, self.cport, self.client, self.broker = w, cport, client, broker
        self.cseq, self.sseq = cisn, sisn
        self.ident = 1

    def pkt(self, frm_client, seq, ack, flags, payload=b'', gap=100):
        src, dst = (self.client, self.broker) if frm_client else (self.broker, self.client)
        sp, dp = (self.cport, 1883) if frm_client else (1883, self.cport)
        self.ident += 1
        self.w.frame(eth(frm_client, ipv4(src, dst, 6, tcp_seg(src, dst, sp, dp, seq, ack, flags, payload), self.ident)), gap)

    def handshake(self):
        self.pkt(True, self.cseq, 0, 0x02)
        self.pkt(False, self.sseq, self.cseq + 1, 0x12)
        self.cseq += 1
        self.sseq += 1
        self.pkt(True, self.cseq, self.sseq, 0x10)

    def send(self, data, seq=None, ack_after=True, frm_client=True):
        s = self.cseq if seq is None else seq
        self.pkt(frm_client, s, self.sseq, 0x18, data)
        end = s + len(data)
        if seq is None:
            self.cseq = end
        if ack_after:
            self.pkt(False, self.sseq, max(self.cseq, end), 0x10)

    def ack(self, upto):
        self.pkt(False, self.sseq, upto, 0x10)


def vbi(n):
    out = b''
    while True:
        b = n % 128
        n //= 128
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def publish(topic, payload, qos=0, msgid=1):
    t = topic.encode()
    body = struct.pack('!H', len(t)) + t + (struct.pack('!H', msgid) if qos else b'') + payload
    return bytes([0x30 | (qos << 1)]) + vbi(len(body)) + body


# A real CONNECT as mosquitto_pub 2.0 sends it (client id "craft").
CONNECT = bytes.fromhex('101100044d5154540402003c0005') + b'craft'


def craft(out, large):
    os.makedirs(out, exist_ok=True)
    p = lambda n: os.path.join(out, n)
    stream = CONNECT + publish('maison/salon/temperature', b'21.5') + publish('maison/cuisine/json', b'{"t":22}', 1, 7)

    w = Writer(p('reorder.pcap')); c = Conn(w); c.handshake()
    a, b, d = stream[:10], stream[10:30], stream[30:]
    c.send(a, ack_after=False)
    c.send(d, seq=c.cseq + len(b), ack_after=False)
    c.send(b, seq=c.cseq, ack_after=False)
    c.cseq += len(b) + len(d)
    c.ack(c.cseq)
    w.close()

    w = Writer(p('duplicate.pcap')); c = Conn(w); c.handshake()
    s0 = c.cseq
    c.send(stream[:25], ack_after=False)
    c.send(stream[:25], seq=s0, ack_after=False)
    c.send(stream[25:])
    w.close()

    for name, alt in (('overlap_same.pcap', False), ('overlap_diff.pcap', True)):
        w = Writer(p(name)); c = Conn(w); c.handshake()
        s0 = c.cseq
        c.send(stream[:30], ack_after=False)
        again = bytearray(stream[20:45])
        if alt:
            again[0:10] = b'X' * 10  # the overlapping part differs; the first copy wins
        c.send(bytes(again), seq=s0 + 20, ack_after=False)
        c.cseq = s0 + 45
        c.send(stream[45:])
        w.close()

    w = Writer(p('lost.pcap')); c = Conn(w); c.handshake()
    s0 = c.cseq
    c.send(stream[:len(CONNECT)], ack_after=True)
    mid = len(CONNECT) + 10
    c.cseq = s0 + mid          # bytes [len(CONNECT), mid) are never captured
    c.ack(s0 + mid)            # ...but the broker acknowledges them
    c.send(stream[mid:])
    c.send(publish('maison/after/gap', b'ok'))
    w.close()

    w = Writer(p('wraparound.pcap')); c = Conn(w, cisn=0xffffffff - 40); c.handshake()
    for i in range(4):
        c.send(publish('wrap/%d' % i, b'x' * 10))
    w.close()

    w = Writer(p('split_varint.pcap')); c = Conn(w); c.handshake()
    big = publish('split/varint', b'v' * 300)  # Remaining Length takes 2 bytes
    c.send(big[:2], ack_after=False)           # type byte + first length byte
    c.send(big[2:])
    w.close()

    w = Writer(p('pipelined40.pcap')); c = Conn(w); c.handshake()
    c.send(CONNECT)
    c.send(b''.join(publish('pipe/%02d' % i, b'%d' % i) for i in range(40)))
    w.close()

    w = Writer(p('big1448.pcap')); c = Conn(w); c.handshake()
    c.send(CONNECT)
    blob = publish('big/blob', bytes(range(256)) * 846 + b'end', 1, 9)
    for i in range(0, len(blob), 1448):
        c.send(blob[i:i + 1448], ack_after=(i // 1448) % 2 == 1)
    c.ack(c.cseq)
    w.close()

    w = Writer(p('ipfrag.pcap')); c = Conn(w); c.handshake()
    c.send(CONNECT)
    data = publish('frag/topic', b'F' * 100)
    seg = tcp_seg(CLIENT, BROKER, 50000, 1883, c.cseq, c.sseq, 0x18, data)
    parts = [seg[0:48], seg[48:96], seg[96:]]
    off = 0
    for i, part in enumerate(parts):
        more = 0x2000 if i < len(parts) - 1 else 0
        w.frame(eth(True, ipv4(CLIENT, BROKER, 6, part, ident=0x4242, frag=more | (off // 8))))
        off += len(part)
    c.cseq += len(data)
    c.ack(c.cseq)
    w.close()

    if large:
        w = Writer(p('flows10k.pcap'))
        conns = [Conn(w, cport=20000 + (i % 40000), client=(10 << 24) | (i + 1), cisn=1000 + i, sisn=5000 + i)
                 for i in range(10000)]
        for c in conns:
            c.handshake()
        for c in conns:
            c.send(CONNECT, ack_after=False)
        for i, c in enumerate(conns):
            c.send(publish('flows/%d' % i, b'v'), ack_after=False)
        w.close()


def syn_flood(path, n):
    """n SYN-only connections from distinct addresses (memory-bound test)."""
    w = Writer(path)
    for i in range(n):
        src = (10 << 24) | (i + 1)
        w.frame(eth(True, ipv4(src, BROKER, 6, tcp_seg(src, BROKER, 1024 + i % 60000, 1883, i * 7919, 0, 0x02))), 1)
    w.close()


def hole_then_data(path, flows, mbytes):
    """Flows whose first data segment is missing, followed by megabytes of data
    that can never be delivered in order (the peer never acknowledges)."""
    w = Writer(path)
    chunk = b'z' * 1400
    for f in range(flows):
        c = Conn(w, cport=30000 + f, client=(11 << 24) | (f + 1))
        c.handshake()
        seq = c.cseq + 1400  # the first segment is never captured
        for _ in range(mbytes * 1024 * 1024 // 1400 // flows):
            c.pkt(True, seq, c.sseq, 0x18, chunk, 1)
            seq += 1400
    w.close()


if __name__ == '__main__':
    if '--synflood' in sys.argv:
        syn_flood(sys.argv[1], int(sys.argv[sys.argv.index('--synflood') + 1]))
    elif '--holes' in sys.argv:
        hole_then_data(sys.argv[1], 50, int(sys.argv[sys.argv.index('--holes') + 1]))
    else:
        craft(sys.argv[1] if len(sys.argv) > 1 else '.', '--large' in sys.argv)
