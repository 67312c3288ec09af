// -T brokerlog: each MQTT packet (and each TCP connection's start and end)
// written as the line `mosquitto -v` (2.0) logs for it, with the capture's
// time in front in mosquitto's default form (Unix seconds), so the wire can
// be read beside the broker's own log:
//
//   1796517998: New connection from 127.0.0.1:42434 on port 1883.
//   1796517998: New client connected from 127.0.0.1:42434 as watcher (p2, c1, k60).
//   1796517998: No will message specified.
//   1796517998: Sending CONNACK to watcher (0, 0)
//   1796517999: Received PUBLISH from flaky (d0, q2, r0, m7, 'maison/salon/temperature', ... (4 bytes))
//
// What the wire cannot tell is not invented: lines about the broker's own
// decisions (ACL "Denied PUBLISH", authentication failures, $SYS updates it
// makes itself) come out as what was on the wire. Packets to the broker are
// "Received ... from", packets from it "Sending ... to". The client is the
// side that opened the connection (or sent the CONNECT).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"
#include "src/output/render.h"
#include "src/output/stat_util.h"

namespace mqsniff::out {

class BrokerLog {
public:
  // `all_packets`: no display or read filter hides a connection's packets, so a
  // CONNECT's lines can wait for its CONNACK (which says whether the broker
  // logs them); with a filter they are written at the CONNECT.
  explicit BrokerLog(bool all_packets = true) : defer_(all_packets) {}
  // The fields the dissectors must build for it.
  static void want(std::vector<core::FieldId>& ids);
  // Appends the lines for one displayed packet.
  void packet(std::string& out, const core::Packet& pkt, const core::FieldTree& tree, const RowContext& row);
  // At the end: the lines of CONNECTs whose CONNACK was not captured.
  void finish(std::string& out);
  // Live, the source idle: lines held for the broker's answer are written.
  void idle(std::string& out);

private:
  // A connection from its SYN-ACK or first MQTT packet until its second FIN
  // (or RST): state is kept for the open connections only.
  struct Conn {
    Endpoint client;
    std::string id = "<unknown>";
    int keepalive = -1;
    double last_client = -1, last_broker = -1;  // times of the last MQTT packet each way
    bool disconnected = false, closed = false;
    bool refused = false;  // a CONNECT with a protocol level mosquitto refuses
    uint8_t fins = 0;
    // mosquitto logs a client's connection once it accepted it: the CONNECT's
    // lines wait for the CONNACK (a refusal logs other lines).
    std::string pending;
    std::string active_key;  // broker and client id while connected (a second CONNECT with it takes over)
    int64_t max_packet = -1;   // the broker's Maximum Packet Size (5.0 CONNACK), -1: none
    bool oversize = false;     // the client sent a packet over it
    bool v5 = false;           // a 5.0 connection: its broker may refuse a packet with a DISCONNECT
    bool connect_seen = false; // (a second CONNECT is refused)
    int max_qos = 2;            // 5.0: what the broker's CONNACK allows
    bool retain_available = true;
  };
  // The lines of a client's packet mosquitto would refuse wait for the
  // broker's next word on that connection (at most kHoldSeconds of capture
  // time): its DISCONNECT refusing the packet (5.0: 0x81, 0x82, 0x9A, 0x9B),
  // or its close (3.1.1), means mosquitto logged only the first `keep` bytes
  // of them, then `refusal`. Lines written meanwhile wait behind them in
  // tail_, so the log keeps the capture's order. (Every other packet is
  // written at once.)
  struct Hold {
    uint64_t conn = 0;
    size_t start = 0, keep = 0, end = SIZE_MAX;  // in tail_ (end: not sealed yet)
    double at = 0;
    bool open = true;
    bool refusable = false;  // mosquitto refuses the packet (3.1.1: the broker's close says it did)
    std::string refusal;     // ... and logs these lines instead of [keep, end)
    bool close = false;      // the broker closed the connection (a kick, or its shutdown)
    std::string broker;      // ... its address and port
  };
  std::string shutdown_broker_;  // a broker seen closing its connections at once
  double shutdown_last_ = -1;
  static constexpr double kHoldSeconds = 0.05;
  std::string& sink(std::string& out) { return holds_.empty() ? out : tail_; }
  void seal() {  // the last hold's lines end here
    if (!holds_.empty() && holds_.back().end == SIZE_MAX) holds_.back().end = tail_.size();
  }
  void resolve(Hold& h, bool refused);  // its packet logged (or refused)
  void settle(std::string& out) {       // lines no open hold waits for are written
    if (!holds_.empty()) settle_holds(out);
  }
  void settle_holds(std::string& out);
  void flush_pending(std::string& out, Conn& c);
  static constexpr size_t kMaxConnections = 131072;  // beyond: lines without per-connection state
  std::unordered_map<uint64_t, Conn> conns_;
  Conn scratch_;
  bool defer_ = true;
  std::vector<Hold> holds_;  // oldest first
  std::string tail_;         // the lines from the oldest hold on
  std::unordered_map<std::string, uint64_t> active_;  // broker and client id -> the connection that holds it
  std::string stamp_;  // "1796518474: " for stamp_sec_
  int64_t stamp_sec_ = 0;
};

}  // namespace mqsniff::out
