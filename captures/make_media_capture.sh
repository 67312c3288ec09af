#!/usr/bin/env bash
# Payload formats beside JSON and text, as devices send them: MQTT 5.0
# PUBLISHes from mosquitto_pub with the Content Types application/cbor
# (a SenML pack, every CBOR major type and argument size, indefinite-length
# items, tags, half/single/double floats, simple values, and broken items: a
# map cut short, reserved minor types, a length past 2^31, a chunk of the wrong
# type, nesting 60 deep, an empty payload), application/senml+cbor and
# application/x-www-form-urlencoded (escapes, '+', an '&' inside a key, a bad
# and a cut escape, a decoded NUL, invalid UTF-8), application/xml and text/xml
# (a declaration, attributes in every quoting, comments, CDATA sections, a
# DOCTYPE with and without an internal subset, namespaces, processing
# instructions, text across lines, a byte-order mark, unbalanced and
# unrecognized markup, text that is not XML, one and two bytes), and HTTP POSTs
# from curl with a form body, a CBOR body and a SOAP envelope, answered in XML
# for the last; all on the loopback of a network namespace
# this script creates (mosquitto on 1883, a Python HTTP server on 8080).
# Writes captures/mqtt_media.pcap. Root:
#   sudo captures/make_media_capture.sh
# Packages: mosquitto mosquitto-clients tcpdump python3 curl
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cap_init make_media_capture "apt-get install mosquitto mosquitto-clients tcpdump python3 curl"
chmod 755 "$work"
ns=mqmedia-$$
cap_need mosquitto mosquitto_pub tcpdump python3 curl ip
cap_netns "$ns"
run() { ip netns exec "$ns" "$@"; }
cat >"$work/mosquitto.conf" <<EOF
listener 1883 127.0.0.1
persistence false
allow_anonymous true
EOF
ip netns exec "$ns" mosquitto -c "$work/mosquitto.conf" &
pids+=($!)
cat >"$work/server.py" <<'EOF'
import http.server

class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        xml = self.path == "/soap"
        body = (b'<?xml version="1.0"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
                b'<s:Body><r:Status xmlns:r="urn:meter">ok</r:Status></s:Body></s:Envelope>\n') if xml else b"stored\n"
        self.send_response(201)
        self.send_header("Content-Type", "application/xml; charset=utf-8" if xml else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
EOF
ip netns exec "$ns" python3 "$work/server.py" &
pids+=($!)
for _ in $(seq 50); do
  run python3 -c "import socket; socket.create_connection(('127.0.0.1', 8080), 0.2); socket.create_connection(('127.0.0.1', 1883), 0.2)" 2>/dev/null && break
  sleep 0.1
done

# The CBOR payloads, byte by byte (RFC 8949 §3): written here so that every
# argument size and the broken cases are there, which no library emits.
python3 - "$work" <<'EOF'
import struct, sys
out = sys.argv[1]
def h(s): return bytes.fromhex(s.replace(' ', ''))
def tstr(s):
    b = s.encode()
    return (bytes([0x60 + len(b)]) if len(b) < 24 else bytes([0x78, len(b)])) + b
p = {}
# RFC 8428 SenML pack: base name, base time, name, unit, value.
p['senml'] = h('81 a5') + h('21') + tstr('urn:dev:ow:10e2073a01080063:') + h('22') + b'\xfb' + struct.pack('>d', 1.276020076e9) \
    + h('00') + tstr('temp') + h('01') + tstr('Cel') + h('02') + b'\xfa' + struct.pack('>f', 23.1)
items = [('u0', '00'), ('u23', '17'), ('u24', '1818'), ('u255', '18ff'), ('u256', '190100'), ('u65536', '1a00010000'),
         ('u2^32', '1b0000000100000000'), ('n', '20'), ('n24', '3818'), ('nbig', '3a000f423f'), ('n64', '3b7fffffffffffffff'),
         ('bs', '420102'), ('bs0', '40'), ('ts', None), ('ts0', '60'), ('bad', '62c328'), ('arr', '8201820203'), ('arr0', '80'),
         ('tag', 'c11a5f5e1000'), ('tag2', 'd82068687474703a2f2f78'), ('tag99', 'd86301'), ('big', 'd9d9f7c2420100'),
         ('f16', 'f93e00'), ('f16neg', 'f9c000'), ('f16sub', 'f90001'), ('f32', 'fa4048f5c3'), ('f64', 'fb3ff199999999999a'),
         ('false', 'f4'), ('true', 'f5'), ('null', 'f6'), ('undef', 'f7'), ('simple', 'f0'), ('simple8', 'f8ff'),
         ('nan', 'f97e00'), ('inf', 'f97c00'), ('ninf', 'f9fc00'), ('m1', 'a0'), ('m2', 'a1616b6176')]
b = bytearray(h('b8') + bytes([len(items)]))
for k, v in items:
    b += tstr(k) + (tstr('héllo') if v is None else h(v))
p['all'] = bytes(b)
p['indef'] = h('85 9f0102ff bf616101ff 5f4201024103ff 7f6268656161ff 9fff')
p['trunc'] = h('a2 6174')            # a map whose second pair is missing
p['badminor'] = h('82 1c 01')        # reserved minor type 28
p['badminor2'] = h('83 01 3d 02')    # 29 in a negative integer
p['badfloat'] = h('82 fc 01')        # 28 in major type 7
p['break'] = h('82 ff 01')           # a break outside an indefinite item
p['nint31'] = h('81 3f')             # minor 31 in a negative integer
p['badchunk'] = h('5f 41 01 61 61 ff')  # a text chunk in an indefinite byte string
p['seq'] = h('01 02 6161')           # a CBOR sequence: tshark shows the first item
p['deep'] = bytes([0x81] * 60) + b'\x01'
p['toolong'] = h('a1 6161 5a ffffffff')
p['negbig'] = h('3b ffffffffffffffff')
p['cutstr'] = h('65 6162')           # a text string longer than what follows
p['empty'] = b''
for k, v in p.items():
    open(f'{out}/{k}.cbor', 'wb').write(v)
x = {}
x['decl'] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<root>\n  <a x=\'1\' y=2 z = "q\\"t">text &amp; more</a>\n'
             '  <!-- comment -->\n  <b/>\n  <![CDATA[raw <stuff>]]>\n  <ns:c xmlns:ns="urn:x">v</ns:c>\n'
             '  <t>line one\n  line\ttwo\n  </t>\n</root>\n').encode()
