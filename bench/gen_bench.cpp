// Deterministic generator of large benchmark captures, built by replaying the
// real conversations recorded in captures/ (MQTT on 1883, MQTT over TLS on
// 8883) as many interleaved TCP flows with varied addresses and ports and
// consistent sequence numbers, plus some unrelated UDP traffic.
//
//   bench_gen OUT.pcap [packets=1000000] [tls_percent=10] [active_flows=2000] [seed=1] [keys]
//
// With "keys", the TLS flows replay the decryption captures (mqtts_keylog_*:
// TLS 1.3 and 1.2, AES-GCM, ChaCha20, CBC, a KeyUpdate, a HelloRetryRequest,
// mutual TLS) and their key logs are written to OUT.pcap.keys, so that both
// tools can decrypt every TLS flow (flows replaying one recorded session share
// its client random, hence its keys).
//
// Client addresses are spread over 10.0.0.0/8 (tens of thousands of hosts),
// brokers live in 192.0.2.0/24 (TEST-NET-1). The file is Ethernet/IPv4,
// microsecond pcap. Same arguments, same bytes.
#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct TplPacket {
  bool from_client;
  uint8_t flags;
  uint32_t rel_seq, rel_ack;
  uint16_t window;
  std::vector<uint8_t> options;
  std::vector<uint8_t> payload;
};
using Conversation = std::vector<TplPacket>;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put16(uint8_t* p, uint16_t v) { p[0] = static_cast<uint8_t>(v >> 8); p[1] = static_cast<uint8_t>(v); }
void put32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (24 - 8 * i)); }

// Reads the TCP conversations of an Ethernet/IPv4 template capture.
std::vector<Conversation> load_template(const std::string& path, uint16_t server_port) {
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), err);
  if (!p) {
    std::fprintf(stderr, "bench_gen: %s\n", err);
    std::exit(2);
  }
  std::vector<std::pair<uint16_t, size_t>> by_port;  // client port -> conversation index
  std::vector<Conversation> convs;
  std::vector<std::pair<uint32_t, uint32_t>> isn;    // client ISN, server ISN
  struct pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(p, &h, &d) == 1) {
    if (h->caplen < 54 || be16(d + 12) != 0x0800) continue;
    const uint8_t* ip = d + 14;
    size_t ihl = (ip[0] & 15) * 4u;
    if (ip[9] != 6) continue;
    const uint8_t* tcp = ip + ihl;
    size_t total = be16(ip + 2);
    size_t thl = (tcp[12] >> 4) * 4u;
    uint16_t sp = be16(tcp), dp = be16(tcp + 2);
    bool from_client = dp == server_port;
    uint16_t cport = from_client ? sp : dp;
    size_t idx = SIZE_MAX;
    for (auto& e : by_port)
      if (e.first == cport) idx = e.second;
    uint8_t flags = tcp[13];
    if (idx == SIZE_MAX) {
      if (!(flags & 0x02) || !from_client) continue;  // start templates at a client SYN
      idx = convs.size();
      by_port.emplace_back(cport, idx);
      convs.emplace_back();
      isn.emplace_back(be32(tcp + 4), 0);
    }
    if ((flags & 0x12) == 0x12) isn[idx].second = be32(tcp + 4);
    TplPacket t;
    t.from_client = from_client;
    t.flags = flags;
    uint32_t seq = be32(tcp + 4), ack = be32(tcp + 8);
    t.rel_seq = seq - (from_client ? isn[idx].first : isn[idx].second);
    t.rel_ack = ack - (from_client ? isn[idx].second : isn[idx].first);
    t.window = be16(tcp + 14);
    t.options.assign(tcp + 20, tcp + thl);
    t.payload.assign(tcp + thl, ip + total);
    convs[idx].push_back(std::move(t));
  }
  pcap_close(p);
  return convs;
}

