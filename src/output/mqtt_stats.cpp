#include "src/output/mqtt_stats.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <cinttypes>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include "dissectors/mqtt/mqtt_dissect.h"
#include "dissectors/mqtt/mqtt_fields.h"
#include "dissectors/tcp/tcp_fields.h"
#include "dissectors/tls/tls_dissect.h"
#include "dissectors/tls/tls_fields.h"
#include "dissectors/mqtt/mqtt_topic.h"
#include "dissectors/core/value_names.h"
#include "src/output/mqtt_ladder.h"
#include "src/output/mqtt_pdu.h"
#include "src/output/stat_util.h"
#include "src/output/verbose.h"

namespace mqsniff::out {
using core::FieldId;
using core::FieldNode;
using core::FieldTree;
using core::Packet;
using core::Timestamp;
namespace mf = mqtt::mqtt_f;
namespace tf = tls::tls_f;

namespace {

constexpr size_t kMaxConnections = 10000;  // reported one by one; the rest only in the totals

// ------------------------------------------------------------------------
// Connections by tcp.stream: which side is the client (the sender of the
// CONNECT; before one is seen, the side not on a well-known broker port).
struct Conn {
  uint64_t stream = 0;
  Endpoint client_ep, broker_ep;
  std::string client, broker;  // "addr:port", filled by Connections::all() for printing
  bool client_known = false;   // from a CONNECT
  std::string clientid;
};

// No text is made per packet: endpoints are compared as addresses, named at the end.
class Connections {
public:
  // The connection of this packet (null when the table is full), and whether
  // the packet goes from client to broker.
  Conn* get(const Packet& pkt, const FieldTree& t, bool& from_client) {
    const FieldNode* s = frame_facts(t).stream;
    if (!s || pkt.net_src.type == core::AddrType::None) return nullptr;
    // tcp.stream numbers are dense from 0: a flat index (the first kFlat
    // streams; later ones through the map).
    size_t idx = SIZE_MAX;
    if (s->u < kFlat) {
      if (s->u < flat_.size() && flat_[s->u]) idx = flat_[s->u] - 1;
    } else if (auto f = index_.find(s->u); f != index_.end()) {
      idx = f->second;
    }
    if (idx == SIZE_MAX) {
      if (conns_.size() >= kMaxConnections) {
        ++overflow_;
        return nullptr;
      }
      Conn c;
      c.stream = s->u;
      const bool src_client = source_is_client(pkt.srcport, pkt.dstport);
      const Endpoint src{pkt.net_src, pkt.srcport}, dst{pkt.net_dst, pkt.dstport};
      c.client_ep = src_client ? src : dst;
      c.broker_ep = src_client ? dst : src;
      idx = conns_.size();
      if (s->u < kFlat) {
        if (flat_.size() <= s->u) flat_.resize(std::max<size_t>(s->u + 1, flat_.size() * 2), 0);
        flat_[s->u] = static_cast<uint32_t>(idx + 1);
      } else {
        index_.emplace(s->u, idx);
      }
      conns_.push_back(std::move(c));
    }
    Conn& c = conns_[idx];
    from_client = c.client_ep.is(pkt.net_src, pkt.srcport);
    return &c;
  }
  // A CONNECT: its sender is the client, whatever the ports said.
  void connect_from(Conn& c, const Packet& pkt, std::string_view clientid, bool& from_client) {
    if (c.clientid.empty()) c.clientid = clientid;
    if (c.client_known) return;
    if (!c.client_ep.is(pkt.net_src, pkt.srcport)) std::swap(c.client_ep, c.broker_ep);
    c.client_known = true;
    from_client = true;
  }
  // fn(conn, from_client, pdu) for each MQTT packet of the frame; the
  // connection is looked up once (null when the table is full), and a CONNECT
  // settles which side is the client before fn sees it.
  template <typename Fn>
  void each_pdu(const Packet& pkt, const FieldTree& tree, Fn fn) {
    bool from_client = false, looked = false;
    Conn* c = nullptr;
    out::each_pdu(tree, [&](const Pdu& p) {
      if (!looked) {
        c = get(pkt, tree, from_client);
        looked = true;
      }
      if (p.type == 1 && c) connect_from(*c, pkt, p.clientid, from_client);
      fn(c, from_client, p);
    });
  }
  std::vector<Conn>& all() {
    for (auto& c : conns_) {
      c.client = c.client_ep.text();
      c.broker = c.broker_ep.text();
    }
    return conns_;
  }
  uint64_t overflow() const { return overflow_; }

private:
  static constexpr uint64_t kFlat = 1 << 20;  // 4 MiB of index at most
  std::vector<uint32_t> flat_;                // stream -> connection + 1 (0: none)
  std::unordered_map<uint64_t, size_t> index_;
  std::vector<Conn> conns_;
  uint64_t overflow_ = 0;
};

// The connection table of a statistic: its own, or one shared by the
// statistics of --report (one lookup table, one set of connection strings).
struct SharesConnections {
  explicit SharesConnections(std::shared_ptr<Connections> c)
      : conns_ptr_(c ? std::move(c) : std::make_shared<Connections>()), conns_(*conns_ptr_) {}
  std::shared_ptr<Connections> conns_ptr_;
  Connections& conns_;
};

std::string quoted(std::string_view s) {
  std::string o = "'";
  for (char c : s) o += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '.' : c;
  return o + "'";
}

std::string seconds_text(double s) {
  char b[32];
  if (s < 0.001) snprintf(b, sizeof b, "%.0f us", s * 1e6);
  else if (s < 1) snprintf(b, sizeof b, "%.3f ms", s * 1e3);
  else snprintf(b, sizeof b, "%.3f s", s);
  return b;
}

// ------------------------------------------------------------------------
// Latencies of one row: exact for the first kKeep flows, then a reservoir
// sample of that size (Vitter's algorithm R, deterministic), so the median
// and 95th percentile stay meaningful on any capture with bounded memory.
class Latencies {
public:
  static constexpr size_t kKeep = 65536;
  void add(double v) {
    ++n_;
    max_ = std::max(max_, v);
    if (v_.size() < kKeep) {
      v_.push_back(v);
      return;
    }
    rng_ = rng_ * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t j = (rng_ >> 11) % n_;
    if (j < kKeep) v_[j] = v;
  }
  uint64_t count() const { return n_; }
  double max() const { return max_; }
  double quantile(double q) {
    if (v_.empty()) return 0;
    std::sort(v_.begin(), v_.end());
    // nearest rank
    size_t r = static_cast<size_t>(std::ceil(q * static_cast<double>(v_.size())));
    return v_[r ? r - 1 : 0];
  }

private:
  std::vector<double> v_;
  uint64_t n_ = 0, rng_ = 1;
  double max_ = 0;
};

// ---------------------------------------------------------------- qos ----
class QosStat : public Stat, private SharesConnections {
public:
  explicit QosStat(std::shared_ptr<Connections> c = nullptr) : SharesConnections(std::move(c)) {}
  void want(std::vector<FieldId>& ids) const override { want_pdu_fields(ids); }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext&) override {
    conns_.each_pdu(pkt, tree, [&](Conn* c, bool from_client, const Pdu& p) {
      // The direction of the flow: the PUBLISH's; acks from the receiver
      // (PUBACK, PUBREC, PUBCOMP) go the other way, PUBREL with it.
      const bool pub_from_client = (p.type == 4 || p.type == 5 || p.type == 7) ? !from_client : from_client;
      const size_t d = pub_from_client ? 0 : 1;
      if (p.type == 3) {
        Row& total = totals_[p.qos & 3][d];
        Row* per = c && (p.qos & 3) < 3 ? &client_of(*c).rows[p.qos & 3][d] : nullptr;
        for (Row* r : {&total, per}) {
          if (!r) continue;
          ++r->packets;
          if (p.dup) ++r->dup;
          if (!p.retrans) ++r->messages;
          if (p.incomplete) ++r->reused_incomplete;
        }
      } else if (p.type == 2) {
        abandoned_ += p.abandoned;
      } else if (p.type >= 4 && p.type <= 7) {
        if (p.unmatched) {
          ++unmatched_;
          return;
        }
        if (!p.resp) return;
        const int qos = p.type == 4 ? 1 : 2;
        Row& total = totals_[qos][d];
        Row* per = c ? &client_of(*c).rows[qos][d] : nullptr;
        for (Row* r : {&total, per}) {
          if (!r) continue;
          ++r->packets;
          if (p.retrans) ++r->dup;
          if (p.type == 4 || p.type == 7) {
            ++r->completed;
            r->lat.add(secs(p.time));
          }
        }
      }
    });
  }
  void print(std::string& out, Timestamp) override {
    const std::string rule(100, '=');
    out += "\n" + rule + "\nMQTT QoS flows (mqsniff):\n";
    out += "A message is a PUBLISH (its DUP copies are retransmissions); a QoS 1 flow completes with its PUBACK,\n"
           "a QoS 2 flow with its PUBCOMP. Latency: from the PUBLISH to the packet that completes its flow.\n\n";
    header(out, "Connections");
    for (int q = 0; q < 3; ++q)
      for (size_t d = 0; d < 2; ++d)
        if (totals_[q][d].packets) line(out, "all connections", q, d, totals_[q][d]);
    appendf(out, "Acknowledgements of a PUBLISH not captured: %" PRIu64 "\n", unmatched_);
    if (abandoned_)
      appendf(out, "Open flows abandoned on reconnection (the broker kept no session, Session Present 0): %" PRIu64 "\n",
              abandoned_);
    if (!clients_.empty()) {
      // A session outlives its connections (a flow begun on one may complete
      // on the next): one row group per client identifier.
      out += "\nPer client (its connections' streams):\n";
      header(out, "Client");
      std::map<std::string, std::string> addr;  // client key -> the first connection's client address
      for (auto& c : conns_.all()) addr.emplace(key(c), c.client);
      for (auto& [k, e] : clients_) {
        std::string who = k[0] == '#' ? addr[k] : quoted(std::string_view(k).substr(1));
        who += " (stream";
        if (e.streams.size() > 1) who += 's';
        for (size_t i = 0; i < e.streams.size(); ++i) who += (i ? ", " : " ") + std::to_string(e.streams[i]);
        who += ')';
        bool first = true;
        for (int q = 0; q < 3; ++q)
          for (size_t d = 0; d < 2; ++d)
            if (e.rows[q][d].packets) {
              line(out, first ? who : "", q, d, e.rows[q][d]);
              first = false;
            }
      }
      if (conns_.overflow()) appendf(out, "... and packets of more connections (only the first %zu are listed)\n", kMaxConnections);
    }
    out += rule + "\n";
  }

private:
  struct Row {
    uint64_t messages = 0, packets = 0, completed = 0, dup = 0, reused_incomplete = 0;
    Latencies lat;
  };
  static void header(std::string& out, const char* who) {
    appendf(out, "%-34s %-3s %-16s %8s %9s %10s %8s %5s %10s %10s %10s\n", who, "QoS", "Direction",
            "Messages", "Completed", "Incomplete", "Pkts/msg", "DUP", "Median", "p95", "Max");
  }
  static void line(std::string& out, const std::string& who, int q, size_t d, Row& r) {
    const char* dir = d == 0 ? "client -> broker" : "broker -> client";
    std::string done = q ? std::to_string(r.completed) : "-";
    std::string inc = q ? std::to_string(r.messages > r.completed ? r.messages - r.completed : 0) : "-";
    char ppm[32];
    snprintf(ppm, sizeof ppm, "%.2f", r.messages ? static_cast<double>(r.packets) / static_cast<double>(r.messages) : 0.0);
    std::string med = "-", p95 = "-", mx = "-";
    if (r.lat.count()) {
      med = seconds_text(r.lat.quantile(0.5));
      p95 = seconds_text(r.lat.quantile(0.95));
      mx = seconds_text(r.lat.max());
    }
    appendf(out, "%-34s %-3d %-16s %8" PRIu64 " %9s %10s %8s %5" PRIu64 " %10s %10s %10s\n", who.c_str(), q, dir,
            r.messages, done.c_str(), inc.c_str(), ppm, r.dup, med.c_str(), p95.c_str(), mx.c_str());
  }
  struct Client {
    std::vector<uint64_t> streams;
    std::array<std::array<Row, 2>, 3> rows;
  };
  // '=' + client identifier, or '#' + stream (no CONNECT seen).
  static std::string key(const Conn& c) {
    if (!c.clientid.empty()) return "=" + c.clientid;
    char b[24];
    snprintf(b, sizeof b, "#%020" PRIu64, c.stream);
    return b;
  }
  Client& client_of(const Conn& c) {
    auto [it, fresh] = client_index_.try_emplace(key(c), clients_.size());
    if (fresh) clients_.emplace_back(it->first, Client{});
    Client& e = clients_[it->second].second;
    if (e.streams.empty() || e.streams.back() != c.stream) {
      if (std::find(e.streams.begin(), e.streams.end(), c.stream) == e.streams.end()) e.streams.push_back(c.stream);
    }
    return e;
  }
  Row totals_[3][2];
  std::vector<std::pair<std::string, Client>> clients_;  // in the order they first had QoS traffic
  std::unordered_map<std::string, size_t> client_index_;
  uint64_t unmatched_ = 0, abandoned_ = 0;
};

// ----------------------------------------------------------- exposure ----
// Per connection, what a passive eavesdropper read in clear, against what TLS
// hid, and a verdict; the classroom confidentiality demonstration in one table.
class ExposureStat : public Stat, private SharesConnections {
public:
  explicit ExposureStat(bool show_secrets, std::shared_ptr<Connections> c = nullptr)
      : SharesConnections(std::move(c)), show_secrets_(show_secrets) {}
  void want(std::vector<FieldId>& ids) const override {
    want_pdu_fields(ids);
    ids.insert(ids.end(), {tf::proto, tf::handshake_type, tf::server_name, tf::supported_version, tf::handshake_version,
                           tf::ciphersuite, tf::alert_level, tf::alert_desc, tf::inferred_alert, tf::decrypted,
                           tf::record_opaque_type, tf::record_content_type, tls::x509_f::cert_subject,
                           tls::x509_f::cert_issuer, tls::x509_f::cert_not_after, mf::ver});
  }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext&) override {
    const auto& nodes = tree.nodes();
    bool has_app = false;
    for (const auto& n : nodes)
      if (n.id == mf::proto || n.id == tf::proto) {
        has_app = true;
        break;
      }
    if (!has_app) return;
    bool from_client = false;
    Conn* c = conns_.get(pkt, tree, from_client);
    if (!c) return;
    Info& e = info_[c->stream];
    // TLS: the fields of each handshake message follow its type.
    int hs = -1;
    bool decrypted_record = false;
    for (const auto& n : nodes) {
      switch (n.id) {
        case tf::proto: e.tls = true; break;
        case tf::handshake_type: hs = static_cast<int>(n.u); if (hs == 2) e.server_hello = true; break;
        case tf::server_name: if (e.sni.empty()) e.sni = n.str(); break;
        case tf::supported_version: if (hs == 2) e.version = static_cast<uint16_t>(n.u); break;
        case tf::handshake_version: if (hs == 2 && !e.version) e.version = static_cast<uint16_t>(n.u); break;
        case tf::ciphersuite: if (hs == 2) e.cipher = static_cast<uint16_t>(n.u); break;
        case tls::x509_f::cert_subject:
          if (e.certs.size() < 8) e.certs.push_back({from_client, std::string(n.str()), {}, {}, e.decrypted_any});
          break;
        case tls::x509_f::cert_issuer: if (!e.certs.empty() && e.certs.back().issuer.empty()) e.certs.back().issuer = n.str(); break;
        case tls::x509_f::cert_not_after: if (!e.certs.empty() && e.certs.back().not_after.empty()) e.certs.back().not_after = n.str(); break;
        case tf::alert_level: e.alert_level = static_cast<int>(n.u); break;
        case tf::alert_desc:
          if (e.alert_level == 2 && e.alert < 0) {
            e.alert = static_cast<int>(n.u);
            e.alert_from_client = from_client;
            e.alert_decrypted = decrypted_record;
          }
          break;
        case tf::inferred_alert: if (e.inferred.empty()) e.inferred = n.str(); break;
        case tf::decrypted: decrypted_record = true; e.decrypted_any = true; break;
        case tf::record_opaque_type: case tf::record_content_type: if (n.u == 23) ++e.app_records; break;
        default: break;
      }
    }
    each_pdu(tree, [&](const Pdu& p) {
      if (p.type == 1) conns_.connect_from(*c, pkt, p.clientid, from_client);
      ++e.mqtt_packets;
      if (e.tls) e.mqtt_inside_tls = true;
      if (p.type == 1) {
        if (p.has_clientid) e.clientid = p.clientid;
        if (p.has_username) e.username = p.username;
        if (p.has_passwd) e.password = p.passwd;
        e.has_username |= p.has_username;
        e.has_password |= p.has_passwd;
        if (p.has_will) {
          e.will_topic = p.willtopic;
          e.will_len = p.willmsg_len;
          e.has_will = true;
        }
      } else if (p.type == 2) {
        e.connack = p.conack;
        e.connack_v5 = p.conack_v5;
      } else if (p.type == 3 && !p.topics.empty()) {
        add_topic(from_client ? e.published : e.delivered, p.topics.back());
        e.payload_bytes += p.msg_len;
      } else if (p.type == 8) {
        for (auto t : p.topics) add_topic(e.subscribed, t);
      }
    });
  }
  // One row per connection, for the HTML report.
  struct Row {
    uint64_t stream;
    std::string client, broker, transport, verdict, kind, readable, tls;
  };
  std::vector<Row> rows() {
    std::vector<Row> v;
    for (auto& c : conns_.all()) {
      auto it = info_.find(c.stream);
      if (it == info_.end()) continue;
      Info& e = it->second;
      Row r{c.stream, c.client, c.broker, transport(e), verdict(e), "", "", ""};
      r.kind = r.verdict.substr(0, r.verdict.find(':'));
      if ((!e.tls || e.mqtt_inside_tls) && e.mqtt_packets) {
        r.readable = "client id " + quoted(e.clientid);
        if (e.has_username) r.readable += ", user name " + quoted(e.username);
        if (e.has_password) r.readable += ", password " + quoted(show_secrets_ ? e.password : mask(e.password));
        std::set<std::string> all;
        for (const Topics* t : {&e.published, &e.delivered, &e.subscribed})
          for (const auto& [name, n] : t->n) all.insert(name);
        r.readable += "; topics:";
        size_t k = 0;
        for (const auto& t : all) {
          if (k++ == 12) {
            r.readable += " ...";
            break;
          }
          r.readable += " " + quoted(t);
        }
      }
      if (e.tls) {
        if (!e.sni.empty()) r.tls = "SNI " + quoted(e.sni);
        for (const auto& k : e.certs)
          r.tls += std::string(r.tls.empty() ? "" : "; ") + (k.from_client ? "client" : "broker") + " cert " + k.subject;
        if (e.version == 0x0304 && !e.decrypted_any) r.tls += std::string(r.tls.empty() ? "" : "; ") + "certificates hidden by TLS 1.3";
      }
      v.push_back(std::move(r));
    }
    return v;
  }
  void print(std::string& out, Timestamp) override {
    const std::string rule(100, '=');
    out += "\n" + rule + "\nMQTT exposure: what a passive eavesdropper reads (mqsniff):\n";
    uint64_t clear = 0, creds = 0, prot = 0, failed = 0, dec = 0;
    for (auto& c : conns_.all()) {
      auto it = info_.find(c.stream);
      if (it == info_.end()) continue;
      Info& e = it->second;
      const std::string v = verdict(e);
      if (v.rfind("CLEAR", 0) == 0) {
        ++clear;
        if (e.has_username || e.has_password) ++creds;
      } else if (v.rfind("PROTECTED", 0) == 0) {
        ++prot;
      } else if (v.rfind("FAILED", 0) == 0) {
        ++failed;
      } else {
        ++dec;
      }
      appendf(out, "\nstream %" PRIu64 "  %s -> %s  %s\n", c.stream, c.client.c_str(), c.broker.c_str(),
              transport(e).c_str());
      out += "  " + v + "\n";
      const bool readable = !e.tls || e.mqtt_inside_tls;
      if (readable && e.mqtt_packets) {
        const char* how = e.tls ? "  with the keys: " : "  in clear: ";
        std::string who;
        if (!e.clientid.empty() || e.mqtt_packets) who += "client id " + quoted(e.clientid);
        if (e.has_username) who += ", user name " + quoted(e.username);
        if (e.has_password) who += ", password " + quoted(show_secrets_ ? std::string(e.password) : mask(e.password));
        out += how + who + "\n";
        if (e.connack > 0) {
          const char* why = core::value_name(e.connack_v5 ? "mqtt.connack.reason_code" : "mqtt.conack.val",
                                             static_cast<uint64_t>(e.connack));
          out += "    the broker refused the connection (CONNACK code " + std::to_string(e.connack) +
                 (why ? std::string(": ") + why : std::string()) + ")\n";
        }
        if (e.has_will)
          out += "    will: topic " + quoted(e.will_topic) + ", message " + std::to_string(e.will_len) + " bytes\n";
        list(out, "    published by the client", e.published);
        list(out, "    delivered to the client", e.delivered);
        list(out, "    subscribed", e.subscribed);
        appendf(out, "    PUBLISH payload bytes readable: %" PRIu64 "\n", e.payload_bytes);
      }
      if (e.tls) {
        std::string hid = "  TLS";
        if (!e.sni.empty()) hid += ": server name " + quoted(e.sni) + " (in clear)";
        out += hid + "\n";
        for (const auto& k : e.certs)
          out += std::string("    ") + (k.from_client ? "client" : "broker") + " certificate " +
                 (k.decrypted ? "(decrypted) " : "(in clear) ") + k.subject + ", issuer " + k.issuer +
                 (k.not_after.empty() ? "" : ", expires " + k.not_after) + "\n";
        if (e.version == 0x0304 && !e.decrypted_any) out += "    certificates hidden by TLS 1.3\n";
        if (!e.mqtt_inside_tls && !e.decrypted_any)
          appendf(out, "    MQTT hidden: %" PRIu64 " Application Data record(s)\n", e.app_records);
        else if (!e.mqtt_inside_tls)
          out += "    decrypted: no MQTT was exchanged\n";
      }
    }
    if (conns_.overflow()) appendf(out, "\n... more connections not listed (only the first %zu)\n", kMaxConnections);
    appendf(out,
            "\nTotal: %zu connection(s): %" PRIu64 " in clear (%" PRIu64 " with credentials), %" PRIu64
            " protected by TLS, %" PRIu64 " failed, %" PRIu64 " decrypted with the keys\n",
            static_cast<size_t>(clear + prot + failed + dec), clear, creds, prot, failed, dec);
    out += rule + "\n";
  }

private:
  struct Cert {
    bool from_client;
    std::string subject, issuer, not_after;
    bool decrypted;
  };
  struct Topics {
    std::map<std::string, uint64_t, std::less<>> n;  // (found by string_view: no string per packet)
    uint64_t more = 0;
  };
  struct Info {
    bool tls = false, server_hello = false, mqtt_inside_tls = false, decrypted_any = false;
    uint16_t version = 0, cipher = 0;
    std::string sni;
    std::vector<Cert> certs;
    int alert_level = 0, alert = -1;
    bool alert_from_client = false, alert_decrypted = false;
    std::string inferred;
    uint64_t app_records = 0, mqtt_packets = 0, payload_bytes = 0;
    std::string clientid, username, password, will_topic;
    bool has_username = false, has_password = false, has_will = false;
    size_t will_len = 0;
    int connack = -1;
    bool connack_v5 = false;
    Topics published, delivered, subscribed;
  };
  static constexpr size_t kMaxTopics = 256;  // per connection and list
  static void add_topic(Topics& t, std::string_view name) {
    auto it = t.n.find(name);
    if (it != t.n.end()) ++it->second;
    else if (t.n.size() < kMaxTopics) t.n.emplace(std::string(name), 1);
    else ++t.more;
  }
  static void list(std::string& out, const char* what, const Topics& t) {
    if (t.n.empty()) return;
    std::string l = std::string(what) + " (" + std::to_string(t.n.size() + (t.more ? 1 : 0)) + (t.more ? "+" : "") + "): ";
    size_t shown = 0;
    for (const auto& [name, n] : t.n) {
      if (shown == 20) {
        l += ", ... " + std::to_string(t.n.size() - shown) + " more";
        break;
      }
      l += (shown ? ", " : "") + quoted(name) + (n > 1 ? " x" + std::to_string(n) : "");
      ++shown;
    }
    out += l + "\n";
  }
  static std::string mask(std::string_view p) {
    if (p.size() <= 2) return std::string(p.size(), '*');
    return std::string(1, p.front()) + std::string(p.size() - 2, '*') + p.back();
  }
  static std::string version_text(uint16_t v) {
    const char* n = core::value_name_known("tls.handshake.version", v);
    return n ? n : "TLS";
  }
  std::string transport(const Info& e) const {
    if (!e.tls) return "plain MQTT";
    std::string t = e.version ? version_text(e.version) : "TLS (no ServerHello)";
    if (e.cipher) {
      const char* cn = core::value_name_known("tls.handshake.ciphersuite", e.cipher);
      char hex[16];
      snprintf(hex, sizeof hex, "0x%04x", e.cipher);
      t += std::string(" ") + (cn ? cn : hex);
    }
    return t;
  }
  std::string verdict(const Info& e) const {
    auto what = [&] {
      std::string w;
      if (e.has_username || e.has_password) w = "credentials and ";
      std::set<std::string> all;
      for (const Topics* t : {&e.published, &e.delivered, &e.subscribed})
        for (const auto& [name, n] : t->n) all.insert(name);
      return w + std::to_string(all.size()) + " topic(s) readable";
    };
    if (!e.tls) return "CLEAR: " + what();
    if (e.alert >= 0) {
      const char* name = tls::alert_name(static_cast<uint8_t>(e.alert));
      std::string who = e.alert_from_client ? "the client rejected the broker" : "the broker rejected the client";
      if (e.alert == 48 && !e.alert_from_client) who = "client certificate rejected";
      if (e.alert == 48 && e.alert_from_client) who = "broker certificate rejected";
      return std::string("FAILED: ") + who + " (" + name + (e.alert_decrypted ? ", alert decrypted with the keys" : ", alert in clear") + ")";
    }
    if (!e.inferred.empty())
      return e.inferred.rfind("the server", 0) == 0
                 ? "FAILED: the broker rejected the handshake, probably the client certificate (inferred: TLS 1.3 encrypts the alert)"
                 : "FAILED: the client rejected the handshake, probably the broker certificate (inferred: TLS 1.3 encrypts the alert)";
    if (e.mqtt_inside_tls) return "DECRYPTED with the key log: " + what() + " to whoever holds the keys";
    if (!e.server_hello) return "PROTECTED: TLS handshake not seen, nothing readable";
    if (!e.certs.empty()) return "PROTECTED: " + version_text(e.version) + ", MQTT hidden (certificates readable)";
    return "PROTECTED: " + version_text(e.version) + ", nothing readable";
  }
  bool show_secrets_;
  std::unordered_map<uint64_t, Info> info_;
};

