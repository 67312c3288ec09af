// TCP, RFC 9293 §3.1 (header), RFC 7323 (window scale, timestamps),
// RFC 2018 (SACK).
//
//  |          Source Port          |       Destination Port        |
//  |                        Sequence Number                        |
//  |                    Acknowledgment Number                      |
//  |  Data |Res  |A|C|E|U|A|P|R|S|F|                               |
//  | Offset|     |E|W|C|R|C|S|S|Y|I|            Window             |
//  |           Checksum            |         Urgent Pointer        |
//  |                    Options (Data Offset > 5)                  |
//
// Sequence and acknowledgment numbers are shown relative to the first one
// seen in each direction, as tshark does by default (SYN: ISN; mid-stream
// capture: first seq - 1, so the first segment shows Seq=1). The window is
// scaled only when both SYN and SYN/ACK carried a Window Scale option.
#include "dissectors/tcp/tcp.h"
#include "dissectors/dns/dns.h"
#include "dissectors/http/http.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "dissectors/core/expert.h"
#include "dissectors/core/text_item.h"
#include "dissectors/core/format.h"
#include "dissectors/dissect.h"
#include "dissectors/link/link.h"
#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/tls/tls_dissect.h"
#include "dissectors/tls/tls_fields.h"
#include "dissectors/websocket/ws_dissect.h"
#include "dissectors/tcp/tcp_fields.h"

