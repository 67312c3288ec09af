// MQTT control packets: OASIS MQTT 3.1.1 (§2 fixed header, §3 packets) and
// MQTT 5.0 (§2.2.2 properties, §3 packets with reason codes and properties);
// MQTT 3.1 (IBM, protocol name "MQIsdp", level 3) shares 3.1.1's layout.
//
//   CONNECT:   proto name(u16-str) level(u8) flags(u8) keepalive(u16) [props]
//              client id [will props, will topic, will payload] [user] [password]
//   PUBLISH:   topic(u16-str) [packet id if QoS>0] [props] payload
//   SUBSCRIBE: packet id [props] { topic filter(u16-str) options(u8) }...
//
// Field names and Info strings follow tshark 4.0.
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/http/http.h"
#include "dissectors/media/media.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/link/link.h"
#include "dissectors/link/link_fields.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/mqtt/mqtt_topic.h"
#include "dissectors/mqtt/mqtt_framer.h"
#include "dissectors/tcp/tcp_fields.h"

namespace mqsniff::mqtt {
using core::Packet;
using core::Reader;

const char* msgtype_name(uint8_t t) {
  static const char* const kNames[] = {"Reserved",          "Connect Command",     "Connect Ack",
                                       "Publish Message",   "Publish Ack",         "Publish Received",
                                       "Publish Release",   "Publish Complete",    "Subscribe Request",
                                       "Subscribe Ack",     "Unsubscribe Request", "Unsubscribe Ack",
                                       "Ping Request",      "Ping Response",       "Disconnect Req",
                                       "Authentication Exchange"};
  return t < 16 ? kNames[t] : "Reserved";
}

namespace {

enum Type : uint8_t {
  kConnect = 1, kConnack, kPublish, kPuback, kPubrec, kPubrel, kPubcomp, kSubscribe, kSuback, kUnsubscribe,
  kUnsuback, kPingreq, kPingresp, kDisconnect, kAuth,
};

const char* type_name(uint8_t t) { return msgtype_name(t); }

struct Ctx {
  Packet& pkt;
  core::FieldTree& t;
  uint32_t base;  // frame offset of the PDU's first byte
  Reader& r;      // the PDU body
  std::string_view content_type = {};  // v5 Content Type property, when present
  core::Bytes media;                   // a PUBLISH payload to show as its Content Type after the MQTT layer
  uint32_t media_off = 0;
  enum class Media : uint8_t { None, Json, Text, Data, Form, Cbor, Xml } media_kind = Media::None;
  int topic_alias = -1;                // v5 Topic Alias property, when present
  int server_keepalive = -1;           // v5 Server Keep Alive property (CONNACK), when present
  uint32_t off() const { return base + static_cast<uint32_t>(r.pos()); }
};

// The media types tshark's media-type table hands to its JSON dissector and
// to its line-based text dissector (the Content Type as written, without its
// parameters' leniency: "text/plain; charset=utf-8" matches nothing, case
// does not matter), application/octet-stream to its data dissector, form data
// CBOR and XML to theirs (dissectors/media). Other types add nothing after the
// MQTT layer here.
Ctx::Media media_kind(std::string_view ct) {
  if (ct.empty()) return Ctx::Media::None;  // (most PUBLISHes: no Content Type, no table to scan)
  static constexpr std::string_view kJson[] = {"application/json", "application/json-rpc", "application/jsonrequest",
                                               "application/dds-web+json", "application/vnd.oma.lwm2m+json",
                                               "application/senml+json", "application/sensml+json",
                                               "application/problem+json"};
  static constexpr std::string_view kText[] = {
      "text/plain", "text/html", "text/css", "text/javascript", "text/richtext", "text/enriched", "text/parameters",
      "text/vnd.sun.j2me.app-descriptor", "text/xml-external-parsed-entity", "application/xml-external-parsed-entity",
      "application/x-javascript", "application/vnd.poc.refer-to", "application/x-ns-proxy-autoconfig",
      "application/x-rtsp-udp-packetpair", "application/x-tia-p25-issi", "application/x-tia-p25-sndcp",
      "application/vnd.drm.message"};
  auto same = [&](std::string_view m) {
    return m.size() == ct.size() && std::equal(m.begin(), m.end(), ct.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  for (auto m : kJson)
    if (same(m)) return Ctx::Media::Json;
  for (auto m : kText)
    if (same(m)) return Ctx::Media::Text;
  if (same("application/octet-stream")) return Ctx::Media::Data;
  switch (media::kind_of(ct)) {
    case media::Kind::Form: return Ctx::Media::Form;
    case media::Kind::Cbor: return Ctx::Media::Cbor;
    case media::Kind::Xml: return Ctx::Media::Xml;
    default: return Ctx::Media::None;
  }
}

// A specification violation: dissection goes on, the packet is marked
// malformed and the reason is an expert item (filterable as _ws.expert).
void violation(Ctx& c, const std::string& why) {
  core::add_expert(c.t, why, core::Severity::Error, core::ExpertGroup::Malformed, c.off(), 0, core::kNoField, false);
  c.pkt.mark_malformed("MQTT");
}

// A u16-length-prefixed UTF-8 string (§1.5.3): adds the length and string
// fields (`len_idx`: the length's node). An empty PUBLISH topic has no string
// item, as in tshark.
std::string_view read_str16(Ctx& c, FieldId len_id, FieldId str_id, int32_t* len_idx = nullptr) {
  uint32_t o = c.off();
  uint16_t n = c.r.be16();
  if (!c.r.ok()) return {};
  const int32_t li = c.t.add_uint(len_id, n, o, 2);
  if (len_idx) *len_idx = li;
  core::Bytes b = c.r.bytes(n);
  if (!c.r.ok()) return {};
  std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
  // (a string with a NUL is shown, matched and returned up to it, as tshark's strings are)
  const std::string_view shown = s.substr(0, s.find('\0'));
  if (n > 0 || str_id != mqtt_f::topic) c.t.add_string(str_id, shown, o + 2, n);
  if (str_id != mqtt_f::passwd && !valid_string(s)) {  // the password is binary data in 3.1.1 and 5.0
    const core::FieldDef* d = core::FieldRegistry::instance().def(str_id);
    violation(c, std::string("Invalid UTF-8 in ") + std::string(d ? d->name : "a string") +
                     " (MQTT §1.5.4: well-formed UTF-8, no U+0000)");
  }
  return shown;
}

bool read_varint(Reader& r, uint32_t& out) {
  out = 0;
  for (int i = 0; i < 4; ++i) {
    uint8_t b = r.u8();
    if (!r.ok()) return false;
    out |= uint32_t(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return true;
  }
  r.fail(core::ReadError::Invalid);
  return false;
}

// MQTT 5.0 §2.2.2: Property Length (varint) then identifier/value pairs.
void dissect_properties(Ctx& c, FieldId block) {
  const FieldId named = block == mqtt_f::will_properties ? FieldId{mqtt_f::willprop_first} : FieldId{mqtt_f::prop_first};
  uint32_t o = c.off();
  uint32_t len = 0;
  if (!read_varint(c.r, len)) return;
  core::Subtree sub(c.t, c.t.add_none(block, o, len));
  c.t.add_uint(mqtt_f::property_len, len, o, static_cast<uint32_t>(c.off() - o));
  Reader props = c.r.sub(len);
  Ctx pc{c.pkt, c.t, c.base + static_cast<uint32_t>(c.r.pos() - len), props};
  if (!c.r.ok()) return;
  uint64_t seen = 0;  // property ids already present (bit per id)
  while (props.remaining()) {
    uint32_t po = pc.off();
    uint8_t id = props.u8();
    if (!props.ok()) break;
    c.t.add_uint(mqtt_f::property_id, id, po, 1);
    // §2.2.2.2: only User Property and Subscription Identifier may repeat.
    if (id < 64 && id != 0x26 && id != 0x0b && (seen >> id & 1)) {
      char buf[80];
      snprintf(buf, sizeof buf, "Property 0x%02x appears more than once (MQTT 5.0 §2.2.2.2)", id);
      violation(c, buf);
    }
    if (id < 64) seen |= uint64_t(1) << id;
    switch (id) {
      case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2a:  // byte
      case 0x13: case 0x21: case 0x22: case 0x23:                                            // two-byte integer
      case 0x02: case 0x11: case 0x18: case 0x27: {                                          // four-byte integer
        uint32_t width = (id == 0x13 || id == 0x21 || id == 0x22 || id == 0x23) ? 2
                         : (id == 0x02 || id == 0x11 || id == 0x18 || id == 0x27) ? 4 : 1;
        uint32_t v = width == 1 ? props.u8() : width == 2 ? props.be16() : props.be32();
        if (!props.ok()) break;
        // tshark's field: Maximum QoS and Topic Alias have their own, the rest share prop_number.
        FieldId shared = id == 0x24 ? FieldId{mqtt_f::property_max_qos}
                         : id == 0x23 ? FieldId{mqtt_f::property_topic_alias} : FieldId{mqtt_f::prop_number};
        c.t.add_uint(shared, v, po + 1, width);
        c.t.add_uint(named + id, v, po + 1, width);
        if (id == 0x23) c.topic_alias = static_cast<int>(v);
        if (id == 0x13) c.server_keepalive = static_cast<int>(v);
        break;
      }
      case 0x0b: {  // Subscription Identifier: variable byte integer
        uint32_t v = 0;
        if (read_varint(props, v)) {
          c.t.add_uint(mqtt_f::prop_number, v, po + 1, 0);
          c.t.add_uint(named + id, v, po + 1, 0);
        }
        break;
      }
      case 0x03: {  // Content Type
        uint16_t n = props.be16();
        core::Bytes b = props.bytes(n);
        if (props.ok()) {
          c.content_type = {reinterpret_cast<const char*>(b.data()), b.size()};
          c.t.add_string(mqtt_f::property_content_type, c.content_type, po + 1, n + 2u);
          c.t.add_string(named + id, c.content_type, po + 3, n);
        }
        break;
      }
      case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1a: case 0x1c: case 0x1f: {
        // UTF-8 strings and binary data; tshark shows both as prop_string.
        uint16_t n = props.be16();
        if (props.ok()) c.t.add_uint(mqtt_f::prop_string_len, n, po + 1, 2);  // (as read: before a cut string)
        core::Bytes b = props.bytes(n);
        if (props.ok()) {
          c.t.add_string(mqtt_f::prop_string, {reinterpret_cast<const char*>(b.data()), b.size()}, po + 3, n);
          if (id == 0x09 || id == 0x16) c.t.add_bytes(named + id, b.data(), b.size(), po + 3);  // binary data
          else c.t.add_string(named + id, {reinterpret_cast<const char*>(b.data()), b.size()}, po + 3, n);
        }
        break;
      }
      case 0x26: {  // User Property: string pair
        // (Each part shown as read: a pair the capture cut keeps what came before.)
        uint16_t kn = props.be16();
        if (props.ok()) c.t.add_uint(mqtt_f::prop_key_len, kn, po + 1, 2);
        core::Bytes k = props.bytes(kn);
        if (props.ok()) c.t.add_string(mqtt_f::prop_key, {reinterpret_cast<const char*>(k.data()), k.size()}, po + 3, kn);
        uint16_t vn = props.be16();
        if (props.ok()) c.t.add_uint(mqtt_f::prop_value_len, vn, po + 3 + kn, 2);
        core::Bytes v = props.bytes(vn);
        if (props.ok()) {
          c.t.add_string(mqtt_f::prop_value, {reinterpret_cast<const char*>(v.data()), v.size()}, po + 5 + kn, vn);
          if (c.t.wants(named + id)) {  // mqsniff: key and value paired, "key=value"
            std::string kv(reinterpret_cast<const char*>(k.data()), k.size());
            kv += '=';
            kv.append(reinterpret_cast<const char*>(v.data()), v.size());
            c.t.add_string_copy(named + id, kv, po + 1, 4u + kn + vn);
          }
        }
        break;
      }
      default: {  // unknown: the rest of the block, as tshark does
        core::Bytes rest = props.rest_captured();
        c.t.add_string(mqtt_f::prop_unknown, {reinterpret_cast<const char*>(rest.data()), rest.size()}, po + 1,
                       static_cast<uint32_t>(rest.size()));
        props.skip(props.remaining());
        char buf[80];
        snprintf(buf, sizeof buf, "Unknown property identifier 0x%02x (MQTT 5.0 §2.2.2.2)", id);
        violation(c, buf);
        break;
      }
    }
  }
  if (!props.ok()) {  // tshark's exception: the rest of the packet is not dissected either
    c.pkt.check(props, "MQTT");
    c.r.fail(props.error());
  }
}

void info_id(std::string* info, uint16_t id) {
  if (!info) return;
  *info += " (id=";
  core::append_uint(*info, id);
  *info += ')';
}
void info_topic(std::string* info, std::string_view topic) {
  if (!info) return;
  *info += " [";
  info->append(topic);
  *info += ']';
}

// No CONNECT seen in this conversation: take the -o mqtt.default_version
// preference, or infer the level where one packet makes it unambiguous
// (3.1.1 acknowledgements are exactly 2 bytes; 5.0 adds reason codes and
// properties; AUTH exists only in 5.0). Said with a field and an expert note.
// Does the body read as 5.0 from `at` on: a Property Length whose properties
// end exactly where the packet does (garbage rarely does)?
bool v5_properties_fit(core::Bytes body, size_t at) {
  if (at > body.size()) return false;
  Reader r(body.subspan(at));
  uint32_t len = 0;
  return read_varint(r, len) && r.remaining() == len;
}

void infer_version(MqttSession& s, uint8_t type, core::Bytes body, bool header_ok, core::FieldTree& t,
                   uint32_t base) {
  const size_t remaining = body.size();
  uint8_t v = 0;
  const char* why = nullptr;
  if (s.default_version) {
    v = s.default_version;
    why = "the mqtt.default_version preference";
  } else if (!header_ok) {
    // Fixed-header flags this type cannot have: bytes from the middle of
    // something else, which decide nothing.
  } else if (type == kAuth) {
    v = 5;
    why = "an AUTH packet (5.0 only)";
  } else if (type == kConnack && remaining == 2) {
    v = 4;
    why = "a 2-byte Connect Ack";
  } else if (type == kConnack && v5_properties_fit(body, 2)) {
    v = 5;
    why = "a Connect Ack with properties";
  } else if ((type == kPuback || type == kPubrec || type == kPubrel || type == kPubcomp) &&
             (remaining == 3 || v5_properties_fit(body, 3))) {
    v = 5;
    why = "an acknowledgement carrying a reason code";
  } else if (type == kUnsuback && remaining > 2 && v5_properties_fit(body, 2)) {
    v = 5;
    why = "an acknowledgement carrying a reason code";
  } else if (type == kDisconnect && (remaining == 1 || (remaining > 1 && v5_properties_fit(body, 1)))) {
    v = 5;
    why = "a Disconnect with a reason code";
  }
  if (!v) {
    core::add_expert(t, "Unknown version (missing the CONNECT packet?)", core::Severity::Note,
                     core::ExpertGroup::Protocol, base, 1, mqtt_f::unknown_version);
    return;
  }
  s.version = v;
  s.inferred = true;
  t.add_uint(mqtt_f::version_inferred, v, base, 0);
  std::string m = std::string("MQTT ") + (v == 5 ? "5.0" : v == 4 ? "3.1.1" : "3.1") +
                  " assumed for this conversation (no CONNECT captured): from " + why;
  core::add_expert(t, m, core::Severity::Note, core::ExpertGroup::Protocol, base, 1);
}

// Packet Identifier (§2.3.1): the field, and " (id=N)" in Info.
bool read_msgid(Ctx& c, std::string* info, uint16_t* id_out = nullptr) {
  uint32_t o = c.off();
  uint16_t id = c.r.be16();
  if (!c.r.ok()) return false;
  if (id_out) *id_out = id;
  c.t.add_uint(mqtt_f::msgid, id, o, 2);
  info_id(info, id);
  return true;
}

// seg_room: the bytes from the PDU's start to the end of the segment that
// holds it, when the snapshot length cut that segment and the PDU runs past it.
void dissect_one(core::Bytes pdu, const Frame& f, uint32_t base, Packet& pkt, MqttSession& s, bool first,
                 size_t seg_room = SIZE_MAX) {
  auto& t = pkt.tree;
  // frame.protocols names the protocol once per dissector call (twice after a reassembled PDU, as tshark)
  if (first || pkt.new_call) pkt.layer("mqtt");
  pkt.new_call = false;
  const uint8_t h = pdu[0];
  const uint8_t type = h >> 4;
  int32_t idx = t.open(mqtt_f::proto, base, static_cast<uint32_t>(pdu.size()));
  t.set_layer_data(idx, pdu);
  if (t.wants(mqtt_f::proto)) t.set_label(idx, std::string("MQ Telemetry Transport Protocol, ") + type_name(type));
  std::string* info = nullptr;
  if (pkt.cols) {
    info = &pkt.cols->info;
    if (first) info->clear();
    else *info += ", ";
    *info += type_name(type);
  }
  // Without a CONNECT: the level, or tshark's note that it is unknown (first in the tree, as tshark places it).
  // §2.2.2 (3.1.1) / §2.1.3 (5.0): fixed-header flags are fixed for every type
  // but PUBLISH; QoS 3 is reserved.
  const bool header_ok = type != 0 && (type == kPublish ? ((h >> 1) & 3) != 3
                                                         : (h & 0x0f) == ((type == kPubrel || type == kSubscribe ||
                                                                           type == kUnsubscribe) ? 0x2 : 0x0));
  if (s.version == 0 && type != kConnect) infer_version(s, type, pdu.subspan(f.header_len), header_ok, t, base);
  {
    core::Subtree sub(t, t.add_uint(mqtt_f::hdrflags, h, base, 1));
    t.add_uint(mqtt_f::msgtype, type, base, 1);
    if (type == kPublish) {
      t.add_bool(mqtt_f::dupflag, h & 0x08, base, 1);
      t.add_uint(mqtt_f::qos, (h >> 1) & 3, base, 1);
      t.add_bool(mqtt_f::retain, h & 1, base, 1);
    } else {
      t.add_uint(mqtt_f::hdr_reserved, h & 0x0f, base, 1);
    }
  }
  t.add_uint(mqtt_f::len, f.remaining, base + 1, static_cast<uint32_t>(f.header_len - 1));

  // (A PDU cut by the snapshot length: the reader knows its whole length,
  // so a read past the captured bytes is a truncation, not a malformation.)
  Reader body(pdu.subspan(f.header_len), f.total() - f.header_len);
  Ctx c{pkt, t, base + static_cast<uint32_t>(f.header_len), body};
  // (MQTT 3.1 has looser rules for the flags of other types than PUBLISH.)
  if (!header_ok && (type == 0 || type == kPublish || s.version != 3)) {
    violation(c, type == 0 ? "Reserved packet type 0 (MQTT §2.2.1)"
                           : "Fixed-header flags are not the ones this packet type requires (MQTT §2.2.2)");
  }
  const bool v5 = s.version == 5;
  // 3.1 and 3.1.1 return codes; any other level (5.0, one not known yet, or
  // one no version has: a bridge's 0x84) gets 5.0's reason codes, as in tshark.
  const bool v3x = s.version == 3 || s.version == 4;
  switch (type) {
    case kConnect: {
      read_str16(c, mqtt_f::proto_len, mqtt_f::protoname);
      uint32_t o = c.off();
      // (Each field shown and taken as read: a CONNECT the capture cut still
      // gives the level and flags it holds, as tshark's does.)
      uint8_t ver = body.u8();
      if (!body.ok()) break;
      s.version = ver;
      t.add_uint(mqtt_f::ver, ver, o, 1);
      uint8_t flags = body.u8();
      if (!body.ok()) break;
      int32_t fi = t.add_uint(mqtt_f::conflags, flags, o + 1, 1);
      if (fi >= 0) t.enter(fi);
      t.add_bool(mqtt_f::conflag_uname, flags & 0x80, o + 1, 1);
      t.add_bool(mqtt_f::conflag_passwd, flags & 0x40, o + 1, 1);
      t.add_bool(mqtt_f::conflag_retain, flags & 0x20, o + 1, 1);
      t.add_uint(mqtt_f::conflag_qos, (flags >> 3) & 3, o + 1, 1);
      t.add_bool(mqtt_f::conflag_willflag, flags & 0x04, o + 1, 1);
      t.add_bool(mqtt_f::conflag_cleansess, flags & 0x02, o + 1, 1);
      t.add_bool(mqtt_f::conflag_reserved, flags & 0x01, o + 1, 1);
      if (fi >= 0) t.close();
      uint16_t ka = body.be16();
      if (!body.ok()) break;
      t.add_uint(mqtt_f::kalive, ka, o + 2, 2);
      if (ver == 5) dissect_properties(c, mqtt_f::properties);
      std::string_view clientid = read_str16(c, mqtt_f::clientid_len, mqtt_f::clientid);
      if (s.analyze && body.ok()) {
        s.client_dir = static_cast<int8_t>(s.dir & 1);
        analyze_connect(s.analysis, s.sessions, clientid, flags & 0x02);
        s.analysis->forward = s.forward;
        s.keepalive = KeepaliveTrack{};
        s.keepalive.keepalive = ka;
      }
      if (flags & 0x04) {
        if (ver == 5) dissect_properties(c, mqtt_f::will_properties);
        read_str16(c, mqtt_f::willtopic_len, mqtt_f::willtopic);
        uint32_t wo = c.off();
        uint16_t n = body.be16();
        if (body.ok()) t.add_uint(mqtt_f::willmsg_len, n, wo, 2);  // (shown when the message itself is cut, as tshark)
        core::Bytes w = body.bytes(n);
        if (body.ok()) t.add_bytes(mqtt_f::willmsg, w.data(), w.size(), wo + 2);
      }
      if (flags & 0x80) read_str16(c, mqtt_f::username_len, mqtt_f::username);
      if (flags & 0x40) read_str16(c, mqtt_f::passwd_len, mqtt_f::passwd);
      break;
    }
    case kConnack: {
      uint32_t o = c.off();
      uint8_t flags = body.u8();
      if (!body.ok()) break;
      uint8_t rc = body.u8();
      const bool rc_read = body.ok();  // (a capture cut after the flags: those only, as tshark)
      if (s.version == 3) {
        // MQTT 3.1 has no Session Present flag: the byte is reserved.
        t.add_bool(mqtt_f::conack_flags_reserved, flags, o, 1);
      } else {
        int32_t fi = t.add_uint(mqtt_f::conack_flags, flags, o, 1);
        if (fi >= 0) t.enter(fi);
        t.add_bool(mqtt_f::conack_flags_reserved, flags & 0xfe, o, 1);
        t.add_bool(mqtt_f::conack_flags_sp, flags & 1, o, 1);
        if (fi >= 0) t.close();
      }
      if (!rc_read) break;
      if (s.analyze && s.analysis && s.version != 3) analyze_connack(*s.analysis, pkt, flags & 1, rc, o);
      t.add_uint(v3x ? mqtt_f::conack_val : mqtt_f::connack_reason_code, rc, o + 1, 1);
      if (v5) {
        if (body.remaining()) dissect_properties(c, mqtt_f::properties);
        if (c.server_keepalive >= 0) s.keepalive.server_keepalive = c.server_keepalive;
      }
      break;
    }
    case kPublish: {
      int32_t topic_len_idx = -1;
      std::string_view topic = read_str16(c, mqtt_f::topic_len, mqtt_f::topic, &topic_len_idx);
      if (!body.ok()) break;
      const bool empty_topic = topic.empty();
      uint8_t qos = (h >> 1) & 3;
      uint16_t id = 0;
      if (qos && !read_msgid(c, info, &id)) break;
      if (qos && s.analyze) analyze_publish(s.analysis_state(), pkt, s.role(), id, qos, h & 0x08, base);
      if (v5) dissect_properties(c, mqtt_f::properties);
      if (v5 && c.topic_alias > 0) {
        // Topic Alias (5.0 §3.3.2.3.4): a topic with an alias defines it; an
        // empty topic uses it. Aliases are per direction.
        if (!s.aliases) s.aliases = std::make_unique<MqttSession::Aliases>();
        auto& map = s.aliases->dir[s.dir & 1];
        uint16_t alias = static_cast<uint16_t>(c.topic_alias);
        if (!topic.empty()) {
          auto& held = s.aliases->bytes[s.dir & 1];
          auto it = map.find(alias);
          const size_t old_len = it != map.end() ? it->second.size() : 0;
          if ((map.size() < MqttSession::kMaxAliases || it != map.end()) &&
              held - old_len + topic.size() <= MqttSession::kMaxAliasBytes) {
            map[alias] = std::string(topic);
            held = held - old_len + topic.size();
          } else {
            ++s.not_kept;  // later uses of this alias will not resolve
          }
        } else if (auto it = map.find(alias); it != map.end()) {
          topic = t.arena().copy(it->second);
          t.add_string(mqtt_f::topic, topic, base, 0, core::FieldNode::kGenerated);  // as tshark adds it
          t.add_bool(mqtt_f::topic_alias_resolved, true, base, 0);
        } else {
          // An alias this direction never defined: tshark's empty generated
          // topic with its note.
          const int32_t ti = t.add_string(mqtt_f::topic, {}, base, 0, core::FieldNode::kGenerated);
          if (ti >= 0) t.enter(ti);
          core::add_expert(t, "Unknown topic alias", core::Severity::Note, core::ExpertGroup::Protocol, base, 0,
                           mqtt_f::unknown_topic_alias);
          if (ti >= 0) t.close();
        }
      } else if (empty_topic) {
        // An empty topic is only legal with a topic alias (5.0): tshark's
        // expert, on the Topic Length.
        if (topic_len_idx >= 0) t.enter(topic_len_idx);
        core::add_expert(t, "Length cannot be 0", core::Severity::Warn, core::ExpertGroup::Protocol, base, 0,
                         mqtt_f::illegal_topic_length);
        if (topic_len_idx >= 0) t.close();
      }
      // (tshark names the topic once the properties are read: not when they run past the end)
      if (!body.ok()) break;
      info_topic(info, topic);
      if (s.analyze && s.analysis && s.client_dir >= 0 && s.role() == 1) analyze_delivery(*s.analysis, pkt, topic, base);
      if (!body.ok()) break;
      if (body.captured_remaining() < body.remaining()) {  // the message was cut by the snaplen: no field, as tshark
        body.skip(body.remaining());
        break;
      }
      core::Bytes payload = body.rest_captured();
      if (s.msg_as_text)  // tshark's "Show Publish Message as text": Message: 21.5
        t.add_string(mqtt_f::msg, {reinterpret_cast<const char*>(payload.data()), payload.size()}, c.off(),
                     static_cast<uint32_t>(payload.size()));
      else
        t.add_bytes(mqtt_f::msg, payload.data(), payload.size(), c.off());
      body.skip(payload.size());
      // A 5.0 Content Type hands the payload to a media-type dissector in
      // tshark; for JSON it shows "MQTT/JSON" and the json.* tree, after the MQTT layer.
      // (An empty payload too: a message the capture cut stopped above.)
      if (const auto kind = media_kind(c.content_type); kind != Ctx::Media::None) {
        c.media = payload;
        c.media_off = c.off() - static_cast<uint32_t>(payload.size());
        c.media_kind = kind;
      }
      break;
    }
    case kPuback: case kPubrec: case kPubrel: case kPubcomp: {
      uint32_t o = c.off();
      uint16_t id = 0;
      if (!read_msgid(c, info, &id)) break;
      if (s.analyze) analyze_ack(s.analysis_state(), pkt, s.role(), type, id, base);
      if (v5 && body.remaining()) {
        static const FieldId kRc[] = {mqtt_f::puback_reason_code, mqtt_f::pubrec_reason_code,
                                      mqtt_f::pubrel_reason_code, mqtt_f::pubcomp_reason_code};
        t.add_uint(kRc[type - kPuback], body.u8(), o + 2, 1);
        if (body.remaining()) dissect_properties(c, mqtt_f::properties);
      }
      break;
    }
    case kSubscribe: case kUnsubscribe: {
      if (!read_msgid(c, info)) break;
      if (v5) dissect_properties(c, mqtt_f::properties);
      while (body.remaining()) {
        int32_t topic_len_idx = -1;
      std::string_view topic = read_str16(c, mqtt_f::topic_len, mqtt_f::topic, &topic_len_idx);
        if (!body.ok()) break;
        if (type == kSubscribe) info_topic(info, topic);  // tshark lists topics for SUBSCRIBE only
        if (s.analyze) analyze_subscribe(s.analysis_state(), topic, type == kSubscribe);
        if (type == kSubscribe) {
          uint32_t so = c.off();
          uint8_t opt = body.u8();
          if (!body.ok()) break;
          if (v5) {
            int32_t oi = t.add_uint(mqtt_f::subscription_options, opt, so, 1);
            if (oi >= 0) t.enter(oi);
            // (tshark's order: from the high bits down)
            t.add_uint(mqtt_f::subscription_options_reserved, opt >> 6, so, 1);
            t.add_uint(mqtt_f::subscription_options_retain, (opt >> 4) & 3, so, 1);
            t.add_bool(mqtt_f::subscription_options_rap, opt & 8, so, 1);
            t.add_bool(mqtt_f::subscription_options_nl, opt & 4, so, 1);
            t.add_uint(mqtt_f::subscription_options_qos, opt & 3, so, 1);
            if (oi >= 0) t.close();
          } else {
            t.add_uint(mqtt_f::sub_qos, opt, so, 1);
          }
        }
      }
      break;
    }
    case kSuback: case kUnsuback: {
      if (!read_msgid(c, info)) break;
      if (v5) dissect_properties(c, mqtt_f::properties);
      while (body.remaining()) {
        uint32_t ro = c.off();
        uint8_t v = body.u8();
        if (!body.ok()) break;
        if (type == kSuback) t.add_uint(v3x ? mqtt_f::suback_qos : mqtt_f::suback_reason_code, v, ro, 1);
        else if (v5) t.add_uint(mqtt_f::unsuback_reason_code, v, ro, 1);
      }
      break;
    }
    case kDisconnect: case kAuth:
      if (v5 && body.remaining()) {
        t.add_uint(type == kDisconnect ? mqtt_f::disconnect_reason_code : mqtt_f::auth_reason_code, body.u8(),
                   c.off(), 1);
        if (body.remaining()) dissect_properties(c, mqtt_f::properties);
      }
      break;
    default:
      break;
  }
  if (body.ok() && body.remaining())
    violation(c, std::to_string(body.remaining()) + " bytes after the end of the packet's contents");
  if (s.analyze && s.client_dir >= 0) analyze_keepalive(s.keepalive, pkt, type, s.role() == 0, base);
  // A field running past this packet's end: tshark's exception, its item and
  // Info marker right after this PDU; the PDUs after it are dissected as usual.
  // A read past the captured bytes is a truncation if it stays inside the
  // segment (tshark: the PDU's tvb holds the segment's bytes), and the
  // "unreassembled" case if it runs past the segment's end.
  const bool cut_past_segment = !body.ok() && body.error() == core::ReadError::Truncated &&
                                seg_room != SIZE_MAX && f.header_len + body.error_end() > seg_room;
  const bool overrun = (!body.ok() && body.error() != core::ReadError::Truncated) || cut_past_segment;
  const bool was_malformed = pkt.malformed;
  const bool was_truncated = pkt.truncated;
  pkt.check(body, "MQTT");
  t.close();
  if (overrun && pkt.fragmented) {
    // In a segment the capture cut, tshark calls it unreassembled, not malformed.
    link::add_unreassembled_item(pkt, "MQTT");
    if (!was_malformed) {
      pkt.malformed = false;
      pkt.malformed_proto = {};
    }
    if (cut_past_segment && !was_truncated) {
      pkt.truncated = false;
      pkt.truncated_proto = {};
    }
  } else if (overrun) {
    link::add_malformed_item(pkt, "MQTT");
  }
  if (c.media_kind != Ctx::Media::None && (!c.media.empty() || c.media_kind != Ctx::Media::Data)) {
    const std::string_view body{reinterpret_cast<const char*>(c.media.data()), c.media.size()};
    if (c.media_kind == Ctx::Media::Json) {
      http::dissect_json(body, c.content_type, c.media_off, pkt, "MQTT/JSON");
    } else if (c.media_kind == Ctx::Media::Text) {
      http::dissect_text_lines(body, c.content_type, c.media_off, pkt, true);
    } else if (c.media_kind == Ctx::Media::Form) {
      media::dissect(media::Kind::Form, c.media, c.content_type, c.media_off, pkt, "MQTT");
    } else if (c.media_kind == Ctx::Media::Cbor) {
      media::dissect(media::Kind::Cbor, c.media, c.content_type, c.media_off, pkt, "MQTT");
    } else if (c.media_kind == Ctx::Media::Xml) {
      media::dissect(media::Kind::Xml, c.media, c.content_type, c.media_off, pkt, "MQTT");
    } else {
      auto& t = pkt.tree;
      pkt.layer("data");
      const uint32_t n = static_cast<uint32_t>(c.media.size());
      int32_t p = t.open(link::data_f::proto, c.media_off, n);
      if (t.wants(link::data_f::proto)) t.set_bytes(p, c.media.data(), c.media.size());
      t.add_bytes(link::data_f::data, c.media.data(), c.media.size(), c.media_off);
      t.add_int(link::data_f::len, static_cast<int64_t>(n), 0, 0);
      t.close();
    }
  }
}

}  // namespace

void dissect_pdu(core::Bytes pdu, uint32_t base, Packet& pkt, MqttSession& session, bool first) {
  Frame f = frame_mqtt(pdu);
  if (f.kind != Frame::Kind::Pdu || pdu.empty()) {
    // The framer refused it (5-byte length): show the header, mark it malformed.
    auto& t = pkt.tree;
    if (first || pkt.new_call) pkt.layer("mqtt");
    pkt.new_call = false;
    t.open(mqtt_f::proto, base, static_cast<uint32_t>(pdu.size()));
    if (!pdu.empty()) {
      t.add_uint(mqtt_f::hdrflags, pdu[0], base, 1);
      t.add_uint(mqtt_f::msgtype, pdu[0] >> 4, base, 1);
    }
    t.close();
    if (first) pkt.set_protocol("MQTT");
    if (pkt.cols && first) pkt.cols->info = "Reserved";
    pkt.mark_malformed("MQTT");
    return;
  }
  if (first) pkt.set_protocol("MQTT");
  dissect_one(pdu.first(f.total()), f, base, pkt, session, first);
}

PduLen frame_length(std::span<const uint8_t> b) {
  Frame f = frame_mqtt(b);
  PduLen r;
  if (f.kind == Frame::Kind::Bad) {
    r.kind = PduLen::Kind::Bad;
  } else if (f.kind == Frame::Kind::Pdu) {
    r.kind = PduLen::Kind::Pdu;
    r.total = f.total();
    r.total_known = true;
  } else if (f.header_len) {
    r.total = f.total();
    r.total_known = true;
  }
  return r;
}

bool plausible_start(std::span<const uint8_t> b) {
  if (b.empty()) return false;
  uint8_t type = b[0] >> 4, flags = b[0] & 0x0f;
  if (type == 0) return false;
  if (type == kPublish) {
    if (((flags >> 1) & 3) == 3) return false;  // QoS 3 is reserved
  } else if (type == kPubrel || type == kSubscribe || type == kUnsubscribe) {
    if (flags != 0x2) return false;
  } else if (flags != 0) {
    return false;
  }
  return frame_mqtt(b).kind != Frame::Kind::Bad;
}

bool looks_like_connect(std::span<const uint8_t> b) {
  if (b.size() < 2 || b[0] != 0x10) return false;
  Frame f = frame_mqtt(b);
  if (f.kind == Frame::Kind::Bad || f.header_len == 0 || f.remaining < 10) return false;
  std::span<const uint8_t> v = b.subspan(f.header_len);
  static const uint8_t kMqtt[] = {0x00, 0x04, 'M', 'Q', 'T', 'T'};
  static const uint8_t kMqisdp[] = {0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p'};
  if (v.size() >= 7 && std::equal(kMqtt, kMqtt + 6, v.begin())) return v[6] == 4 || v[6] == 5;
  if (v.size() >= 9 && std::equal(kMqisdp, kMqisdp + 8, v.begin())) return v[8] == 3;
  return false;
}

// tshark's tcp_dissect_pdus names each PDU it hands over, under TCP.
void note_pdu_size(Packet& pkt, size_t total) {
  if (!pkt.tree.wants(tcp::tcp_f::pdu_size)) return;
  core::Subtree in_tcp(pkt.tree, pkt.tree.last_of(tcp::tcp_f::proto));
  pkt.tree.add_uint(tcp::tcp_f::pdu_size, total, 0, 0);
}

size_t dissect_segment(Reader& r, Packet& pkt, MqttSession& session, size_t room) {
  core::Bytes data = r.rest_captured();
  const size_t declared = r.remaining();
  if (room > declared) room = declared;
  pkt.fragmented = data.size() < declared;
  const uint32_t base = static_cast<uint32_t>(pkt.frame.caplen - data.size());
  size_t pos = 0;
  bool first = true;
  bool unreassembled = false;
  bool cut_pdu = false;  // the last PDU was dissected as far as the capture goes
  size_t beyond = 0;     // how far that PDU runs past the segment
  while (pos < data.size()) {
    Frame f = frame_mqtt(data.subspan(pos));
    if (f.kind == Frame::Kind::Bad) {
      pkt.mark_malformed("MQTT");
      break;
    }
    if (f.kind == Frame::Kind::NeedMore) {
      // The snapshot length cut this packet inside a PDU whose header was
      // captured: its fields as far as the bytes go, as tshark shows them.
      if (data.size() < declared && f.header_len && pos + f.header_len <= data.size()) {
        if (first) pkt.set_protocol("MQTT");
        note_pdu_size(pkt, f.total());
        // (A PDU that also runs past the segment's end could not be
        // reassembled, the segment being cut: a field read past that end is
        // "unreassembled" rather than cut, as tshark says.)
        dissect_one(data.subspan(pos), f, base + static_cast<uint32_t>(pos), pkt, session, first,
                    pos + f.total() > room ? room - pos : SIZE_MAX);
        if (pos + f.total() > declared) beyond = pos + f.total() - declared;
        first = false;
        unreassembled = pkt.unreassembled;
        cut_pdu = true;
        pos = data.size();
      }
      break;
    }
    if (first) pkt.set_protocol("MQTT");
    note_pdu_size(pkt, f.total());
    dissect_one(data.subspan(pos, f.total()), f, base + static_cast<uint32_t>(pos), pkt, session, first);
    first = false;
    pos += f.total();
  }
  pkt.fragmented = false;
  r.skip(pos);
  if (pos < declared) {
    if (unreassembled || cut_pdu) r.skip(r.captured_remaining());
    else if (data.size() < declared && (!pkt.malformed || pos >= data.size())) {
      // The capture ended inside a fixed header: tshark's MQTT was called
      // (frame.protocols, Info cleared) and read no PDU length.
      if (first) {
        pkt.layer("mqtt");
        if (pkt.cols) pkt.cols->info.clear();
      }
      pkt.mark_truncated("MQTT");
    }
    else link::dissect_data(r, pkt);  // a packet continued in another segment (reassembly: issue #3)
  }
  return beyond;
}

size_t MqttSession::heap_bytes() const {
  size_t n = 0;
  if (aliases) {
    n += sizeof(Aliases);
    for (int d = 0; d < 2; ++d) n += aliases->dir[d].size() * kAliasNodeBytes + aliases->bytes[d];
  }
  if (analysis && !analysis->persistent) n += analysis->heap_bytes();
  return n;
}

}  // namespace mqsniff::mqtt
