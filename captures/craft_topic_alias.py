#!/usr/bin/env python3
"""Writes craft_topic_alias.pcap: MQTT PUBLISHes with an empty topic, the
cases of MQTT 5.0 topic aliases that mosquitto's clients never send (they
always send the topic with its alias): an alias never defined, an alias
defined then used with an empty topic, no alias, alias 0 (not an alias), an
undefined alias at QoS 1; and an empty topic in MQTT 3.1.1. tshark shows the
topic an alias resolves to as a generated item, an unknown alias with a note,
and an empty topic without one with a warning on its length.

    python3 captures/craft_topic_alias.py [OUT_DIR]
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mqtt_raw import pdu  # noqa: E402


def publish5(topic, props, payload, flags=0, packet_id=b''):
    return pdu(0x30 | flags, struct.pack('>H', len(topic)) + topic + packet_id + bytes([len(props)]) + props + payload)


def frame(tcp_payload, seq, sport):
    tcp = struct.pack('>HHIIBBHHH', sport, 1883, seq, 0, 0x50, 0x18, 65535, 0, 0)
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 40 + len(tcp_payload), 0, 0, 64, 6, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1]))
    return b'\x00' * 12 + b'\x08\x00' + ip + tcp + tcp_payload


def main(out_dir):
    alias = lambda n: b'\x23' + struct.pack('>H', n)
    v5 = [pdu(0x10, b'\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x02id'),
          publish5(b'', alias(3), b'a'),                       # never defined
          publish5(b'x/y', alias(4), b'b'),                    # defines 4
          publish5(b'', alias(4), b'c'),                       # uses 4
          publish5(b'', b'', b'd'),                            # no alias
          publish5(b'', alias(0), b'e'),                       # 0 is no alias
          publish5(b'', alias(3), b'f', 2, b'\x00\x05')]       # never defined, QoS 1
    v311 = [pdu(0x10, b'\x00\x04MQTT\x04\x02\x00\x3c\x00\x02id'), pdu(0x30, b'\x00\x00z')]
    with open(os.path.join(out_dir, 'craft_topic_alias.pcap'), 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        i = 0
        for sport, pdus in ((40000, v5), (40001, v311)):
            seq = 1
            for p in pdus:
                fr = frame(p, seq, sport)
                seq += len(p)
                i += 1
                f.write(struct.pack('<IIII', i, 0, len(fr), len(fr)) + fr)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