uint64_t rng_state = 1;
uint64_t rnd() {  // xorshift64*: deterministic across platforms
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

uint16_t ip_checksum(const uint8_t* h, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i < n; i += 2) s += be16(h + i);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

struct Flow {
  const Conversation* conv;
  size_t next = 0;
  uint32_t client_ip, server_ip;
  uint16_t cport, sport;
  uint32_t cisn, sisn;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_gen OUT.pcap [packets] [tls_percent] [active_flows] [seed] [keys]\n");
    return 1;
  }
  std::string out = argv[1];
  uint64_t target = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  unsigned tls_pct = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 10;
  size_t active = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 2000;
  rng_state = argc > 5 ? std::strtoull(argv[5], nullptr, 10) | 1 : 1;
  const bool with_keys = argc > 6 && std::string(argv[6]) == "keys";

  std::string dir = MQSNIFF_CAPTURES_DIR;
  std::vector<Conversation> mqtt, tls;
  for (const char* f : {"mqtt_plain.pcap", "mqtt_password.pcap", "mqtt_dumpcap.pcapng", "mqtt_features.pcap"})
    for (auto& c : load_template(dir + "/" + f, 1883)) mqtt.push_back(std::move(c));
  // TLS 1.3 and 1.2 sessions, with and without client certificates (the 1.2
  // ones carry certificate chains in clear, over 600-byte segments).
  if (with_keys) {
    std::string keys;
    for (const char* f : {"mqtts_keylog_tls13", "mqtts_keylog_tls13_chacha", "mqtts_keylog_tls12_aead", "mqtts_keylog_tls12_cbc",
                          "mqtts_keylog_tls13_keyupdate", "mqtts_keylog_hrr", "mqtts_keylog_mutual_tls13"}) {
      for (auto& c : load_template(dir + "/" + f + ".pcap", 8883)) tls.push_back(std::move(c));
      if (FILE* k = std::fopen((dir + "/" + f + ".keys").c_str(), "rb")) {
        char b[4096];
        size_t n;
        while ((n = std::fread(b, 1, sizeof b, k)) > 0) keys.append(b, n);
        std::fclose(k);
      }
    }
    FILE* out_keys = std::fopen((out + ".keys").c_str(), "wb");
    if (!out_keys || std::fwrite(keys.data(), 1, keys.size(), out_keys) != keys.size()) {
      std::fprintf(stderr, "bench_gen: cannot write %s.keys\n", out.c_str());
      return 2;
    }
    std::fclose(out_keys);
  } else {
    for (auto [f, port] : {std::pair{"mqtts_tls13.pcap", 8883}, {"mqtts_tls12.pcap", 8883}, {"mqtts_mutual_tls12.pcap", 8884},
                           {"mqtts_mutual_tls13.pcap", 8884}, {"mqtts_rogue_tls12.pcap", 8884}})
      for (auto& c : load_template(dir + "/" + f, static_cast<uint16_t>(port))) tls.push_back(std::move(c));
  }
  if (mqtt.empty() || tls.empty()) {
    std::fprintf(stderr, "bench_gen: no template conversations found in %s\n", dir.c_str());
    return 2;
  }

  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 262144);
  pcap_dumper_t* dump = pcap_dump_open(dead, out.c_str());
  if (!dump) {
    std::fprintf(stderr, "bench_gen: %s\n", pcap_geterr(dead));
    return 2;
  }
  auto new_flow = [&](Flow& f) {
    bool is_tls = rnd() % 100 < tls_pct;
    const auto& pool = is_tls ? tls : mqtt;
    f.conv = &pool[rnd() % pool.size()];
    f.next = 0;
    f.client_ip = 0x0A000000u | static_cast<uint32_t>(rnd() & 0x00FFFFFF);  // 10.0.0.0/8
    f.server_ip = 0xC0000200u | static_cast<uint32_t>(1 + rnd() % 8);       // 192.0.2.1-8
    f.cport = static_cast<uint16_t>(32768 + rnd() % 28000);
    f.sport = is_tls ? 8883 : 1883;
    f.cisn = static_cast<uint32_t>(rnd());  // wraps around 2^32 in some flows
    f.sisn = static_cast<uint32_t>(rnd());
  };
  std::vector<Flow> flows(active);
  for (auto& f : flows) new_flow(f);

  uint64_t written = 0;
  uint64_t usec = 1795500000ull * 1000000ull;
  std::vector<uint8_t> buf(70000);
  const uint8_t mac_c[6] = {0x02, 0, 0, 0, 0, 1}, mac_s[6] = {0x02, 0, 0, 0, 0, 2};
  while (written < target) {
    usec += 1 + rnd() % 40;
    struct pcap_pkthdr h;
    h.ts.tv_sec = static_cast<time_t>(usec / 1000000);
    h.ts.tv_usec = static_cast<suseconds_t>(usec % 1000000);
    if (rnd() % 100 < 3) {  // other traffic: a UDP datagram (e.g. a DNS-like query)
      uint8_t* e = buf.data();
      std::memcpy(e, mac_s, 6);
      std::memcpy(e + 6, mac_c, 6);
      put16(e + 12, 0x0800);
      uint8_t* ip = e + 14;
      size_t plen = 20 + rnd() % 60;
      std::memset(ip, 0, 20);
      ip[0] = 0x45;
      put16(ip + 2, static_cast<uint16_t>(20 + 8 + plen));
      ip[8] = 64;
      ip[9] = 17;
      put32(ip + 12, 0x0A000000u | static_cast<uint32_t>(rnd() & 0xFFFFFF));
      put32(ip + 16, 0xC0000235u);
      put16(ip + 10, ip_checksum(ip, 20));
      uint8_t* u = ip + 20;
      put16(u, static_cast<uint16_t>(1024 + rnd() % 60000));
      put16(u + 2, 53);
      put16(u + 4, static_cast<uint16_t>(8 + plen));
      put16(u + 6, 0);
      for (size_t i = 0; i < plen; ++i) u[8 + i] = static_cast<uint8_t>(rnd());
      h.caplen = h.len = static_cast<bpf_u_int32>(14 + 20 + 8 + plen);
      pcap_dump(reinterpret_cast<u_char*>(dump), &h, buf.data());
      ++written;
      continue;
    }
    Flow& f = flows[rnd() % flows.size()];
    const TplPacket& t = (*f.conv)[f.next];
    uint8_t* e = buf.data();
    std::memcpy(e, t.from_client ? mac_s : mac_c, 6);
    std::memcpy(e + 6, t.from_client ? mac_c : mac_s, 6);
    put16(e + 12, 0x0800);
    uint8_t* ip = e + 14;
    size_t thl = 20 + t.options.size();
    size_t total = 20 + thl + t.payload.size();
    std::memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, static_cast<uint16_t>(total));
    put16(ip + 4, static_cast<uint16_t>(rnd()));
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 6;
    put32(ip + 12, t.from_client ? f.client_ip : f.server_ip);
    put32(ip + 16, t.from_client ? f.server_ip : f.client_ip);
    put16(ip + 10, ip_checksum(ip, 20));
    uint8_t* tcp = ip + 20;
    put16(tcp, t.from_client ? f.cport : f.sport);
    put16(tcp + 2, t.from_client ? f.sport : f.cport);
    put32(tcp + 4, t.rel_seq + (t.from_client ? f.cisn : f.sisn));
    put32(tcp + 8, (t.flags & 0x10) ? t.rel_ack + (t.from_client ? f.sisn : f.cisn) : 0);
    tcp[12] = static_cast<uint8_t>((thl / 4) << 4);
    tcp[13] = t.flags;
    put16(tcp + 14, t.window);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (!t.options.empty()) std::memcpy(tcp + 20, t.options.data(), t.options.size());
    if (!t.payload.empty()) std::memcpy(tcp + thl, t.payload.data(), t.payload.size());
    h.caplen = h.len = static_cast<bpf_u_int32>(14 + total);
    pcap_dump(reinterpret_cast<u_char*>(dump), &h, buf.data());
    ++written;
    if (++f.next == f.conv->size()) new_flow(f);
  }
  pcap_dump_close(dump);
  pcap_close(dead);
  std::fprintf(stderr, "bench_gen: wrote %llu packets to %s\n", static_cast<unsigned long long>(written), out.c_str());
  return 0;
}
