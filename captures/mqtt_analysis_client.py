#!/usr/bin/env python3
"""MQTT 3.1.1 clients (standard library only) that make the situations the
MQTT analyses of mqsniff explain, against the real mosquitto broker on
loopback. Used by captures/make_analysis_captures.sh.

  watcher   subscribes to overlapping filters ('maison/+/temperature' QoS 1,
            'maison/#' QoS 2), to '#' and to '$SYS/broker/version', then
            receives for a while (answering QoS 1/2 deliveries)
  flaky     clean session off: a QoS 2 PUBLISH whose flow it abandons after the
            PUBREC (the connection drops), then reconnects and finishes it
            with PUBREL (the broker's PUBCOMP); a QoS 1 PUBLISH sent twice (DUP);
            a QoS 0 PUBLISH to '$SYS/fake' (not matched by '#')
  sleepy    keepalive 2 s, then silence: the broker closes after 1.5 x 2 s
  pinger    keepalive 2 s, a PINGREQ every second

  mqtt_analysis_client.py PORT ROLE
"""
import socket
import struct
import sys
import time

from mqtts_keylog_client import packet, read_packet, s16  # the same MQTT encoding and reading


def connect(port, cid, keepalive=60, clean=True):
    s = socket.create_connection(("127.0.0.1", port))
    flags = 0x02 if clean else 0x00
    s.sendall(packet(0x10, s16("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive) + s16(cid)))
    t, _ = read(s)
    assert t >> 4 == 2, "no CONNACK"
    return s


def read(s, timeout=5.0):
    s.settimeout(timeout)
    return read_packet(s)


def publish(topic, payload, qos=0, mid=0, dup=False, retain=False):
    first = 0x30 | (qos << 1) | (0x08 if dup else 0) | (1 if retain else 0)
    return packet(first, s16(topic) + (struct.pack("!H", mid) if qos else b"") + payload.encode())


def watcher(port):
    s = connect(port, "watcher")
    subs = [("maison/+/temperature", 1), ("maison/#", 2), ("#", 0), ("$SYS/broker/version", 0)]
    body = struct.pack("!H", 1) + b"".join(s16(t) + bytes([q]) for t, q in subs)
    s.sendall(packet(0x82, body))
    end = time.time() + 6
    while time.time() < end:
        try:
            t, b = read(s, max(0.1, end - time.time()))
        except (socket.timeout, EOFError):
            continue
        acknowledge(s, t, b)
    s.sendall(packet(0xE0, b""))
    s.close()


def acknowledge(s, t, b):
    """A subscriber's part of a delivery: PUBACK or PUBREC for a QoS 1/2
    PUBLISH (3.1.1 layout: topic, then packet id), PUBCOMP for a PUBREL."""
    kind, qos = t >> 4, (t >> 1) & 3
    if kind == 3 and qos:
        tl = struct.unpack("!H", b[:2])[0]
        pid = b[2 + tl:4 + tl]
        s.sendall(packet(0x40 if qos == 1 else 0x50, pid))
    elif kind == 6:  # PUBREL -> PUBCOMP
        s.sendall(packet(0x70, b[:2]))


def flaky(port):
    s = connect(port, "flaky", clean=False)
    s.sendall(publish("maison/salon/temperature", "19.5", qos=2, mid=7))
    t, b = read(s)
    assert t >> 4 == 5, "no PUBREC"
    s.close()  # the flow is abandoned before its PUBREL
    time.sleep(0.5)
    s = connect(port, "flaky", clean=False)
    s.sendall(packet(0x62, struct.pack("!H", 7)))  # the PUBREL of the earlier flow
    t, b = read(s)
    assert t >> 4 == 7, "no PUBCOMP"
    msg = publish("maison/cuisine/temperature", "22.0", qos=1, mid=9)
    s.sendall(msg)
    s.sendall(publish("maison/cuisine/temperature", "22.0", qos=1, mid=9, dup=True))
    for _ in range(2):
        read(s)  # the PUBACKs
    s.sendall(publish("$SYS/fake", "not for #"))
    s.sendall(publish("jardin/arrosage", "on", qos=1, mid=10))
    read(s)
    time.sleep(0.3)
    s.sendall(packet(0xE0, b""))
    s.close()


def sleepy(port):
    s = connect(port, "sleepy", keepalive=2)
    try:
        read(s, 6)  # nothing comes: the broker closes the connection
    except (EOFError, socket.timeout, ConnectionResetError):
        pass
    s.close()


def pinger(port):
    s = connect(port, "pinger", keepalive=2)
    for _ in range(4):
        time.sleep(1)
        s.sendall(packet(0xC0, b""))
        t, _ = read(s)
        assert t >> 4 == 13
    s.sendall(packet(0xE0, b""))
    s.close()


if __name__ == "__main__":
    {"watcher": watcher, "flaky": flaky, "sleepy": sleepy, "pinger": pinger}[sys.argv[2]](int(sys.argv[1]))