// ---------------------------------------------------------- keepalive ----
// MQTT 3.1.1 §3.1.2.10 / 5.0 §3.1.2.10: the client must send a control
// packet at least every Keep Alive seconds (PINGREQ when it has nothing
// else); the broker closes the connection after 1.5 x Keep Alive without one.
// 5.0: a Server Keep Alive in the CONNACK replaces the client's value.
class KeepaliveStat : public Stat, private SharesConnections {
public:
  explicit KeepaliveStat(std::shared_ptr<Connections> c = nullptr) : SharesConnections(std::move(c)) {}
  void want(std::vector<FieldId>& ids) const override {
    want_pdu_fields(ids);
    ids.insert(ids.end(), {tcp::tcp_f::flags_fin, tcp::tcp_f::flags_reset,
                           static_cast<FieldId>(mf::prop_first + 0x13)});
  }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext& row) override {
    bool from_client = false;
    const FrameFacts& facts = frame_facts(tree);
    const bool mqtt = facts.mqtt;
    const bool closing = facts.fin || facts.rst;
    if (!mqtt && !closing) return;
    if (!mqtt) {  // a FIN or RST: only for a connection already seen
      if (!facts.stream || !info_.count(facts.stream->u)) return;
    }
    Conn* c = conns_.get(pkt, tree, from_client);
    if (!c) return;
    K& k = info_[c->stream];
    const double now = secs(row.ts);

    each_pdu(tree, [&](const Pdu& p) {
      if (p.type == 1) {
        conns_.connect_from(*c, pkt, p.clientid, from_client);
        k.keepalive = p.kalive;
        k.connected = true;
        k.last_client = now;
      }
      if (p.type == 2 && facts.server_keepalive >= 0) k.server_keepalive = facts.server_keepalive;
      if (from_client) {
        if (k.last_client >= 0) {
          const double gap = now - k.last_client;
          if (gap > k.longest) {
            k.longest = gap;
            k.longest_at = row.number;
          }
        }
        // Late, expired and unanswered are the dissector's analysis (mqtt.analysis.keepalive_*, ping_*).
        if (p.type == 12 && p.keepalive_late) ++k.late_pings;
        if (p.keepalive_expired) ++k.overdue;
        k.last_client = now;
        if (p.type == 12) {
          ++k.pings;
          if (p.ping_unanswered) ++k.unanswered;
          k.ping_pending = true;
        }
        if (p.type == 14) k.disconnect = true;
      } else if (p.type == 13) {
        ++k.pongs;
        k.ping_pending = false;
      }
    });
    if (closing && k.close_at < 0) {
      k.close_at = now;
      k.closed_by_client = from_client;
    }
    k.end = now;
  }
  void print(std::string& out, Timestamp) override {
    const std::string rule(100, '=');
    out += "\n" + rule + "\nMQTT keepalive (mqsniff): the client's promise against its silences (MQTT §3.1.2.10)\n";
    appendf(out, "%-40s %9s %10s %6s %5s %10s  %s\n", "Connection", "Keepalive", "Longest", "PINGs", "Late",
            "Unanswered", "Verdict");
    for (auto& c : conns_.all()) {
      auto it = info_.find(c.stream);
      if (it == info_.end()) continue;
      K& k = it->second;
      if (k.ping_pending && (k.close_at >= 0 || k.end > k.last_client)) ++k.unanswered, k.ping_pending = false;
      const int ka = k.effective();
      std::string who = "stream " + std::to_string(c.stream) + " " + (c.clientid.empty() ? c.client : quoted(c.clientid));
      std::string kas = k.keepalive < 0 ? "?" : std::to_string(ka) + " s";
      if (k.server_keepalive >= 0) kas += " (server)";
      char longest[32];
      snprintf(longest, sizeof longest, "%.3f s", k.longest);
      appendf(out, "%-40s %9s %10s %6" PRIu64 " %5" PRIu64 " %10" PRIu64 "  %s\n", who.c_str(), kas.c_str(), longest,
              k.pings, k.late_pings, k.unanswered, verdict(k, ka).c_str());
    }
    if (conns_.overflow()) appendf(out, "... more connections not listed (only the first %zu)\n", kMaxConnections);
    out += rule + "\n";
  }