x['doctype'] = b'<?xml version="1.0"?><!DOCTYPE note SYSTEM "note.dtd"><note><to>Tove</to></note>'
x['subset'] = b'<!DOCTYPE m [\n  <!ELEMENT m (#PCDATA)>\n  <!ENTITY e "v">\n]>\n<m>&e;</m>'
x['html5'] = b'<!DOCTYPE html><p>hi</p>'
x['unbalanced'] = b'<a><b></a></x>'
x['unrecognized'] = b'hello <a attr>t</a> <3 ]> & <>'
x['soap'] = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
             b'<u:GetStatus xmlns:u="urn:x"/></s:Body></s:Envelope>')
x['pi'] = b'<?xml-stylesheet href="a.xsl" type="text/xsl"?><r/><?php echo 1 ?><?empty?>'
x['notxml'] = b'not xml at all'
x['bom'] = b'\xef\xbb\xbf<r a="1"/>'
x['two'] = b'<a'
x['one'] = b'<'
x['open'] = b'<a><b>unclosed'
for k, v in x.items():
    open(f'{out}/{k}.xml', 'wb').write(v)
EOF

cap_dump_start "$ns" lo "$here/mqtt_media.pcap" "tcp port 1883 or tcp port 8080"
P=(-h 127.0.0.1 -V mqttv5 -i meter)
for f in senml all indef trunc badminor badminor2 badfloat break nint31 badchunk seq deep toolong negbig cutstr empty; do
  run mosquitto_pub "${P[@]}" -t "meter/cbor/$f" -f "$work/$f.cbor" -D publish content-type application/cbor
done
run mosquitto_pub "${P[@]}" -t meter/senml -f "$work/senml.cbor" -D publish content-type application/senml+cbor
i=0
for m in 'temp=21.5&unit=C&name=a%20b+c' 'flag&empty=&=novalue&bad=%zz&after=1' 'a=1&&b=2' \
         'utf=%C3%A9&bin=%00x&hi=%ff' 'onlykey' 'k=v%' 'k=v%4' 'x=tab%09end&%41%62=%2B' ''; do
  i=$((i + 1))
  run mosquitto_pub "${P[@]}" -t "meter/form/$i" -m "$m" -D publish content-type application/x-www-form-urlencoded
done
for f in decl doctype subset html5 unbalanced unrecognized soap pi notxml bom two one open; do
  run mosquitto_pub "${P[@]}" -t "meter/xml/$f" -f "$work/$f.xml" -D publish content-type application/xml
done
run mosquitto_pub "${P[@]}" -t meter/xml/text -f "$work/soap.xml" -D publish content-type TEXT/XML
run mosquitto_pub "${P[@]}" -t meter/xml/empty -n -D publish content-type application/xml
run curl -s -o /dev/null -d 'device=meter-7&reading=21.5&unit=%C2%B0C' http://127.0.0.1:8080/readings
run curl -s -o /dev/null -H 'Content-Type: application/cbor' --data-binary @"$work/senml.cbor" http://127.0.0.1:8080/senml
run curl -s -o /dev/null -H 'Content-Type: text/xml; charset=utf-8' --data-binary @"$work/soap.xml" http://127.0.0.1:8080/soap
cap_dump_stop
ls -l "$here/mqtt_media.pcap"
