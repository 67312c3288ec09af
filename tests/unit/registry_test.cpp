#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "dissectors/core/field_registry.h"

using namespace mqsniff::core;

TEST_CASE("registry: every name resolves to its own definition") {
  const auto& reg = FieldRegistry::instance();
  CHECK(reg.all().size() > 100);
  for (const auto& d : reg.all()) {
    auto id = reg.find(d.abbrev);
    REQUIRE(id.has_value());
    CHECK(*id == d.id);
    CHECK(reg.def(d.id)->abbrev == d.abbrev);
  }
  CHECK_FALSE(reg.find("tcp.srcprt").has_value());
}

TEST_CASE("registry: the fields the foundation promises exist") {
  const auto& reg = FieldRegistry::instance();
  for (const char* n :
       {"frame.number", "frame.time", "frame.time_epoch", "frame.time_relative", "frame.time_delta", "frame.len",
        "frame.cap_len", "frame.protocols", "eth.src", "eth.dst", "eth.type", "vlan.id", "sll.pkttype", "ip.src",
        "ip.dst", "ip.addr", "ip.proto", "ip.ttl", "ip.len", "ip.flags.mf", "ipv6.src", "ipv6.dst", "ipv6.addr",
        "tcp.srcport", "tcp.dstport", "tcp.port", "tcp.stream", "tcp.len", "tcp.seq", "tcp.ack", "tcp.flags",
        "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.flags.push",
        "tcp.window_size_value", "udp.srcport", "udp.dstport", "udp.port", "udp.length", "frame", "eth", "ip", "ipv6",
        "tcp", "udp"})
    CHECK_MESSAGE(reg.find(n).has_value(), n);
}

// Names, types, bases and bitmasks must be tshark 4.0's (tests/data holds
// `tshark -G fields` rows for our protocols).
TEST_CASE("registry: names, types and bases match tshark 4.0's glossary") {
  std::ifstream in(std::string(MQSNIFF_SOURCE_DIR) + "/tests/data/wireshark-fields.tsv");
  REQUIRE(in.good());
  struct Row { std::string type, base, mask; };
  std::map<std::string, Row> rows;
  std::set<std::string> protocols;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, '\t')) cols.push_back(c);
    if (cols.size() >= 3 && cols[0] == "P") protocols.insert(cols[2]);
    if (cols.size() >= 7 && cols[0] == "F") rows[cols[2]] = {cols[3], cols[5], cols[6]};
  }
  REQUIRE(rows.size() > 500);
  const auto& reg = FieldRegistry::instance();
  size_t checked = 0;
  for (const auto& d : reg.all()) {
    std::string name(d.abbrev);
    if (d.type == FieldType::Protocol) continue;
    auto it = rows.find(name);
    if (it == rows.end()) continue;  // our own extensions are documented in the README
    ++checked;
    CHECK_MESSAGE(it->second.type == field_type_name(d.type), name);
    if (d.type == FieldType::Boolean) {
      CHECK_MESSAGE(it->second.base == std::to_string(d.bool_bits), name);
    } else if (is_integer(d.type) && it->second.base.rfind("BASE_", 0) == 0) {
      CHECK_MESSAGE(it->second.base == base_name(d.base), name);
    }
    char mask[32];
    snprintf(mask, sizeof mask, "0x%llx", static_cast<unsigned long long>(d.bitmask));
    CHECK_MESSAGE(it->second.mask == mask, name);
  }
  CHECK(checked > 100);
}

TEST_CASE("registry: suggestions for a misspelt name") {
  auto s = FieldRegistry::instance().suggest("tcp.srcprt");
  REQUIRE_FALSE(s.empty());
  CHECK(s[0] == "tcp.srcport");
}

TEST_CASE("registry: mask shift") {
  CHECK(mask_shift(0xe0) == 5);
  CHECK(mask_shift(0x0fff) == 0);
  CHECK(mask_shift(0) == 0);
}