private:
  struct K {
    int keepalive = -1, server_keepalive = -1;
    bool connected = false, disconnect = false, ping_pending = false, closed_by_client = false;
    double last_client = -1, longest = 0, close_at = -1, end = 0;
    uint64_t longest_at = 0, pings = 0, pongs = 0, late_pings = 0, unanswered = 0, overdue = 0;
    int effective() const { return server_keepalive >= 0 ? server_keepalive : keepalive; }
  };
  static std::string verdict(const K& k, int ka) {
    char b[200];
    if (k.keepalive < 0) return "no CONNECT captured";
    if (ka == 0) return "keepalive off (0): the broker never times the client out";
    // The silence up to the broker's close counts too.
    const double tail = k.close_at >= 0 && !k.closed_by_client ? k.close_at - k.last_client : 0;
    if (k.close_at >= 0 && !k.closed_by_client && !k.disconnect && tail > ka) {
      snprintf(b, sizeof b,
               "%s: the broker closed the connection %.3f s after the client's last packet (due after 1.5 x %d s = %.1f s)",
               tail >= mqtt::KeepaliveTrack::kExpire * ka ? "timed out" : "closed early", tail, ka,
               mqtt::KeepaliveTrack::kExpire * ka);
      return b;
    }
    if (k.overdue) {
      snprintf(b, sizeof b, "silent %.3f s, over 1.5 x %d s: the broker should have closed, and did not", k.longest, ka);
      return b;
    }
    if (k.late_pings || k.longest > mqtt::KeepaliveTrack::kLate * ka) {
      snprintf(b, sizeof b, "late: %.3f s without a packet (keepalive %d s), within the 1.5 x grace", k.longest, ka);
      return b;
    }
    return "OK";
  }
  std::unordered_map<uint64_t, K> info_;
};

