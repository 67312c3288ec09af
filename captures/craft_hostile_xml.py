#!/usr/bin/env python3
"""Writes craft_hostile_xml.pcap: MQTT 5.0 PUBLISHes whose Content Type is
application/xml and whose payloads are what an attacker would send a parser
(no real tool produces them): thousands of comments, quoted values, CDATA
sections and DTD tags that never close, and one tag with thousands of
attributes. tshark takes each token's search to the end of the payload
(seconds per packet); mqsniff must stay linear and show the same tree. The
capture's clock starts at 0, which a TCP conversation's first timestamp must
not take for "unset".

    python3 captures/craft_hostile_xml.py [OUT_DIR]
"""
import os
import struct
import sys


def publish(payload, ct=b'application/xml'):
    props = b'\x03' + struct.pack('>H', len(ct)) + ct
    body = struct.pack('>H', 1) + b't' + bytes([len(props)]) + props + payload
    n, rl = len(body), b''
    while True:
        d, n = n % 128, n // 128
        rl += bytes([d | (0x80 if n else 0)])
        if not n:
            return b'\x30' + rl + body


def frame(tcp_payload, seq):
    tcp = struct.pack('>HHIIBBHHH', 40000, 1883, seq, 0, 0x50, 0x18, 65535, 0, 0)
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 40 + len(tcp_payload), 0, 0, 64, 6, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1]))
    return b'\x00' * 12 + b'\x08\x00' + ip + tcp + tcp_payload


def main(out_dir):
    connect = b'\x10\x0f\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x02id'
    pdus = [connect, publish(b'<!-- ' * 4000), publish(b'<a x="' * 3000), publish(b'<![CDATA[ ' * 2000),
            publish(b'<!x ' * 5000), publish(b'<a ' + b'k=1 ' * 5000)]
    with open(os.path.join(out_dir, 'craft_hostile_xml.pcap'), 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        seq = 1
        for i, p in enumerate(pdus):
            fr = frame(p, seq)
            seq += len(p)
            f.write(struct.pack('<IIII', i, 0, len(fr), len(fr)) + fr)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
