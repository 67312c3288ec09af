#!/usr/bin/env python3
"""Derive link-type variants from the real Ethernet captures recorded by
make_captures.sh, so every link layer mqsniff decodes has a real capture
behind it. Only the framing changes; the IP packets are the recorded ones.

  mqtt_plain.pcap  ->  link_null.pcap     (BSD loopback, DLT_NULL, host-order AF)
                       link_loop.pcap     (OpenBSD loopback, DLT_LOOP, network-order AF)
                       link_raw.pcap      (LINKTYPE_RAW)
                       link_ipv4.pcap     (LINKTYPE_IPV4)
                       link_vlan.pcap     (802.1Q tag, VLAN 56)
                       link_qinq.pcap     (802.1ad outer 100 + 802.1Q inner 56)
                       link_sll.pcap      (Linux cooked v1, as `-i any`)
                       trunc_snap64.pcap  (every frame cut to a 64-byte snaplen)
                       trunc_snap100.pcap (cut to 100 bytes: the MQTT PDUs cut short)
  mqtts_tls12.pcap  -> trunc_snap100_tls.pcap (TLS records cut at 100 bytes)
  mqtt_features.pcap -> trunc_snap100_big.pcap (the 90 KB PUBLISH's connection
                       cut to 100 bytes: a PDU running past a cut segment)
  mqtt_gtpu.pcap    -> trunc_snap100_gtpu.pcap (GTP-U frames cut to 100 bytes)
  around_mqtt.pcap  -> trunc_snap64_around.pcap (cut to 64 bytes: IPv4, TCP
                       and ARP headers cut inside VXLAN and GTP-U tunnels)
  dns_tcp.pcap      -> trunc_snap100_dns.pcap (DNS over TCP cut to 100 bytes)
  mdns_lab.pcap     -> trunc_snap100_mdns.pcap (mDNS answers cut short)
  http_close.pcap   -> http_midstream.pcap (started inside a response body),
                       trunc_snap100_http.pcap (HTTP cut to 100 bytes: header
                       lines as far as they go, body segments "Continuation")
  icmp_router.pcap  -> icmp_router_snap100.pcap, icmp_pmtu.pcap -> icmp_pmtu_snap150.pcap
                       (quotes cut by the snapshot length)
  mqtts_tls12.pcap, mqtts_sslv2_hello.pcap, mqtts_bigchain.pcap,
  mqtts_gap_tls12.pcap, mqtt_lossy.pcap -> trunc_snap66_tls.pcap,
                       trunc_snap68_tls.pcap, trunc_snap100_sslv2.pcap,
                       trunc_snap100_bigchain.pcap, trunc_snap100_gap.pcap,
                       trunc_snap200_lossy.pcap (headers only; records cut
                       inside their header; segments TLS refuses);
  http_close, dns_tcp, llmnr_lab, mqtt_gtpu -> trunc_snap72_http.pcap, trunc_snap80_http.pcap,
                       trunc_snap72_dns.pcap, trunc_snap44_llmnr.pcap,
                       trunc_snap40/66/70_gtpu.pcap (headers cut part-way)
  mqtts_mutual_tls13.pcap -> trunc_snap150_mtls13.pcap (cut to 150 bytes: the
                       certificate records' middle segments read as records)
                       cut_mid_record.pcap (file ends in the middle of a record)
                       mqtt_plain_ns.pcapng (pcapng with if_tsresol = 9)
  mqtt_plain.pcap + mqtt_ipv6_ns.pcap -> mqtt_two_sensors.pcapng (two sections,
                       both byte orders, three interfaces: microseconds,
                       2^-24 s with an if_tsoffset, milliseconds)
  mqtts_keylog_dsb.pcapng -> mqtts_keylog_dsb_late.pcapng (its secrets block
                       after the first packet, and again after the last),
                       mqtts_keylog_dsb_mid.pcapng (the block between the
                       ClientHello and the ServerHello)
  around_padded(_vlan).pcap -> trunc_snap{43,56,60,62,67,80,96}_padded.pcap,
                       trunc_snap75_features.pcap,
  ipv6_lan, ipv6_routing_*, link_sll, mqtt_any_sll2, icmp_router, icmp_pmtu_tls,
  ip_fragments -> trunc_snap{58_ipv6_lan,58_routing,70_routing,66_crh,14_sll,
                       18_sll2,94_icmp_router,96_pmtu_tls,35/43/56/62/120_fragments}.pcap
                       trunc_snap60_padded_vlan.pcap (trailers, VXLAN, ICMPv6,
                       an HTTP body segment cut)
  mqtt_ipv6_ns.pcap -> link_ipv6.pcap     (LINKTYPE_IPV6)
  mqtt_features.pcap -> mqtt_v5_midstream.pcap (starts after a 5.0 CONNECT)
  mqtt_lossy.pcap -> mqtt_lossy_late.pcap, mqtt_lossy_midpdu.pcap,
                       mqtt_lossy_tail.pcap (started late: at frame 82, at
                       frame 122 inside a PUBLISH, at frame 287)
  around_mqtt.pcap -> ping_noreply.pcap (two pings each over IPv4 and IPv6,
                       the first reply of each family cut out)
  mqtts_mutual_tls12.pcap -> mqtts_gap_tls12.pcap (frame 8, the middle of
                       the server's certificate record, never captured: the
                       record is lost, the records after it are dissected)
  mqtt_slow_consumer.pcap -> mqtt_zero_window_probe.pcap (the broker's
                       probes of the client's zero window sent as a BSD,
                       Windows or lwIP stack sends them - one byte of new data
                       at the next sequence number - instead of Linux's
                       keep-alive-style empty segment one byte back; the
                       client's answers are the recorded ones)
  mqtts_keylog_tls13.pcap -> mqtts_keylog_tls13_badtag.pcap (one ciphertext
                       byte of frame 17's TLS record flipped: its tag fails,
                       the records after it still decrypt; same key log)
"""
import struct
import zlib, sys, os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from craft_reassembly import csum  # the Internet checksum (RFC 1071)

