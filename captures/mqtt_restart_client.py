#!/usr/bin/env python3
"""Two MQTT clients (standard library only) that live through a broker
crash, for captures/make_analysis_captures.sh restart:

  sub PORT      MQTT 5.0, clean start off, session expiry 300 s; subscribes to
                'plant/#' at QoS 2 and answers deliveries (PUBREC, PUBCOMP).
                When the connection is lost it reconnects until the broker is
                back, and subscribes again if the broker kept no session.
  pub PORT DIR  MQTT 3.1.1, clean session off: a QoS 1 PUBLISH, then, once the
                script has stopped the broker (files DIR/stop -> DIR/stopped),
                a QoS 2 PUBLISH that gets no PUBREC; the script kills the
                broker (DIR/kill), the connection is reset, and on the
                restarted broker the PUBLISH is sent again with DUP set
                (MQTT 3.1.1 §4.4) and its flow completed.
"""
import os
import socket
import struct
import sys
import time

from mqtt_analysis_client import acknowledge
from mqtts_keylog_client import packet, read_packet, s16, varint


def wait_file(path, timeout=10):
    end = time.time() + timeout
    while not os.path.exists(path):
        if time.time() > end:
            raise TimeoutError(path)
        time.sleep(0.02)


def dial(port, timeout=10):
    """Connects, retrying while the broker is down."""
    end = time.time() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except ConnectionRefusedError:
            if time.time() > end:
                raise
            time.sleep(0.1)


def read(s, timeout=5.0):
    s.settimeout(timeout)
    return read_packet(s)


def publish(topic, payload, qos, mid, dup=False):
    first = 0x30 | (qos << 1) | (0x08 if dup else 0)
    return packet(first, s16(topic) + struct.pack("!H", mid) + payload.encode())


def sub_connect(port):
    s = dial(port)
    props = bytes([0x11]) + struct.pack("!I", 300)  # Session Expiry Interval
    s.sendall(packet(0x10, s16("MQTT") + bytes([5, 0x00]) + struct.pack("!H", 60) + varint(len(props)) + props +
                     s16("plant-monitor")))
    t, b = read(s)
    assert t >> 4 == 2, "no CONNACK"
    if not b[0] & 1:  # no session kept: subscribe (again)
        s.sendall(packet(0x82, struct.pack("!H", 1) + varint(0) + s16("plant/#") + bytes([2])))
    return s


def sub(port):
    s = sub_connect(port)
    end = time.time() + 9
    while time.time() < end:
        try:
            t, b = read(s, max(0.1, end - time.time()))
        except socket.timeout:
            continue
        except (EOFError, ConnectionResetError):
            s.close()
            s = sub_connect(port)  # at once (dial() waits for the broker)
            continue
        acknowledge(s, t, b)  # (a 5.0 PUBLISH has properties after its id: the id is still at 2 + topic)
    s.sendall(packet(0xE0, b""))
    s.close()


def pub_connect(port):
    s = dial(port)
    s.sendall(packet(0x10, s16("MQTT") + bytes([4, 0x00]) + struct.pack("!H", 60) + s16("plant-sensor")))
    t, _ = read(s)
    assert t >> 4 == 2, "no CONNACK"
    return s


def pub(port, work):
    s = pub_connect(port)
    s.sendall(publish("plant/line1/pressure", "2.4", qos=1, mid=1))
    t, _ = read(s)
    assert t >> 4 == 4, "no PUBACK"
    time.sleep(0.5)
    open(os.path.join(work, "stop"), "w").close()
    wait_file(os.path.join(work, "stopped"))
    msg = ("plant/line1/valve", "open")
    s.sendall(publish(*msg, qos=2, mid=2))
    try:
        read(s, 1.5)
        raise AssertionError("the stopped broker answered")
    except socket.timeout:
        pass  # no PUBREC: the flow stays open
    open(os.path.join(work, "kill"), "w").close()
    try:
        read(s, 5)
    except (EOFError, ConnectionResetError):
        pass  # the crash ends the connection
    s.close()
    time.sleep(1.0)  # a back-off: the subscriber is back first
    s = pub_connect(port)
    s.sendall(publish(*msg, qos=2, mid=2, dup=True))  # the unacknowledged PUBLISH again
    t, b = read(s)
    assert t >> 4 == 5, "no PUBREC"
    s.sendall(packet(0x62, b[:2]))
    t, _ = read(s)
    assert t >> 4 == 7, "no PUBCOMP"
    time.sleep(0.5)
    s.sendall(packet(0xE0, b""))
    s.close()


if __name__ == "__main__":
    role, port = sys.argv[1], int(sys.argv[2])
    sub(port) if role == "sub" else pub(port, sys.argv[3])
