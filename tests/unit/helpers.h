// Test helpers: frames built from bytes, dissected with every field wanted.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "dissectors/core/field_registry.h"
#include "dissectors/core/packet.h"
#include "dissectors/dissect.h"
#include "src/output/field_format.h"

namespace testutil {
using namespace mqsniff;

inline void put16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}
inline void put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}

struct TcpSpec {
  uint32_t src = 0x0A000001, dst = 0x0A000002;
  uint16_t sport = 50000, dport = 1883;
  uint32_t seq = 1000, ack = 0;
  uint16_t flags = 0x02;  // SYN
  uint16_t window = 64240;
  std::vector<uint8_t> options;
  std::vector<uint8_t> payload;
};

inline std::vector<uint8_t> ipv4_tcp(const TcpSpec& s) {
  std::vector<uint8_t> v;
  size_t thl = 20 + s.options.size();
  v.push_back(0x45);
  v.push_back(0);
  put16(v, static_cast<uint16_t>(20 + thl + s.payload.size()));
  put16(v, 0x1234);
  put16(v, 0x4000);
  v.push_back(64);
  v.push_back(6);
  put16(v, 0);
  put32(v, s.src);
  put32(v, s.dst);
  put16(v, s.sport);
  put16(v, s.dport);
  put32(v, s.seq);
  put32(v, s.ack);
  put16(v, static_cast<uint16_t>((thl / 4) << 12 | s.flags));
  put16(v, s.window);
  put16(v, 0);
  put16(v, 0);
  v.insert(v.end(), s.options.begin(), s.options.end());
  v.insert(v.end(), s.payload.begin(), s.payload.end());
  return v;
}

inline std::vector<uint8_t> eth(uint16_t type, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> v = {0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1};
  put16(v, type);
  v.insert(v.end(), payload.begin(), payload.end());
  return v;
}

// A dissection harness keeping flow state across packets.
struct Harness {
  DissectState st{64};
  core::WantSet want;
  core::FieldTree tree{&want};
  core::Columns cols;
  uint64_t number = 0;
  int64_t clock_offset = 0;  // seconds added to the clock (frame N is at 1000 + N + clock_offset)
  std::unique_ptr<core::Packet> pkt;
  std::vector<uint8_t> frame;  // exact-size copy: ASan catches over-reads

  Harness() { want.set_all(); }
  core::Packet& run(const std::vector<uint8_t>& bytes, int linktype = core::kLinkEthernet, uint32_t wire_len = 0) {
    frame = bytes;
    tree.reset();
    cols.reset();
    pkt = std::make_unique<core::Packet>(tree);
    pkt->cols = &cols;
    pkt->frame.number = ++number;
    pkt->frame.ts = core::Timestamp{1000 + static_cast<int64_t>(number) + clock_offset, 0};
    pkt->frame.caplen = static_cast<uint32_t>(frame.size());
    pkt->frame.len = wire_len ? wire_len : pkt->frame.caplen;
    pkt->frame.linktype = linktype;
    pkt->frame.data = frame.empty() ? nullptr : frame.data();
    dissect_frame(*pkt, st);
    return *pkt;
  }
  // All occurrences of a field, rendered as -T fields would print them.
  std::string field(const std::string& name) const {
    const auto& reg = core::FieldRegistry::instance();
    auto id = reg.find(name);
    if (!id) return "<no such field>";
    std::string out;
    for (const auto& n : tree.nodes()) {
      if (n.id != *id) continue;
      if (!out.empty()) out += ',';
      out::append_field_value(out, *reg.def(*id), n);
    }
    return out;
  }
  bool has(const std::string& name) const {
    auto id = core::FieldRegistry::instance().find(name);
    return id && tree.has(*id);
  }
};

}  // namespace testutil
