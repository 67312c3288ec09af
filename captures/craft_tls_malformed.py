#!/usr/bin/env python3
"""Craft tls_malformed.pcap: TLS records that break the rules, one TCP
connection to port 8883 each, from the real ClientHello and ServerHello that
openssl sent in captures/mqtts_tls12.pcap (only the bytes named below are
changed). No real TLS stack sends these; tshark 4.0 flags them, and so must
mqsniff. Deterministic. Usage: craft_tls_malformed.py OUT.pcap

  1  a record of 20,000 bytes (more than 2^14 + 2048): a ClientHello and a
     Supplemental Data message
  2  two ClientHellos in one record
  3  a ClientHello whose extensions length runs past the message
  4  a ClientHello with an odd cipher-suites length
  5  an Alert record of 1 byte, then one of 3 bytes
  6  a ChangeCipherSpec of 2 bytes
  7  an Encrypted Client Hello extension (0xfe0d) of random bytes
  8  a server_name extension whose list length is wrong
  9  an unknown content type (0x19) after a valid record
 10  a handshake message of length 0 (HelloRequest) and a Finished too short
 11  a handshake record of length 0, then empty Application Data, Alert and
     ChangeCipherSpec records
 12  a Heartbeat request with an impossible payload length, and a response
     with its padding
 13  a handshake message announcing more than the record, then nothing
 14  a ClientHello in two records, each in its own segment
 15  a ClientHello in three records in one segment
 16  a ClientHello whose second record is another content type (an Alert)
"""
import os, struct, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft_reassembly import Writer, Conn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def payloads(path):
    """TCP payloads of a classic pcap (Ethernet/IPv4/TCP), in order."""
    out = []
    with open(path, 'rb') as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from('<I', data, off + 8)[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack_from('!H', ip, 2)[0]
        tcp = ip[ihl:tot]
        out.append(tcp[(tcp[12] >> 4) * 4:])
    return out


class TlsConn(Conn):
    def pkt(self, frm_client, seq, ack, flags, payload=b'', gap=100):
        from craft_reassembly import eth, ipv4, tcp_seg
        src, dst = (self.client, self.broker) if frm_client else (self.broker, self.client)
        sp, dp = (self.cport, 8883) if frm_client else (8883, self.cport)
        self.ident += 1
        self.w.frame(eth(frm_client, ipv4(src, dst, 6, tcp_seg(src, dst, sp, dp, seq, ack, flags, payload), self.ident)), gap)


def rec(ctype, body, version=0x0303):
    return struct.pack('!BHH', ctype, version, len(body)) + body


def hs(htype, body):
    return bytes([htype]) + len(body).to_bytes(3, 'big') + body


def main(out):
    p = payloads(os.path.join(HERE, 'mqtts_tls12.pcap'))
    ch_rec = p[3]                  # 16 03 01 00 c9 | 01 00 00 c5 ...
    ch = ch_rec[5:]                # the handshake message
    ch_body = ch[4:]
    sh_flight = p[5]
    w = Writer(out)
    port = [41000]

    def conn():
        c = TlsConn(w, cport=port[0], cisn=1000 + port[0], sisn=70000 + port[0])
        port[0] += 1
        c.handshake()
        return c

    # 1: record length 20,000, sent whole
    c = conn()
    c.send(rec(22, ch + hs(23, bytes((i * 37 + 11) & 0xff for i in range(20000 - len(ch) - 4))), 0x0301))

    # 2: two ClientHellos in one record
    c = conn()
    c.send(rec(22, ch + ch, 0x0301))

    # ClientHello layout: version(2) random(32) sid_len(1) sid suites_len(2) suites comp_len(1) comp ext_len(2) exts
    sid_len = ch_body[34]
    o_suites = 35 + sid_len
    suites_len = struct.unpack_from('!H', ch_body, o_suites)[0]
    o_comp = o_suites + 2 + suites_len
    comp_len = ch_body[o_comp]
    o_ext = o_comp + 1 + comp_len

    # 3: extensions length 0x0400 (past the message)
    b = bytearray(ch_body)
    struct.pack_into('!H', b, o_ext, 0x0400)
    c = conn()
    c.send(rec(22, hs(1, bytes(b)), 0x0301))

    # 4: odd cipher-suites length
    b = bytearray(ch_body)
    struct.pack_into('!H', b, o_suites, suites_len - 1)
    c = conn()
    c.send(rec(22, hs(1, bytes(b)), 0x0301))

    # 5: Alert records of 1 and 3 bytes
    c = conn()
    c.send(rec(21, b'\x02'))
    c.send(rec(21, b'\x02\x30\x00'))

    # 6: ChangeCipherSpec of 2 bytes
    c = conn()
    c.send(ch_rec, ack_after=False)
    c.send(rec(20, b'\x01\x01'))

    # 7: ECH extension of random bytes, appended as the last extension
    ext_len = struct.unpack_from('!H', ch_body, o_ext)[0]
    junk = bytes((i * 73 + 19) & 0xff for i in range(40))
    ech = struct.pack('!HH', 0xfe0d, len(junk)) + junk
    b = bytearray(ch_body[:o_ext]) + struct.pack('!H', ext_len + len(ech)) + ch_body[o_ext + 2:] + ech
    c = conn()
    c.send(rec(22, hs(1, bytes(b)), 0x0301))

    # 8: server_name list length off by 3 (inside the SNI extension)
    b = bytearray(ch_body)
    q = o_ext + 2
    while q + 4 <= len(b):
        et, el = struct.unpack_from('!HH', b, q)
        if et == 0:
            ll = struct.unpack_from('!H', b, q + 4)[0]
            struct.pack_into('!H', b, q + 4, ll + 3)
            break
        q += 4 + el
    c = conn()
    c.send(rec(22, hs(1, bytes(b)), 0x0301))

    # 9: unknown content type after a valid record
    c = conn()
    c.send(ch_rec + rec(0x19, b'\xde\xad\xbe\xef'))

    # 10: HelloRequest (length 0) and a 3-byte Finished
    c = conn()
    c.send(ch_rec, ack_after=False)
    c.pkt(False, c.sseq, c.cseq, 0x18, sh_flight)
    c.sseq += len(sh_flight)
    c.send(rec(22, hs(0, b'') + hs(20, b'\x01\x02\x03')))

    # 11: a record of length 0
    c = conn()
    c.send(rec(22, b'', 0x0301))
    c.send(ch_rec)
    c.send(rec(23, b''))
    c.send(rec(21, b''))
    c.send(rec(20, b''))
    c.send(ch_rec + rec(23, b'') + ch_rec)
    c.send(ch_rec + rec(21, b''))

    # 12: Heartbeat request
    c = conn()
    c.send(ch_rec, ack_after=False)
    c.send(rec(24, b'\x01\x40\x00' + b'\x41' * 16))
    c.send(rec(24, b'\x02\x00\x05' + b'hello' + b'\x00' * 16), ack_after=False)

    # 13: handshake message announcing 0x1000 bytes in a 40-byte record, then a FIN
    c = conn()
    c.send(rec(22, b'\x01\x00\x10\x00' + ch_body[:36], 0x0301))
    c.pkt(True, c.cseq, c.sseq, 0x11)

    # 14: ClientHello in two records, two segments
    c = conn()
    c.send(rec(22, ch[:100], 0x0301))
    c.send(rec(22, ch[100:], 0x0301))

    # 15: ClientHello in three records, one segment
    c = conn()
    c.send(rec(22, ch[:2], 0x0301) + rec(22, ch[2:120], 0x0301) + rec(22, ch[120:], 0x0301))

    # 16: ClientHello fragment, then an Alert record, then the rest
    c = conn()
    c.send(rec(22, ch[:100], 0x0301) + rec(21, b'\x01\x00', 0x0301) + rec(22, ch[100:], 0x0301))
    w.close()


if __name__ == '__main__':
    main(sys.argv[1])