// ------------------------------------------------------ subscriptions ----
// Every topic filter subscribed to, against every topic published by a
// client, with MQTT's own matching (§4.7: + one level, # the rest, $-topics
// not matched by a leading wildcard; $share/GROUP/ stripped).
class SubscriptionsStat : public Stat, private SharesConnections {
public:
  explicit SubscriptionsStat(std::shared_ptr<Connections> c = nullptr) : SharesConnections(std::move(c)) {}
  void want(std::vector<FieldId>& ids) const override { want_pdu_fields(ids); }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext&) override {
    conns_.each_pdu(pkt, tree, [&](Conn* c, bool from_client, const Pdu& p) {
      if (!c) return;
      if (p.type == 8) {
        for (auto f : p.topics) {
          if (subs_.size() >= kMaxFilters) {
            ++dropped_;
            continue;
          }
          Sub s{c->stream, std::string(f), {}};
          bool dupe = false;
          for (const auto& x : subs_) dupe |= x.stream == s.stream && x.filter == s.filter;
          if (!dupe) subs_.push_back(std::move(s));
        }
      } else if (p.type == 3 && !p.topics.empty() && !p.retrans) {
        // Messages are counted where clients publish them; a topic seen only in
        // deliveries (the broker's $SYS, retained messages older than the
        // capture) counts its deliveries.
        auto& m = from_client ? topics_ : delivered_;
        auto it = m.find(p.topics.back());
        if (it != m.end()) ++it->second;
        else if (m.size() < kMaxTopics) m.emplace(std::string(p.topics.back()), 1);
        else ++dropped_;
      }
    });
  }
  void print(std::string& out, Timestamp) override {
    const std::string rule(100, '=');
    out += "\n" + rule + "\nMQTT subscriptions (mqsniff): which published topics each topic filter matches\n";
    out += "(+ one level, # this level and all below, $-topics not matched by a leading wildcard; messages\n"
           " counted from the PUBLISHes clients sent, or from the broker's deliveries for topics no client published)\n";
    for (const auto& [t, n] : delivered_)
      if (!topics_.count(t) && topics_.size() < kMaxTopics) {
        topics_.emplace(t, n);
        broker_only_.insert(t);
      }
    delivered_.clear();
    std::map<uint64_t, std::string> names;
    for (auto& c : conns_.all()) names[c.stream] = c.clientid.empty() ? c.client : quoted(c.clientid);
    for (auto& s : subs_) {
      const auto [shared, f] = mqtt::split_shared(s.filter);
      uint64_t msgs = 0;
      for (const auto& [t, n] : topics_)
        if (mqtt::topic_matches(f, t)) {
          s.matched.push_back(t);
          msgs += n;
        }
      out += "\n" + quoted(s.filter) + "  (stream " + std::to_string(s.stream) + " " + names[s.stream] +
             (shared.empty() ? std::string() : ", shared subscription of group " + quoted(shared)) + ")\n";
      if (s.matched.empty()) {
        out += "  matched nothing published in this capture\n";
        continue;
      }
      appendf(out, "  matched %zu topic(s), %" PRIu64 " message(s):", s.matched.size(), msgs);
      size_t shown = 0;
      for (const auto& t : s.matched) {
        if (shown++ == 20) {
          out += " ...";
          break;
        }
        out += " " + quoted(t) + " x" + std::to_string(topics_[t]) + (broker_only_.count(t) ? " (delivered by the broker)" : "");
      }
      out += "\n";
    }
    // Overlaps: two filters of one connection matching the same topic.
    bool header = false;
    for (size_t i = 0; i < subs_.size(); ++i)
      for (size_t j = i + 1; j < subs_.size(); ++j) {
        if (subs_[i].stream != subs_[j].stream) continue;
        std::vector<std::string> both;
        for (const auto& t : subs_[i].matched)
          if (std::find(subs_[j].matched.begin(), subs_[j].matched.end(), t) != subs_[j].matched.end()) both.push_back(t);
        if (both.empty()) continue;
        if (!header) {
          out += "\nOverlapping subscriptions (one client, two filters matching the same topic):\n";
          header = true;
        }
        out += "  " + quoted(subs_[i].filter) + " and " + quoted(subs_[j].filter) + " (stream " +
               std::to_string(subs_[i].stream) + "): both match";
        for (size_t k = 0; k < both.size() && k < 10; ++k) out += " " + quoted(both[k]);
        out += "\n";
      }
    std::vector<std::string> orphans;
    for (const auto& [t, n] : topics_) {
      bool any = false;
      for (const auto& s : subs_) any |= std::find(s.matched.begin(), s.matched.end(), t) != s.matched.end();
      if (!any) orphans.push_back(t);
    }
    if (!orphans.empty()) {
      out += "\nPublished topics no captured subscription matched:";
      for (size_t k = 0; k < orphans.size() && k < 50; ++k) out += " " + quoted(orphans[k]);
      if (orphans.size() > 50) out += " ...";
      out += "\n";
    }
    if (dropped_) appendf(out, "(%" PRIu64 " filters or topics beyond the limits not analysed)\n", dropped_);
    out += rule + "\n";
  }

