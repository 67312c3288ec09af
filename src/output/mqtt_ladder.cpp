#include "src/output/mqtt_ladder.h"

#include <cinttypes>

#include "dissectors/tcp/tcp_fields.h"
#include "src/output/mqtt_pdu.h"
#include "src/output/mqtt_stats.h"
#include "src/output/stat_util.h"

namespace mqsniff::out {

namespace {
namespace tcpf = tcp::tcp_f;

std::string label_of(const Pdu& p) {
  static const char* const kNames[] = {"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
                                       "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ",
                                       "PINGRESP", "DISCONNECT", "AUTH"};
  std::string l = kNames[p.type & 15];
  char b[96];
  switch (p.type) {
    case 1:
    {
      // v31, v311, v50; a mosquitto bridge sets 0x80 on the level (v311 bridge);
      // a level no version has is shown as the number.
      const int level = p.version & 0x7f;
      const char* name = level == 3 ? "v31" : level == 4 ? "v311" : level == 5 ? "v50" : nullptr;
      char lv[24];
      if (name && (p.version & 0x80)) snprintf(lv, sizeof lv, "%s bridge", name);
      else if (name) snprintf(lv, sizeof lv, "%s", name);
      else snprintf(lv, sizeof lv, "level %d", p.version);
      snprintf(b, sizeof b, " (%s, c%d, k%d)", lv, p.clean ? 1 : 0, p.kalive);
    }
      l += " '" + std::string(p.clientid) + "'" + b;
      if (p.has_username) l += " u'" + std::string(p.username) + "'";
      break;
    case 2:
      snprintf(b, sizeof b, " (sp %d, rc %d)", p.session_present ? 1 : 0, p.conack);
      l += b;
      break;
    case 3:
      snprintf(b, sizeof b, " q%d", p.qos);
      l += b;
      if (p.msgid >= 0) l += " m" + std::to_string(p.msgid);
      if (p.dup) l += " DUP";
      if (p.retain) l += " r";
      if (!p.topics.empty()) l += " '" + std::string(p.topics.back()) + "'";
      l += " (" + std::to_string(p.msg_len) + " B)";
      break;
    case 8: case 10:
      if (p.msgid >= 0) l += " m" + std::to_string(p.msgid);
      for (size_t i = 0; i < p.topics.size(); ++i) {
        l += (i ? ", '" : " '") + std::string(p.topics[i]) + "'";
        if (p.type == 8 && i < p.sub_qos.size()) l += " q" + std::to_string(p.sub_qos[i]);
      }
      break;
    default:
      if (p.msgid >= 0) l += " m" + std::to_string(p.msgid);
      break;
  }
  return l;
}

}  // namespace

std::string xml_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += static_cast<unsigned char>(c) < 0x20 ? '.' : c;
    }
  }
  return o;
}

void Ladder::want(std::vector<core::FieldId>& ids) const {
  want_pdu_fields(ids);
  ids.insert(ids.end(), {tcpf::flags_syn, tcpf::flags_ack, tcpf::flags_fin, tcpf::flags_reset});
}

void Ladder::packet(const core::Packet& pkt, const core::FieldTree& tree, const RowContext& row) {
  const FrameFacts& facts = frame_facts(tree);
  const core::FieldNode* sn = facts.stream;
  if (!sn || pkt.net_src.type == core::AddrType::None) return;
  if (stream_ >= 0 && sn->u != static_cast<uint64_t>(stream_)) return;
  const bool has_mqtt = facts.mqtt;
  auto it = index_.find(sn->u);
  if (it == index_.end()) {
    if (!has_mqtt) return;  // a connection appears with its first MQTT packet
    if (conns_.size() >= kMaxConnections) {
      ++more_connections_;
      return;
    }
    LadderConn c;
    c.stream = sn->u;
    const Endpoint src{pkt.net_src, pkt.srcport}, dst{pkt.net_dst, pkt.dstport};
    const bool src_client = source_is_client(pkt.srcport, pkt.dstport);
    c.client_ep = src_client ? src : dst;
    c.broker_ep = src_client ? dst : src;
    it = index_.emplace(sn->u, conns_.size()).first;
    conns_.push_back(std::move(c));
  }
  LadderConn& c = conns_[it->second];
  const bool from_client = c.client_ep.is(pkt.net_src, pkt.srcport);
  const double now = secs(row.ts);
  if (c.t0 < 0) c.t0 = now;
  auto add = [&](bool from_client, std::string label) {
    if (c.steps.size() >= kMaxSteps) {
      ++c.more;
      return;
    }
    c.steps.push_back({now - c.t0, from_client, row.number, std::move(label)});
  };
  each_pdu(tree, [&](const Pdu& p) {
    bool client_side = from_client;
    if (p.type == 1 && !c.client_known) {
      if (!from_client) std::swap(c.client_ep, c.broker_ep);
      c.client_known = true;
      c.clientid = p.clientid;
      client_side = true;
    }
    add(client_side, label_of(p));
  });
  if (facts.fin || facts.rst) add(c.client_ep.is(pkt.net_src, pkt.srcport), facts.rst ? "TCP RST" : "TCP FIN");
}

