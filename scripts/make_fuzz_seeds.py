#!/usr/bin/env python3
"""Seed the fuzz corpora from the real captures in captures/.

fuzz_frame inputs are one link-type selector byte (index into the target's
link table) followed by one frame; fuzz_pcap_reader inputs are whole files.
"""
import os, shutil, struct, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
caps = os.path.join(root, 'captures')
# fuzz_frame.cpp's kLinks order: Ethernet, SLL, SLL2, NULL, LOOP, RAW, IPV4, IPV6
LINK_INDEX = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 228: 6, 229: 7}

def frames(path):
    data = open(path, 'rb').read()
    if len(data) < 24 or data[:4] not in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        return None, []
    link = struct.unpack('<I', data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack('<I', data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return link, out

frame_dir = os.path.join(root, 'fuzz', 'corpus', 'fuzz_frame')
pcap_dir = os.path.join(root, 'fuzz', 'corpus', 'fuzz_pcap_reader')
os.makedirs(frame_dir, exist_ok=True)
os.makedirs(pcap_dir, exist_ok=True)
n = 0
for name in sorted(os.listdir(caps)):
    if not name.endswith('.pcap'):
        continue
    link, fs = frames(os.path.join(caps, name))
    if link not in LINK_INDEX:
        continue
    for i, f in enumerate(fs[:12]):
        with open(os.path.join(frame_dir, '%s-%02d' % (name[:-5], i)), 'wb') as out:
            out.write(bytes([LINK_INDEX[link]]) + f)
        n += 1
for name in ('cut_mid_record.pcap', 'trunc_snap64.pcap', 'mqtt_plain_ns.pcapng', 'mqtt_dumpcap.pcapng', 'link_sll.pcap'):
    shutil.copy(os.path.join(caps, name), os.path.join(pcap_dir, name))
# fuzz_mqtt: TCP payloads to/from port 1883, prefixed by a session-level selector (2 = 3.1.1, 3 = 5.0).
mqtt_dir = os.path.join(root, 'fuzz', 'corpus', 'fuzz_mqtt')
os.makedirs(mqtt_dir, exist_ok=True)
m = 0
for name in ('mqtt_plain.pcap', 'mqtt_password.pcap'):
    link, fs = frames(os.path.join(caps, name))
    for i, f in enumerate(fs):
        if len(f) < 54 or f[12:14] != b'\x08\x00' or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        tcp = 14 + ihl
        ports = struct.unpack('>HH', f[tcp:tcp + 4])
        payload = f[tcp + (f[tcp + 12] >> 4) * 4:]
        if payload and 1883 in ports:
            for sel in (2, 3):
                with open(os.path.join(mqtt_dir, '%s-%02d-%d' % (name[:-5], i, sel)), 'wb') as out:
                    out.write(bytes([sel]) + payload)
                m += 1
print('fuzz seeds: %d frames, 5 files, %d mqtt payloads' % (n, m))

# fuzz_tls and fuzz_x509: the TLS byte streams of the classroom captures (per
# direction, in order) and the DER certificates they carry.
def tcp_streams(path):
    link, fs = frames(path)
    streams = {}
    for f in fs:
        if len(f) < 54 or f[12:14] != b'\x08\x00' or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        tcp = 14 + ihl
        sport, dport, seq = struct.unpack('>HHI', f[tcp:tcp + 8])
        payload = f[tcp + (f[tcp + 12] >> 4) * 4:]
        if payload:
            streams.setdefault((sport, dport), {})[seq] = payload
    return {k: b''.join(v[s] for s in sorted(v)) for k, v in streams.items()}

def certificates(stream):
    pos, hs = 0, b''
    while pos + 5 <= len(stream):
        typ, ln = stream[pos], struct.unpack('>H', stream[pos + 3:pos + 5])[0]
        if typ == 22:
            hs += stream[pos + 5:pos + 5 + ln]
        pos += 5 + ln
    out, p = [], 0
    while p + 4 <= len(hs):
        ht, hl = hs[p], int.from_bytes(hs[p + 1:p + 4], 'big')
        if ht == 11:
            body, q = hs[p + 4:p + 4 + hl], 3
            while q + 3 <= len(body):
                cl = int.from_bytes(body[q:q + 3], 'big')
                out.append(body[q + 3:q + 3 + cl])
                q += 3 + cl
        if ht in (20, 16) or hl > len(hs):
            break
        p += 4 + hl
    return out

tls_dir = os.path.join(root, 'fuzz', 'corpus', 'fuzz_tls')
x509_dir = os.path.join(root, 'fuzz', 'corpus', 'fuzz_x509')
os.makedirs(tls_dir, exist_ok=True)
os.makedirs(x509_dir, exist_ok=True)
c = 0
for name in ('mqtts_mutual_tls12.pcap', 'mqtts_rogue_tls12.pcap', 'mqtts_mutual_tls13.pcap'):
    for (sport, dport), data in tcp_streams(os.path.join(caps, name)).items():
        tag = '%s-%d' % (name[:-5], sport if sport in (8883, 8884) else 0)
        with open(os.path.join(tls_dir, tag), 'wb') as out:
            out.write(data[:4096])
        for k, der in enumerate(certificates(data)):
            with open(os.path.join(x509_dir, '%s-%d' % (tag, k)), 'wb') as out:
                out.write(der)
            c += 1
print('fuzz seeds: %d certificates' % c)

# fuzz_websocket: both directions of the MQTT-over-WebSocket capture.
ws_dir = os.path.join(root, 'fuzz', 'corpus', 'fuzz_websocket')
os.makedirs(ws_dir, exist_ok=True)
for (sport, dport), data in tcp_streams(os.path.join(caps, 'mqtt_websocket.pcap')).items():
    with open(os.path.join(ws_dir, 'mqtt_websocket-%d' % (sport if sport == 8080 else 0)), 'wb') as out:
        out.write(data)

# fuzz_netaux: ARP, ICMP, ICMPv6, DNS, GTP-U and VXLAN messages from the
# captures of the traffic around MQTT; the selector byte is the target's
# table index (ARP 0, ICMP 1, ICMPv6 2, DNS 3, GTP-U 4, VXLAN 5, HTTP 6,
# JSON 7, mDNS 8).
aux_dir = os.path.join(root, 'fuzz', 'corpus', 'fuzz_netaux')
os.makedirs(aux_dir, exist_ok=True)
seen, a = set(), 0
for name in ('around_mqtt.pcap', 'mqtt_gtpu.pcap'):
    _, fs = frames(os.path.join(caps, name))
    for i, f in enumerate(fs):
        et = struct.unpack('>H', f[12:14])[0]
        sel, msg = None, None
        if et == 0x0806:
            sel, msg = 0, f[14:]
        elif et == 0x0800:
            ihl = (f[14] & 15) * 4
            proto, l4 = f[23], f[14 + ihl:]
            if proto == 1:
                sel, msg = 1, l4
            elif proto == 17:
                sp, dp = struct.unpack('>HH', l4[:4])
                port = {53: 3, 2152: 4, 4789: 5}
                for p in (min(sp, dp), max(sp, dp)):
                    if p in port:
                        sel, msg = port[p], l4[8:]
                        break
        elif et == 0x86dd and f[20] == 58:
            sel, msg = 2, f[54:]
        if sel is None or (sel, msg[:2]) in seen:
            continue
        seen.add((sel, msg[:2]))
        with open(os.path.join(aux_dir, '%s-%02d' % (name[:-5], i)), 'wb') as out:
            out.write(bytes([sel]) + msg)
        a += 1
# A DNS answer whose name points at itself: the walk must end.
with open(os.path.join(aux_dir, 'dns-pointer-loop'), 'wb') as out:
    out.write(bytes([3]) + bytes.fromhex('1234818000010001000000000000010001') + bytes.fromhex('c011000100010000003c000401020304'))
# Multicast DNS messages (selector 8) from the avahi capture.
_, fs = frames(os.path.join(caps, 'mdns_lab.pcap'))
for i, f in enumerate(fs):
    if i in (0, 3, 7, len(fs) - 1) and f[12:14] == b'\x08\x00':
        ihl = (f[14] & 15) * 4
        with open(os.path.join(aux_dir, 'mdns-%02d' % i), 'wb') as out:
            out.write(bytes([8]) + f[14 + ihl + 8:])
        a += 1
# HTTP byte streams (selector 6) and JSON documents (selector 7).
for (sport, dport), data in tcp_streams(os.path.join(caps, 'around_mqtt.pcap')).items():
    if 8080 in (sport, dport):
        with open(os.path.join(aux_dir, 'http-%d-%d' % (sport, dport)), 'wb') as out:
            out.write(bytes([6]) + data)
        a += 1
with open(os.path.join(aux_dir, 'http-chunked'), 'wb') as out:
    out.write(bytes([6]) + b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n'
              b'7\r\n{"t":22\r\n1\r\n}\r\n0\r\n\r\n')
with open(os.path.join(aux_dir, 'json-nested'), 'wb') as out:
    out.write(bytes([7]) + b'{"broker":"broker.lab","port":1883,"a":[1,-2.5e3,true,false,null,{"x":"y\\n\\u00e9"}]}')
print('fuzz seeds: %d messages around MQTT' % (a + 3))
