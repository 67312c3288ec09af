#include "src/output/brokerlog.h"

#include <algorithm>
#include <cinttypes>

#include "dissectors/mqtt/mqtt_topic.h"
#include "dissectors/tcp/tcp_fields.h"
#include "src/output/mqtt_pdu.h"
#include "src/output/stat_util.h"

namespace mqsniff::out {

namespace tcpf = tcp::tcp_f;

namespace {

// Why mosquitto 2.0 refuses a client's packet after its CONNECT (what its
// handlers check), and what it logs then: `pre`, a line of its own, and the
// reason of the disconnection. Nothing: the packet is accepted.
struct Refusal {
  bool refused = false;
  const char* pre = nullptr;     // "Invalid QoS in PUBLISH from %s, disconnecting." ...
  bool pre_addr = false;         // ... naming the client's address, not its id
  const char* reason = nullptr;  // "malformed packet" / "protocol error"
  size_t keep_filters = SIZE_MAX;  // SUBSCRIBE: the filters logged before the refused one
};

// (Called for the packets after a CONNECT: another CONNECT is refused.)
Refusal refusal(const Pdu& p, bool v5, int max_qos, bool retain_available) {
  Refusal r;
  auto refuse = [&](const char* reason, const char* pre = nullptr, bool addr = false) {
    r.refused = true;
    r.reason = reason;
    r.pre = pre;
    r.pre_addr = addr;
    return r;
  };
  static constexpr const char* kMalformed = "malformed packet";
  static constexpr const char* kProtocol = "protocol error";
  switch (p.type) {
    case 0: return refuse(kProtocol);
    case 15: return v5 ? r : refuse(kProtocol);
    case 1: return refuse(kProtocol, "Bad client %s sending multiple CONNECT messages.");
    case 3: {
      if (p.qos == 3) return refuse(kMalformed, "Invalid QoS in PUBLISH from %s, disconnecting.");
      // 5.0: what the broker's CONNACK did not allow (DISCONNECT 0x9A, 0x9B), a topic alias 0
      if (v5 && p.retain && !retain_available) return refuse(kProtocol);
      if (v5 && p.qos > max_qos) return refuse(kProtocol);  // (the DISCONNECT 0x9B lines say it)
      if (v5 && p.topic_alias == 0) return refuse(kMalformed);
      if (p.topics.empty()) return refuse(v5 ? kProtocol : kMalformed);
      const std::string_view topic = p.topics.back();
      if (v5 && topic.empty()) return refuse(kProtocol);  // (an alias never defined)
      if (p.nul_topic != SIZE_MAX || !mqtt::valid_string(topic)) return refuse(kMalformed);
      if (p.qos > 0 && p.msgid == 0) return refuse(kProtocol);
      if (!mqtt::valid_topic_name(topic)) return refuse(kProtocol);
      return r;
    }
    case 6: return p.flags != 2 ? refuse(kProtocol) : r;
    case 8: {
      r.keep_filters = 0;
      if (p.flags != 2 || p.topics.empty()) return refuse(kMalformed);
      for (size_t i = 0; i < p.topics.size(); ++i) {
        r.keep_filters = i;
        if (p.nul_topic == i || !mqtt::valid_string(p.topics[i])) return refuse(kMalformed);
        if (!mqtt::valid_topic_filter(p.topics[i]))
          return refuse(kMalformed, "Invalid subscription string from %s, disconnecting.", true);
        if (!v5 && i < p.sub_qos.size() && p.sub_qos[i] > 2)
          return refuse(kMalformed, "Invalid QoS in subscription command from %s, disconnecting.", true);
        if (v5 && p.sub_valid == i) return refuse(kMalformed);
      }
      r.keep_filters = SIZE_MAX;
      return r;
    }
    case 10: return p.flags != 2 ? refuse(kMalformed) : r;
    default: return r;
  }
}

}  // namespace

void BrokerLog::want(std::vector<core::FieldId>& ids) {
  want_pdu_fields(ids);
  ids.insert(ids.end(), {tcpf::stream, tcpf::flags_syn, tcpf::flags_ack, tcpf::flags_fin, tcpf::flags_reset});
}

void BrokerLog::packet(std::string& out, const core::Packet& pkt, const core::FieldTree& tree, const RowContext& row) {
  const FrameFacts& facts = frame_facts(tree);
  const core::FieldNode* sn = facts.stream;
  if (!sn || pkt.net_src.type == core::AddrType::None) return;
  const bool syn = facts.syn, ack = facts.ack, fin = facts.fin, rst = facts.rst;
  if (!facts.mqtt && !syn && !fin && !rst) return;  // nothing the broker would log
  const Endpoint src{pkt.net_src, pkt.srcport}, dst{pkt.net_dst, pkt.dstport};
  Conn* c = &scratch_;
  auto it = conns_.find(sn->u);
  // The client opened the connection; without its SYN, the side not on a broker port.
  const bool src_client = syn ? !ack : source_is_client(pkt.srcport, pkt.dstport);
  if (it != conns_.end()) {
    c = &it->second;
  } else if ((facts.mqtt || syn) && conns_.size() < kMaxConnections) {
    Conn n;
    n.client = src_client ? src : dst;
    c = &conns_.emplace(sn->u, std::move(n)).first->second;
  } else {
    scratch_ = Conn{};
    scratch_.client = src_client ? src : dst;
  }
  bool to_broker = c->client.is(pkt.net_src, pkt.srcport);
  const double now = secs(row.ts);
  // The capture's second as mosquitto stamps its lines (formatted once per second).
  if (row.ts.sec != stamp_sec_ || stamp_.empty()) {
    char b[32];
    snprintf(b, sizeof b, "%" PRId64 ": ", row.ts.sec);
    stamp_ = b;
    stamp_sec_ = row.ts.sec;
  }
  // Holds of other connections whose broker said nothing in time: logged.
  if (!holds_.empty()) {
    for (Hold& h : holds_) {  // (in time order)
      if (now - h.at < kHoldSeconds) break;
      if (h.open && (h.conn != sn->u || h.close)) resolve(h, false);
    }
    settle_holds(out);
  }
  // One log line from its pieces, appended in place (no temporary strings);
  // `hold` sends them to the connection's pending lines instead.
  bool hold = false;
  auto put = [&](auto&&... parts) {
    std::string& o = hold && c != &scratch_ ? c->pending : sink(out);
    o += stamp_;
    (o.append(std::string_view(parts)), ...);
    o += '\n';
  };
  char num[24];
  auto dec = [&](long v) { return std::string_view(num, static_cast<size_t>(snprintf(num, sizeof num, "%ld", v))); };

  if (syn) {
    // mosquitto logs a connection when it accepts it: the SYN-ACK is the
    // kernel's acceptance (a SYN refused with a RST, the broker being down, is none).
    if (ack) put("New connection from ", dst.text(), " on port ", dec(pkt.srcport), ".");
    return;
  }
  each_pdu(tree, [&](const Pdu& p) {
    if (p.type == 1 && !to_broker) {  // the CONNECT's sender is the client
      c->client = src;
      to_broker = true;
    }
    const std::string& id = c->id;
    const char* in = to_broker ? "Received " : "Sending ";
    const char* dir = to_broker ? " from " : " to ";
    char b[512];
    if (to_broker) c->last_client = now;
    else c->last_broker = now;
    // 5.0: a client packet larger than the Maximum Packet Size the broker's
    // CONNACK announced is refused unread (DISCONNECT 0x95): mosquitto logs
    // the reason, neither the packet nor the DISCONNECT it sends.
    if (to_broker && c->max_packet > 0 && p.type != 1) {
      uint64_t size = 2 + p.remaining;
      for (uint64_t r = p.remaining; r >= 128; r >>= 7) ++size;
      if (size > static_cast<uint64_t>(c->max_packet)) {
        if (!c->oversize) put("Client ", id, " disconnected due to oversize packet.");
        c->oversize = c->disconnected = true;
        return;
      }
    }
    if (c->oversize) return;
    seal();
    for (Hold& h : holds_) {  // (usually none)
      if (!h.open || h.conn != sn->u || h.close) continue;
      // The broker's DISCONNECT refusing the packet: mosquitto stopped reading
      // it (a PUBLISH is not logged, a SUBSCRIBE up to the refused filter).
      resolve(h, !to_broker && p.type == 14 && c->v5 &&
                     (p.reason == 0x81 || p.reason == 0x82 || p.reason == 0x9a || p.reason == 0x9b));
    }
    Hold* held = nullptr;
    Refusal ref;
    if (to_broker && defer_ && c != &scratch_ && c->connect_seen) {
      ref = refusal(p, c->v5, c->max_qos, c->retain_available);
      // A packet mosquitto refuses waits for the broker's next word: 5.0, its
      // DISCONNECT names the refusal; 3.1.1, its close confirms it.
      if (ref.refused) {
        holds_.push_back(Hold{sn->u, tail_.size(), tail_.size(), SIZE_MAX, now, true, ref.refused, {}});
        held = &holds_.back();
        std::string& lines = held->refusal;
        if (ref.pre) {
          const std::string_view pre = ref.pre;
          const size_t at = pre.find("%s");
          lines += stamp_;
          lines += pre.substr(0, at);
          lines += ref.pre_addr ? addr_text(c->client.addr) : id;
          lines += pre.substr(at + 2);
          lines += '\n';
        }
        if (!c->v5) {  // (5.0: the broker's DISCONNECT gives the reason)
          lines += stamp_;
          lines += "Client ";
          lines += id;
          lines += " disconnected due to ";
          lines += ref.reason ? ref.reason : "protocol error";
          lines += ".\n";
        }
      }
    }
    if (p.type == 1 && c->connect_seen && to_broker) return;  // (refused: logged as the refusal)
    switch (p.type) {
      case 1: {
        if (to_broker) c->connect_seen = true;
        c->id = p.has_clientid && !p.clientid.empty() ? std::string(p.clientid) : "<unknown>";
        c->keepalive = p.kalive;
        c->v5 = (p.version & 0x7f) == 5;
        // mosquitto's protocol numbers (p1 3.1, p2 3.1.1, p5 5.0); a bridge sets
        // 0x80 on the level and is logged as one.
        const int level = p.version & 0x7f;
        if (!(level == 3 || level == 4 || p.version == 5)) {
          // mosquitto refuses it (CONNACK 1) before reading the client id and
          // names the client by its address until it drops the connection.
          const std::string addr = addr_text(src.addr);
          put("Invalid protocol version ", dec(p.version), " in CONNECT from ", addr, ".");
          c->id = addr;
          c->refused = true;
          break;
        }
        // Its lines wait for the broker's answer (CONNACK).
        c->pending.clear();
        hold = defer_ && c != &scratch_;
        {
          std::string key = dst.text() + '|' + c->id;
          if (auto a = active_.find(key); a != active_.end() && a->second != sn->u && c->id != "<unknown>") {
            put("Client ", c->id, " already connected, closing old connection.");
            // (the broker closes it now, before it answers: its end logs nothing more)
            if (auto o = conns_.find(a->second); o != conns_.end()) o->second.closed = o->second.disconnected = true;
            active_.erase(a);
          }
          c->active_key = std::move(key);
        }
        const bool bridge = (p.version & 0x80) && level != 5;
        const int proto = level == 3 ? 1 : level == 4 ? 2 : level;
        const char* what = bridge ? "New bridge connected from " : "New client connected from ";
        char flags[48];
        snprintf(flags, sizeof flags, " (p%d, c%d, k%d", proto, p.clean ? 1 : 0, p.kalive < 0 ? 0 : p.kalive);
        if (p.has_username) put(what, src.text(), " as ", c->id, flags, ", u'", p.username, "').");
        else put(what, src.text(), " as ", c->id, flags, ").");
        if (p.has_will) {
          snprintf(b, sizeof b, "Will message specified (%zu bytes) (r%d, q%d).", p.willmsg_len, p.will_retain ? 1 : 0,
                   p.will_qos);
          put(b);
          put("\t", p.willtopic);
        } else {
          put("No will message specified.");
        }
        hold = false;
        break;
      }
      case 2: {
        const int rc = p.conack < 0 ? 0 : p.conack;
        if (!to_broker) {
          c->max_packet = p.max_packet;
          if (p.max_qos >= 0) c->max_qos = p.max_qos;
          if (p.retain_available >= 0) c->retain_available = p.retain_available != 0;
        }
        snprintf(b, sizeof b, " (%d, %d)", p.session_present ? 1 : 0, rc);
        // Refusals as mosquitto logs them: no "New client connected"; bad
        // credentials name the client by its address, an authentication
        // method it lacks by its client id.
        const bool not_authorised = rc == 4 || rc == 5 || rc == 0x86 || rc == 0x87;
        const bool no_auth_method = rc == 0x8c;
        if (!to_broker && c != &scratch_ && (not_authorised || no_auth_method) && !c->pending.empty()) {
          c->pending.clear();
          put(in, "CONNACK", dir, not_authorised ? addr_text(c->client.addr) : c->id, b);
          put(not_authorised ? "Client <unknown> disconnected, not authorised."
                             : "Client <unknown> disconnected due to QoS too high or retain not supported.");
          c->disconnected = true;
          break;
        }
        if (!to_broker && c != &scratch_ && !c->pending.empty() && rc == 0) {
          // 5.0: a client that sent no client id is told the one the broker
          // gave it (mosquitto's "auto-..."), which its lines name.
          if (!p.assigned_id.empty() && c->id == "<unknown>") {
            c->id = std::string(p.assigned_id);
            const std::string from = " as <unknown> (", to = " as " + c->id + " (";
            if (size_t at = c->pending.find(from); at != std::string::npos) c->pending.replace(at, from.size(), to);
            c->active_key.resize(c->active_key.size() - 9);  // "<unknown>"
            c->active_key += c->id;
          }
          active_[c->active_key] = sn->u;  // connected (the one it took over was closed at its CONNECT)
        }
        if (c != &scratch_) flush_pending(sink(out), *c);
        put(in, "CONNACK", dir, id, b);
        if (c->refused && !to_broker) {
          put("Client <unknown> disconnected due to protocol error.");
          c->disconnected = true;
        }
        break;
      }
      case 3: {
        std::string_view topic = p.topics.empty() ? std::string_view() : p.topics.back();
        snprintf(b, sizeof b, " (d%d, q%d, r%d, m%d, '", p.dup ? 1 : 0, p.qos, p.retain ? 1 : 0, p.msgid < 0 ? 0 : p.msgid);
        char tail[48];
        snprintf(tail, sizeof tail, "', ... (%zu bytes))", p.msg_len);
        put(in, "PUBLISH", dir, id, b, topic, tail);
        break;
      }
      case 4: case 5: case 6: case 7: {
        static const char* const kNames[] = {"PUBACK", "PUBREC", "PUBREL", "PUBCOMP"};
        const char* name = kNames[p.type - 4];
        const int m = p.msgid < 0 ? 0 : p.msgid;
        if (to_broker) {
          // mosquitto: PUBACK and PUBCOMP with their reason code, PUBREC and PUBREL without.
          if (p.type == 4 || p.type == 7) snprintf(b, sizeof b, " (Mid: %d, RC:%d)", m, p.reason);
          else snprintf(b, sizeof b, " (Mid: %d)", m);
          put("Received ", name, " from ", id, b);
        } else {
          if (p.type == 4 || p.type == 5) snprintf(b, sizeof b, " (m%d, rc%d)", m, p.reason);
          else snprintf(b, sizeof b, " (m%d)", m);
          put("Sending ", name, " to ", id, b);
        }
        break;
      }
      case 8:
        put(in, "SUBSCRIBE", dir, id);
        if (held) held->keep = tail_.size();
        for (size_t i = 0; i < p.topics.size(); ++i) {
          const int q = i < p.sub_qos.size() ? p.sub_qos[i] : 0;
          put("\t", p.topics[i], " (QoS ", dec(q), ")");
          put(id, " ", dec(q), " ", p.topics[i]);
          // (mosquitto logs each filter once read: those before a refused one)
          if (held && ref.refused && i < ref.keep_filters) held->keep = tail_.size();
        }
        break;
      case 9: put(in, "SUBACK", dir, id); break;
      case 10:
        put(in, "UNSUBSCRIBE", dir, id);
        if (held) held->keep = tail_.size();
        for (auto t : p.topics) {
          put("\t", t);
          put(id, " ", t);
        }
        break;
      case 11: put(in, "UNSUBACK", dir, id); break;
      case 12: put(in, "PINGREQ", dir, id); break;
      case 13: put(in, "PINGRESP", dir, id); break;
      case 14:
        if (!to_broker && c->v5) {
          // A 5.0 broker's DISCONNECT: mosquitto logs why, not the packet.
          switch (p.reason) {
            case 0x81: put("Client ", id, " disconnected due to malformed packet."); break;
            case 0x82: put("Client ", id, " disconnected due to protocol error."); break;
            case 0x87: put("Client ", id, " disconnected, not authorised."); break;
            case 0x98: put("Client ", id, " been disconnected by administrative action."); break;
            case 0x9a: put("Bad socket read/write on client ", id, ": Unknown error."); break;
            case 0x9b:
              put("Too high QoS in PUBLISH from ", id, ", disconnecting.");
              put("Bad socket read/write on client ", id, ": Requested QoS not supported on server.");
              break;
            case 0x8e: break;  // (logged at the CONNECT that took the session over)
            default: put(in, "DISCONNECT", dir, id); break;
          }
          c->disconnected = true;
          break;
        }
        put(in, "DISCONNECT", dir, id);
        if (to_broker && p.flags != 0 && !c->v5) {
          // Reserved flags: mosquitto 2.0 refuses it after logging it, and logs
          // the end twice, the second time without the client id it freed.
          put("Client ", id, " disconnected due to protocol error.");
          put("Client <unknown> disconnected due to protocol error.");
          c->disconnected = true;
        } else if (to_broker) {
          put("Client ", id, " disconnected.");
          c->disconnected = true;
        }
        break;
      case 15: put(in, "AUTH", dir, id); break;
      default: break;
    }
  });
  seal();
  // (a CONNECT whose answer never came: its lines as logged; a packet the
  // broker closed the connection after without a word: its lines)
  if ((fin || rst) && c != &scratch_) {
    for (Hold& h : holds_) {
      if (!h.open || h.conn != sn->u || h.close) continue;
      // 3.1.1 has no DISCONNECT from the broker: the connection closing
      // after a packet mosquitto refuses is the refusal (mosquitto reads the
      // packet before a FIN the client sent with it).
      const bool refused = h.refusable && !c->v5;
      resolve(h, refused);
      if (refused) c->disconnected = true;
    }
    flush_pending(sink(out), *c);
  }
  // A client that left (DISCONNECT, FIN, RST) no longer holds its client id.
  if ((fin || rst || c->disconnected) && c != &scratch_ && !c->active_key.empty()) {
    if (auto a = active_.find(c->active_key); a != active_.end() && a->second == sn->u) active_.erase(a);
  }
  // The end of a connection nobody DISCONNECTed.
  if ((fin || rst) && !c->closed && !c->disconnected && c->id != "<unknown>") {
    c->closed = true;
    if (to_broker) {
      put("Client ", c->id, " closed its connection.");
    } else if (c->keepalive > 0 && c->last_client >= 0 && now - c->last_client >= 1.5 * c->keepalive) {
      put("Client ", c->id, " has exceeded timeout, disconnecting.");
    } else if (!defer_ || c == &scratch_) {
      put("Client ", c->id, " disconnected.");
    } else if (c->last_client >= 0 && now - c->last_client < kHoldSeconds && c->last_client >= c->last_broker) {
      // The broker closed the connection right after a client packet it did
      // not answer: it refused it, for a reason mqsniff does not model (a
      // 5.0 broker would have said which in a DISCONNECT).
      put("Client ", c->id, " disconnected due to protocol error.");
    } else {
      // The broker closed an idle connection: an administrator's kick
      // (mosquitto's dynamic security), unless it closes its other
      // connections with it - it is shutting down, and logs no line for each.
      const std::string broker = src.text();
      if (broker == shutdown_broker_ && now - shutdown_last_ < kHoldSeconds) {
        shutdown_last_ = now;
      } else {
        bool shutdown = false;
        for (Hold& h : holds_) {
          if (!h.open || !h.close || h.broker != broker || now - h.at >= kHoldSeconds) continue;
          resolve(h, true);  // (its line gives way to nothing)
          shutdown = true;
        }
        if (shutdown) {
          shutdown_broker_ = broker;
          shutdown_last_ = now;
        } else {
          holds_.push_back(Hold{sn->u, tail_.size(), tail_.size(), SIZE_MAX, now, true, false, {}});
          holds_.back().close = true;
          holds_.back().broker = broker;
          put("Client ", c->id, " been disconnected by administrative action.");
          seal();
        }
      }
    }
  }
  // Its second FIN, or a RST: what follows (the last ACK) says nothing more.
  if ((fin || rst) && c != &scratch_ && (rst || ++c->fins >= 2)) conns_.erase(sn->u);
  settle(out);
}

void BrokerLog::flush_pending(std::string& out, Conn& c) {
  out += c.pending;
  c.pending.clear();
}

void BrokerLog::resolve(Hold& h, bool refused) {
  h.open = false;
  if (!refused || h.end == SIZE_MAX) return;
  // Its lines from `keep` on give way to what mosquitto logs of the refusal.
  const size_t cut = h.end - h.keep;
  tail_.replace(h.keep, cut, h.refusal);
  const ptrdiff_t delta = static_cast<ptrdiff_t>(h.refusal.size()) - static_cast<ptrdiff_t>(cut);
  h.end = h.keep + h.refusal.size();
  for (Hold& o : holds_) {
    if (&o == &h || o.start < h.keep + cut) continue;
    o.start = static_cast<size_t>(static_cast<ptrdiff_t>(o.start) + delta);
    o.keep = static_cast<size_t>(static_cast<ptrdiff_t>(o.keep) + delta);
    if (o.end != SIZE_MAX) o.end = static_cast<size_t>(static_cast<ptrdiff_t>(o.end) + delta);
  }
}

void BrokerLog::settle_holds(std::string& out) {
  size_t closed = 0;
  while (closed < holds_.size() && !holds_[closed].open) ++closed;
  if (closed == 0) return;
  holds_.erase(holds_.begin(), holds_.begin() + static_cast<std::ptrdiff_t>(closed));
  if (holds_.empty()) {
    out += tail_;
    tail_.clear();
    return;
  }
  const size_t n = holds_.front().start;
  out.append(tail_, 0, n);
  tail_.erase(0, n);
  for (Hold& h : holds_) {
    h.start -= n;
    h.keep -= n;
    if (h.end != SIZE_MAX) h.end -= n;
  }
}

void BrokerLog::idle(std::string& out) {
  seal();
  for (Hold& h : holds_) h.open = false;
  settle(out);
}

void BrokerLog::finish(std::string& out) {
  idle(out);
  std::vector<uint64_t> keys;
  for (const auto& [k, c] : conns_)
    if (!c.pending.empty()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (uint64_t k : keys) flush_pending(out, conns_[k]);
}

}  // namespace mqsniff::out