void Ladder::print(std::string& out, core::Timestamp) {
  if (!print_text_) return;
  name_endpoints();
  const std::string rule(100, '=');
  out += "\n" + rule + "\nMQTT ladder (mqsniff): one arrow per MQTT packet, time since the connection's first MQTT packet\n";
  constexpr size_t kWidth = 76;  // between the two columns
  for (const auto& c : conns_) {
    std::string who = c.client + (c.clientid.empty() ? "" : " '" + c.clientid + "'");
    appendf(out, "\nstream %" PRIu64 "\n%12s  %-*s%s\n", c.stream, "time", static_cast<int>(kWidth - 12),
            ("client " + who).c_str(), ("broker " + c.broker).c_str());
    for (const auto& s : c.steps) {
      std::string label = s.label.size() > kWidth - 8 ? s.label.substr(0, kWidth - 11) + "..." : s.label;
      std::string arrow;
      if (s.from_client) {
        arrow = "|-- " + label + " ";
        while (arrow.size() < kWidth - 1) arrow += '-';
        arrow += ">|";
      } else {
        arrow = "|<";
        std::string tail = " " + label + " --|";
        while (arrow.size() + tail.size() < kWidth + 1) arrow += '-';
        arrow += tail;
      }
      appendf(out, "%12.6f  %s   #%" PRIu64 "\n", s.t, arrow.c_str(), s.frame);
    }
    if (c.more) appendf(out, "              ... %" PRIu64 " more packets (only the first %zu are drawn)\n", c.more, kMaxSteps);
  }
  if (conns_.empty()) out += "\n(no MQTT connection" + std::string(stream_ >= 0 ? " in this stream" : "") + ")\n";
  if (more_connections_) appendf(out, "\n... more connections not drawn (only the first %zu)\n", kMaxConnections);
  out += rule + "\n";
}

bool Ladder::write_file(std::string& error) {
  if (svg_path_.empty()) return true;
  TextFile f(svg_path_, "SVG");
  write_svg(f);
  return f.close(error);
}

void Ladder::name_endpoints() const {
  for (auto& c : conns_) {
    c.client = c.client_ep.text();
    c.broker = c.broker_ep.text();
  }
}

void Ladder::write_svg(TextFile& out) const {
  name_endpoints();
  // One diagram per connection, stacked; plain SVG 1.1, no script, no external font.
  constexpr int kLeft = 110, kRight = 690, kRow = 22, kHead = 56;
  int height = 10;
  for (const auto& c : conns_) height += kHead + kRow * static_cast<int>(c.steps.size() + (c.more ? 1 : 0)) + 20;
  std::string o;
  appendf(o,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"%d\" viewBox=\"0 0 800 %d\" "
          "font-family=\"monospace\" font-size=\"12\">\n"
          "<defs><marker id=\"arrow\" markerWidth=\"10\" markerHeight=\"8\" refX=\"10\" refY=\"4\" orient=\"auto\">"
          "<path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333\"/></marker></defs>\n",
          height, height);
  int y = 10;
  for (const auto& c : conns_) {
    const int bottom = y + kHead + kRow * static_cast<int>(c.steps.size() + (c.more ? 1 : 0));
    appendf(o, "<g class=\"ladder\" data-stream=\"%" PRIu64 "\">\n", c.stream);
    appendf(o, "<text x=\"10\" y=\"%d\" font-weight=\"bold\">stream %" PRIu64 "</text>\n", y + 14, c.stream);
    std::string who = c.client + (c.clientid.empty() ? "" : " '" + c.clientid + "'");
    appendf(o, "<text x=\"10\" y=\"%d\">client %s</text>\n", y + 34, xml_escape(who).c_str());
    appendf(o, "<text x=\"790\" y=\"%d\" text-anchor=\"end\">broker %s</text>\n", y + 34, xml_escape(c.broker).c_str());
    for (int x : {kLeft, kRight})
      appendf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\" stroke-width=\"2\"/>\n", x, y + 42, x,
              bottom);
    int row = y + kHead;
    for (const auto& s : c.steps) {
      const int x1 = s.from_client ? kLeft : kRight, x2 = s.from_client ? kRight : kLeft;
      const bool tcp = s.label.rfind("TCP ", 0) == 0;
      appendf(o, "<text x=\"10\" y=\"%d\" fill=\"#555\">%.6f</text>\n", row + 4, s.t);
      appendf(o,
              "<line class=\"arrow\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\" "
              "marker-end=\"url(#arrow)\"/>\n",
              x1, row + 6, x2, row + 6, tcp ? "#b55" : "#333");
      const std::string label = s.label.size() > 76 ? s.label.substr(0, 73) + "..." : s.label;
      appendf(o, "<text x=\"400\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", row + 1, xml_escape(label).c_str());
      row += kRow;
    }
    if (c.more) appendf(o, "<text x=\"400\" y=\"%d\" text-anchor=\"middle\">... %" PRIu64 " more</text>\n", row + 4, c.more);
    o += "</g>\n";
    y = bottom + 20;
    out += o;  // one connection at a time
    o.clear();
  }
  o += "</svg>\n";
  out += o;
}

}  // namespace mqsniff::out
