#include "dissectors/core/oui.h"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mqsniff::core {
namespace {

int hex(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}
// "52:54:00" or "52-54-00": the 24-bit value, or -1.
long parse_oui(std::string_view s) {
  if (s.size() < 8) return -1;
  long v = 0;
  for (size_t i = 0; i < 8; ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':' && s[i] != '-') return -1;
      continue;
    }
    int d = hex(s[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

std::unordered_map<uint32_t, std::string> load() {
  std::unordered_map<uint32_t, std::string> m;
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
      if (!name.empty()) m.emplace(static_cast<uint32_t>(oui), std::move(name));
    }
    if (!m.empty()) break;
  }
  return m;
}

}  // namespace

std::string_view oui_name(uint32_t oui) {
  static std::once_flag once;
  static std::unordered_map<uint32_t, std::string>* table;
  std::call_once(once, [] { table = new std::unordered_map<uint32_t, std::string>(load()); });
  auto it = table->find(oui);
  return it == table->end() ? std::string_view{} : std::string_view(it->second);
}

}  // namespace mqsniff::core
