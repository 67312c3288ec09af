#include "dissectors/core/oui.h"

#include "dissectors/core/format.h"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <algorithm>
#include <vector>

namespace mqsniff::core {
namespace {

// "52:54:00" or "52-54-00": the 24-bit value, or -1.
long parse_oui(std::string_view s) {
  if (s.size() < 8) return -1;
  long v = 0;
  for (size_t i = 0; i < 8; ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':' && s[i] != '-') return -1;
      continue;
    }
    int d = hex_digit_value(static_cast<unsigned char>(s[i]));
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// The table: OUIs in order with the place of their name in one text blob
// (about 1.5 MB for Wireshark's 50,000 names, against 5 MB in a hash map).
struct Table {
  std::vector<std::pair<uint32_t, uint32_t>> index;  // OUI, offset of its name in `names`
  std::string names;                                  // names, each ended by '\0'
};

Table load() {
  std::vector<std::pair<uint32_t, std::string>> m;
  const char* env = std::getenv("MQSNIFF_OUI_FILE");
  for (const char* path : {env, "/usr/share/wireshark/manuf", "/usr/share/ieee-data/oui.txt"}) {
    if (!path) continue;
    std::ifstream in(path);
    if (!in) continue;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      long oui = parse_oui(line);
      if (oui < 0) continue;
      std::string_view rest(line);
      rest.remove_prefix(8);
      if (!rest.empty() && rest[0] == '/') continue;  // a 28- or 36-bit block: not a whole OUI
      std::string name;
      if (rest.find("(hex)") != std::string_view::npos) {
        // ieee-data: "52-54-00   (hex)\t\tOrganisation name"
        rest.remove_prefix(rest.find("(hex)") + 5);
        while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
        name = rest;
      } else {
        // Wireshark's manuf: "52:54:00<TAB>Short<TAB>Long name<TAB># comment"; the long name when there is one.
        std::string_view f[3];
        size_t n = 0;
        while (n < 3 && !rest.empty()) {
          while (!rest.empty() && rest[0] == '\t') rest.remove_prefix(1);
          size_t e = rest.find('\t');
          f[n++] = rest.substr(0, e);
          rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e);
        }
        name = n >= 2 && !f[1].empty() && f[1][0] != '#' ? f[1] : f[0];
      }
      while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) name.pop_back();
      if (!name.empty()) m.emplace_back(static_cast<uint32_t>(oui), std::move(name));
    }
    if (!m.empty()) break;
  }
  // Sorted by OUI, the first name of an OUI listed twice kept.
  std::stable_sort(m.begin(), m.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Table t;
  for (auto& [oui, name] : m) {
    if (!t.index.empty() && t.index.back().first == oui) continue;
    t.index.emplace_back(oui, static_cast<uint32_t>(t.names.size()));
    t.names += name;
    t.names += '\0';
  }
  t.index.shrink_to_fit();
  t.names.shrink_to_fit();
  return t;
}

}  // namespace

std::string_view oui_name(uint32_t oui) {
  static std::once_flag once;
  static Table* table;
  std::call_once(once, [] { table = new Table(load()); });
  // Frames of one capture repeat a few addresses: the last answer is kept.
  thread_local uint32_t last_oui = UINT32_MAX;
  thread_local std::string_view last_name;
  if (oui == last_oui) return last_name;
  auto it = std::lower_bound(table->index.begin(), table->index.end(), std::make_pair(oui, uint32_t{0}));
  std::string_view name;
  if (it != table->index.end() && it->first == oui) name = std::string_view(table->names.c_str() + it->second);
  last_oui = oui;
  last_name = name;
  return name;
}

}  // namespace mqsniff::core