def read_pcap(path):
    data = open(path, 'rb').read()
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = '<'
    else:
        e = '>'
        magic = struct.unpack('>I', data[:4])[0]
    nano = magic == 0xa1b23c4d
    _, _, _, _, snap, link = struct.unpack(e + 'HHiIII', data[4:24])
    off, recs = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + 'IIII', data[off:off + 16])
        recs.append((sec, frac, orig, data[off + 16: off + 16 + incl]))
        off += 16 + incl
    return nano, link, recs

def write_pcap(path, link, recs, nano=False, snaplen=262144, cut=None):
    out = bytearray(struct.pack('<IHHiIII', 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0, snaplen, link))
    for sec, frac, orig, pkt in recs:
        out += struct.pack('<IIII', sec, frac, len(pkt), orig) + pkt
    if cut is not None:
        out = out[:cut]
    open(path, 'wb').write(bytes(out))

def write_pcapng_ns(path, link, recs, nano_in, comments=None):
    def block(btype, body):
        pad = (-len(body)) % 4
        total = 12 + len(body) + pad
        return struct.pack('<II', btype, total) + body + b'\0' * pad + struct.pack('<I', total)
    shb = block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1) + struct.pack('<HH', 0, 0))
    opts = struct.pack('<HHB3x', 9, 1, 9) + struct.pack('<HH', 0, 0)   # if_tsresol = 10^-9
    idb = block(1, struct.pack('<HHI', link, 0, 262144) + opts)
    out = bytearray(shb + idb)
    n = 1  # frame number, for `comments` ({frame: [text, ...]})
    for sec, frac, orig, pkt in recs:
        ns = sec * 1_000_000_000 + (frac if nano_in else frac * 1000)
        body = struct.pack('<IIIII', 0, ns >> 32, ns & 0xffffffff, len(pkt), orig) + pkt + b'\0' * ((-len(pkt)) % 4)
        notes = (comments or {}).get(n, [])
        for text in notes:  # opt_comment options (UTF-8), then opt_endofopt
            t = text.encode()
            body += struct.pack('<HH', 1, len(t)) + t + b'\0' * ((-len(t)) % 4)
        if notes:
            body += struct.pack('<HH', 0, 0)
        n += 1
        out += block(6, body)
    open(path, 'wb').write(bytes(out))

