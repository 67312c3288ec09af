#include <doctest/doctest.h>

#include "dissectors/core/value_names.h"
#include "dissectors/tls/x509.h"
#include "dissectors/tls/tls_dissect.h"
#include "helpers.h"

using namespace testutil;

namespace {
std::vector<uint8_t> tls_frame(const std::vector<uint8_t>& payload, uint32_t seq = 1000, bool from_server = false) {
  TcpSpec s;
  s.flags = 0x18;
  s.ack = 1;
  s.seq = seq;
  if (from_server) {
    std::swap(s.src, s.dst);
    s.sport = 8883;
    s.dport = 50000;
  } else {
    s.dport = 8883;
  }
  s.payload = payload;
  return eth(0x0800, ipv4_tcp(s));
}
}  // namespace

TEST_CASE("tls: record framer") {
  std::vector<uint8_t> rec = {0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb};
  auto f = mqsniff::tls::record_length(rec);
  CHECK(f.kind == mqsniff::tcp::PduLen::Kind::Pdu);
  CHECK(f.total == 7);
  std::vector<uint8_t> part(rec.begin(), rec.begin() + 6);
  CHECK(mqsniff::tls::record_length(part).kind == mqsniff::tcp::PduLen::Kind::NeedMore);
  std::vector<uint8_t> bad = {0x30, 0x03, 0x03, 0x00, 0x01, 0x00};
  CHECK(mqsniff::tls::record_length(bad).kind == mqsniff::tcp::PduLen::Kind::Bad);
  // Past 2^14 + 2048 (impossible): still framed, as tshark waits for the whole record.
  std::vector<uint8_t> huge = {0x17, 0x03, 0x03, 0xff, 0xff};
  CHECK(mqsniff::tls::record_length(huge).kind == mqsniff::tcp::PduLen::Kind::NeedMore);
  CHECK(mqsniff::tls::record_length(huge).total == 5 + 0xffff);
}

TEST_CASE("tls: the heuristic takes a Handshake or Application Data record header, as tshark's") {
  using mqsniff::tls::looks_like_record;
  CHECK(looks_like_record(std::vector<uint8_t>{0x17, 0x03, 0x03, 0x00, 0x20}));  // the body may follow later
  CHECK(looks_like_record(std::vector<uint8_t>{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}));
  CHECK(looks_like_record(std::vector<uint8_t>{0x16, 0x03, 0x00, 0x00, 0x01}));           // SSL 3.0
  CHECK_FALSE(looks_like_record(std::vector<uint8_t>{0x15, 0x03, 0x03, 0x00, 0x02}));     // an alert: no
  CHECK_FALSE(looks_like_record(std::vector<uint8_t>{0x17, 0x03, 0x04, 0x00, 0x20}));     // no 0x0304 on the wire
  CHECK_FALSE(looks_like_record(std::vector<uint8_t>{0x17, 0x03, 0x03, 0x00, 0x00}));     // empty
  CHECK_FALSE(looks_like_record(std::vector<uint8_t>{0x17, 0x03, 0x03, 0x48, 0x00}));     // 18432 >= 2^14 + 2048
  CHECK_FALSE(looks_like_record(std::vector<uint8_t>{0x17, 0x03, 0x03, 0x00}));           // cut short
  // An SSLv2-format ClientHello: 3-byte cipher specs, a 32-byte challenge.
  std::vector<uint8_t> v2 = {0x80, 0x2c, 0x01, 0x03, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x2f};
  v2.resize(46, 0x41);
  CHECK(looks_like_record(v2));
  v2[10] = 0x10;  // a 16-byte challenge: tshark's heuristic wants 32
  CHECK_FALSE(looks_like_record(v2));
}

