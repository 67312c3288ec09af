#include "dissectors/mqtt/mqtt_topic.h"

namespace mqsniff::mqtt {

bool topic_matches(std::string_view f, std::string_view t) {
  if (t.find_first_of("+#") != std::string_view::npos) return false;
  if (!t.empty() && t[0] == '$' && !f.empty() && (f[0] == '+' || f[0] == '#')) return false;
  size_t fi = 0, ti = 0;
  while (true) {
    size_t fe = f.find('/', fi), te = t.find('/', ti);
    std::string_view fl = f.substr(fi, fe == std::string_view::npos ? std::string_view::npos : fe - fi);
    if (fl == "#") return true;
    if (ti > t.size()) return false;
    std::string_view tl = t.substr(ti, te == std::string_view::npos ? std::string_view::npos : te - ti);
    if (fl != "+" && fl != tl) return false;
    bool f_end = fe == std::string_view::npos, t_end = te == std::string_view::npos;
    if (f_end && t_end) return true;
    if (t_end) return f.substr(fe + 1) == "#";  // "a/#" matches "a"
    if (f_end) return false;
    fi = fe + 1;
    ti = te + 1;
  }
}

SharedFilter split_shared(std::string_view f) {
  if (f.rfind("$share/", 0) == 0) {
    size_t g = f.find('/', 7);
    if (g != std::string_view::npos) return {f.substr(7, g - 7), f.substr(g + 1)};
  }
  return {{}, f};
}

// §1.5.4: UTF-8 strings must be well-formed and must not contain U+0000.
bool valid_string(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char ch = p[i];
    if (ch == 0) return false;
    if (ch < 0x80) { ++i; continue; }
    size_t len = (ch & 0xE0) == 0xC0 ? 2 : (ch & 0xF0) == 0xE0 ? 3 : (ch & 0xF8) == 0xF0 ? 4 : 0;
    if (!len || i + len > n || (len == 2 && ch < 0xC2)) return false;
    for (size_t k = 1; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return false;
    if (len == 3 && ch == 0xE0 && p[i + 1] < 0xA0) return false;
    if (len == 3 && ch == 0xED && p[i + 1] >= 0xA0) return false;  // UTF-16 surrogates
    if (len == 4 && (ch > 0xF4 || (ch == 0xF0 && p[i + 1] < 0x90) || (ch == 0xF4 && p[i + 1] >= 0x90))) return false;
    i += len;
  }
  return true;
}

bool valid_topic_name(std::string_view t) {
  return !t.empty() && t.find_first_of("+#") == std::string_view::npos;
}

bool valid_topic_filter(std::string_view f) {
  if (f.empty()) return false;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '+' && f[i] != '#') continue;
    if (i > 0 && f[i - 1] != '/') return false;                       // a whole level
    if (f[i] == '#' && i + 1 != f.size()) return false;               // the last one
    if (f[i] == '+' && i + 1 < f.size() && f[i + 1] != '/') return false;
  }
  return true;
}

}  // namespace mqsniff::mqtt