def write_pcapng_sections(path, sections):
    """A pcapng of several sections: [(big_endian, interfaces, packets)], an
    interface (link, name, description, tsresol byte or None, tsoffset s),
    a packet (interface, ticks in its resolution, original length, bytes)."""
    out = bytearray()
    for be, ifaces, pkts in sections:
        e = '>' if be else '<'
        def block(btype, body):
            pad = (-len(body)) % 4
            total = 12 + len(body) + pad
            return struct.pack(e + 'II', btype, total) + body + b'\0' * pad + struct.pack(e + 'I', total)
        def opt(code, val):
            return struct.pack(e + 'HH', code, len(val)) + val + b'\0' * ((-len(val)) % 4)
        out += block(0x0A0D0D0A, struct.pack(e + 'IHHq', 0x1A2B3C4D, 1, 0, -1) + opt(4, b'relink.py') + opt(0, b''))
        for link, name, desc, tsresol, tsoffset in ifaces:
            opts = opt(2, name.encode()) + (opt(3, desc.encode()) if desc else b'')
            if tsresol is not None:
                opts += opt(9, bytes([tsresol]))
            if tsoffset:
                opts += opt(14, struct.pack(e + 'q', tsoffset))
            out += block(1, struct.pack(e + 'HHI', link, 0, 262144) + opts + opt(0, b''))
        for ifid, ticks, orig, pkt in pkts:
            out += block(6, struct.pack(e + 'IIIII', ifid, ticks >> 32, ticks & 0xffffffff, len(pkt), orig) + pkt)
    open(path, 'wb').write(bytes(out))

def write_cut(d, src, dst, n):
    """src as a capture with a snapshot length of n bytes would have it."""
    nano, link, recs = read_pcap(os.path.join(d, src))
    write_pcap(os.path.join(d, dst), link, [(s, f, o, p[:n]) for (s, f, o, p) in recs], nano, snaplen=n)


def ipv4_tcp_fixed(pkt):
    """An Ethernet/IPv4/TCP frame with its IPv4 length and both checksums recomputed."""
    p = bytearray(pkt)
    ihl = (p[14] & 15) * 4
    struct.pack_into('>H', p, 16, len(p) - 14)
    struct.pack_into('>H', p, 24, 0)
    struct.pack_into('>H', p, 24, csum(bytes(p[14:14 + ihl])))
    seg = p[14 + ihl:]
    struct.pack_into('>H', seg, 16, 0)
    pseudo = bytes(p[26:34]) + struct.pack('>BBH', 0, 6, len(seg))
    struct.pack_into('>H', seg, 16, csum(pseudo + bytes(seg)))
    return bytes(p[:14 + ihl] + seg)

def strip_eth(pkt):
    return pkt[14:], struct.unpack('>H', pkt[12:14])[0]

