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

}  // namespace mqsniff::mqtt