namespace mqsniff::tcp {
using core::Packet;
using core::Reader;

namespace {

constexpr uint16_t kFin = 0x001, kSyn = 0x002, kRst = 0x004, kPsh = 0x008, kAck = 0x010, kUrg = 0x020;

void append_flags(std::string& s, uint16_t flags) {
  static const char* const kNames[] = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};
  size_t start = s.size();
  for (int i = 0; i < 9; ++i) {
    if (flags & (1u << i)) {
      if (s.size() != start) s += ", ";
      s += kNames[i];
    }
  }
  if (flags & 0x0e00) {
    if (s.size() != start) s += ", ";
    s += "Reserved";
  }
  if (s.size() == start) s += "<None>";
}

// Bytes already delivered, sent again: tshark shows them under TCP (the
// caller's subtree), not to the application.
void add_retransmitted_data(core::FieldTree& t, core::Bytes pb, uint32_t at) {
  const int32_t i = t.add_bytes(tcp_f::segment_data, pb.data(), pb.size(), at);
  t.set_display(i, "Retransmitted TCP segment data (" + std::to_string(pb.size()) + (pb.size() == 1 ? " byte)" : " bytes)"));
}

std::string flags_str(uint16_t flags) {
  static const char kLetters[] = "RRRACEUAPRSF";
  std::string s;
  for (int i = 0; i < 12; ++i) {
    if (flags & (1u << (11 - i))) s += kLetters[i];
    else s += "\xc2\xb7";  // U+00B7 MIDDLE DOT, as tshark prints unset flags
  }
  return s;
}

void info_uint(std::string* info, const char* name, uint64_t v) {
  if (!info) return;
  // " name=value" made on the stack and appended at once (one call into the
  // string instead of four: this runs several times for every segment).
  char buf[48];
  char* o = buf;
  *o++ = ' ';
  for (const char* c = name; *c && o < buf + 20;) *o++ = *c++;
  *o++ = '=';
  o = std::to_chars(o, buf + sizeof buf, v).ptr;
  info->append(buf, static_cast<size_t>(o - buf));
}

// An application's Info replaced TCP's: tshark keeps the analysis tags in
// front, then its column fence's ", " (none before an empty Info).
void prefix_analysis(std::string& info, const Analysis& an) {
  if (!an.any()) return;
  std::string p;
  append_analysis_info(p, an);
  if (!info.empty()) p += ", ";
  info.insert(0, p);
}

struct Options {
  int wscale = -1;  // -1 absent
  bool complete = false;  // every option byte was read
  std::string names;      // ", Maximum segment size, SACK permitted, ..." for the Options line (-V)
  uint32_t sack_bytes = 0;  // what the SACK blocks report received (for the peer's bytes in flight)
};

// Options are read through a child reader bounded by the header length.
Options dissect_options(Reader& o, uint32_t off, Packet& pkt, TcpFlow* flow, int dir, std::string* info,
                        bool has_ack, uint32_t rel_ack) {
  auto& t = pkt.tree;
  Options res;
  // The option texts of -V's lines ("TCP Option - Timestamps: TSval 1, TSecr 2",
  // "Options: (12 bytes), No-Operation (NOP), ..."): built only when shown.
  const bool text = t.wants(tcp_f::options);
  while (o.remaining()) {
    uint32_t ooff = static_cast<uint32_t>(off + o.pos());
    const uint8_t* start = o.rest_captured().data();
    uint8_t kind = o.u8();
    if (!o.ok()) return res;
    if (kind == 1 || kind == 0) {
      if (text) res.names += kind == 1 ? ", No-Operation (NOP)" : ", End of Option List (EOL)";
      int32_t p = t.open(kind == 1 ? tcp_f::options_nop : tcp_f::options_eol, ooff, 1);
      if (p >= 0 && t.wants(kind == 1 ? tcp_f::options_nop : tcp_f::options_eol)) t.set_bytes(p, start, 1);
      t.add_uint(tcp_f::option_kind, kind, ooff, 1);
      t.close();
      if (kind == 0) break;  // End of Option List: the rest is padding
      continue;
    }
    uint8_t len = o.u8();
    if (!o.ok()) {
      // (The snapshot length cut it before its length: tshark shows nothing of it.)
      if (o.error() != core::ReadError::Truncated) t.add_uint(tcp_f::option_kind, kind, ooff, 1);
      return res;
    }
    if (len < 2 || size_t(len - 2) > o.remaining()) {
      t.add_uint(tcp_f::option_kind, kind, ooff, 1);
      t.add_uint(tcp_f::option_len, len, ooff + 1, 1);
      t.add_none(tcp_f::option_len_invalid, ooff + 1, 1);
      res.complete = true;  // the header is intact; only this option is bad
      return res;
    }
    Reader body = o.sub(len - 2u);
    // Each option is a subtree holding its kind and length (as tshark's); its
    // line gets the value (-V: "TCP Option - Maximum segment size: 65495 bytes").
    int32_t opt_idx = -1;
    auto open_opt = [&](FieldId id) {
      int32_t p = t.open(id, ooff, len);
      opt_idx = p;
      // (its bytes as far as captured: a cut option's value is what was kept, as tshark)
      if (p >= 0 && t.wants(id)) t.set_bytes(p, start, std::min<size_t>(len, body.captured_remaining() + 2));
      t.add_uint(tcp_f::option_kind, kind, ooff, 1);
      t.add_uint(tcp_f::option_len, len, ooff + 1, 1);
    };
    char label[64];
    // An option cut by the snapshot length is shown as far as it goes, but
    // tshark names only whole options on the Options line.
    const size_t names_before = res.names.size();
    switch (kind) {
      case 2: {
        open_opt(tcp_f::options_mss);
        if (text) res.names += ", Maximum segment size";
        uint16_t mss = body.be16();
        if (body.ok()) {
          t.add_uint(tcp_f::options_mss_val, mss, ooff + 2, 2);
          info_uint(info, "MSS", mss);
          if (text) {
            snprintf(label, sizeof label, ": %u bytes", mss);
            t.append_text(opt_idx, label);
          }
        }
        t.close();
        break;
      }
      case 3: {
        open_opt(tcp_f::options_wscale);
        if (text) res.names += ", Window scale";
        uint8_t shift = body.u8();
        if (body.ok()) {
          t.add_uint(tcp_f::options_wscale_shift, shift, ooff + 2, 1);
          unsigned eff = shift > 14 ? 14 : shift;
          if (text) {
            snprintf(label, sizeof label, ": %u (multiply by %u)", shift, 1u << eff);
            t.append_text(opt_idx, label);
          }
          t.add_uint(tcp_f::options_wscale_multiplier, 1u << eff, ooff + 2, 1);
          info_uint(info, "WS", 1u << eff);
          res.wscale = static_cast<int>(eff);
        }
        t.close();
        break;
      }
      case 4:
        open_opt(tcp_f::options_sack_perm);
        if (text) res.names += ", SACK permitted";
        t.close();
        if (info) *info += " SACK_PERM";
        break;
      case 5: {
        open_opt(tcp_f::options_sack);
        if (text) res.names += ", SACK";
        unsigned count = 0;
        std::string edges;
        uint32_t first_le_rel = UINT32_MAX, first_re_rel = 0;
        while (body.remaining() >= 8) {
          uint32_t le = body.be32();
          if (!body.ok()) break;
          // SACK edges acknowledge the other direction's sequence space.
          uint32_t base = flow && flow->dir[1 - dir].base_set ? flow->dir[1 - dir].base_seq : 0;
          t.add_uint(tcp_f::options_sack_le, le - base, ooff + 2 + count * 8, 4);
          uint32_t re = body.be32();
          if (!body.ok()) break;  // (a right edge the snapshot length cut: its left edge shown, as tshark)
          t.add_uint(tcp_f::options_sack_re, re - base, ooff + 6 + count * 8, 4);
          info_uint(info, "SLE", le - base);
          info_uint(info, "SRE", re - base);
          snprintf(label, sizeof label, " %u-%u", le - base, re - base);
          if (count == 0) {
            first_le_rel = le - base;
            first_re_rel = re - base;
          }
          res.sack_bytes += re - le;
          edges += label;
          ++count;
        }
        // (an edge the snapshot length cut: tshark's read fails before the count)
        if (body.ok()) t.add_uint(tcp_f::options_sack_count, count, ooff, len);
        t.append_text(opt_idx, edges);  // "TCP Option - SACK 1-17"
        if (count && has_ack && first_le_rel != UINT32_MAX && DirStream::seq_gt(rel_ack, first_le_rel)) {
          // RFC 2883: a first block below the cumulative ACK reports duplicate data (D-SACK).
          t.add_uint(tcp_f::options_sack_dsack_le, first_le_rel, ooff + 2, 4);
          t.add_uint(tcp_f::options_sack_dsack_re, first_re_rel, ooff + 6, 4);
          core::Subtree sub(t, core::add_text(t, "D-SACK Sequence", ooff + 2, 8));
          core::add_expert(t, "D-SACK Sequence", core::Severity::Warn, core::ExpertGroup::Sequence, ooff + 2, 8,
                           tcp_f::options_sack_dsack);
        }
        t.close();
        break;
      }
      case 8: {
        open_opt(tcp_f::options_timestamp);
        if (text) res.names += ", Timestamps";
        uint32_t tsval = body.be32();
        if (body.ok()) t.add_uint(tcp_f::options_timestamp_tsval, tsval, ooff + 2, 4);
        uint32_t tsecr = body.be32();
        if (body.ok()) {
          t.add_uint(tcp_f::options_timestamp_tsecr, tsecr, ooff + 6, 4);
          info_uint(info, "TSval", tsval);
          info_uint(info, "TSecr", tsecr);
          if (text) {
            snprintf(label, sizeof label, ": TSval %u, TSecr %u", tsval, tsecr);
            t.append_text(opt_idx, label);
          }
        }
        t.close();
        break;
      }
      default:
        t.add_uint(tcp_f::option_kind, kind, ooff, 1);
        t.add_uint(tcp_f::option_len, len, ooff + 1, 1);
        break;
    }
    if (!body.ok()) {
      if (body.error() == core::ReadError::Truncated) {
        res.names.resize(names_before);
        o.fail(core::ReadError::Truncated);
      } else {
        o.fail(core::ReadError::Malformed);
      }
      return res;
    }
    // Skip what the option body did not consume (e.g. a short SACK block).
    if (body.captured_remaining() < body.remaining()) {
      o.fail(core::ReadError::Truncated);
      return res;
    }
  }
  res.complete = o.ok();
  return res;
}

// The application protocols, as one table: how each is found (registered
// and -d ports, a heuristic on the first bytes), how its PDUs are cut, and
// which dissector takes them. TCP payload and decrypted TLS payload are
// dispatched through it alike.
// tcp.pdu.size of a PDU, 0 where tshark frames it without tcp_dissect_pdus
// (HTTP's own reassembly: the WebSocket Upgrade and its 101 response).
uint32_t framed_size(TcpFlow::App app, std::span<const uint8_t> pdu) {
  if (app == TcpFlow::App::WebSocket && websocket::is_http_message(pdu)) return 0;
  return static_cast<uint32_t>(pdu.size());
}
struct AppEntry {
  TcpFlow::App app;
  core::Proto proto;
  const char* name;   // tls.app_data_proto
  const char* layer;  // frame.protocols, for a segment that only starts a PDU
  bool layer_when_len_known;
  bool DissectState::*heuristic_on;
  bool (*heuristic)(std::span<const uint8_t>);
  PduLen (*frame)(std::span<const uint8_t>);
  bool (*plausible)(std::span<const uint8_t>);
  void (*dissect)(core::Bytes pdu, uint32_t base, Packet& pkt, TcpFlow& flow, DissectState& st, bool first);
};
void mqtt_entry(core::Bytes pdu, uint32_t base, Packet& pkt, TcpFlow& f, DissectState&, bool first) {
  mqtt::dissect_pdu(pdu, base, pkt, f.sessions->mqtt, first);
}
void ws_entry(core::Bytes pdu, uint32_t base, Packet& pkt, TcpFlow& f, DissectState& st, bool first) {
  websocket::dissect_ws_pdu(pdu, base, pkt, f.sessions->ws_session(), f.sessions->mqtt,
                            {f.sessions->http, st.http_tx, f.stream}, first);
}
void tls_entry(core::Bytes pdu, uint32_t base, Packet& pkt, TcpFlow& f, DissectState&, bool first) {
  tls::dissect_record(pdu, base, pkt, f.sessions->tls_session(), first);
}
void http_entry(core::Bytes pdu, uint32_t base, Packet& pkt, TcpFlow& f, DissectState& st, bool first) {
  http::dissect_pdu(pdu, base, pkt, f.sessions->http, st.http_tx, f.stream, first);
}
void dns_entry(core::Bytes pdu, uint32_t base, Packet& pkt, TcpFlow&, DissectState& st, bool) {
  dns::dissect_tcp_message(pdu, base, pkt, st);
}
const AppEntry kApps[] = {
    {TcpFlow::App::Mqtt, core::Proto::Mqtt, "MQ Telemetry Transport Protocol", "mqtt", false, &DissectState::mqtt_heuristic,
     &mqtt::looks_like_connect, &mqtt::frame_length, &mqtt::plausible_start, &mqtt_entry},
    {TcpFlow::App::Tls, core::Proto::Tls, "Transport Layer Security", "tls", true, &DissectState::tls_heuristic,
     &tls::looks_like_record, &tls::record_length, &tls::resumes_anywhere, &tls_entry},
    {TcpFlow::App::WebSocket, core::Proto::WebSocket, "WebSocket", nullptr, false, &DissectState::mqtt_heuristic,
     &websocket::looks_like_ws_upgrade, &websocket::ws_pdu_length, &websocket::ws_plausible, &ws_entry},
    // HTTP on its registered ports only (tshark has no HTTP heuristic by default).
    {TcpFlow::App::Http, core::Proto::Http, "Hypertext Transfer Protocol", nullptr, false, &DissectState::http_heuristic,
     nullptr, &http::pdu_length, &http::plausible, &http_entry},
    // DNS over TCP on port 53: a 2-byte length before each message.
    {TcpFlow::App::Dns, core::Proto::Dns, "Domain Name System", "dns", false, &DissectState::dns_tcp_heuristic, nullptr,
     &dns::tcp_pdu_length, &dns::tcp_plausible, &dns_entry},
};
const AppEntry* app_entry(TcpFlow::App a) {
  for (const auto& e : kApps)
    if (e.app == a) return &e;
  return nullptr;
}
const std::vector<uint16_t>& tcp_ports(const DissectState& st, TcpFlow::App a) {
  static const std::vector<uint16_t> none;
  return a == TcpFlow::App::Mqtt ? st.mqtt_ports : a == TcpFlow::App::Tls ? st.tls_ports
         : a == TcpFlow::App::Http ? st.http_ports : a == TcpFlow::App::Dns ? st.dns_tcp_ports : none;
}
bool enabled(const DissectState& st, const AppEntry& e) {
  if (st.disabled[static_cast<size_t>(e.proto)]) return false;
  // MQTT over WebSocket needs MQTT too.
  return e.app != TcpFlow::App::WebSocket || !st.disabled[static_cast<size_t>(core::Proto::Mqtt)];
}

// Decrypted TLS payload goes through the same table: what TLS hands over
// while this segment is dissected.
struct TlsAppUser {
  TcpFlow* flow;
  DissectState* st;
  uint16_t sp, dp;
};
template <TcpFlow::App A>
void tls_inner(void* user, core::Bytes pdu, Packet& pkt) {
  auto* u = static_cast<TlsAppUser*>(user);
  const bool first = A == TcpFlow::App::Mqtt ? !pkt.has_layer("mqtt") : !pkt.has_layer("http") && !pkt.has_layer("websocket");
  if ((A == TcpFlow::App::Mqtt || A == TcpFlow::App::WebSocket) && pkt.tree.wants(tcp_f::pdu_size) &&
      framed_size(A, pdu)) {
    // MQTT and WebSocket frame their PDUs with TCP's help in tshark, inside TLS too: the size shows under TCP.
    core::Subtree in_tcp(pkt.tree, pkt.tree.last_of(tcp_f::proto));
    pkt.tree.add_uint(tcp_f::pdu_size, pdu.size(), 0, 0);
  }
  app_entry(A)->dissect(pdu, 0, pkt, *u->flow, *u->st, first);
}
const tls::AppHandler kTlsMqtt{"MQ Telemetry Transport Protocol", &mqtt::frame_length, &tls_inner<TcpFlow::App::Mqtt>};
// The decrypted stream starts with HTTP (the WebSocket upgrade): tshark names HTTP.
const tls::AppHandler kTlsWs{"Hypertext Transfer Protocol", &websocket::ws_pdu_length, &tls_inner<TcpFlow::App::WebSocket>};
const tls::AppHandler* choose_tls_app(void* user, std::span<const uint8_t> first) {
  auto* u = static_cast<TlsAppUser*>(user);
  const DissectState& st = *u->st;
  const AppEntry& mq = *app_entry(TcpFlow::App::Mqtt);
  const AppEntry& ws = *app_entry(TcpFlow::App::WebSocket);
  if (enabled(st, mq))
    for (uint16_t p : st.mqtt_tls_ports)
      if (u->sp == p || u->dp == p) return &kTlsMqtt;
  if (enabled(st, mq) && st.*mq.heuristic_on && mq.heuristic(first)) return &kTlsMqtt;
  if (enabled(st, ws) && st.*ws.heuristic_on && ws.heuristic(first)) return &kTlsWs;
  return nullptr;
}

// Clears a TLS session's sink (which points at a segment's local state) when
// the segment is done, whichever way the dissection returns.
struct SinkScope {
  tls::TlsSession* tls = nullptr;
  ~SinkScope() {
    if (tls) tls->sink = {};
  }
};

// A TLS segment the capture cut, read as records from its first byte; with a
// key log, what it decrypts goes to the session's protocol as in whole segments.
bool dissect_tls_cut(core::Reader& payload, Packet& pkt, TcpFlow& flow, DissectState& st, uint16_t sp, uint16_t dp) {
  tls::TlsSession& tls = flow.sessions->tls_session();
  TlsAppUser user{&flow, &st, sp, dp};
  SinkScope scope;
  if (st.tls_decrypt) {
    tls.decrypt = st.tls_decrypt.get();
    tls.sink = {&choose_tls_app, &user};
    scope.tls = &tls;
  }
  return tls::dissect_cut_segment(payload, pkt, tls);
}

// The protocol tshark names for TLS Application Data it cannot decrypt: the
// one its TLS port table gives (secure-mqtt, and https on 443).
const char* tls_port_app(const DissectState& st, uint16_t sp, uint16_t dp) {
  if (!st.disabled[static_cast<size_t>(core::Proto::Mqtt)])
    for (uint16_t p : st.mqtt_tls_ports)
      if (sp == p || dp == p) return kTlsMqtt.name;
  if (sp == 443 || dp == 443) return kTlsWs.name;
  return nullptr;
}

// The ports, and tcp.port once for each (hidden), as tshark adds them.
void add_ports(core::FieldTree& t, uint16_t sp, uint16_t dp, uint32_t off) {
  t.add_uint(tcp_f::srcport, sp, off, 2);
  t.add_uint(tcp_f::dstport, dp, off + 2, 2);
  t.add_uint(tcp_f::port, sp, off, 2, core::FieldNode::kHidden);
  t.add_uint(tcp_f::port, dp, off + 2, 2, core::FieldNode::kHidden);
}

}  // namespace

