#!/usr/bin/env python3
"""Insert an IPv6 Segment Routing Header (RFC 8754, routing type 4) into the
client-to-broker packets of a real MQTT-over-IPv6 capture, as the Linux
kernel's `ip route ... encap seg6 mode inline segs <S>` inserts one (the
kernel of this project's build machine has no SRv6 support, so the header is
written here; the packets are the recorded ones, unchanged otherwise). The
capture point is the broker's side of the last segment: Segments Left 0,
the destination the final one (Segment List[0]), the segment visited before
it in Segment List[1]. Other packets pass unchanged.

  usage: srh_wrap.py OUT.pcap IN.pcap
         srh_wrap.py --types OUT.pcap IN.pcap
         srh_wrap.py --crh OUT.pcap IN.pcap

With --types: the first SYN of IN once for each other routing header a
capture may hold, with segments left to visit (the Destination column is then
the final address): Type 0 (deprecated, RFC 5095), Type 2 (Mobile IPv6
home address), an RPL Source Route header (RFC 6554) with compressed
addresses, an SRH in the middle of its path, and undecoded types
(Experiment 1, an unassigned one).

With --crh: the same SYN behind Compact Routing Headers (types 5 and 6,
draft-bonica-6man-comp-rtg-hdr: 16- and 32-bit segment IDs, zero-padded),
well-formed and not (Segments Left past the list, every slot filled, a
length too short for Segments Left), and two SRHs whose Last Entry
disagrees with Segments Left or with the header's length.
"""
import struct, sys, os
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from relink import read_pcap, write_pcap

SEGMENT = bytes.fromhex('fc000001000000000000000000000002')  # fc00:1::2
TAG = 0x0006

def srh(next_header, final):
    segs = [final, SEGMENT]                 # Segment List[0] is the last segment
    hdr_ext_len = 2 * len(segs)             # 8-octet units after the first 8 octets
    return struct.pack('!BBBBBBH', next_header, hdr_ext_len, 4, 0, len(segs) - 1, 0, TAG) + b''.join(segs)

def wrap(pkt):
    eth, ip = pkt[:14], pkt[14:]
    if struct.unpack('!H', eth[12:14])[0] != 0x86dd or len(ip) < 40 or ip[6] != 6:
        return pkt
    dport = struct.unpack('!H', ip[42:44])[0]
    if dport != 1883:
        return pkt
    h = srh(ip[6], ip[24:40])
    plen = struct.unpack('!H', ip[4:6])[0] + len(h)
    ip6 = ip[:4] + struct.pack('!H', plen) + bytes([43]) + ip[7:40]
    return eth + ip6 + h + ip[40:]

def insert(pkt, rt):
    eth, ip = pkt[:14], pkt[14:]
    plen = struct.unpack('!H', ip[4:6])[0] + len(rt)
    return eth + ip[:4] + struct.pack('!H', plen) + bytes([43]) + ip[7:40] + rt + ip[40:]

def types(out, inp):
    nano, link, recs = read_pcap(inp)
    sec, frac, orig, pkt = recs[0]
    a = bytes.fromhex('fc000001000000000000000000000002')
    b = bytes.fromhex('fc000002000000000000000000000003')
    hdrs = [
        struct.pack('!BBBBI', 6, 4, 0, 1, 0) + a + b,                  # Type 0: two addresses, one left
        struct.pack('!BBBBI', 6, 2, 2, 1, 0) + a,                      # Type 2: the home address
        # RPL: CmprI 8, CmprE 8 (the first 8 octets are the destination's), pad 0
        struct.pack('!BBBBI', 6, 2, 3, 2, (8 << 28) | (8 << 24)) + a[8:] + b[8:],
        struct.pack('!BBBBBBH', 6, 4, 4, 1, 1, 0, TAG) + b + a,        # SRH: next segment a, last b
        struct.pack('!BBBBI', 6, 1, 253, 1, 0x12345678) + b'\xaa' * 8,  # Experiment 1
        struct.pack('!BBBBI', 6, 1, 7, 0, 0) + b'\x00' * 8,             # unassigned
    ]
    res = []
    for i, h in enumerate(hdrs):
        p = insert(pkt, h)
        if i == len(hdrs) - 1:  # the last from another client port (a connection of its own)
            tcp = 14 + 40 + len(h)
            p = p[:tcp] + struct.pack('!H', 58089) + p[tcp + 2:]
        res.append((sec + i, frac, len(p), p))
    write_pcap(out, link, res, nano=nano)

def crh(out, inp):
    nano, link, recs = read_pcap(inp)
    sec, frac, orig, pkt = recs[0]
    def compact(rtype, hdr_ext_len, segleft, sids):
        return struct.pack('!BBBB', 6, hdr_ext_len, rtype, segleft) + \
            struct.pack('!%d%s' % (len(sids), 'H' if rtype == 5 else 'I'), *sids)
    a = bytes.fromhex('fc000001000000000000000000000002')
    b = bytes.fromhex('fc000002000000000000000000000003')
    hdrs = [
        compact(5, 0, 2, [100, 200]),                   # CRH-16: the current SID past the list
        compact(5, 1, 1, [100, 200, 300, 0, 0, 0]),     # CRH-16: three SIDs, zero padding
        compact(6, 1, 1, [70000, 80000, 0]),            # CRH-32: two SIDs, zero padding
        compact(6, 1, 2, [1, 2, 3]),                    # CRH-32: every slot filled
        compact(5, 0, 3, [7, 8]),                       # CRH-16: too short for Segments Left
        compact(6, 2, 3, [10, 20, 30, 40, 0]),          # CRH-32: four SIDs
        struct.pack('!BBBBBBH', 6, 2, 4, 2, 0, 0, TAG) + a,           # SRH: Segments Left past Last Entry
        struct.pack('!BBBBBBH', 6, 4, 4, 1, 2, 0, TAG) + b + a,       # SRH: Last Entry past the header
    ]
    res = []
    for i, h in enumerate(hdrs):
        assert len(h) % 8 == 0
        p = insert(pkt, h)
        res.append((sec + i, frac, len(p), p))
    write_pcap(out, link, res, nano=nano)

def main():
    if sys.argv[1] == '--types':
        types(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1] == '--crh':
        crh(sys.argv[2], sys.argv[3])
        return
    out, inp = sys.argv[1], sys.argv[2]
    nano, link, recs = read_pcap(inp)
    assert link == 1, 'Ethernet captures only'
    res = []
    for sec, frac, orig, pkt in recs:
        w = wrap(pkt)
        res.append((sec, frac, orig + len(w) - len(pkt), w))
    write_pcap(out, link, res, nano=nano)

if __name__ == '__main__':
    main()
