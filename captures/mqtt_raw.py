"""MQTT 3.1.1 packets built by hand, for the capture scripts whose clients must
do what no MQTT library does (send with TTL 1, bind one source port for every
connection, stop reading the socket). Imported by the Python run inside the
scripts' network namespaces (PYTHONPATH=captures)."""
import struct


def pdu(first, body):
    """A control packet: the first byte, the Remaining Length, the body."""
    n, rl = len(body), b""
    while True:
        b, n = n % 128, n // 128
        rl += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    return bytes([first]) + rl + body


def connect(client_id, keepalive=60):
    """CONNECT, MQTT 3.1.1, clean session."""
    return pdu(0x10, b"\x00\x04MQTT\x04\x02" + struct.pack("!HH", keepalive, len(client_id)) + client_id)


def publish(topic, message):
    """PUBLISH at QoS 0."""
    return pdu(0x30, struct.pack("!H", len(topic)) + topic + message)


def subscribe(packet_id, topic, qos=0):
    """SUBSCRIBE to one topic filter."""
    return pdu(0x82, struct.pack("!HH", packet_id, len(topic)) + topic + bytes([qos]))


DISCONNECT = b"\xe0\x00"