void dissect_tcp_quoted(Reader& r, Packet& pkt, bool cut) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  pkt.layer("tcp");
  if (cut && r.captured_remaining() < 4) return;  // (no ports: tshark's TCP stops before its line)
  int32_t p = t.open(tcp_f::proto, off, static_cast<uint32_t>(r.captured_remaining() < 20 ? r.captured_remaining() : 20));
  uint16_t sp = r.be16();
  uint16_t dp = r.be16();
  if (cut && r.ok()) {
    // The snapshot length cut the quoted header before its window: tshark
    // shows the ports, and quoted over IPv4 the sequence number (absolute)
    // once it is read.
    add_ports(t, sp, dp, off);
    if (t.wants(tcp_f::proto))
      t.set_label(p, "Transmission Control Protocol, Src Port: " + std::to_string(sp) + ", Dst Port: " + std::to_string(dp));
    const uint32_t seq = r.be32();
    if (r.ok() && pkt.net_src.type == core::AddrType::Ipv4) t.add_uint(tcp_f::seq, seq, off + 4, 4);
    t.close();
    return;
  }
  uint32_t seq = r.be32();
  if (r.ok()) {
    add_ports(t, sp, dp, off);
    t.add_uint(tcp_f::seq_raw, seq, off + 4, 4);
    if (t.wants(tcp_f::proto))
      t.set_label(p, "Transmission Control Protocol, Src Port: " + std::to_string(sp) + ", Dst Port: " + std::to_string(dp) +
                         ", Seq: " + std::to_string(seq));
  }
  t.close();
}

namespace {
// The payload of a segment an ICMP error quotes: an MQTT conversation's
// PDUs dissected where they lie (MQTT names each by tcp.pdu.size under TCP,
// as tshark's tcp_dissect_pdus does), in a session of their own (the
// conversation's MQTT state is not the quote's to change); other payloads
// are left as TCP's payload item. Closes TCP's subtree.
void dissect_quoted_payload(Reader& payload, Packet& pkt, TcpFlow* flow, uint16_t sp, uint16_t dp,
                            DissectState& st) {
  auto& t = pkt.tree;
  auto is = [&](TcpFlow::App app) {
    if (!payload.remaining() || !st.app_needed || !enabled(st, *app_entry(app))) return false;
    if (flow && flow->app == app) return true;
    for (uint16_t p : tcp_ports(st, app))
      if (sp == p || dp == p) return true;
    return false;
  };
  const bool mqtt = is(TcpFlow::App::Mqtt);
  if (!mqtt) {
    t.close();
    // TLS: tshark shows the layer's line and nothing under it (the record
    // the quote begins is not read out of the error).
    if (is(TcpFlow::App::Tls)) {
      pkt.layer("tls");
      const int32_t idx = t.open(tls::tls_f::proto, static_cast<uint32_t>(pkt.frame.caplen - payload.captured_remaining()),
                                 static_cast<uint32_t>(payload.captured_remaining()));
      if (t.wants(tls::tls_f::proto)) t.set_label(idx, "Transport Layer Security");
      t.close();
      // It reads the record headers of the records the quote holds whole:
      // one the snapshot length cut is a cut (named after the quoted IP).
      const core::Bytes pb = payload.rest_captured();
      const bool snap_cut = pkt.frame.caplen < pkt.frame.len;
      for (size_t o = 0; o < pb.size() && o < payload.remaining();) {
        if (o + 5 > pb.size()) {
          if (snap_cut && o + 5 <= payload.remaining()) pkt.mark_truncated("TLS");
          break;
        }
        o += 5 + (size_t(pb[o + 3]) << 8 | pb[o + 4]);
        if (o > pb.size()) break;
      }
    }
    return;
  }
  // A session of the quote's own, of the conversation's protocol version.
  thread_local mqtt::MqttSession scratch;
  scratch = mqtt::MqttSession{};
  scratch.default_version = st.mqtt_default_version;
  if (flow && flow->sessions) scratch.version = flow->sessions->mqtt.version;
  t.close();  // (MQTT's layer comes after TCP's, inside the error)
  // The quote ends where the router stopped copying (576 bytes of IPv4, 1,280
  // of IPv6): a PDU running past it shows its fields as far as they go, with
  // no truncation mark (tshark's error packets raise none).
  const core::Bytes pb = payload.rest_captured();
  const size_t reported = payload.remaining();
  size_t declared = reported;
  if (const PduLen first = mqtt::frame_length(pb); first.total_known && first.total > declared) declared = first.total;
  Reader quote(pb, declared);
  const bool fragmented = pkt.fragmented, unreassembled = pkt.unreassembled;
  // A read past what the router quoted ends without a mark (tshark's error
  // packets show none), the snapshot length cutting there too or not; one
  // the snapshot length cut before the quote's end is marked, as tshark does.
  mqtt::dissect_segment(quote, pkt, scratch, reported);
  pkt.fragmented = fragmented;
  pkt.unreassembled = unreassembled;
}
}  // namespace