private:
  static constexpr size_t kMaxFilters = 4096, kMaxTopics = 10000;
  struct Sub {
    uint64_t stream;
    std::string filter;
    std::vector<std::string> matched;
  };
  std::vector<Sub> subs_;
  std::map<std::string, uint64_t, std::less<>> topics_, delivered_;
  std::set<std::string> broker_only_;
  uint64_t dropped_ = 0;
};


// ------------------------------------------------------------- report ----
// --report FILE.html: the analyses as one self-contained page for a person:
// inline CSS and SVG only (classrooms are offline), no script.
class Report : public Stat {
public:
  Report(std::string path, std::string title, bool show_secrets)
      : path_(std::move(path)),
        title_(std::move(title)),
        conns_(std::make_shared<Connections>()),
        exposure_(show_secrets, conns_),
        qos_(conns_),
        keepalive_(conns_),
        subs_(conns_),
        ladder_(-1, false) {}
  void want(std::vector<FieldId>& ids) const override {
    exposure_.want(ids);
    qos_.want(ids);
    keepalive_.want(ids);
    subs_.want(ids);
    ladder_.want(ids);
    ids.insert(ids.end(), {mf::proto, tf::proto});
  }
  void packet(const Packet& pkt, const FieldTree& tree, const RowContext& row) override {
    exposure_.packet(pkt, tree, row);
    qos_.packet(pkt, tree, row);
    keepalive_.packet(pkt, tree, row);
    subs_.packet(pkt, tree, row);
    ladder_.packet(pkt, tree, row);
    // I/O graph: packets per second, MQTT / TLS (not decrypted to MQTT) / other.
    const double t = secs(row.ts);
    if (packets_ == 0) t0_ = t;
    ++packets_;
    t_end_ = t;
    const size_t sec = static_cast<size_t>(std::max(0.0, t - t0_));
    if (sec < kMaxSeconds) {
      if (io_.size() <= sec) io_.resize(sec + 1);
      const FrameFacts& facts = frame_facts(tree);
      const int kind = facts.mqtt ? 0 : facts.tls ? 1 : 2;
      ++io_[sec][kind];
    }
    each_pdu(tree, [&](const Pdu& p) {
      ++mqtt_packets_;
      if (p.type == 3 && !p.topics.empty()) {
        const std::string_view name = p.topics.back();
        auto it = topics_.find(name);
        if (it == topics_.end() && topics_.size() < kMaxTopics) it = topics_.emplace(std::string(name), TopicCount{}).first;
        if (it != topics_.end()) {
          ++it->second.messages;
          it->second.bytes += p.msg_len;
        }
      }
      if (p.resp && (p.type == 4 || p.type == 7)) {
        const double v = secs(p.time);
        int b = v <= 1e-6 ? 0 : static_cast<int>(std::floor((std::log10(v) + 6) * 4));  // 4 buckets per decade from 1 us
        b = std::clamp(b, 0, kBuckets - 1);
        ++hist_[p.type == 4 ? 0 : 1][b];
      }
    });
  }
  void print(std::string&, Timestamp) override {}
  bool write_file(std::string& error) override {
    TextFile h(path_, "report");
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>mqsniff report: " + xml_escape(title_) +
         "</title>\n<style>\n"
         "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1100px}\n"
         "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n"
         "table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}\n"
         "th{background:#eee}tr.CLEAR td.verdict{background:#fdd}tr.PROTECTED td.verdict{background:#dfd}\n"
         "tr.FAILED td.verdict{background:#fec}tr.DECRYPTED td.verdict{background:#ddf}\n"
         "pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.8em}ul.topics{font-family:monospace}\n"
         ".note{color:#555;font-size:.9em}\n</style></head>\n<body>\n";
    h += "<h1>MQTT report: " + xml_escape(title_) + "</h1>\n";
    char b[256];
    snprintf(b, sizeof b, "<p class=\"note\">%" PRIu64 " packets, %" PRIu64 " MQTT packets, %.3f s. Made by mqsniff.</p>\n",
             packets_, mqtt_packets_, packets_ ? t_end_ - t0_ : 0.0);
    h += b;
    // Exposure table.
    h += "<h2 id=\"exposure\">What an eavesdropper reads</h2>\n<table id=\"exposure-table\">\n"
         "<tr><th>Stream</th><th>Client</th><th>Broker</th><th>Transport</th><th>Verdict</th><th>Readable</th><th>TLS</th></tr>\n";
    for (const auto& r : exposure_.rows()) {
      snprintf(b, sizeof b, "%" PRIu64, r.stream);
      h += "<tr class=\"" + xml_escape(r.kind.substr(0, r.kind.find(' '))) + "\"><td>" + b + "</td><td>" + xml_escape(r.client) +
           "</td><td>" + xml_escape(r.broker) + "</td><td>" + xml_escape(r.transport) + "</td><td class=\"verdict\">" +
           xml_escape(r.verdict) + "</td><td>" + xml_escape(r.readable) + "</td><td>" + xml_escape(r.tls) + "</td></tr>\n";
    }
    h += "</table>\n";
    // Ladders.
    h += "<h2 id=\"ladders\">Ladders</h2>\n<div class=\"ladders\">\n";
    ladder_.write_svg(h);
    h += "</div>\n";
    // Topic tree.
    h += "<h2 id=\"topics\">Topics</h2>\n" + topic_tree();
    // QoS.
    h += "<h2 id=\"qos\">QoS flows</h2>\n" + histograms();
    std::string text;
    qos_.print(text, {});
    h += "<pre>" + xml_escape(text) + "</pre>\n";
    // I/O graph.
    h += "<h2 id=\"io\">Packets per second</h2>\n" + io_graph();
    text.clear();
    keepalive_.print(text, {});
    h += "<h2 id=\"keepalive\">Keepalive</h2>\n<pre>" + xml_escape(text) + "</pre>\n";
    text.clear();
    subs_.print(text, {});
    h += "<h2 id=\"subscriptions\">Subscriptions</h2>\n<pre>" + xml_escape(text) + "</pre>\n";
    h += "</body></html>\n";
    return h.close(error);
  }

private:
  static constexpr size_t kMaxSeconds = 1 << 20, kMaxTopics = 10000;
  static constexpr int kBuckets = 36;  // 1 us .. 1000 s, 4 per decade
  struct TopicCount {
    uint64_t messages = 0, bytes = 0;
  };
  std::string topic_tree() const {
    if (topics_.empty()) return "<p>No PUBLISH captured.</p>\n";
    TopicLevel root;
    for (const auto& [topic, n] : topics_) root.add(topic, n.messages, n.bytes);
    std::string o;
    auto render = [&](auto&& self, const TopicLevel& n) -> void {
      o += "<ul class=\"topics\">\n";
      for (const auto& [name, k] : n.kids) {
        char b[96];
        snprintf(b, sizeof b, " <span class=\"note\">(%" PRIu64 " msg, %" PRIu64 " B)</span>", k.messages, k.bytes);
        o += "<li>" + xml_escape(name.empty() ? "(empty level)" : name) + b;
        if (!k.kids.empty()) self(self, k);
        o += "</li>\n";
      }
      o += "</ul>\n";
    };
    render(render, root);
    return o;
  }
  std::string histograms() const {
    std::string o;
    for (int q = 0; q < 2; ++q) {
      uint64_t mx = 0, total = 0;
      for (uint64_t v : hist_[q]) {
        mx = std::max(mx, v);
        total += v;
      }
      char b[512];
      snprintf(b, sizeof b,
               "<h3>QoS %d: completion latency (%" PRIu64 " flows)</h3>\n<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" "
               "width=\"760\" height=\"170\" font-family=\"sans-serif\" font-size=\"11\">\n",
               q + 1, total);
      o += b;
      o += "<line x1=\"40\" y1=\"140\" x2=\"750\" y2=\"140\" stroke=\"#333\"/>\n";
      for (int i = 0; i < kBuckets; ++i) {
        const int x = 40 + i * 19;
        const int hgt = mx ? static_cast<int>(120.0 * static_cast<double>(hist_[q][i]) / static_cast<double>(mx)) : 0;
        if (hgt > 0) {
          snprintf(b, sizeof b, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"16\" height=\"%d\" fill=\"#58a\"><title>%" PRIu64 "</title></rect>\n",
                   x, 140 - hgt, hgt, hist_[q][i]);
          o += b;
        }
        if (i % 4 == 0) {
          static const char* const kDecade[] = {"1us", "10us", "100us", "1ms", "10ms", "100ms", "1s", "10s", "100s"};
          snprintf(b, sizeof b, "<text x=\"%d\" y=\"156\">%s</text>\n", x, kDecade[i / 4]);
          o += b;
        }
      }
      o += "</svg>\n";
    }
    return o;
  }
  std::string io_graph() const {
    if (io_.empty()) return "<p>No packets.</p>\n";
    // At most 300 points: seconds grouped when the capture is longer.
    const size_t per = (io_.size() + 299) / 300;
    std::vector<std::array<uint64_t, 3>> pts((io_.size() + per - 1) / per, {0, 0, 0});
    uint64_t mx = 1;
    for (size_t i = 0; i < io_.size(); ++i)
      for (int k = 0; k < 3; ++k) pts[i / per][k] += io_[i][k];
    for (const auto& p : pts)
      for (uint64_t v : p) mx = std::max(mx, v);
    std::string o;
    char b[256];
    snprintf(b, sizeof b,
             "<svg class=\"io\" xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"220\" font-family=\"sans-serif\" "
             "font-size=\"11\">\n<line x1=\"40\" y1=\"190\" x2=\"750\" y2=\"190\" stroke=\"#333\"/>\n"
             "<text x=\"40\" y=\"14\">max %" PRIu64 " packets per %zu s</text>\n",
             mx, per);
    o += b;
    static const char* const kColors[] = {"#c80", "#36c", "#999"};
    static const char* const kNames[] = {"MQTT", "TLS", "other"};
    for (int k = 0; k < 3; ++k) {
      std::string pts_s;
      for (size_t i = 0; i < pts.size(); ++i) {
        const double x = 40 + 710.0 * (pts.size() == 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(pts.size() - 1));
        const double y = 190 - 170.0 * static_cast<double>(pts[i][k]) / static_cast<double>(mx);
        snprintf(b, sizeof b, "%.1f,%.1f ", x, y);
        pts_s += b;
      }
      o += "<polyline class=\"series\" data-name=\"" + std::string(kNames[k]) + "\" fill=\"none\" stroke=\"" + kColors[k] +
           "\" stroke-width=\"1.5\" points=\"" + pts_s + "\"/>\n";
      snprintf(b, sizeof b, "<text x=\"%d\" y=\"210\" fill=\"%s\">%s</text>\n", 60 + k * 80, kColors[k], kNames[k]);
      o += b;
    }
    o += "</svg>\n";
    return o;
  }
  std::string path_, title_;
  std::shared_ptr<Connections> conns_;  // one table for the four statistics below
  ExposureStat exposure_;
  QosStat qos_;
  KeepaliveStat keepalive_;
  SubscriptionsStat subs_;
  Ladder ladder_;
  uint64_t packets_ = 0, mqtt_packets_ = 0;
  double t0_ = 0, t_end_ = 0;
  std::vector<std::array<uint64_t, 3>> io_;
  std::map<std::string, TopicCount, std::less<>> topics_;
  uint64_t hist_[2][kBuckets] = {};
};

}  // namespace

