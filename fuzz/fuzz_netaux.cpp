// libFuzzer target: the protocols around MQTT, each on its own. The first
// input byte picks ARP, ICMP, ICMPv6, DNS, GTP-U, VXLAN, an HTTP byte stream
// (cut by HTTP's framer, bodies as JSON/text/media), a JSON document or a
// multicast DNS message, a CBOR item or form data (dissectors/media); the rest
// is that protocol's message. State (echo and DNS pairing tables, flows of the packets
// a tunnel or an ICMP error carries) is fresh per input, so leak detection
// stays on; two copies of the message go through it, so a response meets its
// request.
#include <cstdint>
#include <vector>

#include "dissectors/arp/arp.h"
#include "dissectors/core/packet.h"
#include "dissectors/dissect.h"
#include "dissectors/dns/dns.h"
#include "dissectors/gtp/gtp.h"
#include "dissectors/http/http.h"
#include "dissectors/icmp/icmp.h"
#include "dissectors/media/media.h"
#include "dissectors/vxlan/vxlan.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mqsniff;
  using Fn = void (*)(core::Reader&, core::Packet&, DissectState&);
  static const Fn kProtos[] = {&arp::dissect_arp, &icmp::dissect_icmp, &icmp::dissect_icmpv6,
                               &dns::dissect_dns, &gtp::dissect_gtpu,  &vxlan::dissect_vxlan};
  if (size < 1) return 0;
  std::vector<uint8_t> msg(data + 1, data + size);  // exact size for ASan
  const uint8_t pick = data[0] % 11;
  if (pick >= 6 && pick != 8) {
    core::FieldTree tree(fuzz::want_all());
    core::Columns cols;
    core::Packet pkt(tree);
    pkt.cols = &cols;
    pkt.frame.caplen = pkt.frame.len = static_cast<uint32_t>(msg.size());
    pkt.frame.data = msg.empty() ? nullptr : msg.data();
    if (pick == 9 || pick == 10) {
      const media::Kind kind = pick == 9 ? (msg.size() % 2 ? media::Kind::Cbor : media::Kind::Xml) : media::Kind::Form;
      media::dissect(kind, msg, "application/x-www-form-urlencoded", 0, pkt, "MQTT");
      return 0;
    }
    if (pick == 7) {
      http::dissect_json({reinterpret_cast<const char*>(msg.data()), msg.size()}, "application/json", 0, pkt, "JSON");
      return 0;
    }
    core::Transactions tx(64);
    http::HttpSession s;
    fuzz::for_each_pdu(msg, http::pdu_length, [&](std::span<const uint8_t> pdu, uint32_t off, bool first) {
      pkt.frame.number = off + 1;
      http::dissect_pdu(pdu, off, pkt, s, tx, 1, first);
    });
    return 0;
  }
  const Fn dissect = pick == 8 ? &dns::dissect_mdns : kProtos[pick];
  const uint8_t sel = pick;
  DissectState st(64);
  core::FieldTree tree(fuzz::want_all());
  core::Columns cols;
  for (uint64_t number = 1; number <= 2; ++number) {
    tree.reset();
    cols.reset();
    core::Packet pkt(tree);
    pkt.cols = &cols;
    pkt.frame.number = number;
    pkt.frame.ts = core::Timestamp{1796536006, static_cast<uint32_t>(number * 1000)};
    pkt.frame.caplen = static_cast<uint32_t>(msg.size());
    pkt.frame.len = pkt.frame.caplen + ((data[0] & 0x80) ? 100 : 0);  // sometimes cut short by a snaplen
    pkt.frame.linktype = core::kLinkEthernet;
    pkt.frame.data = msg.empty() ? nullptr : msg.data();
    const bool v6 = sel == 2;
    pkt.net_src.type = pkt.net_dst.type = v6 ? core::AddrType::Ipv6 : core::AddrType::Ipv4;
    pkt.net_src.bytes[0] = 10;
    pkt.net_dst.bytes[0] = 10;
    pkt.net_dst.bytes[3] = static_cast<uint8_t>(number);
    pkt.srcport = 53;
    pkt.dstport = 40000;
    pkt.ip_ttl = 64;
    core::Reader r(core::Bytes(msg.data(), msg.size()), pkt.frame.len);
    dissect(r, pkt, st);
  }
  return 0;
}
