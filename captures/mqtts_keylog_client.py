#!/usr/bin/env python3
"""An MQTT 3.1.1 client over TLS (Python's ssl module, standard library only)
that writes the session keys to an NSS key log (SSLContext.keylog_filename),
as SSLKEYLOGFILE-aware clients do. Used by make_decrypt_captures.sh against the
real mosquitto broker on loopback.

One session: CONNECT (client id, user name, password), SUBSCRIBE secure/# at
QoS 2, PUBLISH at QoS 0, 1 and 2 to topics under secure/ (each delivered back
by the broker), a PINGREQ, DISCONNECT. With --resume the same session is made
twice, the second time resuming the first TLS session.

  mqtts_keylog_client.py HOST PORT CAFILE KEYLOG [--tls12] [--ciphers C]
                         [--no-etm] [--no-ticket] [--resume] [--id ID]
                         [--cert CERT --key KEY [--expect-reject]]

With --cert the client presents a certificate (mutual TLS); --expect-reject:
the broker is expected to refuse it (TLS 1.3: the client's handshake ends
before the broker has checked the certificate, so the refusal, an alert such
as unknown_ca, arrives when the client first reads).
"""
import argparse
import socket
import ssl
import struct
import time


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def s16(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def packet(first, body):
    return bytes([first]) + varint(len(body)) + body


def read_packet(sock):
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("broker closed the connection")
            buf += chunk
        return buf
    first = exact(1)[0]
    mult, length = 1, 0
    while True:
        b = exact(1)[0]
        length += (b & 0x7F) * mult
        mult *= 128
        if not b & 0x80:
            break
    return first, exact(length)


def session(ctx, args, tls_session=None, suffix=""):
    raw = socket.create_connection((args.host, args.port))
    sock = ctx.wrap_socket(raw, server_hostname="localhost", session=tls_session)
    cid = args.id + suffix
    flags = 0x02 | 0x80 | 0x40  # clean session, user name, password
    body = s16("MQTT") + bytes([4, flags]) + struct.pack("!H", 60) + s16(cid) + s16("alice") + s16("s3cret")
    sock.sendall(packet(0x10, body))
    assert read_packet(sock)[0] == 0x20  # CONNACK
    sock.sendall(packet(0x82, struct.pack("!H", 1) + s16("secure/#") + bytes([2])))
    assert read_packet(sock)[0] == 0x90  # SUBACK
    got = 0
    for qos, mid, topic, msg in ((0, 0, "secure/temperature", "21.5"), (1, 2, "secure/door", "open"),
                                 (2, 3, "secure/password", "hunter2" + suffix)):
        hdr = 0x30 | (qos << 1)
        body = s16(topic) + (struct.pack("!H", mid) if qos else b"") + msg.encode()
        sock.sendall(packet(hdr, body))
        # Answer the broker until our message is acknowledged and delivered back.
        done_ack = qos == 0
        delivered = False
        while not (done_ack and delivered):
            t, b = read_packet(sock)
            kind = t >> 4
            if kind == 3:  # PUBLISH from the broker (our subscription)
                q = (t >> 1) & 3
                tl = struct.unpack("!H", b[:2])[0]
                if q:
                    pid = b[2 + tl:4 + tl]
                    sock.sendall(packet(0x40 if q == 1 else 0x50, pid))
                if q < 2:
                    delivered = True
                    got += 1
            elif kind == 4:  # PUBACK
                done_ack = True
            elif kind == 5:  # PUBREC -> PUBREL
                sock.sendall(packet(0x62, b[:2]))
            elif kind == 6:  # PUBREL from the broker -> PUBCOMP
                sock.sendall(packet(0x70, b[:2]))
                delivered = True
                got += 1
            elif kind == 7:  # PUBCOMP
                done_ack = True
    sock.sendall(packet(0xC0, b""))
    assert read_packet(sock)[0] == 0xD0  # PINGRESP
    sock.sendall(packet(0xE0, b""))
    time.sleep(0.2)
    kept = sock.session
    try:
        sock.unwrap()
    except (ssl.SSLError, OSError):
        pass
    sock.close()
    return kept, got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("cafile")
    ap.add_argument("keylog")
    ap.add_argument("--tls12", action="store_true")
    ap.add_argument("--ciphers")
    ap.add_argument("--no-etm", action="store_true")
    ap.add_argument("--no-ticket", action="store_true")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--id", default="keyholder")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--expect-reject", action="store_true")
    args = ap.parse_args()
    ctx = ssl.create_default_context(cafile=args.cafile)
    ctx.keylog_filename = args.keylog
    if args.tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if args.ciphers:
        ctx.set_ciphers(args.ciphers)
    if args.no_etm:
        ctx.options |= 0x80000  # SSL_OP_NO_ENCRYPT_THEN_MAC (no Python constant for it)
    if args.no_ticket:
        ctx.options |= ssl.OP_NO_TICKET
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if args.expect_reject:
        try:
            session(ctx, args)
        except (ssl.SSLError, EOFError, ConnectionResetError) as e:
            print("rejected:", e)
            return
        raise SystemExit("the broker accepted a certificate it should have refused")
    kept, got = session(ctx, args)
    if args.resume:
        _, got2 = session(ctx, args, kept, "-again")
        got += got2
    print("delivered", got)


if __name__ == "__main__":
    main()