TEST_CASE("tls: an SSLv2-format ClientHello is framed by its 2-byte length and dissected as tshark's SSLv2 record") {
  std::vector<uint8_t> v2 = {0x80, 0x2f, 0x01, 0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x20,
                             0x00, 0x00, 0x2f, 0x01, 0x00, 0x80};
  for (int i = 0; i < 32; ++i) v2.push_back(static_cast<uint8_t>(i));
  auto f = mqsniff::tls::record_length(v2);
  CHECK(f.kind == mqsniff::tcp::PduLen::Kind::Pdu);
  CHECK(f.total == 49);
  Harness h;
  h.run(tls_frame(v2));
  CHECK(h.cols.protocol == "SSLv2");
  CHECK(h.cols.info == "Client Hello");
  CHECK(h.field("tls.record.version") == "0x0002");
  CHECK(h.field("tls.record.length") == "47");
  CHECK(h.field("tls.handshake.type") == "1");
  CHECK(h.field("tls.handshake.version") == "0x0301");
  CHECK(h.field("tls.handshake.cipher_spec_len") == "6");
  CHECK(h.field("tls.handshake.challenge_length") == "32");
  CHECK(h.field("tls.handshake.cipherspec") == "0x00002f,0x010080");
  CHECK(h.has("tls.handshake.challenge"));
  CHECK_FALSE(h.has("_ws.malformed"));
  // Cut anywhere: never read past the end.
  for (size_t cut = 3; cut < v2.size(); ++cut) {
    Harness c;
    std::vector<uint8_t> part(v2.begin(), v2.begin() + static_cast<long>(cut));
    c.run(tls_frame(part));
    CHECK_FALSE(c.has("tls.handshake.random"));
  }
}

TEST_CASE("tls: a TLS 1.2 alert is shown in clear; after ChangeCipherSpec it is encrypted") {
  Harness h;
  h.run(tls_frame({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30}));  // fatal, unknown_ca (48)
  CHECK(h.cols.info == "Alert (Level: Fatal, Description: Unknown CA)");
  CHECK(h.cols.protocol == "TLSv1.2");
  CHECK(h.field("tls.alert_message.desc") == "48");
  std::vector<uint8_t> two = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x15, 0x03, 0x03, 0x00, 0x1a};
  two.resize(two.size() + 26, 0x5a);  // an alert encrypted with AES-GCM: nonce + ciphertext + tag
  h.run(tls_frame(two, 1007));
  CHECK(h.cols.info == "Change Cipher Spec, Encrypted Alert");
}

TEST_CASE("tls: hostile records are malformed, never over-read") {
  // A handshake whose length points past the record.
  std::vector<uint8_t> rec = {0x16, 0x03, 0x01, 0x00, 0x06, 0x01, 0x00, 0xff, 0xff, 0x03, 0x03};
  for (size_t cut = 1; cut <= rec.size(); ++cut) {
    Harness h;
    std::vector<uint8_t> part(rec.begin(), rec.begin() + static_cast<long>(cut));
    h.run(tls_frame(part));
    CHECK_FALSE(h.has("tls.handshake.random"));
  }
}

namespace {
// A ClientHello handshake message (no record header) with the given ciphers
// and raw extensions.
std::vector<uint8_t> client_hello(const std::vector<uint16_t>& ciphers, const std::vector<uint8_t>& exts) {
  std::vector<uint8_t> body = {0x03, 0x03};
  body.resize(body.size() + 32, 0x11);  // random
  body.push_back(0);                     // session id
  body.push_back(static_cast<uint8_t>(ciphers.size() * 2 >> 8));
  body.push_back(static_cast<uint8_t>(ciphers.size() * 2));
  for (uint16_t c : ciphers) {
    body.push_back(static_cast<uint8_t>(c >> 8));
    body.push_back(static_cast<uint8_t>(c));
  }
  body.insert(body.end(), {0x01, 0x00});  // compression: null
  body.push_back(static_cast<uint8_t>(exts.size() >> 8));
  body.push_back(static_cast<uint8_t>(exts.size()));
  body.insert(body.end(), exts.begin(), exts.end());
  std::vector<uint8_t> msg(4 + body.size());
  msg[0] = 0x01;
  msg[2] = static_cast<uint8_t>(body.size() >> 8);
  msg[3] = static_cast<uint8_t>(body.size());
  std::copy(body.begin(), body.end(), msg.begin() + 4);
  return msg;
}
std::vector<uint8_t> record(uint8_t type, const std::vector<uint8_t>& frag) {
  std::vector<uint8_t> r(5 + frag.size());
  r[0] = type;
  r[1] = 0x03;
  r[2] = 0x01;
  r[3] = static_cast<uint8_t>(frag.size() >> 8);
  r[4] = static_cast<uint8_t>(frag.size());
  std::copy(frag.begin(), frag.end(), r.begin() + 5);
  return r;
}
// server_name "localhost"
const std::vector<uint8_t> kSni = {0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,
                                   'l',  'o',  'c',  'a',  'l',  'h',  'o',  's',  't'};
}  // namespace

