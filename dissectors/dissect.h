// Entry point of the dissection pipeline: frame -> link -> IP -> TCP/UDP.
// Session state (flow table, timing references, link-type warnings) lives in
// DissectState and is passed explicitly; dissectors keep no globals.
#pragma once

#include <bitset>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "dissectors/core/packet.h"
#include "dissectors/core/transactions.h"
#include "dissectors/mqtt/mqtt_analysis.h"
#include "dissectors/net/ipv4_defrag.h"
#include "dissectors/tcp/flow_table.h"

namespace mqsniff {

struct DissectState {
  explicit DissectState(size_t max_tcp_flows = tcp::FlowTable::kDefaultMaxFlows)
      : tcp_flows(max_tcp_flows), udp_flows(max_tcp_flows / 4 ? max_tcp_flows / 4 : 1) {}

  tcp::FlowTable tcp_flows;
  tcp::UdpFlowTable udp_flows;  // udp.stream numbering only
  // Whether any output or filter needs the application layer (MQTT Info,
  // mqtt.* or reassembly fields, frame.protocols...). When nothing does, TCP
  // payload is neither reassembled nor dissected: `-e tcp.srcport` costs no
  // reassembly memory.
  bool app_needed = true;
  // Finer: only the application protocols an output or filter reads (MQTT,
  // with WebSocket; TLS). Conversations of the others are left undissected.
  bool mqtt_needed = true;
  bool tls_needed = true;
  // DNS, mDNS and LLMNR over UDP: not when only other protocols' fields are read.
  bool dns_needed = true;
  // Where MQTT is found: its registered port 1883, ports given with
  // `-d tcp.port==N,mqtt`, and (unless --disable-heuristic mqtt) any stream
  // whose first bytes are an MQTT CONNECT.
  std::vector<uint16_t> mqtt_ports{1883};
  bool mqtt_heuristic = true;
  // TLS: 8883 (MQTT over TLS) and 443, -d tcp.port==N,tls, and a ClientHello
  // at the start of a stream (unless --disable-heuristic tls).
  std::vector<uint16_t> tls_ports{8883, 443};
  bool tls_heuristic = true;
  // HTTP: tshark's HTTP TCP ports (http::kPorts); no heuristic, as tshark.
  std::vector<uint16_t> http_ports{80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710};
  bool http_heuristic = false;
  // DNS over TCP on port 53 (no heuristic, as tshark).
  std::vector<uint16_t> dns_tcp_ports{53};
  bool dns_tcp_heuristic = false;
  uint8_t mqtt_default_version = 0;  // -o mqtt.default_version (0: infer)
  bool mqtt_msg_as_text = false;     // -o mqtt.show_msg_as_text:TRUE
  bool mqtt_analysis = false;        // QoS flow analysis (mqtt.analysis.* wanted)
  mqtt::QosForward* qos_forward = nullptr;  // -2: the first pass's flow outcomes (owned by the caller)
  mqtt::SessionStore mqtt_sessions;         // QoS flows of sessions that span connections
  // TLS decryption (a key log or pcapng secrets): null when there are no keys.
  std::unique_ptr<tls::DecryptContext> tls_decrypt;
  // MQTT inside TLS: its IANA port (secure-mqtt) and -d tls.port==N,mqtt.
  std::vector<uint16_t> mqtt_tls_ports{8883};
  // Whether TCP options, window scaling and sequence analysis are needed
  // (Info column, tcp.window*/tcp.options*/tcp.analysis* fields, experts).
  bool tcp_detail = true;
  // Whether TCP and UDP conversations are tracked at all (tcp.stream,
  // relative sequence numbers, reassembly; udp.stream): not when nothing
  // reads them (`-e ip.src`, `-z conv,ip`), which costs no flow table.
  bool tcp_flows_needed = true;
  bool udp_flows_needed = true;
  tcp::StreamForward* tcp_forward = nullptr;  // -2: conversations' final completeness and iRTT
  core::Transactions icmp_tx;  // echo requests awaiting their reply
  core::Transactions dns_tx;   // DNS queries awaiting their response
  core::Transactions http_tx{4096};  // HTTP requests awaiting their response (URI up to 2 KiB each)
  net::Ipv4Defrag ipv4_defrag;  // -o ip.defragment:FALSE turns it off
  int64_t tcp_idle_timeout_ns = 0;  // -o tcp.flow_idle_timeout:SECONDS (0: never)
  // -o tcp.flow_closed_timeout:SECONDS: closed conversations forgotten after that long quiet (0: kept)
  int64_t tcp_closed_timeout_ns = tcp::FlowTable::kDefaultClosedTimeoutNs;
  bool ipv4_defragment = true;
  bool ipv6_defragment = true;  // -o ipv6.defragment:FALSE (tshark's own preference for IPv6)
  tcp::ReassemblyLimits reassembly;
  tcp::ReassemblyStats reassembly_stats;
  // Reassembled PDUs completed by the current packet: they must outlive
  // rendering, so each gets its own buffer (capacity kept across packets).
  core::DataSources sources;
  std::bitset<static_cast<size_t>(core::Proto::Count)> disabled;  // --disable-protocol
  bool have_first = false;
  core::Timestamp first_ts, prev_ts, prev_displayed_ts;
  bool have_displayed = false;
  // Unknown link types: reported once each, packets counted.
  uint64_t unknown_link_packets = 0;
  int last_unknown_link = -1;
  std::string warning;  // set when the caller should print something once
};

// Dissects one frame into pkt.tree (and pkt.cols when set). Never throws for
// malformed input; truncated/malformed state is left in pkt.
void dissect_frame(core::Packet& pkt, DissectState& st);

// Protocol column name and frame.protocols tag of the link layers we know, or
// empty for an unknown link type.
bool link_type_supported(int linktype);
const char* link_type_name(int linktype);

}  // namespace mqsniff
