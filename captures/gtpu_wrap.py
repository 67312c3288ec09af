#!/usr/bin/env python3
"""Wrap the IP packets of real Ethernet captures in GTP-U (3GPP TS 29.281), as
a cellular device's traffic travels between the base station (eNodeB,
10.20.0.1) and the core's user plane (SGW-U, 10.20.0.2) on UDP port 2152.
No Debian tool brings up a GTP tunnel, so the tunnel is written here; the
inner packets are the recorded ones, unchanged.

  usage: gtpu_wrap.py OUT.pcap IN.pcap [IN.pcap ...]

Uplink (towards the broker's port 1883/8883) uses TEID 0x0000abcd, downlink
TEID 0x00001234. The inputs follow each other in time, one second apart.
"""
import struct, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relink import read_pcap, write_pcap

ENB, SGW = bytes([10, 20, 0, 1]), bytes([10, 20, 0, 2])
ENB_MAC, SGW_MAC = bytes.fromhex('0200000a1401'), bytes.fromhex('0200000a1402')
BROKER_PORTS = (1883, 8883)

def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def uplink(ip):
    ihl = (ip[0] & 0x0f) * 4 if ip[0] >> 4 == 4 else 40
    dport = struct.unpack('!H', ip[ihl + 2:ihl + 4])[0]
    return dport in BROKER_PORTS

ident = 0x100
def wrap(ip):
    global ident
    up = uplink(ip)
    gtp = struct.pack('!BBHI', 0x30, 0xff, len(ip), 0xabcd if up else 0x1234) + ip
    udp = struct.pack('!HHHH', 2152, 2152, 8 + len(gtp), 0) + gtp
    src, dst = (ENB, SGW) if up else (SGW, ENB)
    hdr = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), ident, 0x4000, 64, 17, 0, src, dst)
    hdr = hdr[:10] + struct.pack('!H', csum(hdr)) + hdr[12:]
    ident += 1
    eth = (SGW_MAC + ENB_MAC if up else ENB_MAC + SGW_MAC) + b'\x08\x00'
    return eth + hdr + udp

def main():
    out, ins = sys.argv[1], sys.argv[2:]
    recs, shift = [], 0
    for path in ins:
        nano, link, rs = read_pcap(path)
        assert link == 1, path + ': Ethernet expected'
        if recs and rs:
            shift = recs[-1][0] + 1 - rs[0][0]
        for sec, frac, orig, pkt in rs:
            usec = frac // 1000 if nano else frac
            ip = pkt[14:]
            w = wrap(ip)
            recs.append((sec + shift, usec, len(w) + (orig - len(pkt)), w))
    write_pcap(out, 1, recs)

if __name__ == '__main__':
    main()