def main(d):
    nano, link, recs = read_pcap(os.path.join(d, 'mqtt_plain.pcap'))
    assert link == 1, 'expected an Ethernet capture from tcpdump -i lo'
    def mk(fn):
        return [(s, f, o - 14 + fn[1], fn[0](p)) for (s, f, o, p) in recs]
    ip = lambda p: strip_eth(p)[0]
    af = lambda p: 2 if strip_eth(p)[1] == 0x0800 else 10
    variants = {
        'link_null.pcap': (0, lambda p: struct.pack('<I', af(p)) + ip(p), 4),
        'link_loop.pcap': (108, lambda p: struct.pack('>I', af(p)) + ip(p), 4),
        'link_raw.pcap': (101, ip, 0),
        'link_ipv4.pcap': (228, ip, 0),
        'link_vlan.pcap': (1, lambda p: p[:12] + struct.pack('>HH', 0x8100, (3 << 13) | 56) + p[12:], 18),
        'link_qinq.pcap': (1, lambda p: p[:12] + struct.pack('>HHHH', 0x88a8, 100, 0x8100, 56) + p[12:], 22),
        'link_sll.pcap': (113, lambda p: struct.pack('>HHH', 0, 772, 6) + p[6:12] + b'\0\0' + p[12:14] + p[14:], 16),
    }
    for name, (lt, fn, hdr) in variants.items():
        out = [(s, f, o - 14 + hdr, fn(p)) for (s, f, o, p) in recs]
        write_pcap(os.path.join(d, name), lt, out, nano)
    write_pcap(os.path.join(d, 'trunc_snap64.pcap'), 1, [(s, f, o, p[:64]) for (s, f, o, p) in recs], nano, snaplen=64)
    full = 24 + sum(16 + len(p) for (_, _, _, p) in recs[:9])
    write_pcap(os.path.join(d, 'cut_mid_record.pcap'), 1, recs[:10], nano, cut=full + 16 + 20)
    write_pcapng_ns(os.path.join(d, 'mqtt_plain_ns.pcapng'), 1, recs, nano)
    # A key-log capture cut to 600 bytes: the server's first flight is cut,
    # the records after it still decrypt (a deliberate difference).
    n6, l6, r6 = read_pcap(os.path.join(d, 'mqtts_keylog_tls13.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap600_keylog.pcap'), l6, [(s, f, o, p[:600]) for (s, f, o, p) in r6], n6,
               snaplen=600)
    # The lab's login capture as a teacher annotates it (pcapng packet comments).
    npw, lpw, rpw = read_pcap(os.path.join(d, 'mqtt_password.pcap'))
    write_pcapng_ns(os.path.join(d, 'mqtt_password_commented.pcapng'), lpw, rpw, npw, {
        4: ['CONNECT: the user name and the password travel in clear (mqtt.username, mqtt.passwd)'],
        6: ['CONNACK: the broker accepted them', 'Exercise: what would a TLS listener hide here?'],
    })
    # A capture that starts after the 5.0 subscriber's CONNECT (as when the
    # sniffer starts late): the version must be inferred from its Connect Ack.
    nf, lf, rf = read_pcap(os.path.join(d, 'mqtt_features.pcap'))
    write_pcap(os.path.join(d, 'mqtt_v5_midstream.pcap'), lf, rf[5:], nf)
    # Zero-window probes of one byte (no Linux stack sends them: it probes
    # with an empty segment one byte back, flagged Keep-Alive): frames 88, 90
    # and 91 carry the first byte frame 94 sends once the window opens.
    nz, lz, rz = read_pcap(os.path.join(d, 'mqtt_slow_consumer.pcap'))
    data = rz[93][3]
    dhl = 14 + (data[14] & 15) * 4
    first = data[dhl + (data[dhl + 12] >> 4) * 4]
    for i in (87, 89, 90):
        s_, f_, o_, p_ = rz[i]
        ihl = (p_[14] & 15) * 4
        assert len(p_) == 14 + ihl + (p_[14 + ihl + 12] >> 4) * 4, 'an empty probe expected'
        q = bytearray(p_)
        seq = struct.unpack_from('>I', q, 14 + ihl + 4)[0]
        struct.pack_into('>I', q, 14 + ihl + 4, (seq + 1) & 0xffffffff)
        rz[i] = (s_, f_, o_ + 1, ipv4_tcp_fixed(bytes(q) + bytes([first])))
    write_pcap(os.path.join(d, 'mqtt_zero_window_probe.pcap'), lz, rz, nz)
    # A TLS record damaged on the wire: one byte of frame 17's ciphertext.
    nk, lk, rk = read_pcap(os.path.join(d, 'mqtts_keylog_tls13.pcap'))
    s_, f_, o_, p_ = rk[16]
    ihl = (p_[14] & 15) * 4
    thl = (p_[14 + ihl + 12] >> 4) * 4
    bad = bytearray(p_)
    bad[14 + ihl + thl + 5 + 3] ^= 0x01
    rk[16] = (s_, f_, o_, bytes(bad))
    write_pcap(os.path.join(d, 'mqtts_keylog_tls13_badtag.pcap'), lk, rk, nk)
    # A segment the sniffer missed in the middle of a TLS record spanning segments.
    ng, lg, rg = read_pcap(os.path.join(d, 'mqtts_mutual_tls12.pcap'))
    write_pcap(os.path.join(d, 'mqtts_gap_tls12.pcap'), lg, rg[:7] + rg[8:], ng)
    # Captures started late in a lossy MQTT conversation: from frame 82 a
    # client's retransmitted DISCONNECT lies before the first sequence number
    # the capture shows of it (sent before the capture: no dissector sees it);
    # from frame 122 the capture starts inside a 20 KB PUBLISH, whose payload
    # bytes read as PUBLISH headers announcing impossible topic lengths (each
    # such PDU malformed, the next one dissected).
    nl, ll, rl = read_pcap(os.path.join(d, 'mqtt_lossy.pcap'))
    write_pcap(os.path.join(d, 'mqtt_lossy_late.pcap'), ll, rl[81:], nl)
    write_pcap(os.path.join(d, 'mqtt_lossy_midpdu.pcap'), ll, rl[121:], nl)
    # ... and from frame 287: a client's first segment seen is data the broker
    # had acknowledged (a spurious retransmission), its FIN repeats an ACK.
    write_pcap(os.path.join(d, 'mqtt_lossy_tail.pcap'), ll, rl[286:], nl)
    # ... from frame 254: the capture opens with a SYN/ACK and its copy 2 us
    # later (a Retransmission, not Out-Of-Order: the copy ends where the first
    # did); from frame 164: a 2-byte PDU start sent again out of order while
    # its PDU is still in progress (tshark's reassembly takes it again).
    write_pcap(os.path.join(d, 'mqtt_lossy_synack.pcap'), ll, rl[253:], nl)
    write_pcap(os.path.join(d, 'mqtt_lossy_dup2.pcap'), ll, rl[163:], nl)
    # A TLS capture started inside a certificate chain longer than a record:
    # the first record seen continues a message, its bytes no handshake type
    # (tshark: "Encrypted Handshake Message", nothing held).
    nb, lb, rb = read_pcap(os.path.join(d, 'mqtts_bigchain.pcap'))
    write_pcap(os.path.join(d, 'mqtts_bigchain_late.pcap'), lb, rb[28:], nb)
    # A 100-byte snapshot length (tcpdump -s 100), as sensors often capture:
    # MQTT over TCP and MQTT over TLS 1.2, each frame cut to 100 bytes.
    np_, lp_, rp_ = read_pcap(os.path.join(d, 'mqtt_plain.pcap'))
    nt_, lt_, rt_ = read_pcap(os.path.join(d, 'mqtts_tls12.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap100.pcap'), lp_, [(s, f, o, p[:100]) for (s, f, o, p) in rp_], np_, snaplen=100)
    write_pcap(os.path.join(d, 'trunc_snap100_tls.pcap'), lt_, [(s, f, o, p[:100]) for (s, f, o, p) in rt_], nt_,
               snaplen=100)
    # ... the connection that sends a 90 KB PUBLISH over three segments: the
    # cut PDU cannot be reassembled (tshark: "Unreassembled Packet"), and the
    # next cut segment starts inside its payload.
    nb_, lb_, rb_ = read_pcap(os.path.join(d, 'mqtt_features.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap100_big.pcap'), lb_, [(s, f, o, p[:100]) for (s, f, o, p) in rb_[109:125]],
               nb_, snaplen=100)
    # ... and MQTT/TLS inside GTP-U: frames cut inside the inner layers.
    ng_, lg_, rg_ = read_pcap(os.path.join(d, 'mqtt_gtpu.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap100_gtpu.pcap'), lg_, [(s, f, o, p[:100]) for (s, f, o, p) in rg_], ng_,
               snaplen=100)
    # ... and a TLS 1.3 mutual-TLS handshake cut to 150 bytes: segments from the
    # middle of the certificate records are read from their first byte, as
    # tshark's TLS does when TCP cannot reassemble ("Ignored Unknown Record").
    nm_, lm_, rm_ = read_pcap(os.path.join(d, 'mqtts_mutual_tls13.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap150_mtls13.pcap'), lm_, [(s, f, o, p[:150]) for (s, f, o, p) in rm_], nm_,
               snaplen=150)
    # ... and HTTP/1.0 cut to 100 bytes: the request's last header line cut
    # short ("Host: 1"), the response's body segments as "Continuation".
    nh_, lh_, rh_ = read_pcap(os.path.join(d, 'http_close.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap100_http.pcap'), lh_, [(s, f, o, p[:100]) for (s, f, o, p) in rh_], nh_,
               snaplen=100)
    # ... DNS over TCP and mDNS cut to 100 bytes: messages as far as they go,
    # the type of a record whose data was cut named in Info.
    for src, dst in (('dns_tcp.pcap', 'trunc_snap100_dns.pcap'), ('mdns_lab.pcap', 'trunc_snap100_mdns.pcap')):
        nx_, lx_, rx_ = read_pcap(os.path.join(d, src))
        write_pcap(os.path.join(d, dst), lx_, [(s, f, o, p[:100]) for (s, f, o, p) in rx_], nx_, snaplen=100)
    # ... LLMNR cut to 80 bytes: questions cut short, a repeated query not
    # flagged as a retransmission (tshark's exception comes first).
    nx_, lx_, rx_ = read_pcap(os.path.join(d, 'llmnr_lab.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap80_llmnr.pcap'), lx_, [(s, f, o, p[:80]) for (s, f, o, p) in rx_], nx_,
               snaplen=80)
    # ... MQTT/TLS at the snapshot lengths tools use: 66 bytes (headers only,
    # no payload byte kept: no payload item, no dissector, no cut mark) and
    # 68 (tcpdump's old default: two bytes of each record, "SSL" while no
    # version is known); an SSL 2.0-format ClientHello cut at 100; the
    # certificate chain cut at 100 (a segment starting inside a record with
    # printable bytes is refused by tshark's TLS: Data); the capture that
    # lost a certificate segment cut at 100; and lossy MQTT cut at 200 (a PDU
    # running past a cut segment owns the stream's next bytes).
    for src, dst, n in (('mqtts_tls12.pcap', 'trunc_snap66_tls.pcap', 66),
                        ('mqtts_tls12.pcap', 'trunc_snap68_tls.pcap', 68),
                        ('mqtts_sslv2_hello.pcap', 'trunc_snap100_sslv2.pcap', 100),
                        ('mqtts_bigchain.pcap', 'trunc_snap100_bigchain.pcap', 100),
                        ('mqtts_gap_tls12.pcap', 'trunc_snap100_gap.pcap', 100),
                        ('mqtt_lossy.pcap', 'trunc_snap200_lossy.pcap', 200),
                        # request and status lines cut before their end; DNS
                        # over TCP cut after the ID and flags; IPv6 cut after
                        # the source address; GTP-U cut in the outer UDP header,
                        # after the inner IPv4 source, after the inner IPv4 header
                        ('http_close.pcap', 'trunc_snap72_http.pcap', 72),
                        # a status line cut in its phrase, a header name cut,
                        # a body segment whose cut first line holds a colon
                        ('http_close.pcap', 'trunc_snap80_http.pcap', 80),
                        ('dns_tcp.pcap', 'trunc_snap72_dns.pcap', 72),
                        ('llmnr_lab.pcap', 'trunc_snap44_llmnr.pcap', 44),
                        ('mqtt_gtpu.pcap', 'trunc_snap40_gtpu.pcap', 40),
                        ('mqtt_gtpu.pcap', 'trunc_snap66_gtpu.pcap', 66),
                        ('mqtt_gtpu.pcap', 'trunc_snap70_gtpu.pcap', 70),
                        # an 802.1Q tag cut after its TCI; a TCP header cut
                        # after its checksum (18 of 20 bytes); the neighbours
                        # cut at 40 (ICMP after the identifier, ARP after its
                        # sizes, VXLAN's inner Ethernet after 0 bytes)
                        ('link_vlan.pcap', 'trunc_snap16_vlan.pcap', 16),
                        ('mqtt_plain.pcap', 'trunc_snap52_tcp.pcap', 52),
                        ('around_mqtt.pcap', 'trunc_snap40_around.pcap', 40),
                        ('around_mqtt.pcap', 'trunc_snap58_around.pcap', 58)):
        write_cut(d, src, dst, n)
    # ... the router's errors cut inside the quote: a quoted MQTT PDU the
    # snapshot length cut (marked), one the router's quote had already cut (not).
    for src, dst, n in (('icmp_router.pcap', 'icmp_router_snap100.pcap', 100),
                        ('icmp_pmtu.pcap', 'icmp_pmtu_snap150.pcap', 150)):
        write_cut(d, src, dst, n)
    # ... and the neighbouring protocols and tunnels cut to 64 bytes: inner
    # IPv4/TCP headers and ARP cut short (the fields as far as they go).
    nn_, ln_, rn_ = read_pcap(os.path.join(d, 'around_mqtt.pcap'))
    write_pcap(os.path.join(d, 'trunc_snap64_around.pcap'), ln_, [(s, f, o, p[:64]) for (s, f, o, p) in rn_], nn_,
               snaplen=64)
    # Pings of which the first of each family got no reply (the replies cut
    # out of around_mqtt.pcap): -2 names the reply of each request, or none.
    na, la, ra = read_pcap(os.path.join(d, 'around_mqtt.pcap'))
    write_pcap(os.path.join(d, 'ping_noreply.pcap'), la, [ra[i] for i in (2, 4, 5, 8, 10, 11)], na)
    nano6, link6, recs6 = read_pcap(os.path.join(d, 'mqtt_ipv6_ns.pcap'))
    write_pcap(os.path.join(d, 'link_ipv6.pcap'), 229, [(s, f, o - 14, p[14:]) for (s, f, o, p) in recs6], nano6)
    # As a switch's mirror port shows frames: those under 60 bytes padded with
    # zeros (ARP, TCP ACKs, ...), and on one frame in four the 4-byte FCS the
    # NIC kept (a padded one of 64 bytes; a bigger one with a 2-byte trailer
    # before it); one pad of non-zero bytes (a trailer, not padding).
    npd, lpd, rpd = read_pcap(os.path.join(d, 'around_mqtt.pcap'))
    out = []
    for i, (s, f, o, p) in enumerate(rpd):
        if len(p) < 60:
            p += bytes([0x55] * (60 - len(p))) if i == 0 else bytes(60 - len(p))
        if i % 4 == 1:
            fcs = struct.pack('>I', zlib.crc32(p) & 0xffffffff)
            p += (b'' if len(p) == 60 else b'\x00\x01') + fcs
        out.append((s, f, len(p), p))
    write_pcap(os.path.join(d, 'around_padded.pcap'), lpd, out, npd)
    # The same behind an 802.1Q tag (padding and trailer in the tag's tree, no FCS guessed).
    write_pcap(os.path.join(d, 'around_padded_vlan.pcap'), lpd,
               [(s, f, o + 4, p[:12] + struct.pack('>HH', 0x8100, 56) + p[12:]) for (s, f, o, p) in out], npd)

    # The padded captures cut as a snapshot length cuts them (fourteenth
    # session): VXLAN's header cut (43), the ICMPv6 header cut after its type
    # (56), an ICMPv6 error whose quote is not captured and a padding cut (62),
    # a body segment after a cut header block kept to one byte and a trailer
    # cut (67), a neighbour option cut (80), an echo cut after its identifier
    # (60), a CONNECT cut after its flags (96), a 5.0 user property cut after
    # its key's length (mqtt_features, 75); behind the 802.1Q tag, VXLAN's
    # inner Ethernet header cut and a trailer after padding (60).
    for src, dst, n in (('around_padded.pcap', 'trunc_snap43_padded.pcap', 43),
                        ('around_padded.pcap', 'trunc_snap56_padded.pcap', 56),
                        ('around_padded.pcap', 'trunc_snap62_padded.pcap', 62),
                        ('around_padded.pcap', 'trunc_snap67_padded.pcap', 67),
                        ('around_padded.pcap', 'trunc_snap80_padded.pcap', 80),
                        ('around_padded.pcap', 'trunc_snap60_padded.pcap', 60),
                        ('around_padded.pcap', 'trunc_snap96_padded.pcap', 96),
                        ('mqtt_features.pcap', 'trunc_snap75_features.pcap', 75),
                        ('around_padded_vlan.pcap', 'trunc_snap60_padded_vlan.pcap', 60),
                        # IPv6 extension headers, cooked headers, ICMP quotes
                        # and IP fragments cut (fourteenth session)
                        ('ipv6_lan.pcap', 'trunc_snap58_ipv6_lan.pcap', 58),
                        ('ipv6_routing_types.pcap', 'trunc_snap58_routing.pcap', 58),
                        ('ipv6_routing_types.pcap', 'trunc_snap70_routing.pcap', 70),
                        ('ipv6_routing_crh.pcap', 'trunc_snap66_crh.pcap', 66),
                        ('link_sll.pcap', 'trunc_snap14_sll.pcap', 14),
                        ('mqtt_any_sll2.pcap', 'trunc_snap18_sll2.pcap', 18),
                        ('icmp_router.pcap', 'trunc_snap94_icmp_router.pcap', 94),
                        ('icmp_pmtu_tls.pcap', 'trunc_snap96_pmtu_tls.pcap', 96),
                        ('ip_fragments.pcap', 'trunc_snap35_fragments.pcap', 35),
                        ('ip_fragments.pcap', 'trunc_snap43_fragments.pcap', 43),
                        ('ip_fragments.pcap', 'trunc_snap56_fragments.pcap', 56),
                        ('ip_fragments.pcap', 'trunc_snap62_fragments.pcap', 62),
                        ('ip_fragments.pcap', 'trunc_snap120_fragments.pcap', 120),
                        # quoted TCP headers cut before and after their window, a
                        # quoted UDP payload cut before its first byte, a SACK's
                        # right edge cut (fifteenth session)
                        ('icmp_router.pcap', 'trunc_snap70_icmp_router.pcap', 70),
                        ('icmp_router.pcap', 'trunc_snap78_icmp_router.pcap', 78),
                        ('icmp_router.pcap', 'trunc_snap102_icmp_router.pcap', 102),
                        # a TLS 1.2 server flight cut before its ServerHelloDone:
                        # tshark takes the server's ChangeCipherSpec for a resumption
                        ('mqtts_psk.pcap', 'trunc_snap500_psk.pcap', 500),
                        # bytes from the middle of a record where tshark guesses
                        # (no version known yet; TLS 1.3): "Continuation Data"
                        ('mqtts_bigchain.pcap', 'trunc_snap70_bigchain.pcap', 70),
                        ('mqtts_mutual_tls12.pcap', 'trunc_snap71_mtls12.pcap', 71),
                        ('mqtts_mutual_tls13.pcap', 'trunc_snap200_mtls13.pcap', 200),
                        ('mqtts_rogue_tls13.pcap', 'trunc_snap300_rogue13.pcap', 300),
                        # a ServerHello record cut before its version: tshark's
                        # session takes the record's version (seventeenth session)
                        ('mqtts_mutual_tls12.pcap', 'trunc_snap74_mtls12.pcap', 74),
                        # the second ClientHello and ServerHello after a
                        # HelloRetryRequest, cut: tshark reads them as far as they go
                        ('mqtts_keylog_hrr.pcap', 'trunc_snap200_hrr.pcap', 200)):
        write_cut(d, src, dst, n)

    # Two sensors' captures in one pcapng, as a collector joins them: the lab's
    # IPv4 capture on "sensor-a" (microseconds, described), then a second
    # section in the other byte order with the IPv6 capture on "sensor-b",
    # whose clock counts 2^-24 s from an if_tsoffset of an hour (times shown
    # with 6 digits, as its resolution allows), and the IPv4 one on "sensor-c"
    # at milliseconds (3 digits).
    na, la, ra = read_pcap(os.path.join(d, 'mqtt_plain.pcap'))
    nb, lb, rb = read_pcap(os.path.join(d, 'mqtt_ipv6_ns.pcap'))
    ns = lambda n, sec, frac: sec * 1_000_000_000 + (frac if n else frac * 1000)
    sec_a = [(0, ns(na, s_, f_) // 1000, o, p) for (s_, f_, o, p) in ra]
    sec_b = [(0, ((ns(nb, s_, f_) - 3600 * 10**9) << 24) // 10**9, o, p) for (s_, f_, o, p) in rb]
    sec_b += [(1, ns(na, s_, f_) // 10**6, o, p) for (s_, f_, o, p) in ra[:4]]
    write_pcapng_sections(os.path.join(d, 'mqtt_two_sensors.pcapng'), [
        (False, [(la, 'sensor-a', 'broker LAN mirror port', None, 0)], sec_a),
        (True, [(lb, 'sensor-b', '', 0x80 | 24, 3600), (la, 'sensor-c', '', 3, 0)], sec_b),
    ])

    # A capture started inside an HTTP response's body (the sniffer started
    # late): tshark's HTTP declines the bytes until a message begins.
    nh, lh, rh = read_pcap(os.path.join(d, 'http_close.pcap'))
    write_pcap(os.path.join(d, 'http_midstream.pcap'), lh, rh[6:], nh)

    # The TLS secrets block of mqtts_keylog_dsb.pcapng moved after the first
    # packet (the SYN), and a second copy of it after the last: secrets are
    # applied from where they stand in the file, as tshark applies them.
    with open(os.path.join(d, 'mqtts_keylog_dsb.pcapng'), 'rb') as f:
        raw = f.read()
    blocks, at = [], 0
    while at < len(raw):
        btype, blen = struct.unpack_from('<II', raw, at)
        blocks.append((btype, raw[at:at + blen]))
        at += blen
    dsb = [b for t, b in blocks if t == 10]
    rest = [b for t, b in blocks if t != 10]
    first = next(i for i, (t, _) in enumerate(blocks) if t == 6) - len(dsb) + 1  # just after the first packet
    with open(os.path.join(d, 'mqtts_keylog_dsb_late.pcapng'), 'wb') as f:
        f.write(b''.join(rest[:first]) + b''.join(dsb) + b''.join(rest[first:]) + b''.join(dsb))
    # The same block, once, between the first session's ClientHello (the
    # fourth packet) and its ServerHello, with no key before it: tshark still
    # decrypts that session (it keeps every ClientHello's random).
    mid = first + 3
    with open(os.path.join(d, 'mqtts_keylog_dsb_mid.pcapng'), 'wb') as f:
        f.write(b''.join(rest[:mid]) + b''.join(dsb) + b''.join(rest[mid:]))

if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__)))