TEST_CASE("tls: JA4 of a browser ClientHello equals the published fingerprint") {
  // A Chrome ClientHello as fingerprinted by browserleaks.com (ja3_text and
  // ja4/ja4_r published side by side): ciphers and extensions in wire order.
  mqsniff::tls::Ja4Input in;
  in.hello_version = 0x0303;
  in.ciphers = {4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53};
  in.exts = {45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27};
  in.ext_count = static_cast<uint16_t>(in.exts.size());
  in.sigalgs = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  in.versions = {0x0304, 0x0303};
  in.sni = true;
  in.alpn = "h2";
  std::string ja4, raw;
  mqsniff::tls::ja4_fingerprint(in, ja4, raw);
  CHECK(ja4 == "t13d1516h2_8daaf6152771_d8a2da3f94cd");
  CHECK(raw ==
        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,"
        "0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
  // No ALPN, no SNI, no signature algorithms, no ciphers.
  mqsniff::tls::Ja4Input bare;
  bare.hello_version = 0x0303;
  mqsniff::tls::ja4_fingerprint(bare, ja4, raw);
  CHECK(ja4 == "t12i000000_000000000000_000000000000");
}

TEST_CASE("tls: JA4 from the wire skips GREASE and reads SNI, ALPN and supported_versions") {
  std::vector<uint8_t> exts = kSni;
  exts.insert(exts.end(), {0x0a, 0x0a, 0x00, 0x00});                                            // GREASE extension
  exts.insert(exts.end(), {0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 'h', '2'});                  // ALPN h2
  exts.insert(exts.end(), {0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03});                // 1.3, 1.2
  exts.insert(exts.end(), {0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x08, 0x04});                      // rsa_pss_rsae_sha256
  Harness h;
  h.run(tls_frame(record(22, client_hello({0x2a2a, 0x1301, 0x1302}, exts))));
  CHECK(h.field("tls.handshake.ja4") .substr(0, 10) == "t13d0204h2");
  CHECK(h.field("tls.handshake.ja4_r") == "t13d0204h2_1301,1302_000d,002b_0804");
  CHECK(h.field("tls.handshake.extensions_server_name") == "localhost");
  CHECK(h.field("tls.handshake.extensions_alpn_str") == "h2");
}

TEST_CASE("tls: a handshake message fragmented across two records is dissected once whole") {
  std::vector<uint8_t> msg = client_hello({0x1301}, kSni);
  std::vector<uint8_t> a(msg.begin(), msg.begin() + 20), b(msg.begin() + 20, msg.end());
  std::vector<uint8_t> r1 = record(22, a), r2 = record(22, b);
  Harness h;
  h.run(tls_frame(r1));
  CHECK(h.cols.info == "[Client Hello Fragment]");  // tshark's name for the first part
  CHECK_FALSE(h.has("tls.handshake.type"));
  CHECK(h.has("tls.handshake"));
  CHECK_FALSE(h.has("tls.handshake.fragments"));
  h.run(tls_frame(r2, 1000 + static_cast<uint32_t>(r1.size())));
  CHECK(h.cols.info == "Client Hello");
  CHECK(h.field("tls.handshake.type") == "1");
  CHECK(h.field("tls.handshake.extensions_server_name") == "localhost");
  CHECK(h.field("tls.handshake.fragment.count") == "2");
  CHECK(h.field("tls.handshake.fragment") == "1,2");  // the frames of the two parts
  CHECK_FALSE(h.has("_ws.malformed"));
}

TEST_CASE("tls: a handshake message in three records of one segment: first part named, middle silent, then whole") {
  std::vector<uint8_t> msg = client_hello({0x1301}, kSni);
  std::vector<uint8_t> a(msg.begin(), msg.begin() + 2), b(msg.begin() + 2, msg.begin() + 30), c(msg.begin() + 30, msg.end());
  std::vector<uint8_t> seg = record(22, a);
  for (const auto& part : {b, c}) {
    auto r = record(22, part);
    seg.insert(seg.end(), r.begin(), r.end());
  }
  Harness h;
  h.run(tls_frame(seg));
  CHECK(h.cols.info == "[Client Hello Fragment], Client Hello");
  CHECK(h.field("tls.handshake.fragment.count") == "3");
  CHECK(h.field("tls.handshake.type") == "1");
  CHECK_FALSE(h.has("_ws.malformed"));
}

TEST_CASE("tls: Heartbeat records: request and response named, an impossible payload length flagged") {
  Harness h;
  std::vector<uint8_t> bad = {0x01, 0x40, 0x00};
  bad.insert(bad.end(), 16, 0x41);
  h.run(tls_frame(record(24, bad)));
  CHECK(h.cols.info == "Heartbeat Request");
  CHECK(h.field("tls.heartbeat_message.payload_length") == "16384");
  CHECK(h.has("tls.heartbeat_message.payload_length.invalid"));
  std::vector<uint8_t> ok = {0x02, 0x00, 0x02, 'h', 'i'};
  ok.insert(ok.end(), 16, 0);
  Harness h2;
  h2.run(tls_frame(record(24, ok)));
  CHECK(h2.cols.info == "Heartbeat Response");
  CHECK(h2.field("tls.heartbeat_message.payload") == "6869");
  CHECK_FALSE(h2.has("tls.heartbeat_message.payload_length.invalid"));
  std::vector<uint8_t> enc(40, 0x77);  // a long record whose "payload length" does not fit: encrypted
  Harness h3;
  h3.run(tls_frame(record(24, enc)));
  CHECK(h3.cols.info == "Encrypted Heartbeat");
}

TEST_CASE("tls: certificates that are garbage or lie about their lengths are malformed, never over-read") {
  // Certificate message: list length 8, one certificate of 5 bytes of garbage.
  std::vector<uint8_t> cert = {0x0b, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x08, 0x00, 0x00, 0x05, 0x30, 0x82, 0xff, 0xff, 0x01};
  Harness h;
  h.run(tls_frame(record(22, cert)));
  CHECK(h.cols.info.rfind("Certificate", 0) == 0);
  CHECK(h.field("tls.handshake.certificate_length") == "5");
  CHECK(h.has("_ws.malformed"));
  CHECK(h.field("_ws.expert.message").find("Certificate could not be decoded") != std::string::npos);
  // The same message with every length cut short or inflated.
  for (size_t cut = 1; cut < cert.size(); ++cut) {
    std::vector<uint8_t> c(cert.begin(), cert.begin() + static_cast<long>(cut));
    Harness g;
    g.run(tls_frame(record(22, c)));
    CHECK_FALSE(g.has("tls.cert.subject"));
  }
  for (size_t i = 4; i < 10; ++i) {
    std::vector<uint8_t> c = cert;
    c[i] = 0xff;
    Harness g;
    g.run(tls_frame(record(22, c)));
    CHECK_FALSE(g.has("tls.cert.subject"));
  }
}

#include <cstdio>
#include <nlohmann/json.hpp>

#include "src/output/json.h"

namespace {
// Renders the packets with JsonOutput into a temporary file and reads it back.
std::string render_json(Harness& h, const std::vector<std::vector<uint8_t>>& frames, bool ek) {
  FILE* f = tmpfile();
  REQUIRE(f);
  {
    mqsniff::out::Writer w(fileno(f));
    mqsniff::out::JsonOptions o;
    o.ek = ek;
    mqsniff::out::JsonOutput j(w, o);
    j.begin();
    for (const auto& fr : frames) {
      h.run(fr);
      mqsniff::out::RowContext row;
      row.number = h.number;
      row.ts = h.pkt->frame.ts;
      j.packet(h.tree, row);
    }
    j.end();
  }
  std::string text;
  rewind(f);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  fclose(f);
  return text;
}
}  // namespace

TEST_CASE("json: -T json parses back with nlohmann, layers and subtrees in tshark's shape") {
  std::vector<uint8_t> exts = kSni;
  Harness h;
  std::string text = render_json(h, {tls_frame(record(22, client_hello({0x1301}, exts))),
                                     tls_frame({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30}, 2000, true)},
                                 false);
  auto doc = nlohmann::json::parse(text);  // throws on invalid JSON
  REQUIRE(doc.is_array());
  REQUIRE(doc.size() == 2);
  const auto& l0 = doc[0]["_source"]["layers"];
  CHECK(doc[0]["_index"].get<std::string>().rfind("packets-", 0) == 0);
  CHECK(doc[0]["_score"].is_null());
  CHECK(l0["ip"]["ip.flags_tree"]["ip.flags.df"] == "1");
  CHECK(l0["tcp"]["tcp.port"].is_array());
  const auto& hs = l0["tls"]["tls.record"]["tls.handshake"];
  CHECK(hs["tls.handshake.type"] == "1");
  // tshark's shape: each extension a text item named for it, SNI in its own text item.
  bool found = false;
  for (auto it = hs.begin(); it != hs.end(); ++it)
    if (it.key().rfind("Extension: server_name (len=", 0) == 0) {
      CHECK(it.value()["tls.handshake.extension.type"] == "0");
      CHECK(it.value()["Server Name Indication extension"]["tls.handshake.extensions_server_name"] == "localhost");
      found = true;
    }
  CHECK(found);
  const auto& al = doc[1]["_source"]["layers"]["tls"]["tls.record"]["tls.alert_message"];
  CHECK(al["tls.alert_message.desc"] == "48");
}

TEST_CASE("json: -T ek is an index line then a document per packet") {
  Harness h;
  std::string text = render_json(h, {tls_frame({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30})}, true);
  auto nl = text.find('\n');
  REQUIRE(nl != std::string::npos);
  auto idx = nlohmann::json::parse(text.substr(0, nl));
  CHECK(idx["index"]["_type"] == "doc");
  auto doc = nlohmann::json::parse(text.substr(nl + 1));
  CHECK(doc["layers"]["tls"]["tls_tls_alert_message_desc"] == "48");
  CHECK(doc["layers"]["tcp"]["tcp_tcp_flags_push"] == true);  // booleans are JSON booleans
  CHECK(doc["timestamp"].is_string());
}

TEST_CASE("json: escaping and hex at every length and position (the writer's 8-byte scans)") {
  // MQTT PUBLISHes whose topic has a quote, a backslash or a UTF-8 letter at
  // each position of every length to 40, and payloads of every length to 40:
  // each document parses, and the topic and hex payload come back exact.
  const char* specials[] = {"\"", "\\", "\xc3\xa9", "/"};
  for (bool ek : {false, true}) {
    for (const char* sp : specials) {
      std::vector<std::vector<uint8_t>> frames;
      std::vector<std::string> topics, hex;
      for (size_t len = 0; len <= 40; ++len) {
        std::string topic;
        const size_t at = len ? len * 7 % len : 0;
        for (size_t i = 0; i < len; ++i) {
          if (i == at) topic += sp;
          else topic += static_cast<char>('a' + i % 26);
        }
        std::vector<uint8_t> payload(len);
        std::string want;
        for (size_t i = 0; i < len; ++i) {
          payload[i] = static_cast<uint8_t>(i * 37 + 11);
          char b[4];
          snprintf(b, sizeof b, "%s%02x", i ? ":" : "", payload[i]);
          want += b;
        }
        std::vector<uint8_t> pdu;
        pdu.push_back(0x30);
        pdu.push_back(static_cast<uint8_t>(2 + topic.size() + payload.size()));
        pdu.push_back(static_cast<uint8_t>(topic.size() >> 8));
        pdu.push_back(static_cast<uint8_t>(topic.size()));
        for (char ch : topic) pdu.push_back(static_cast<uint8_t>(ch));
        for (uint8_t b : payload) pdu.push_back(b);
        TcpSpec t;
        t.seq = 1000;
        t.flags = 0x18;
        t.ack = 1;
        t.sport = static_cast<uint16_t>(40000 + len);
        t.dport = 1883;
        t.payload = pdu;
        frames.push_back(eth(0x0800, ipv4_tcp(t)));
        topics.push_back(topic);
        hex.push_back(want);
      }
      Harness h;
      std::string text = render_json(h, frames, ek);
      std::vector<nlohmann::json> docs;
      if (ek) {
        size_t at = 0;
        while (at < text.size()) {
          size_t nl = text.find('\n', at);
          if (nl == std::string::npos) nl = text.size();
          auto line = nlohmann::json::parse(text.substr(at, nl - at));
          if (line.contains("layers")) docs.push_back(line["layers"]);
          at = nl + 1;
        }
      } else {
        for (const auto& d : nlohmann::json::parse(text)) docs.push_back(d["_source"]["layers"]);
      }
      REQUIRE(docs.size() == frames.size());
      for (size_t i = 0; i < docs.size(); ++i) {
        const auto& m = docs[i]["mqtt"];
        CAPTURE(i);
        CAPTURE(sp);
        // (an empty topic has no item, as in tshark: its length carries the warning)
        if (topics[i].empty()) CHECK_FALSE(m.contains(ek ? "mqtt_mqtt_topic" : "mqtt.topic"));
        else CHECK(m[ek ? "mqtt_mqtt_topic" : "mqtt.topic"] == topics[i]);
        if (!hex[i].empty()) CHECK(m[ek ? "mqtt_mqtt_msg" : "mqtt.msg"] == hex[i]);
      }
    }
  }
}

#include "dissectors/websocket/ws_dissect.h"

TEST_CASE("websocket: framer lengths, extended lengths and hostile headers") {
  using mqsniff::tcp::PduLen;
  using mqsniff::websocket::ws_pdu_length;
  std::vector<uint8_t> small = {0x82, 0x84, 1, 2, 3, 4, 0xc0 ^ 1, 0x00 ^ 2, 0xc0 ^ 3, 0x00 ^ 4};
  auto f = ws_pdu_length(small);
  CHECK(f.kind == PduLen::Kind::Pdu);
  CHECK(f.total == 10);
  std::vector<uint8_t> ext16 = {0x82, 0x7e, 0x01, 0x00};  // 256-byte payload, unmasked
  f = ws_pdu_length(ext16);
  CHECK(f.kind == PduLen::Kind::NeedMore);
  CHECK(f.total == 260);
  std::vector<uint8_t> huge = {0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  // Announcing 2^64 - 1 bytes: a known length past every cap, which the reassembler skips (never buffered).
  f = ws_pdu_length(huge);
  CHECK(f.kind == PduLen::Kind::NeedMore);
  CHECK(f.total_known);
  CHECK(f.total > (size_t(1) << 40));
  std::vector<uint8_t> rsv = {0xf2, 0x00};
  CHECK(ws_pdu_length(rsv).kind == PduLen::Kind::Bad);
  std::string http = "GET /mqtt HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
  std::vector<uint8_t> h(http.begin(), http.end());
  h.push_back(0x82);  // the first frame follows in the same segment
  h.push_back(0x00);
  f = ws_pdu_length(h);
  CHECK(f.kind == PduLen::Kind::Pdu);
  CHECK(f.total == http.size());
  CHECK(mqsniff::websocket::looks_like_ws_upgrade(h));
  std::string not_ws = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK_FALSE(mqsniff::websocket::looks_like_ws_upgrade(std::vector<uint8_t>(not_ws.begin(), not_ws.end())));
}

TEST_CASE("websocket: MQTT split over frames and two packets in one frame, unmasked") {
  // PUBLISH "a/b" "hi" (30 07 00 03 61 2f 62 68 69) split 4 + 5 over a fragment and a continuation,
  // then PINGREQ + PINGREQ in one frame; masked with key 11 22 33 44.
  auto masked = [](uint8_t b0, std::vector<uint8_t> p) {
    std::vector<uint8_t> f = {b0, static_cast<uint8_t>(0x80 | p.size()), 0x11, 0x22, 0x33, 0x44};
    const uint8_t k[4] = {0x11, 0x22, 0x33, 0x44};
    for (size_t i = 0; i < p.size(); ++i) f.push_back(p[i] ^ k[i % 4]);
    return f;
  };
  mqsniff::core::WantSet want;
  want.set_all();
  mqsniff::core::FieldTree tree(&want);
  mqsniff::core::Columns cols;
  mqsniff::websocket::WsSession ws;
  mqsniff::mqtt::MqttSession ms;
  ms.version = 4;
  mqsniff::http::HttpSession hs;
  mqsniff::core::Transactions tx;
  auto run = [&](const std::vector<uint8_t>& f) {
    tree.reset();
    cols.reset();
    mqsniff::core::Packet pkt(tree);
    pkt.cols = &cols;
    mqsniff::websocket::dissect_ws_pdu(f, 0, pkt, ws, ms, {hs, tx, 0}, true);
    std::vector<std::string> topics;
    auto id = mqsniff::core::FieldRegistry::instance().find("mqtt.topic");
    for (const auto& n : tree.nodes())
      if (n.id == *id) topics.emplace_back(n.str());
    return topics;
  };
  CHECK(run(masked(0x02, {0x30, 0x07, 0x00, 0x03})).empty());
  CHECK(cols.info == "WebSocket Binary[FRAGMENT]  [MASKED]");
  auto t = run(masked(0x80, {0x61, 0x2f, 0x62, 0x68, 0x69}));
  REQUIRE(t.size() == 1);
  CHECK(t[0] == "a/b");
  CHECK(cols.info == "Publish Message [a/b]");
  CHECK(cols.protocol == "MQTT");
  run(masked(0x82, {0xc0, 0x00, 0xc0, 0x00}));
  CHECK(cols.info == "Ping Request, Ping Request");
}

TEST_CASE("tls: a ServerHello selecting a TLS 1.3 draft makes the session TLS 1.3, its version named as tshark") {
  // ServerHello: version 1.2, random, empty session id, TLS_AES_128_GCM_SHA256, null compression,
  // supported_versions = 0x7f1c (draft 28).
  std::vector<uint8_t> body = {0x03, 0x03};
  body.resize(body.size() + 32, 0x22);
  body.insert(body.end(), {0x00, 0x13, 0x01, 0x00, 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x7f, 0x1c});
  std::vector<uint8_t> msg = {0x02, 0x00, static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
  msg.insert(msg.end(), body.begin(), body.end());
  Harness h;
  h.run(tls_frame(record(22, msg), 1, true));
  CHECK(h.cols.info == "Server Hello");
  CHECK(h.field("tls.handshake.extensions.supported_version") == "0x7f1c");
  CHECK(std::string(mqsniff::core::value_name("tls.handshake.extensions.supported_version", 0x7f1c)) ==
        "TLS 1.3 (draft 28)");
  CHECK(std::string(mqsniff::core::value_name("tls.handshake.extensions.supported_version", 0xfb1a)) ==
        "TLS 1.3 (Facebook draft 26)");
  CHECK(std::string(mqsniff::core::value_name("tls.handshake.extensions.supported_version", 0x7f0d)) == "Unknown");
  std::vector<uint8_t> app = {0x17, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4};
  h.run(tls_frame(app, 1 + static_cast<uint32_t>(msg.size() + 5), true));
  CHECK(h.cols.protocol == "TLSv1.3");
  CHECK(h.has("tls.record.opaque_type"));
}

TEST_CASE("value names: tshark's registry names for every value it names, Unknown for the rest") {
  using mqsniff::core::value_name;
  using mqsniff::core::value_name_known;
  auto name = [](const char* field, uint64_t v) {
    const char* n = value_name(field, v);
    return std::string(n ? n : "(none)");
  };
  // A PSK device's suites and alerts (IANA registries).
  CHECK(name("tls.handshake.ciphersuite", 0x00ab) == "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384");
  CHECK(name("tls.handshake.ciphersuite", 0xccac) == "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256");
  CHECK(name("tls.handshake.ciphersuite", 0x0a0a) == "Reserved (GREASE)");
  CHECK(name("tls.alert_message.desc", 115) == "Unknown PSK Identity");
  CHECK(name("tls.handshake.ciphersuite", 0x4242) == "Unknown");
  CHECK(value_name_known("tls.handshake.ciphersuite", 0x4242) == nullptr);
  // IEEE Ethertypes and IANA protocol numbers beyond the ones mqsniff dissects.
  CHECK(name("eth.type", 0x888e) == "802.1X Authentication");
  CHECK(name("ip.proto", 47) == "Generic Routing Encapsulation");
  CHECK(name("eth.type", 0x4242) == "Unknown");
  // A field without names has none.
  CHECK(value_name("tcp.srcport", 1883) == nullptr);
  // Drafts mqsniff names itself still are named.
  CHECK(name("tls.record.version", 0x7f1c) == "TLS 1.3 (draft 28)");
}

TEST_CASE("x509: an OID tshark does not know is named by its first arc, as tshark does") {
  CHECK(mqsniff::tls::oid_display("1.2.840.10045.2.1") == "id-ecPublicKey");
  CHECK(mqsniff::tls::oid_display("1.3.101.112") == "iso.3.101.112");  // Ed25519: unknown to tshark 4.0
  CHECK(mqsniff::tls::oid_display("2.999.1") == "joint-iso-itu-t.999.1");
  CHECK(mqsniff::tls::oid_display("0.9.2342") == "itu-t.9.2342");
  CHECK(mqsniff::tls::oid_display("7") == "7");
}