TextFile::TextFile(const std::string& path, const char* what) : path_(path), what_(what) {
  f_ = fopen(path.c_str(), "w");
  if (!f_) errno_ = errno;
  buf_.reserve(kChunk + 4096);
}

TextFile::~TextFile() {
  if (f_) fclose(f_);
}

void TextFile::flush() {
  if (f_ && !errno_ && !buf_.empty() && fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) errno_ = errno ? errno : EIO;
  buf_.clear();
}

bool TextFile::close(std::string& error) {
  flush();
  if (f_) {
    if (fclose(f_) != 0 && !errno_) errno_ = errno;
    f_ = nullptr;
  }
  if (!errno_) return true;
  error = std::string("The ") + what_ + " file \"" + path_ + "\" could not be written: " + strerror(errno_);
  return false;
}

std::unique_ptr<Stat> make_ladder_svg(const std::string& path) {
  auto l = std::make_unique<Ladder>(-1, false);
  l->set_svg_path(path);
  return l;
}

std::unique_ptr<Stat> make_mqtt_report(const std::string& path, const std::string& title, bool show_secrets) {
  return std::make_unique<Report>(path, title, show_secrets);
}

std::unique_ptr<Stat> make_mqtt_stat(const std::vector<std::string>& parts, bool show_secrets) {
  if (parts.size() == 3 && parts[0] == "mqtt" && parts[1] == "ladder") {
    char* end = nullptr;
    long long n = strtoll(parts[2].c_str(), &end, 10);
    if (parts[2].empty() || *end || n < 0) return nullptr;
    return std::make_unique<Ladder>(n, true);
  }
  if (parts.size() != 2 || parts[0] != "mqtt") return nullptr;
  if (parts[1] == "ladder") return std::make_unique<Ladder>(-1, true);
  if (parts[1] == "qos") return std::make_unique<QosStat>();
  if (parts[1] == "exposure") return std::make_unique<ExposureStat>(show_secrets);
  if (parts[1] == "keepalive") return std::make_unique<KeepaliveStat>();
  if (parts[1] == "subscriptions") return std::make_unique<SubscriptionsStat>();
  return nullptr;
}

}  // namespace mqsniff::out