void dissect_tcp(Reader& r, Packet& pkt, DissectState& st) {
  auto& t = pkt.tree;
  const uint32_t off = static_cast<uint32_t>(pkt.frame.caplen - r.captured_remaining());
  const size_t seg_total = r.remaining();  // TCP header + payload, from the IP length
  const core::Bytes seg_captured = r.rest_captured();  // what of it is in memory
  pkt.layer("tcp");
  // (Fewer than the two ports captured: tshark's TCP stops before its line.)
  int32_t proto_idx = r.captured_remaining() >= 4 ? t.open(tcp_f::proto, off, 20) : -1;
  const size_t start = r.pos();
  uint16_t sp = r.be16();
  uint16_t dp = r.be16();
  uint32_t seq = r.be32();
  uint32_t ack = r.be32();
  uint16_t hl_flags = r.be16();
  uint16_t win = r.be16();
  uint16_t csum = r.be16();
  uint16_t urp = r.be16();
  // (Fewer than the two ports captured: tshark's TCP stops before naming itself.)
  if (r.ok() || r.error_offset() - start >= 4) pkt.set_protocol("TCP");
  std::string* info = pkt.cols ? &pkt.cols->info : nullptr;
  // A header the snapshot length cut after its window (16-19 of its 20 fixed
  // bytes): tshark reads all but the checksum and urgent pointer, so the
  // conversation, numbers, flags and window are shown (and followed) as
  // usual, and the cut comes before the checksum.
  const bool cut_at_checksum = !r.ok() && r.error() == core::ReadError::Truncated && r.error_offset() - start >= 16;
  if (!r.ok() && !cut_at_checksum) {
    // Header cut short: show the ports if we have them, as tshark does.
    if (r.error_offset() - start >= 4) {
      if (info) {
        info->clear();
        core::append_uint(*info, sp);
        *info += " \xe2\x86\x92 ";
        core::append_uint(*info, dp);
      }
      if (t.wants(tcp_f::proto))
        t.set_label(proto_idx, "Transmission Control Protocol, Src Port: " + std::to_string(sp) +
                                   ", Dst Port: " + std::to_string(dp));
      add_ports(t, sp, dp, off);
    }
    pkt.check(r, "TCP");
    if (proto_idx >= 0) t.close();
    return;
  }
  pkt.srcport = sp;
  pkt.dstport = dp;
  const uint32_t hdr_len = (hl_flags >> 12) * 4u;
  const uint16_t flags = hl_flags & 0x0fff;

  // Flow: stream number, relative sequence numbers, window scaling.
  int dir = 0;
  TcpFlow* flow = nullptr;
  // Whatever path this packet takes, its conversation's state is counted in
  // the memory budget once it is done.
  // (A segment without data changes nothing the budget counts, unless it
  // made the conversation: its slot is counted once.)
  struct AccountAtEnd {
    DissectState& st;
    TcpFlow*& flow;
    bool data = false;
    ~AccountAtEnd() {
      if (flow && (data || flow->charged == 0))
        st.tcp_flows.account(*flow, st.reassembly_stats, st.reassembly, st.mqtt_sessions);
    }
  } account_at_end{st, flow};
  bool opens_midstream = false;  // the first packet of a conversation picked up mid-connection
  bool opens_with_synack = false;  // ... or a SYN/ACK whose SYN was not captured
  bool reused_ports = false;     // a SYN with a new ISN on a four-tuple seen before: a new conversation
  // A segment an ICMP error quotes whole (a router's quote runs past the
  // 8 bytes RFC 792 asks for): tshark dissects it in its conversation, with
  // absolute sequence numbers, and changes none of that conversation's
  // sequence state (here: no analysis, no reassembly, no completeness).
  const bool quoted = pkt.in_error;
  if (pkt.net_src.type != core::AddrType::None && st.tcp_flows_needed) {
    if (!quoted) {
      st.tcp_flows.expire_idle(pkt.frame.ts, st.tcp_idle_timeout_ns);
      st.tcp_flows.forget_closed(pkt.frame.ts, st.tcp_closed_timeout_ns);
    }
    flow = &st.tcp_flows.lookup(pkt.net_src, sp, pkt.net_dst, dp, dir);
    TcpDir& fwd = flow->dir[dir];
    bool pure_syn = (flags & (kSyn | kAck)) == kSyn;
    if (!quoted && pure_syn && fwd.base_set && seq != fwd.base_seq) {
      // Port reuse: a new SYN with another ISN starts a new conversation.
      st.tcp_flows.restart(*flow);
      reused_ports = true;
    }
    if (!flow->started) {
      flow->started = true;
      flow->first_ts = flow->last_ts = pkt.frame.ts;
      opens_midstream = !(flags & kSyn) && !quoted;
      opens_with_synack = (flags & (kSyn | kAck)) == (kSyn | kAck) && !quoted;
    }
  }

  add_ports(t, sp, dp, off);
  // (quoted over IPv4, tshark puts the sequence number right after the ports, absolute)
  const bool quoted_v4 = quoted && pkt.net_src.type == core::AddrType::Ipv4;
  if (quoted_v4 && t.wants_any(core::Proto::Tcp)) t.add_uint(tcp_f::seq, seq, off + 4, 4);
  if (flow) {
    t.add_uint(tcp_f::stream, flow->stream, 0, 0);
    // What the conversation showed before this packet; with -2, by its end (as tshark's second pass).
    const StreamForward::Facts* fin = st.tcp_forward ? st.tcp_forward->find(flow->stream) : nullptr;
    // (a SYN reusing the ports of an earlier conversation counts itself, as tshark shows it)
    t.add_uint(tcp_f::completeness, fin ? fin->completeness : flow->completeness | (reused_ports ? 1 : 0), 0, 0);
  }

  if (hdr_len < 20 || hdr_len > seg_total) {
    if (info) {
      info->clear();
      *info += "Bogus TCP header length (";
      core::append_uint(*info, hdr_len);
      *info += hdr_len < 20 ? ", must be at least 20)" : ", larger than the segment)";
    }
    t.add_none(tcp_f::bogus_hdr_len, off + 12, 1);
    t.close();
    pkt.mark_malformed("TCP");
    return;
  }
  const uint32_t seglen = static_cast<uint32_t>(seg_total - hdr_len);
  account_at_end.data = seglen != 0;

  uint32_t rel_seq = seq, rel_ack = ack;
  if (flow && !quoted) {
    TcpDir& fwd = flow->dir[dir];
    TcpDir& rev = flow->dir[1 - dir];
    if (!fwd.base_set) {
      fwd.base_seq = (flags & kSyn) ? seq : seq - 1;
      fwd.base_set = true;
    }
    if ((flags & kAck) && !rev.base_set) {
      rev.base_seq = ack - 1;
      rev.base_set = true;
    }
    rel_seq = seq - fwd.base_seq;
    rel_ack = ack - rev.base_seq;
  }
  uint32_t nxtseq = rel_seq + seglen + ((flags & kSyn) ? 1 : 0) + ((flags & kFin) ? 1 : 0);

  const bool tcp_fields = t.wants_any(core::Proto::Tcp);
  if (tcp_fields) {
    if (!quoted) t.add_uint(tcp_f::len, seglen, off, 0);
    if (!quoted_v4) {
      t.append_static(t.add_uint(tcp_f::seq, rel_seq, off + 4, 4), "    (relative sequence number)");
      t.add_uint(tcp_f::seq_raw, seq, off + 4, 4);
    }
    if (!quoted) t.append_static(t.add_uint(tcp_f::nxtseq, nxtseq, off, 0), "    (relative sequence number)");
    // Without the ACK flag the field is still there, unrelativised (SYN: 0).
    const int32_t ack_idx = t.add_uint(tcp_f::ack, (flags & kAck) ? rel_ack : ack, off + 8, 4);
    if (flags & kAck) t.append_static(ack_idx, "    (relative ack number)");
    t.add_uint(tcp_f::ack_raw, ack, off + 8, 4);
    t.add_uint(tcp_f::hdr_len, hdr_len, off + 12, 1);
  }
  // Chat-level expert items tshark attaches to connection set-up and tear-down,
  // each with its own field, under the flag that raised it.
  auto syn_expert = [&] {
    thread_local std::string m;  // reused
    m.assign((flags & kAck) ? "Connection establish acknowledge (SYN+ACK): server port "
                            : "Connection establish request (SYN): server port ");
    core::append_uint(m, (flags & kAck) ? sp : dp);
    core::add_expert(t, m, core::Severity::Chat, core::ExpertGroup::Sequence, off + 13, 1,
                     (flags & kAck) ? tcp_f::connection_synack : tcp_f::connection_syn);
  };
  auto fin_expert = [&] {
    core::add_expert(t, "Connection finish (FIN)", core::Severity::Chat, core::ExpertGroup::Sequence, off + 13, 1,
                     tcp_f::connection_fin);
  };
  auto closing_expert = [&] {
    if (!flow) return;  // on every FIN, a retransmitted one too (as tshark)
    // Active when this direction's first FIN came before the peer's; a
    // retransmitted FIN keeps the word its first one had (as tshark).
    const bool active = flow->dir[dir].fin_seen ? flow->dir[dir].fin_active : !flow->dir[1 - dir].fin_seen;
    core::add_expert(t, active ? "This frame initiates the connection closing" : "This frame undergoes the connection closing",
                     core::Severity::Note, core::ExpertGroup::Sequence, off + 13, 1,
                     active ? tcp_f::connection_fin_active : tcp_f::connection_fin_passive);
  };
  auto rst_expert = [&] {
    core::add_expert(t, "Connection reset (RST)", core::Severity::Warn, core::ExpertGroup::Sequence, off + 13, 1,
                     tcp_f::connection_rst);
  };
  bool experts_done = false;
  if (tcp_fields && (t.wants(tcp_f::flags) || t.wants(tcp_f::flags_str) || t.wants(tcp_f::flags_syn) || t.wants(tcp_f::flags_ack) ||
      t.wants(tcp_f::flags_fin) || t.wants(tcp_f::flags_reset) || t.wants(tcp_f::flags_push) ||
      t.wants(tcp_f::flags_urg) || t.wants(tcp_f::flags_ece) || t.wants(tcp_f::flags_cwr) ||
      t.wants(tcp_f::flags_ae) || t.wants(tcp_f::flags_res))) {
    int32_t fidx = t.add_uint(tcp_f::flags, flags, off + 12, 2);
    if (fidx >= 0) t.enter(fidx);
    t.add_bool(tcp_f::flags_res, flags & 0x0e00, off + 12, 2);
    t.add_bool(tcp_f::flags_ae, flags & 0x0100, off + 12, 2);
    t.add_bool(tcp_f::flags_cwr, flags & 0x80, off + 13, 1);
    t.add_bool(tcp_f::flags_ece, flags & 0x40, off + 13, 1);
    t.add_bool(tcp_f::flags_urg, flags & kUrg, off + 13, 1);
    t.add_bool(tcp_f::flags_ack, flags & kAck, off + 13, 1);
    t.add_bool(tcp_f::flags_push, flags & kPsh, off + 13, 1);
    {
      core::Subtree rst(t, t.add_bool(tcp_f::flags_reset, flags & kRst, off + 13, 1));
      if (flags & kRst) rst_expert();
    }
    {
      core::Subtree syn(t, t.add_bool(tcp_f::flags_syn, flags & kSyn, off + 13, 1));
      if (flags & kSyn) syn_expert();
    }
    {
      core::Subtree fin(t, t.add_bool(tcp_f::flags_fin, flags & kFin, off + 13, 1));
      if (flags & kFin) fin_expert();
    }
    if (t.wants(tcp_f::flags_str)) {
      core::Subtree str(t, t.add_string_copy(tcp_f::flags_str, flags_str(flags), off + 12, 2));
      if (flags & kFin) closing_expert();
    }
    if (fidx >= 0) t.close();
    experts_done = true;
  }

  // Window scaling (RFC 7323 §2.2): only when both sides offered it (in their
  // SYNs: a SYN's own window is never scaled, so this packet's options come after).
  // With one SYN missing from the capture, the side whose offer was seen is
  // scaled by it, as tshark does (the other's is unknown, -1).
  int64_t scalefactor = -1;
  uint32_t window = win;
  if (flow && !(flags & kSyn)) {
    TcpDir& fwd = flow->dir[dir];
    TcpDir& rev = flow->dir[1 - dir];
    if (fwd.win_scale >= 0 && rev.win_scale != -2) {
      if (!quoted) window = uint32_t(win) << fwd.win_scale;  // (tshark shows a quoted window unscaled)
      scalefactor = 1 << fwd.win_scale;
    } else if (fwd.win_scale == -2 || rev.win_scale == -2) {
      scalefactor = -2;
    }
  }
  if (tcp_fields) {  // (tshark's tree: window, checksum, urgent pointer, then the options)
    t.add_uint(tcp_f::window_size_value, win, off + 14, 2);
    t.add_uint(tcp_f::window_size, window, off + 14, 2);
    if (!(flags & kSyn)) t.add_int(tcp_f::window_size_scalefactor, scalefactor, off + 14, 2);
    if (!cut_at_checksum || r.error_offset() - start >= 18) {
      t.add_uint(tcp_f::checksum, csum, off + 16, 2);
      t.add_uint(tcp_f::checksum_status, 2, off + 16, 2);  // unverified, as tshark's default
    }
    if (!cut_at_checksum) t.add_uint(tcp_f::urgent_pointer, urp, off + 18, 2);
  }
  Reader opts = r.sub(hdr_len - 20);
  thread_local std::string opt_info;  // reused: no allocation per segment
  opt_info.clear();
  Options o;
  int32_t options_idx = -1;
  if (hdr_len > 20 && t.wants(tcp_f::options) && seg_captured.size() >= 20) {  // (tshark's line even with no option byte kept)
    // The option bytes that were captured (a snaplen cut shows the part we have).
    core::Bytes ob = seg_captured.subspan(20);
    size_t have = ob.size() < hdr_len - 20 ? ob.size() : hdr_len - 20;
    options_idx = t.add_bytes(tcp_f::options, ob.data(), have, off + 20);
    if (have < hdr_len - 20u) t.set_display(options_idx, "Options: (" + std::to_string(hdr_len - 20u) + " bytes)");
  }
  if (st.tcp_detail) {
    core::Subtree sub(t, options_idx);
    // (a quote's SACK edges are relative as the conversation's, its acknowledgement number
    // absolute: tshark's D-SACK test compares the two, modulo 2^32)
    o = dissect_options(opts, off + 20, pkt, flow, dir, info ? &opt_info : nullptr, flags & kAck, rel_ack);
    sub.end();
    t.append_text(options_idx, o.names);  // "Options: (20 bytes), Maximum segment size, ..."
  }
  if (flow && (flags & kSyn) && !quoted && !cut_at_checksum) {  // what this SYN offers for the scaling of the rest
    TcpDir& fwd = flow->dir[dir];
    TcpDir& rev = flow->dir[1 - dir];
    if (o.wscale >= 0) fwd.win_scale = static_cast<int8_t>(o.wscale);
    else if (o.complete) fwd.win_scale = -2;
    if ((flags & kAck) && (fwd.win_scale == -2 || rev.win_scale == -2)) fwd.win_scale = rev.win_scale = -2;
  }
  // Sequence analysis (retransmissions, duplicate ACKs, window full...).
  Analysis an;
  if (flow && st.tcp_detail && !quoted) {
    // The handshake's round trip runs from the last SYN (a retransmitted one
    // restarts it) to the first ACK after it, as tshark measures it.
    if ((flags & (kSyn | kAck)) == kSyn && flow->first_rtt.sec == 0 && flow->first_rtt.nsec == 0) {
      flow->syn_ts = pkt.frame.ts;
      flow->syn_ts_set = true;
    } else if ((flags & (kSyn | kAck)) == kAck && flow->syn_ts_set && flow->first_rtt.sec == 0 &&
               flow->first_rtt.nsec == 0) {
      // (tshark: the first ACK after the SYN, a refusing RST/ACK too)
      flow->first_rtt = core::ts_sub(pkt.frame.ts, flow->syn_ts);
    }
    SegmentFacts sf;
    sf.seq = rel_seq;
    sf.ack = (flags & kAck) ? rel_ack : 0;
    sf.seglen = seglen;
    sf.flags = flags;
    sf.window = win;
    sf.frame = static_cast<uint32_t>(pkt.frame.number);
    sf.ts = pkt.frame.ts;
    sf.opens_midstream = opens_midstream;
    sf.sack_bytes = o.sack_bytes;
    sf.ack_field = rel_ack;
    an = analyze_segment(*flow, dir, sf);
    an.reused_ports = reused_ports;
    // -2: the handshake's round trip is known from the SYN/ACK on, shown on
    // every segment that has a SEQ/ACK analysis (a retransmitted SYN too; not
    // an ACK that acknowledges nothing), as tshark's second pass.
    if (!an.have_irtt && st.tcp_forward && (an.any() || an.acks_frame || an.have_in_flight || an.push_bytes_sent)) {
      const StreamForward::Facts* fin = st.tcp_forward->find(flow->stream);
      if (fin && (fin->irtt.sec || fin->irtt.nsec)) {
        an.have_irtt = true;
        an.irtt = fin->irtt;
      }
    }
  }

  if (info) {
    info->clear();
    core::append_uint(*info, sp);
    *info += " \xe2\x86\x92 ";
    core::append_uint(*info, dp);
    *info += " [";
    append_flags(*info, flags);
    *info += ']';
    info_uint(info, "Seq", rel_seq);
    if (flags & kAck) info_uint(info, "Ack", rel_ack);
    info_uint(info, "Win", window);
    if (flags & kUrg) info_uint(info, "Urg", urp);
    if (!cut_at_checksum) info_uint(info, "Len", seglen);
    *info += opt_info;
    // (A header the snapshot length cut: tshark stops before its analysis tags.)
    if (an.any() && opts.ok() && seg_captured.size() >= hdr_len) append_analysis_info(*info, an);
  }
  if (t.wants(tcp_f::proto)) {
    std::string label = "Transmission Control Protocol, Src Port: ";
    core::append_uint(label, sp);
    label += ", Dst Port: ";
    core::append_uint(label, dp);
    label += ", Seq: ";
    core::append_uint(label, rel_seq);
    if (flags & kAck) {
      label += ", Ack: ";
      core::append_uint(label, rel_ack);
    }
    if (!quoted) {
      label += ", Len: ";
      core::append_uint(label, seglen);
    }
    t.set_label(proto_idx, label);
  }
  t.set_length(proto_idx, hdr_len);
  if (!experts_done) {  // (no flags tree: the same expert items, at the layer's level, in the flags' order)
    if (flags & kRst) rst_expert();
    if (flags & kSyn) syn_expert();
    if (flags & kFin) {
      fin_expert();
      closing_expert();
    }
  }
  if (flow) {
    if (!cut_at_checksum) {  // (tshark's lines come after the checksum; the times still count)
      core::Subtree times(t, core::add_text(t, "Timestamps", off, 0, core::FieldNode::kGenerated));
      t.add_time(tcp_f::time_relative, core::ts_sub(pkt.frame.ts, flow->first_ts));
      t.add_time(tcp_f::time_delta, core::ts_sub(pkt.frame.ts, flow->last_ts));
    }
    flow->last_ts = pkt.frame.ts;  // (a quoted segment too: tshark's next delta runs from it)
  }
  if (flow && !quoted) {
    // Conversation completeness (tcp.completeness): SYN 1, SYN-ACK 2, ACK 4, data 8, FIN 16, RST 32.
    // (tshark counts nothing of the first packet of a conversation picked up
    // mid-connection, a SYN/ACK without its SYN included; a second copy of
    // that SYN/ACK counts.)
    if (!opens_midstream && !opens_with_synack) {
      if ((flags & (kSyn | kAck)) == kSyn) flow->completeness |= 1;
      if ((flags & (kSyn | kAck)) == (kSyn | kAck)) flow->completeness |= 2;
      // (tshark: the ACK bit from a segment without data, a handshake seen or not)
      if ((flags & (kSyn | kAck)) == kAck && !seglen) flow->completeness |= 4;
      if (seglen) flow->completeness |= 8;
      if (flags & kFin) flow->completeness |= 16;
      if (flags & kRst) flow->completeness |= 32;
    }
    if (st.tcp_forward && !st.tcp_forward->complete) st.tcp_forward->note(flow->stream, flow->completeness, flow->first_rtt);
    if ((flags & kFin) && !flow->dir[dir].fin_seen) {
      flow->dir[dir].fin_active = !flow->dir[1 - dir].fin_seen;
      flow->dir[dir].fin_seen = true;
      flow->dir[dir].fin_end = rel_seq + seglen + 1;
    } else if ((flags & kFin) && DirStream::seq_gt(rel_seq + seglen + 1, flow->dir[dir].fin_end)) {
      flow->dir[dir].fin_end = rel_seq + seglen + 1;
    }
    if (flags & kRst) flow->rst_seen = true;
    if (flags & kSyn) flow->dir[dir].syn_seen = true;
    if (flow->rst_seen || (flow->dir[0].fin_seen && flow->dir[1].fin_seen)) st.tcp_flows.closed(*flow, pkt.frame.ts);
  }
  // A header cut by the snapshot length: tshark stops there (no SEQ/ACK
  // analysis, no payload), and the frame is marked, whatever was asked for.
  const bool header_cut = !opts.ok() || seg_captured.size() < hdr_len;
  // The SEQ/ACK analysis comes after the flags' expert items, as in tshark's tree.
  if (!header_cut) add_analysis_fields(t, an, off);
  // A quoted SYN: tshark's tree holds an empty [SEQ/ACK analysis] (seen on
  // IPv4 and IPv6 quotes; its other quoted segments have none).
  if (quoted && !header_cut && (flags & (kSyn | kAck)) == kSyn && t.wants(tcp_f::analysis))
    t.add_none(tcp_f::analysis, off, 0);
  if (header_cut) {
    if (!opts.ok()) pkt.check(opts, "TCP");
    else pkt.mark_truncated("TCP");
    t.close();
    return;
  }

  Reader payload = r.sub(seglen);
  // Data of which the capture kept no byte (a snapshot length ending with
  // the TCP header): tshark shows no payload item and calls no dissector.
  const bool none_captured = seglen && !quoted && payload.captured_remaining() == 0;
  // Quoted by an ICMP error, the same when it was the snapshot length that
  // ended the frame there (tshark: no item, no dissector, no cut named).
  const bool quote_cut = seglen && quoted && payload.captured_remaining() == 0 && pkt.frame.caplen < pkt.frame.len &&
                         off + hdr_len >= pkt.frame.caplen;
  if (quote_cut) {
    t.close();  // (TCP's tree, as the quoted payload's path closes it)
    return;
  }
  if (seglen && !none_captured) {
    core::Bytes pb = payload.rest_captured();
    const int32_t pi = t.add_bytes(tcp_f::payload, pb.data(), pb.size(), off + hdr_len);
    if (pb.size() < seglen)  // cut by the snapshot length: tshark counts the payload sent
      t.set_display(pi, "TCP payload (" + std::to_string(seglen) + (seglen == 1 ? " byte)" : " bytes)"));
  }
  if (quoted) {
    dissect_quoted_payload(payload, pkt, flow, sp, dp, st);
    return;
  }
  t.close();
  if (flow && (flags & kAck)) {
    TcpDir& rev = flow->dir[1 - dir];
    if (!rev.peer_ack_set || DirStream::seq_gt(rel_ack, rev.peer_acked)) rev.peer_acked = rel_ack;
    rev.peer_ack_set = true;
  }
  // A closed connection holding nothing gives its stream state back.
  if (flow && flow->streams && !seglen && flow->finished() &&
      flow->streams->dir[0].buffered() == 0 && flow->streams->dir[1].buffered() == 0)
    st.tcp_flows.release_streams(*flow);
  // A FIN without data still completes a PDU that runs until the close.
  const bool fin_completes = !seglen && (flags & kFin) && flow && flow->streams &&
                             flow->streams->dir[dir].holds_until_close(&http::pdu_length);
  if (!seglen && !fin_completes) return;
  if (none_captured) {
    // (A stream already followed moves past the bytes it will never see.)
    if (flow && flow->streams && st.reassembly.enabled) {
      DirStream& cut = flow->streams->dir[dir];
      if (flow->dir[dir].syn_seen && !flow->late_app) cut.start_at(1);
      cut.pass_over(rel_seq, seglen);
    }
    return;
  }
  // Data that ends at or before the first sequence number this direction
  // showed was sent before the capture started (a copy sent again, the peer's
  // ACKs having been seen first): tshark hands it to no dissector.
  // (A copy the snapshot length cut is not reassembled: its dissector is called.)
  if (flow && DirStream::seq_lt(rel_seq, 1) && !DirStream::seq_gt(rel_seq + seglen, 1) &&
      payload.captured_remaining() >= seglen) {
    if (an.retransmission && t.wants(tcp_f::segment_data)) {  // (its bytes shown under TCP, as any retransmission's)
      core::Subtree in_tcp(t, t.last_of(tcp_f::proto));
      add_retransmitted_data(t, payload.rest_captured(), off + hdr_len);
    }
    return;
  }
  if (!st.app_needed) return;
  // Which application protocol: registered/decode-as ports first, then a
  // heuristic decided once per conversation on its first payload.
  TcpFlow::App app = TcpFlow::App::None;
  for (const AppEntry& e : kApps) {
    if (app != TcpFlow::App::None || !enabled(st, e)) continue;
    for (uint16_t p : tcp_ports(st, e.app))
      if (sp == p || dp == p) app = e.app;
  }
  const bool by_port = app != TcpFlow::App::None;
  if (app == TcpFlow::App::None && flow && (st.mqtt_heuristic || st.tls_heuristic)) {
    if (flow->app == TcpFlow::App::Unknown) {
      core::Bytes first = payload.rest_captured();
      flow->app = TcpFlow::App::None;
      for (const AppEntry& e : kApps) {
        if (enabled(st, e) && st.*e.heuristic_on && e.heuristic && e.heuristic(first)) {
          flow->app = e.app;
          break;
        }
      }
    } else if (flow->app == TcpFlow::App::None && st.tls_heuristic) {
      // As tshark's TLS heuristic, tried again on every payload of a
      // conversation nothing has claimed: a capture that starts in the middle
      // of a TLS connection shows TLS from the first record header on. Both
      // directions' streams start here (what came before was never buffered).
      const AppEntry& tls = *app_entry(TcpFlow::App::Tls);
      if (enabled(st, tls) && tls::looks_like_record(payload.rest_captured())) {
        flow->app = TcpFlow::App::Tls;
        flow->late_app = true;
      }
    }
    app = flow->app;
  }
  // A WebSocket upgrade on an HTTP port (8080, 80): the WebSocket dissector
  // follows the handshake and the frames after it.
  if (app == TcpFlow::App::Http && flow) {
    if (flow->app == TcpFlow::App::Unknown) {
      const AppEntry& ws = *app_entry(TcpFlow::App::WebSocket);
      flow->app = enabled(st, ws) && st.*ws.heuristic_on && websocket::looks_like_ws_upgrade(payload.rest_captured())
                      ? TcpFlow::App::WebSocket
                      : TcpFlow::App::Http;
    }
    if (flow->app == TcpFlow::App::WebSocket) app = TcpFlow::App::WebSocket;
  }
  if (fin_completes && app != TcpFlow::App::Http) return;
  if (app == TcpFlow::App::None) {
    // A payload the capture cut to fewer than 5 bytes, which no port claims:
    // tshark's heuristics meet the cut first (its TDS heuristic for a first
    // byte of 0x17, else its Spice heuristic, reads further than the bytes
    // go), before TLS's can tell. (Which one is tshark's heuristic order and
    // state; frame.protocols and the cut's name may differ, the lines not.)
    const core::Bytes kept = payload.rest_captured();
    if (!kept.empty() && kept.size() < 5 && kept.size() < seglen && !by_port && !pkt.in_error) {
      // (Four bytes: its RTPS heuristic is the one that reads past them.)
      const bool rtps = kept.size() == 4, tds = !rtps && kept[0] == 0x17;
      pkt.layer(rtps ? "rtps" : tds ? "tds" : "spice");
      pkt.mark_truncated(rtps ? "RTPS" : tds ? "TDS" : "Spice");
      return;
    }
    link::dissect_data(payload, pkt);
    return;
  }
  if (app == TcpFlow::App::Tls                                    ? !st.tls_needed
      : app != TcpFlow::App::Http && app != TcpFlow::App::Dns ? !st.mqtt_needed
                                                              : false)
    return;  // nobody reads this layer
  const bool mqtt = app == TcpFlow::App::Mqtt;
  core::Bytes pb = payload.rest_captured();
  if (flow) {
    // Session state of this segment's direction and run (both paths below).
    TcpFlow::Sessions& ss = flow->app_sessions();
    ss.dir = static_cast<uint8_t>(dir);
    ss.budget = &st.reassembly_stats;
    ss.limits = &st.reassembly;
    flow->sessions->mqtt.dir = static_cast<uint8_t>(dir);
    if (app == TcpFlow::App::Tls) {
      tls::TlsSession& tls = ss.tls_session();
      tls.port_app = tls_port_app(st, sp, dp);
      if (by_port) tls.server_known = true;
      tls.forward = st.tcp_forward;
      if (st.tcp_forward && !tls.final_version)  // -2: the version this conversation negotiates
        if (const StreamForward::Facts* fin = st.tcp_forward->find(flow->stream)) tls.final_version = fin->tls_version;
    }
    flow->sessions->mqtt.default_version = st.mqtt_default_version;
    flow->sessions->mqtt.analyze = st.mqtt_analysis;
    flow->sessions->mqtt.msg_as_text = st.mqtt_msg_as_text;
    flow->sessions->mqtt.forward = st.qos_forward;
    flow->sessions->mqtt.sessions = &st.mqtt_sessions;
  }
  // HTTP picked up in the middle of a conversation: until a request or a
  // response begins a segment, tshark's HTTP declines the bytes (no layer, not
  // even Data: TCP's payload item only). The stream moves past them.
  if (app == TcpFlow::App::Http && flow && !pkt.in_error && !flow->sessions->http.requests &&
      !flow->sessions->http.responses && !flow->sessions->http.cut_read && !pb.empty() && !http::plausible(pb) && !http::could_begin(pb) &&
      (!flow->streams || flow->streams->dir[dir].buffered() == 0)) {
    if (st.reassembly.enabled)
      st.tcp_flows.ensure_streams(*flow, &st.reassembly_stats, &st.reassembly).dir[dir].pass_over(rel_seq, seglen);
    return;
  }
  if (!flow || !st.reassembly.enabled || pb.size() < seglen) {
    // No reassembly (disabled, no flow, or a snaplen-cut segment): what lies
    // in this segment is all there is.
    bool seen_before = false;  // data this direction already carried: a retransmission
    bool passed_over = false;  // the stream moved past this segment
    if (flow && st.reassembly.enabled) {  // a cut segment: the stream goes on after it
      st.tcp_flows.ensure_streams(*flow, &st.reassembly_stats, &st.reassembly);
      DirStream& cut = flow->streams->dir[dir];
      if (flow->dir[dir].syn_seen && !flow->late_app) cut.start_at(1);
      seen_before = cut.started() && seglen > 0 && !DirStream::seq_gt(rel_seq + seglen, cut.next());
      passed_over = cut.pass_over(rel_seq, seglen, app_entry(app) ? app_entry(app)->frame : nullptr);
    }
    static thread_local mqtt::MqttSession no_flow;
    // A retransmission or out-of-order copy of a cut segment reaches no
    // dissector (tshark: TCP's line and its payload item only); a spurious
    // one (data the peer had acknowledged) or a fast retransmission does
    // (tshark's rule holds back only those two kinds). (The stream says so
    // whether or not the sequence analysis runs for this output.)
    const bool acked_before = flow && flow->dir[dir].peer_ack_set &&
                              !DirStream::seq_gt(rel_seq + seglen, flow->dir[dir].peer_acked);
    if (flow && st.reassembly.enabled &&
        (an.retransmission || an.out_of_order ||
         (seen_before && !acked_before && !an.fast_retransmission && !an.spurious_retransmission)))
      return;
    if (mqtt) {
      const size_t beyond = mqtt::dissect_segment(payload, pkt, flow ? flow->sessions->mqtt : no_flow);
      // (tshark's tcp_dissect_pdus tracks a PDU that runs past a cut segment:
      // the stream's next bytes up to its end are that PDU's, not new ones.)
      if (beyond && passed_over) flow->streams->dir[dir].skip_rest(beyond);
      // MQTT's Info replaced TCP's: the analysis tags stay in front (tshark's fence).
      if (info && pkt.cols && pkt.cols->protocol == "MQTT") prefix_analysis(*info, an);
    } else if (app == TcpFlow::App::Tls && flow && pb.size() < seglen && tls::refuses(pb)) {
      link::dissect_data(payload, pkt);  // (TLS declined the bytes: tshark's Data, as far as captured)
    } else if (app == TcpFlow::App::Tls && flow && pb.size() < seglen &&
               dissect_tls_cut(payload, pkt, *flow, st, sp, dp)) {
      // (what follows the last record dissected lies in the record the capture cut)
      // TLS's Info replaced TCP's: the analysis tags stay in front.
      if (info) prefix_analysis(*info, an);
    } else if (app == TcpFlow::App::Dns && flow && pb.size() < seglen) {
      dns::dissect_tcp_cut(payload, static_cast<uint32_t>(pkt.frame.caplen - pb.size()), pkt, st);
    } else if ((app == TcpFlow::App::Http || app == TcpFlow::App::WebSocket) && pb.size() < seglen &&
               http::dissect_cut(pb, static_cast<uint32_t>(pkt.frame.caplen - pb.size()), pkt,
                                 app == TcpFlow::App::Http && flow ? &flow->sessions->http : nullptr,
                                 app == TcpFlow::App::Http && flow ? &st.http_tx : nullptr, flow ? flow->stream : 0)) {
      payload.skip(pb.size());  // (an HTTP message the capture cut: its whole header lines)
    } else {
      link::dissect_data(payload, pkt);
    }
    return;
  }
  st.tcp_flows.ensure_streams(*flow, &st.reassembly_stats, &st.reassembly);
  DirStream& ds = flow->streams->dir[dir];
  if (flow->dir[dir].syn_seen && !flow->late_app) ds.start_at(1);  // relative to the ISN
  const TcpDir& fwd = flow->dir[dir];
  bool acked_beyond = fwd.peer_ack_set && ds.started() && DirStream::seq_gt(fwd.peer_acked, ds.next()) &&
                      DirStream::seq_gt(rel_seq, ds.next());
  bool first = true;
  bool after_in_packet = false;  // the previous PDU lay in this segment
  bool reassembled_here = false;
  const uint32_t frame_no = static_cast<uint32_t>(pkt.frame.number);
  // Frames whose data went into the PDUs completed here (tshark shows one list).
  thread_local std::vector<uint32_t> seg_frames;
  seg_frames.clear();
  size_t reassembled_len = 0;
  // In-order data: the first PDU reassembled here took (its size - what was
  // buffered before) bytes of this segment, which is what tcp.segment_data shows.
  const size_t held_before = ds.buffered();
  size_t seg_part = 0;
  size_t in_packet_end = 0;  // frame offset where the last PDU lying whole in this segment ends
  auto note_frame = [](uint32_t f) {
    // PDUs of one frame come one after another: the last entry answers most
    // calls (a segment of 700 two-byte PDUs must not scan the list 700 times).
    if (!seg_frames.empty() && seg_frames.back() == f) return;
    if (std::find(seg_frames.begin(), seg_frames.end(), f) == seg_frames.end()) seg_frames.push_back(f);
  };
  const AppEntry& entry = *app_entry(app);
  TlsAppUser tls_user{flow, &st, sp, dp};
  SinkScope sink_scope;  // the sink points at tls_user: cleared when this segment is done
  if (app == TcpFlow::App::Tls && st.tls_decrypt) {
    tls::TlsSession& tls = flow->sessions->tls_session();
    tls.decrypt = st.tls_decrypt.get();
    tls.sink = {&choose_tls_app, &tls_user};  // valid during this segment only
    sink_scope.tls = &tls;
  }
  thread_local std::vector<uint32_t> pdu_sizes;  // MQTT PDUs whole in this segment (tcp.pdu.size)
  pdu_sizes.clear();
  thread_local std::vector<uint32_t> listed;  // frames already listed as tcp.segment in this packet
  listed.clear();
  // The TCP summary, kept when this segment may begin with the end of a lost
  // PDU: tshark then shows it, the segment note, and the PDUs after.
  thread_local std::string tcp_summary;
  tcp_summary.clear();
  if (info && ds.skipping()) tcp_summary = *info;
  size_t pdus_here = 0;
  uint64_t pdus_over = 0;
  auto on_pdu = [&](core::Bytes pdu, const std::vector<uint32_t>* frames, uint32_t src, std::vector<uint8_t>* donor) {
    if (pdus_here == kMaxPdusPerFrame) {
      ++pdus_over;
      return;
    }
    ++pdus_here;
    uint32_t base = 0;
    core::Bytes view = pdu;
    bool in_packet = pdu.data() >= pkt.frame.data && pdu.data() < pkt.frame.data + pkt.frame.caplen;
    // Bytes in a buffer this packet already keeps (a reassembled IPv4
    // datagram) need no copy either.
    const bool kept = st.sources.holds(pdu.data());
    if (!in_packet && !kept) {
      // Reassembled, or from an out-of-order segment held earlier: keep the
      // bytes until rendering (taken over from the stream, or copied).
      auto& buf = st.sources.add("Reassembled TCP");
      if (donor && donor->data() == pdu.data()) {
        buf.swap(*donor);
        buf.resize(pdu.size());
      } else {
        buf.assign(pdu.begin(), pdu.end());
      }
      view = core::Bytes(buf.data(), buf.size());
      if (!reassembled_here && frames && view.size() > held_before) {
        seg_part = view.size() - held_before;
        // (a segment that began by repeating the PDU's last bytes shows those too)
        const auto& parts = ds.pdu_frame_bytes();
        if (!parts.empty() && parts.size() == frames->size() && frames->back() == frame_no && parts.back().overlap)
          seg_part = parts.back().len;
      }
      reassembled_here = true;
      if (frames) {
        for (uint32_t f : *frames) {
          note_frame(f);
          if (st.tcp_forward && f != frame_no) st.tcp_forward->note_reassembled(StreamForward::In::TcpPdu, f, frame_no);  // -2's first pass
        }
      } else {
        note_frame(src);
      }
      reassembled_len += view.size();
      if (frames && (t.wants(tcp_f::segments) || t.wants(tcp_f::segment) || t.wants(tcp_f::segment_count) ||
                     t.wants(tcp_f::reassembled_length) || t.wants(tcp_f::reassembled_data))) {
        // tshark's top-level item, before the layer the PDU makes:
        // "[3 Reassembled TCP Segments (90016 bytes): #118(32768), #119(32768), #121(24480)]"
        const auto& parts = ds.pdu_frame_bytes();
        std::string label = std::to_string(frames->size()) + " Reassembled TCP Segments (" +
                             std::to_string(view.size()) + " bytes): ";
        for (size_t k = 0; k < frames->size(); ++k) {
          if (k) label += ", ";
          label += '#' + std::to_string((*frames)[k]) + '(' + std::to_string(k < parts.size() ? parts[k].len : 0) + ')';
        }
        const int32_t segs = t.add_none(tcp_f::segments, 0, static_cast<uint32_t>(view.size()));
        if (segs >= 0) t.set_label(segs, label);
        core::Subtree sub(t, segs);
        for (size_t k = 0; k < frames->size(); ++k) {
          const DirStream::Part part = k < parts.size() ? parts[k] : DirStream::Part{};
          const size_t n = part.len, at = part.off;
          // (one listing per frame and packet: a frame that carried two of the PDUs completed here counts once)
          if (std::find(listed.begin(), listed.end(), (*frames)[k]) != listed.end()) continue;
          listed.push_back((*frames)[k]);
          const int32_t s = t.add_uint(tcp_f::segment, (*frames)[k], 0, 0);
          char b[64];
          if (n) snprintf(b, sizeof b, ", payload: %zu-%zu (%zu %s)", at, at + n - 1, n, n == 1 ? "byte" : "bytes");
          else snprintf(b, sizeof b, " (no data)");  // the FIN that completed it
          t.append_text(s, b);
          if (part.overlap) {
            core::Subtree ov(t, s);
            t.add_bool(tcp_f::segment_overlap, true, 0, 0);
          }
        }
        t.add_uint(tcp_f::segment_count, frames->size(), 0, 0);
        t.add_uint(tcp_f::reassembled_length, view.size(), 0, 0);
        t.add_bytes(tcp_f::reassembled_data, view.data(), view.size(), 0);
      }
      if (pdu_sizes.size() < 64) pdu_sizes.push_back(framed_size(app, view));
    } else if (in_packet) {
      base = static_cast<uint32_t>(pdu.data() - pkt.frame.data);
      in_packet_end = base + pdu.size();
      if (pdu_sizes.size() < 64) pdu_sizes.push_back(framed_size(app, pdu));
    }
    // The rest of the segment after reassembled PDUs: a second call in tshark.
    pkt.new_call = !first && in_packet && !after_in_packet;
    after_in_packet = in_packet;
    // (The segment's bytes from its first: in the packet, or a copy of them
    // held out of order until this frame.)
    const bool whole_segment = pdu.data() == pb.data() || (src == frame_no && pdu.size() == pb.size());
    if (app == TcpFlow::App::Tls && first && whole_segment && tls::refuses(pdu)) {
      // Bytes that begin no record, at the segment's start: tshark's TLS
      // declines them (printable ASCII) and TCP shows them as Data.
      Reader bytes(pdu);
      link::dissect_data(bytes, pkt);
      first = false;
      return;
    }
    entry.dissect(view, base, pkt, *flow, st, first);
    pkt.new_call = false;
    first = false;
  };
  pkt.seg_end = pb.data() + pb.size();
  DirStream::Out out = seglen ? ds.feed(rel_seq, pb, frame_no, entry.frame, entry.plausible, acked_beyond, on_pdu)
                              : DirStream::Out{};
  // The sender closed: a PDU that ran until the close (an HTTP/1.0 body) is
  // complete, dissected in this frame (tshark: "#12(0)" among its segments).
  if ((flags & kFin) && ds.close(frame_no, entry.frame, on_pdu)) ++out.pdus;
  if (flow->sessions->tls) {
    // -2: the version the session ends with (negotiated, or taken from its
    // first ChangeCipherSpec/Alert/Application Data record) names its earlier records.
    const tls::TlsSession& ts = *flow->sessions->tls;
    const uint16_t v = ts.version ? ts.version : ts.record_set_version;
    if (st.tcp_forward && v) st.tcp_forward->note_tls(flow->stream, v);
  }
  // A PDU that starts here and continues later: tshark called its dissector,
  // which asked for more data; frame.protocols names it (once per call) unless
  // the dissector returned 0, as MQTT's tcp_dissect_pdus does when the fixed
  // header already gave the length.
  // tshark's second pass knows the PDU continues and calls no TLS dissector.
  const bool known_later = app == TcpFlow::App::Tls && st.tcp_forward &&
                           st.tcp_forward->reassembled_in(StreamForward::In::TcpPdu, frame_no) > frame_no;
  if (out.tail_pdu && !after_in_packet && entry.layer && (entry.layer_when_len_known || !out.tail_len_known) &&
      !known_later) {
    pkt.layer(entry.layer);
    if (app == TcpFlow::App::Tls) tls::dissect_record_start(off + hdr_len, static_cast<uint32_t>(pb.size()), pkt);
  }
  // A closed connection holding nothing gives its stream state back.
  if (flow->finished() && flow->streams->dir[0].buffered() == 0 &&
      flow->streams->dir[1].buffered() == 0)
    st.tcp_flows.release_streams(*flow);
  if (out.cls != DirStream::SegClass::InOrder && out.cls != DirStream::SegClass::OutOfOrder) {
    // Data already delivered came again: the first copy was kept. (tshark
    // gives a plain retransmission no tcp.segment.overlap, in its tree, JSON
    // or filters: only a copy that differs is marked here.)
    if (out.differs) {
      t.add_bool(tcp_f::segment_overlap, true, off, 0, core::FieldNode::kHidden);
      t.add_bool(tcp_f::segment_overlap_conflict, true, off, 0);
      core::add_expert(t, "Retransmitted data differs from the first copy (the first copy is kept)",
                       core::Severity::Warn, core::ExpertGroup::Reassemble, off, 0);
    }
  } else if (out.differs) {
    t.add_bool(tcp_f::segment_overlap_conflict, true, off, 0);
  }
  if (pdus_over) {
    st.reassembly_stats.pdus_undissected += pdus_over;
    core::add_expert(t, std::to_string(pdus_over) + " more PDUs in this frame were framed but not dissected (mqsniff dissects at most " +
                            std::to_string(kMaxPdusPerFrame) + " PDUs per frame)",
                     core::Severity::Warn, core::ExpertGroup::Reassemble, off, 0);
  }
  if (out.gap) {
    core::add_expert(t, "Previous segment(s) not captured: reassembly resynchronises at the next packet boundary",
                     core::Severity::Warn, core::ExpertGroup::Reassemble, off, 0);
  }
  if (out.lost_head && out.pdus > 0 && out.lost_head_bytes <= pb.size() && t.wants(tcp_f::segment_data)) {
    // The end of a PDU whose start was lost, then whole PDUs: tshark shows those first bytes under TCP.
    core::Subtree in_tcp(t, t.last_of(tcp_f::proto));
    t.add_bytes(tcp_f::segment_data, pb.data(), out.lost_head_bytes, off + hdr_len);
  }
  // A segment that ends a PDU begun earlier: tshark shows what it handled
  // in order - that PDU's size, its bytes here, the sizes of the PDUs whole
  // in the segment, and (when the segment also starts the next PDU) that
  // one's first bytes in an item of their own.
  // A copy of bytes of the PDU in progress that tshark's reassembly takes
  // again: an out-of-order one, or a zero-window probe's byte after the PDU's
  // first (a probe copying its first byte is not).
  const bool taken_again = out.cls == DirStream::SegClass::Retransmission && out.in_open_pdu &&
                           (an.out_of_order || (an.zero_window_probe && !out.at_open_pdu_start));
  if (taken_again && flow->streams) ds.note_overlap(frame_no, rel_seq, pb.size());  // listed among the PDU's parts
  const bool split_items = reassembled_here && out.tail_pdu && (app == TcpFlow::App::Tls || app == TcpFlow::App::Mqtt) &&
                           seg_part && seg_part < pb.size();
  const bool sizes = (app == TcpFlow::App::Mqtt || app == TcpFlow::App::Dns || app == TcpFlow::App::WebSocket) &&
                     !pdu_sizes.empty() && t.wants(tcp_f::pdu_size);
  auto add_pdu_size = [&](size_t k) {
    if (pdu_sizes[k]) t.add_uint(tcp_f::pdu_size, pdu_sizes[k], off + hdr_len, 0);
  };
  if (sizes) {
    // tshark's tcp_dissect_pdus names each PDU it found whole in the segment, under TCP.
    core::Subtree in_tcp(t, t.last_of(tcp_f::proto));
    for (size_t k = 0; k < (reassembled_here ? 1 : pdu_sizes.size()); ++k) add_pdu_size(k);
  }
  // -2: where the PDU these bytes began or continued was completed.
  auto add_reassembled_in = [&] {
    if (const uint32_t in = st.tcp_forward ? st.tcp_forward->reassembled_in(StreamForward::In::TcpPdu, frame_no) : 0;
        in && in != frame_no)
      t.add_uint(tcp_f::reassembled_in, in, off + hdr_len, 0, core::FieldNode::kGenerated);
  };
  // tshark shows the segment's bytes that went into a reassembly.
  if ((out.pdus == 0 && out.consumed) || reassembled_here) {
    core::Subtree in_tcp(t, t.last_of(tcp_f::proto));  // under this frame's TCP layer, as tshark shows it
    if (split_items) {
      // The end of one PDU, then the start of the next: one item each (the
      // second from where the PDUs lying whole in between end), and (-2)
      // where the next is completed between them.
      t.add_bytes(tcp_f::segment_data, pb.data(), seg_part, off + hdr_len);
      if (sizes)
        for (size_t k = 1; k < pdu_sizes.size(); ++k) add_pdu_size(k);
      add_reassembled_in();
      const size_t whole_end = in_packet_end > off + hdr_len ? in_packet_end - (off + hdr_len) : 0;
      const size_t tail = whole_end > seg_part && whole_end < pb.size() ? whole_end : seg_part;
      t.add_bytes(tcp_f::segment_data, pb.data() + tail, pb.size() - tail, off + hdr_len + static_cast<uint32_t>(tail));
    } else {
      add_reassembled_in();
      // ... plus, when the segment also starts the next PDU, that one's first bytes.
      size_t n = seg_part && seg_part <= pb.size() && !out.started_pdu && !out.consumed ? seg_part : pb.size();
      if (n) t.add_bytes(tcp_f::segment_data, pb.data(), n, off + hdr_len);  // (a FIN that completes a PDU has none)
      if (sizes && reassembled_here)
        for (size_t k = 1; k < pdu_sizes.size(); ++k) add_pdu_size(k);
    }
  } else if (out.tail_pdu && in_packet_end > off + hdr_len && in_packet_end < off + hdr_len + pb.size()) {
    // Whole PDUs, then the first bytes of one the next segments complete:
    // tshark shows those bytes under TCP.
    core::Subtree in_tcp(t, t.last_of(tcp_f::proto));
    add_reassembled_in();
    const size_t start = in_packet_end - (off + hdr_len);
    t.add_bytes(tcp_f::segment_data, pb.data() + start, pb.size() - start, static_cast<uint32_t>(in_packet_end));
  } else if (taken_again && !pb.empty() && t.wants(tcp_f::segment_data)) {
    // An out-of-order copy of bytes of the PDU in progress: tshark's reassembly takes them again.
    core::Subtree in_tcp(t, t.last_of(tcp_f::proto));
    t.add_bytes(tcp_f::segment_data, pb.data(), pb.size(), off + hdr_len);
  } else if (an.retransmission && out.cls == DirStream::SegClass::Retransmission && !pb.empty() &&
             t.wants(tcp_f::segment_data)) {
    core::Subtree in_tcp(t, t.last_of(tcp_f::proto));
    add_retransmitted_data(t, pb, off + hdr_len);
  }
  if (!info) return;
  if (out.pdus > 0) {
    // The segment began with the end of a PDU that could not be reassembled
    // (its start before a gap): tshark names that part first.
    if (out.lost_head) {
      info->insert(0, tcp_summary + (tcp_summary.empty() ? "" : " ") + "[TCP segment of a reassembled PDU], ");
      pkt.set_protocol("TCP");  // (tshark leaves TCP's Protocol column there)
    }
    // The MQTT Info replaced TCP's; tshark keeps the analysis prefix in front
    // and joins with ", " (its column fence).
    prefix_analysis(*info, an);
    return;
  }
  if (out.cls == DirStream::SegClass::Retransmission) {
    // An out-of-order copy of bytes of the PDU still in progress: tshark's
    // reassembly takes it again.
    if (taken_again) *info += " [TCP segment of a reassembled PDU]";
    return;
  }
  // -2: tshark's second pass knows where a PDU begun here is completed and
  // keeps TCP's summary on its first segment, as on the others.
  const bool completed_later =
      st.tcp_forward && st.tcp_forward->reassembled_in(StreamForward::In::TcpPdu, frame_no) > frame_no;
  if (out.started_pdu && !completed_later) {
    // The first segment of a PDU: tshark replaces the TCP summary.
    std::string p;
    if (an.any()) append_analysis_info(p, an);
    // HTTP names the message whose header block is here before asking for its body.
    std::string_view line = app == TcpFlow::App::Http && out.pdus == 0 ? http::first_line(pb) : std::string_view{};
    if (!line.empty()) p += std::string(line) + "  ";
    *info = p + (p.empty() || !line.empty() ? "" : " ") + "[TCP segment of a reassembled PDU]";
  } else if (out.started_pdu ||
             (!out.resync_dropped && (out.consumed || out.cls == DirStream::SegClass::OutOfOrder))) {
    *info += " [TCP segment of a reassembled PDU]";  // a continuation, or held beyond a hole
  }
}

}  // namespace mqsniff::tcp
