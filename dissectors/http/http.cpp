// HTTP/1.x messages, RFC 9112:
//   start-line CRLF *( field-line CRLF ) CRLF [ message-body ]
// The body's length: Content-Length, or chunked transfer coding (hex size
// CRLF data CRLF ..., ending with a zero-size chunk and a blank line), or none
// (requests; 1xx/204/304 responses). A response with neither runs until the
// connection closes: TCP reassembles it until the server's FIN, where it is
// dissected whole, as tshark does.
//
// What tshark 4.0 shows, mqsniff shows: the start line as a text item with
// its chat expert item and parts, each header line (known ones as their own
// field, all as http.request.line / http.response.line), the generated
// request/response pairing fields, File Data, and the body as JSON
// (application/json), text lines (text/*) or media.
#include "dissectors/http/http.h"

#include "dissectors/link/link_fields.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "dissectors/core/expert.h"
#include "dissectors/core/format.h"
#include "dissectors/core/text_item.h"
#include "dissectors/http/http_fields.h"
#include "dissectors/media/media.h"

namespace mqsniff::http {
using core::Packet;

namespace {

constexpr size_t kMaxHeader = 64 * 1024;

std::string_view as_view(std::span<const uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

bool is_message_start(std::string_view s) {
  static constexpr std::string_view kStarts[] = {"GET ",     "POST ",    "PUT ",   "DELETE ", "HEAD ",
                                                 "OPTIONS ", "PATCH ",   "CONNECT ", "TRACE ", "HTTP/1."};
  for (std::string_view m : kStarts)
    if (s.substr(0, m.size()) == m) return true;
  return false;
}
bool could_become_start(std::string_view s) {  // a prefix of a start, too short to tell
  static constexpr std::string_view kStarts[] = {"GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ",
                                                 "CONNECT ", "TRACE ", "HTTP/1."};
  for (std::string_view m : kStarts)
    if (s.size() < m.size() && m.substr(0, s.size()) == s) return true;
  return false;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
bool parse_decimal(std::string_view s, uint64_t& v) {
  if (s.empty() || s.size() > 18) return false;
  v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

struct Head {
  size_t header_len = 0;  // up to and including the blank line
  bool response = false;
  unsigned status = 0;
  bool has_length = false, chunked = false;
  uint64_t length = 0;
};
// The header block of the message at the start of s, if whole.
bool parse_head(std::string_view s, Head& h) {
  size_t end = s.substr(0, kMaxHeader + 4).find("\r\n\r\n");
  if (end == std::string_view::npos) return false;
  h.header_len = end + 4;
  std::string_view block = s.substr(0, end + 2);
  size_t eol = block.find("\r\n");
  std::string_view start = block.substr(0, eol);
  h.response = start.substr(0, 5) == "HTTP/";
  if (h.response && start.size() >= 12) {
    uint64_t v = 0;
    if (parse_decimal(start.substr(9, 3), v)) h.status = static_cast<unsigned>(v);
  }
  size_t pos = eol + 2;
  while (pos < block.size()) {
    size_t e = block.find("\r\n", pos);
    std::string_view line = block.substr(pos, e - pos);
    pos = e + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (iequal(name, "content-length")) h.has_length = parse_decimal(value, h.length);
    else if (iequal(name, "transfer-encoding") && value.find("chunked") != std::string_view::npos) h.chunked = true;
  }
  return true;
}

// Walks a chunked body from pos: its end (after the last chunk's trailer), 0
// while incomplete, SIZE_MAX when malformed. The data go to `out` if given.
size_t walk_chunks(std::string_view s, size_t pos, std::string* out) {
  for (int chunks = 0; chunks < 100000; ++chunks) {
    size_t eol = s.find("\r\n", pos);
    if (eol == std::string_view::npos) return s.size() - pos > 1024 ? SIZE_MAX : 0;
    std::string_view line = s.substr(pos, eol - pos);
    line = line.substr(0, line.find(';'));  // chunk extensions
    line = trim(line);
    if (line.empty() || line.size() > 15) return SIZE_MAX;
    uint64_t size = 0;
    for (char c : line) {
      int d = core::hex_digit_value(static_cast<unsigned char>(c));
      if (d < 0) return SIZE_MAX;
      size = size * 16 + static_cast<uint64_t>(d);
    }
    pos = eol + 2;
    if (size == 0) {  // trailer fields, then a blank line
      size_t end = s.find("\r\n\r\n", pos - 2);
      if (end == std::string_view::npos) return 0;
      return end + 4;
    }
    if (size > s.size() || pos + size + 2 > s.size()) return 0;
    if (out) out->append(s.substr(pos, size));
    pos += size;
    if (s.substr(pos, 2) != "\r\n") return SIZE_MAX;
    pos += 2;
  }
  return SIZE_MAX;
}

const char* status_text(unsigned code) {
  switch (code) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Time-out";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Time-out";
    default: return nullptr;
  }
}

// A line as tshark labels it: CR and LF written as \r and \n.
std::string escaped(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 4);
  for (char c : s) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// --- JSON bodies (RFC 8259): a bounded recursive walk building tshark's tree.
struct JsonWalk {
  core::FieldTree& t;
  std::string_view s;
  uint32_t base;
  size_t pos = 0;
  int depth = 0;
  bool ok = true;

  void ws() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r' || s[pos] == '\n')) ++pos;
  }
  bool string(std::string& out) {
    if (pos >= s.size() || s[pos] != '"') return false;
    ++pos;
    while (pos < s.size() && s[pos] != '"') {
      if (s[pos] == '\\' && pos + 1 < s.size()) {
        char e = s[pos + 1];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
        if (e == 'u') {  // kept as written
          out.back() = '\\';
          out += 'u';
        }
        pos += 2;
        continue;
      }
      out += s[pos++];
    }
    if (pos >= s.size()) return false;
    ++pos;
    return true;
  }
  // A value; `path` is its JSON path ("/broker"), `key` the member name when
  // in an object, `element` when in an array (tshark: "[]:1").
  void value(const std::string& path, const std::string* key, bool element = false) {
    ws();
    if (pos >= s.size() || ++depth > 64) {
      ok = false;
      return;
    }
    const size_t start = pos;
    char c = s[pos];
    if (c == '{' || c == '[') {
      const bool obj = c == '{';
      {
      core::Subtree sub(t, t.add_none(obj ? json_f::object : json_f::array, base + static_cast<uint32_t>(pos), 0));
      ++pos;
      ws();
      size_t index = 0;
      while (ok && pos < s.size() && s[pos] != (obj ? '}' : ']')) {
        if (obj) {
          const size_t mstart = pos;
          std::string k;
          if (!string(k)) {
            ok = false;
            break;
          }
          ws();
          if (pos >= s.size() || s[pos] != ':') {
            ok = false;
            break;
          }
          ++pos;
          core::Subtree member(t, t.add_string_copy(json_f::member, k, base + static_cast<uint32_t>(mstart), 0));
          value(path + "/" + k, &k);
        } else {
          value(path + "/[]", nullptr, true);
        }
        ++index;
        ws();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          ws();
        }
      }
      if (pos >= s.size()) ok = false;
      else ++pos;
      }  // the member's key and path come after its object or array
      if (key) {
        t.add_string_copy(json_f::key, *key, base + static_cast<uint32_t>(start), 0);
        int32_t p = t.add_string_copy(json_f::path, path, 0, 0);
        t.nodes_flags(p, core::FieldNode::kGenerated);
      }
      --depth;
      return;
    }
    std::string text;
    core::FieldId id;
    if (c == '"') {
      if (!string(text)) {
        ok = false;
        return;
      }
      id = json_f::value_string;
    } else if (s.substr(pos, 4) == "true") {
      pos += 4, text = "true", id = json_f::value_true;
    } else if (s.substr(pos, 5) == "false") {
      pos += 5, text = "false", id = json_f::value_false;
    } else if (s.substr(pos, 4) == "null") {
      pos += 4, text = "null", id = json_f::value_null;
    } else {
      while (pos < s.size() && (std::isdigit(static_cast<unsigned char>(s[pos])) || s[pos] == '-' || s[pos] == '+' ||
                                s[pos] == '.' || s[pos] == 'e' || s[pos] == 'E'))
        text += s[pos++];
      if (text.empty()) {
        ok = false;
        return;
      }
      id = json_f::value_number;
    }
    const uint32_t o = base + static_cast<uint32_t>(start), n = static_cast<uint32_t>(pos - start);
    if (key || element) {
      int32_t a = t.add_string_copy(json_f::path_with_value, path + ":" + text, o, n);
      t.nodes_flags(a, core::FieldNode::kGenerated);
      int32_t b = t.add_string_copy(json_f::member_with_value, (key ? *key : std::string("[]")) + ":" + text, o, n);
      t.nodes_flags(b, core::FieldNode::kGenerated);
    }
    if (id == json_f::value_string || id == json_f::value_number) t.add_string_copy(id, text, o, n);
    else t.add_none(id, o, n);
    if (key) {
      t.add_string_copy(json_f::key, *key, o, 0);
      int32_t p = t.add_string_copy(json_f::path, path, 0, 0);
      t.nodes_flags(p, core::FieldNode::kGenerated);
    }
    --depth;
  }
};

}  // namespace

void dissect_json(std::string_view body, std::string_view media, uint32_t off, Packet& pkt, std::string_view col) {
  auto& t = pkt.tree;
  if (!body.empty()) pkt.layer("json");  // (tshark drops the layer of a dissector that took no bytes; its tree stays)
  int32_t p = t.open(json_f::proto, off, static_cast<uint32_t>(body.size()));
  if (t.wants(json_f::proto)) t.set_label(p, "JavaScript Object Notation: " + std::string(media));
  // Values one after the other as far as they parse; text where no value
  // starts is handed on, as tshark's json dissector hands what it could not
  // parse to its line-based text dissector ("not json": all of it).
  JsonWalk w{t, body, off};
  size_t rest = body.size();
  for (;;) {
    w.ws();
    if (w.pos >= body.size()) break;
    const size_t before = w.pos;
    w.ok = true;
    w.value("", nullptr);
    if (w.pos == before) {
      rest = before;
      break;
    }
    if (!w.ok) break;
  }
  t.close();
  if (rest < body.size())
    dissect_text_lines(body.substr(rest), media, off + static_cast<uint32_t>(rest), pkt, false);
  pkt.set_protocol(col);
  if (pkt.cols) {
    pkt.cols->info += ", JavaScript Object Notation (";
    pkt.cols->info += media;
    pkt.cols->info += ')';
  }
}

void dissect_text_lines(std::string_view body, std::string_view media, uint32_t off, Packet& pkt, bool info) {
  auto& t = pkt.tree;
  if (!body.empty()) pkt.layer("data-text-lines");  // (as for JSON: no layer for no bytes)
  int32_t p = t.open(text_f::data_text_lines, off, static_cast<uint32_t>(body.size()));
  if (t.wants(text_f::data_text_lines))
    t.set_label(p, "Line-based text data: " + std::string(media) + " (" +
                       std::to_string(std::count(body.begin(), body.end(), '\n') +
                                      (body.empty() || body.back() == '\n' ? 0 : 1)) +
                       " lines)");
  if (t.wants(link::ws_f::text)) {
    size_t pos = 0;
    while (pos < body.size()) {
      size_t e = body.find('\n', pos);
      size_t end = e == std::string_view::npos ? body.size() : e + 1;
      core::add_text(t, escaped(body.substr(pos, end - pos)), off + static_cast<uint32_t>(pos),
                     static_cast<uint32_t>(end - pos));
      pos = end;
    }
  }
  t.close();
  if (info && pkt.cols) {
    pkt.cols->info += " (";
    pkt.cols->info += media;
    pkt.cols->info += ')';
  }
}

namespace {

void dissect_body(std::string_view body, std::string_view ctype, uint32_t off, Packet& pkt) {
  auto& t = pkt.tree;
  std::string media(ctype.substr(0, ctype.find(';')));
  media = std::string(trim(media));
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  const uint32_t len = static_cast<uint32_t>(body.size());
  if (media == "application/json" || media.ends_with("+json")) {
    dissect_json(body, media, off, pkt, "HTTP/JSON");
    return;
  }
  if (const auto kind = media::kind_of(media); kind != media::Kind::None) {  // form data, CBOR, XML (text/xml too)
    media::dissect(kind, {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, media, off, pkt, "HTTP");
    return;
  }
  if (media.starts_with("text/")) {
    dissect_text_lines(body, media, off, pkt, true);
    return;
  }
  pkt.layer("media");
  int32_t p = t.open(media_f::proto, off, len);
  if (t.wants(media_f::proto)) t.set_label(p, "Media Type");
  t.add_bytes_copy(media_f::type, reinterpret_cast<const uint8_t*>(body.data()), body.size(), off);
  t.close();
  if (pkt.cols && !media.empty()) pkt.cols->info += " (" + media + ")";
}

struct Header {
  std::string_view name;
  core::FieldId id;
};
constexpr Header kHeaders[] = {
    {"host", http_f::host},
    {"user-agent", http_f::user_agent},
    {"accept", http_f::accept},
    {"accept-encoding", http_f::accept_encoding},
    {"accept-language", http_f::accept_language},
    {"authorization", http_f::authorization},
    {"cache-control", http_f::cache_control},
    {"connection", http_f::connection},
    {"content-type", http_f::content_type},
    {"content-length", http_f::content_length_header},
    {"server", http_f::server},
    {"date", http_f::date},
    {"last-modified", http_f::last_modified},
    {"location", http_f::location},
    {"referer", http_f::referer},
    {"cookie", http_f::cookie},
    {"set-cookie", http_f::set_cookie},
    {"transfer-encoding", http_f::transfer_encoding},
    {"content-encoding", http_f::content_encoding},
    {"www-authenticate", http_f::www_authenticate},
    {"x-forwarded-for", http_f::x_forwarded_for},
    {"upgrade", http_f::upgrade},
    {"sec-websocket-key", http_f::sec_websocket_key},
    {"sec-websocket-accept", http_f::sec_websocket_accept},
    {"sec-websocket-protocol", http_f::sec_websocket_protocol},
    {"sec-websocket-version", http_f::sec_websocket_version},
};

}  // namespace

tcp::PduLen pdu_length(std::span<const uint8_t> b) {
  tcp::PduLen r;
  std::string_view s = as_view(b);
  if (s.empty()) return r;
  if (!is_message_start(s)) {
    if (could_become_start(s)) return r;  // too short to tell
    r.kind = tcp::PduLen::Kind::Pdu;  // continuation data: what is there
    r.total = s.size();
    r.total_known = true;
    return r;
  }
  Head h;
  if (!parse_head(s, h)) {
    if (s.size() > kMaxHeader) r.kind = tcp::PduLen::Kind::Bad;
    return r;
  }
  const bool no_body = (h.response && (h.status / 100 == 1 || h.status == 204 || h.status == 304));
  if (no_body || (!h.chunked && !h.has_length && !h.response)) {
    r.kind = tcp::PduLen::Kind::Pdu;
    r.total = h.header_len;
    r.total_known = true;
    return r;
  }
  if (h.chunked) {
    size_t end = walk_chunks(s, h.header_len, nullptr);
    if (end == SIZE_MAX) {
      r.kind = tcp::PduLen::Kind::Bad;
    } else if (end) {
      r.kind = tcp::PduLen::Kind::Pdu;
      r.total = end;
      r.total_known = true;
    }
    return r;
  }
  if (!h.has_length) {  // a response running until the connection closes (RFC 9112 §6.3): TCP completes it at the FIN
    r.until_close = true;
    return r;
  }
  if (h.length > (uint64_t(1) << 40)) {
    r.kind = tcp::PduLen::Kind::Bad;
    return r;
  }
  r.total = h.header_len + static_cast<size_t>(h.length);
  r.total_known = true;
  if (s.size() >= r.total) r.kind = tcp::PduLen::Kind::Pdu;
  return r;
}

bool plausible(std::span<const uint8_t> b) { return is_message_start(as_view(b)); }
bool could_begin(std::span<const uint8_t> b) { return could_become_start(as_view(b)); }

std::string_view first_line(std::span<const uint8_t> b) {
  std::string_view s = as_view(b);
  if (!is_message_start(s) || s.substr(0, kMaxHeader + 4).find("\r\n\r\n") == std::string_view::npos) return {};
  return s.substr(0, s.find("\r\n"));
}

// The start line's tree: the line with its chat expert, then method, URI and
// version (or version, code, phrase).
static void add_start_line(core::FieldTree& t, std::string_view s, size_t eol, uint32_t base, const Head& h) {
  const std::string_view start = s.substr(0, eol);
  core::Subtree sl(t, core::add_text(t, escaped(s.substr(0, eol + 2)), base, static_cast<uint32_t>(eol + 2)));
  core::add_expert(t, escaped(s.substr(0, eol + 2)), core::Severity::Chat, core::ExpertGroup::Sequence, base,
                   static_cast<uint32_t>(eol + 2), http_f::chat);
  const size_t a = start.find(' ');
  const size_t b = a == std::string_view::npos ? a : start.find(' ', a + 1);
  if (h.response) {
    t.add_string(http_f::response_version, start.substr(0, a), base, static_cast<uint32_t>(a));
    if (a != std::string_view::npos) {
      const std::string_view code = start.substr(a + 1, b == std::string_view::npos ? b : b - a - 1);
      t.add_uint(http_f::response_code, h.status, base + static_cast<uint32_t>(a + 1), static_cast<uint32_t>(code.size()));
      if (const char* d = status_text(h.status)) {
        int32_t i = t.add_string(http_f::response_code_desc, d, 0, 0);
        t.nodes_flags(i, core::FieldNode::kGenerated);
      }
      if (b != std::string_view::npos)
        t.add_string(http_f::response_phrase, start.substr(b + 1), base + static_cast<uint32_t>(b + 1),
                     static_cast<uint32_t>(start.size() - b - 1));
    }
  } else {
    t.add_string(http_f::request_method, start.substr(0, a), base, static_cast<uint32_t>(a));
    if (a != std::string_view::npos && b != std::string_view::npos) {
      t.add_string(http_f::request_uri, start.substr(a + 1, b - a - 1), base + static_cast<uint32_t>(a + 1),
                   static_cast<uint32_t>(b - a - 1));
      t.add_string(http_f::request_version, start.substr(b + 1), base + static_cast<uint32_t>(b + 1),
                   static_cast<uint32_t>(start.size() - b - 1));
    }
  }
}

// One header line at pos (whole, with its CRLF): its field and -V line.
// Returns where the next line starts.
static size_t add_header_line(core::FieldTree& t, std::string_view s, size_t pos, uint32_t base, bool response,
                       std::string_view& host, std::string_view& ctype) {
  const size_t e = s.find("\r\n", pos);
  const std::string_view line = s.substr(pos, e - pos), with_crlf = s.substr(pos, e + 2 - pos);
  const uint32_t o = base + static_cast<uint32_t>(pos), n = static_cast<uint32_t>(e + 2 - pos);
  const size_t colon = line.find(':');
  const std::string_view name = colon == std::string_view::npos ? line : trim(line.substr(0, colon));
  const std::string_view value = colon == std::string_view::npos ? std::string_view{} : trim(line.substr(colon + 1));
  core::FieldId id = core::kNoField;
  for (const Header& k : kHeaders)
    if (iequal(name, k.name)) id = k.id;
  const core::FieldId line_id = response ? http_f::response_line : http_f::request_line;
  if (id != core::kNoField) {
    int32_t i = t.add_string(id, value, o, n);
    t.set_display(i, escaped(with_crlf));  // -V shows the line as it is: "Content-type: application/json\r\n"
    if (id == http_f::content_length_header) {
      uint64_t v = 0;
      if (parse_decimal(value, v)) {
        core::Subtree sub(t, i);
        int32_t c = t.add_uint(http_f::content_length, v, o, n);
        t.nodes_flags(c, core::FieldNode::kGenerated);
      }
    }
    if (id == http_f::host) host = value;
    if (id == http_f::content_type) ctype = value;
    t.nodes_flags(t.add_string(line_id, with_crlf, o, n), core::FieldNode::kHidden);
  } else {
    t.set_display(t.add_string(line_id, with_crlf, o, n), escaped(with_crlf));
  }
  return e + 2;
}

// After the header lines: a request's full URI and number (remembered for
// its response), or a response's number and the request it answers.
static void add_message_meta(core::FieldTree& t, Packet& pkt, HttpSession& sess, core::Transactions& tx, uint32_t conv,
                             const Head& h, std::string_view start, std::string_view host, bool line_cut = false) {
  if (!h.response) {
    // (line_cut: the capture ended inside the request line; its URI is what
    // was captured of it, and tshark gives no full URI.)
    const size_t a = start.find(' ');
    const size_t b = a == std::string_view::npos ? a : start.find(' ', a + 1);
    const std::string_view uri = b != std::string_view::npos          ? start.substr(a + 1, b - a - 1)
                                 : line_cut && a != std::string_view::npos ? start.substr(a + 1)
                                                                           : std::string_view{};
    // (inside TLS, tshark's scheme is https)
    const char* scheme = pkt.has_layer("tls") ? "https://" : "http://";
    std::string full = uri.starts_with("/") && !host.empty() ? scheme + std::string(host) + std::string(uri) : std::string(uri);
    if (!line_cut) {
      int32_t f = t.add_string_copy(http_f::request_full_uri, full, 0, 0);
      t.nodes_flags(f, core::FieldNode::kGenerated);
    }
    t.add_bool(http_f::request, true, 0, 0, core::FieldNode::kHidden);
    ++sess.requests;
    int32_t rn = t.add_uint(http_f::request_number, sess.requests, 0, 0, core::FieldNode::kGenerated);
    t.set_display(rn, "HTTP request " + std::to_string(sess.requests) + "/" + std::to_string(sess.requests));
    if (const uint64_t rf = tx.response_in(pkt.frame.number))  // -2: "[Response in frame: 59]"
      t.add_uint(http_f::response_in, rf, 0, 0, core::FieldNode::kGenerated);
    if (full.size() > HttpSession::kMaxUri) full.resize(HttpSession::kMaxUri);
    sess.remember_uri(full);
    tx.request(core::tx_mix(conv, sess.requests), pkt.frame.number, pkt.frame.ts, std::move(full));
  } else {
    t.add_bool(http_f::response, true, 0, 0, core::FieldNode::kHidden);
    ++sess.responses;
    int32_t rn = t.add_uint(http_f::response_number, sess.responses, 0, 0, core::FieldNode::kGenerated);
    t.set_display(rn, "HTTP response " + std::to_string(sess.responses) + "/" + std::to_string(sess.responses));
    // The answered request: a 1xx response is followed by the final one for the same request.
    const uint32_t answered = h.status / 100 == 1 ? sess.answered + 1 : ++sess.answered;
    const core::Transactions::Request* q = tx.find(core::tx_mix(conv, answered));
    if (q && q->frame < pkt.frame.number) {
      if (h.status / 100 != 1) tx.answered_by(q->frame, pkt.frame.number);
      int32_t ti = t.add_time(http_f::time, core::ts_sub(pkt.frame.ts, q->ts));
      t.nodes_flags(ti, core::FieldNode::kGenerated);
      t.add_uint(http_f::request_in, q->frame, 0, 0, core::FieldNode::kGenerated);
      int32_t u = t.add_string_copy(http_f::response_for_uri, q->note, 0, 0);
      t.nodes_flags(u, core::FieldNode::kGenerated);
    } else if (!q && sess.last_uri) {
      t.nodes_flags(t.add_string_copy(http_f::response_for_uri, *sess.last_uri, 0, 0), core::FieldNode::kGenerated);
    }
  }
}

// http.file_data's value: tshark's string stops at the body's first NUL (a
// binary body: -T fields and JSON show what comes before it).
static std::string_view file_data_value(std::string_view body) { return body.substr(0, body.find('\0')); }

// Bytes of a message whose start was not seen, as tshark shows them: "File
// Data: N bytes", handed to its data dissector ("Data (N bytes)") under HTTP.
static void continuation_data(Packet& pkt, std::string_view s, uint32_t base) {
  auto& t = pkt.tree;
  const int32_t fd = t.add_string(http_f::file_data, file_data_value(s), base, static_cast<uint32_t>(s.size()));
  t.set_display(fd, "File Data: " + std::to_string(s.size()) + " bytes");
  pkt.layer("data");
  const int32_t d = t.open(link::data_f::proto, base, static_cast<uint32_t>(s.size()));
  const auto* b = reinterpret_cast<const uint8_t*>(s.data());
  if (t.wants(link::data_f::proto)) t.set_bytes(d, b, s.size());
  t.add_bytes(link::data_f::data, b, s.size(), base);
  t.add_int(link::data_f::len, static_cast<int64_t>(s.size()), 0, 0);
  t.close();
}

// RFC 9110 §5.6.2: the characters of a token (a header name).
static bool tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A whole segment that does not start a message, in a conversation whose
// framing was lost (a header block the snapshot length cut): as tshark, its
// first lines are read as header lines while they hold a colon - each shown
// as it is, a name with characters no header name has flagged - up to a
// blank line; what follows (or a line without a colon) is file data.
// `cut`: the snapshot length cut the segment, so a last line without its end
// is read as far as it goes (tshark meets the cut inside it).
static void continuation_lines(Packet& pkt, std::string_view s, uint32_t base, bool cut = false) {
  auto& t = pkt.tree;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    const bool whole = nl != std::string_view::npos;
    if (!whole && !cut) break;
    if (!whole) nl = s.size() - 1;
    const std::string_view line = s.substr(pos, nl + 1 - pos);
    std::string_view content = whole ? line.substr(0, line.size() - 1) : line;
    if (content.ends_with('\r')) content.remove_suffix(1);
    const uint32_t o = base + static_cast<uint32_t>(pos), n = static_cast<uint32_t>(line.size());
    if (content.empty()) {  // the blank line that ends a header block
      core::add_text(t, escaped(line), o, n);
      pos = nl + 1;
      break;
    }
    const size_t colon = content.find(':');
    if (colon == std::string_view::npos) break;
    const int32_t hi = t.add_string(http_f::unknown_header, line, o, n);
    t.set_display(hi, escaped(line));
    core::Subtree item(t, hi);
    const std::string_view name = content.substr(0, colon);
    if (name.empty() || !std::all_of(name.begin(), name.end(), tchar))
      core::add_expert(t, "Illegal characters found in header name", core::Severity::Warn,
                       core::ExpertGroup::Protocol, o, n, http_f::bad_header_name);
    pos = nl + 1;
  }
  if (pos < s.size()) continuation_data(pkt, s.substr(pos), base + static_cast<uint32_t>(pos));
}

bool dissect_cut(core::Bytes captured, uint32_t base, Packet& pkt, HttpSession* sess, core::Transactions* tx,
                 uint32_t conv) {
  // A message whose header block the snapshot length cut (the segment cannot
  // be reassembled): the start line and the whole header lines, then the cut.
  std::string_view s = as_view(captured);
  auto& t = pkt.tree;
  const size_t eol = s.find("\r\n");
  if (sess) sess->cut_read = true;
  if (s.size() < 3) {
    // (Fewer than three bytes kept: tshark's HTTP meets the cut before it
    // names itself; TCP's line stays.)
    pkt.layer("http");
    if (s.size() == 2) pkt.layer("data");  // (tshark's frame.protocols names the body's data too)
    pkt.mark_truncated("HTTP");
    return true;
  }
  if (eol == std::string_view::npos && s.starts_with("HTTP/")) {
    // A status line the capture cut before its end: the version, the code
    // once its three digits are there, the phrase as far as it goes (tshark
    // names HTTP and "Continuation" before it reads the line).
    pkt.layer("http");
    pkt.set_protocol("HTTP");
    if (pkt.cols) pkt.cols->info = "Continuation";
    t.open(http_f::proto, base, static_cast<uint32_t>(captured.size()));
    Head h;
    h.response = true;
    {
      core::Subtree sl(t, core::add_text(t, escaped(s), base, static_cast<uint32_t>(s.size())));
      core::add_expert(t, escaped(s), core::Severity::Chat, core::ExpertGroup::Sequence, base,
                       static_cast<uint32_t>(s.size()), http_f::chat);
      const size_t a = s.find(' ');
      t.add_string(http_f::response_version, s.substr(0, a), base, static_cast<uint32_t>(a == std::string_view::npos ? s.size() : a));
      uint64_t v = 0;
      if (a != std::string_view::npos && s.size() >= a + 4 && parse_decimal(s.substr(a + 1, 3), v)) {
        h.status = static_cast<unsigned>(v);
        t.add_uint(http_f::response_code, h.status, base + static_cast<uint32_t>(a + 1), 3);
        if (const char* d = status_text(h.status)) {
          int32_t i = t.add_string(http_f::response_code_desc, d, 0, 0);
          t.nodes_flags(i, core::FieldNode::kGenerated);
        }
        if (s.size() > a + 4 && s[a + 4] == ' ') {
          std::string_view phrase = s.substr(a + 5);
          if (phrase.ends_with('\r')) phrase.remove_suffix(1);
          if (!phrase.empty())
            t.add_string(http_f::response_phrase, phrase, base + static_cast<uint32_t>(a + 5), static_cast<uint32_t>(phrase.size()));
        }
      }
    }
    if (sess && tx) add_message_meta(t, pkt, *sess, *tx, conv, h, s, {}, true);
    t.close();
    pkt.mark_truncated("HTTP");
    return true;
  }
  if (eol == std::string_view::npos && !s.empty() && !s.starts_with("HTTP/") &&
      !std::string_view("HTTP/1.").starts_with(s) &&
      (is_message_start(s) || could_become_start(s) || is_message_start(std::string(s) + ' '))) {
    // A request line the capture cut before its end: tshark reads the
    // method, URI and version as far as they go, and its exception comes
    // before HTTP's columns (TCP's line stays). Shorter than a method name:
    // the cut alone.
    pkt.layer("http");
    const bool method_whole = is_message_start(s) || is_message_start(std::string(s) + ' ');
    if (method_whole) {
      t.open(http_f::proto, base, static_cast<uint32_t>(captured.size()));
      {
        core::Subtree sl(t, core::add_text(t, escaped(s), base, static_cast<uint32_t>(s.size())));
        core::add_expert(t, escaped(s), core::Severity::Chat, core::ExpertGroup::Sequence, base,
                         static_cast<uint32_t>(s.size()), http_f::chat);
        const size_t a = s.find(' ');
        const size_t b = a == std::string_view::npos ? a : s.find(' ', a + 1);
        const std::string_view method = s.substr(0, a);
        const std::string_view uri = a == std::string_view::npos ? std::string_view{}
                                     : s.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
        const std::string_view version = b == std::string_view::npos ? std::string_view{} : s.substr(b + 1);
        t.add_string(http_f::request_method, method, base, static_cast<uint32_t>(method.size()));
        t.add_string(http_f::request_uri, uri, base + static_cast<uint32_t>(a == std::string_view::npos ? s.size() : a + 1),
                     static_cast<uint32_t>(uri.size()));
        t.add_string(http_f::request_version, version,
                     base + static_cast<uint32_t>(b == std::string_view::npos ? s.size() : b + 1),
                     static_cast<uint32_t>(version.size()));
      }
      if (sess && tx) {
        Head h;
        add_message_meta(t, pkt, *sess, *tx, conv, h, s, {}, true);
      }
      t.close();
    }
    pkt.mark_truncated("HTTP");
    return true;
  }
  if (!is_message_start(s) || eol == std::string_view::npos) {
    if (!sess) return false;
    // The middle of a body: tshark's "Continuation" with what was captured, cut.
    pkt.layer("http");
    pkt.set_protocol("HTTP");
    t.open(http_f::proto, base, static_cast<uint32_t>(captured.size()));
    if (!s.empty()) continuation_lines(pkt, s, base, true);
    t.close();
    if (pkt.cols) pkt.cols->info = "Continuation";
    pkt.mark_truncated("HTTP");
    return true;
  }
  pkt.layer("http");
  pkt.set_protocol("HTTP");
  t.open(http_f::proto, base, static_cast<uint32_t>(captured.size()));
  Head h;
  h.response = s.substr(0, 5) == "HTTP/";
  uint64_t v = 0;
  if (h.response && eol >= 12 && parse_decimal(s.substr(9, 3), v)) h.status = static_cast<unsigned>(v);
  add_start_line(t, s, eol, base, h);
  std::string_view host, ctype;
  size_t pos = eol + 2;
  bool whole = true;  // no line was left unfinished without a name
  for (;;) {
    const size_t e = s.find("\r\n", pos);
    if (e == pos) break;  // (the blank line: the whole block was captured)
    if (e == std::string_view::npos) {
      // The line the capture cut: shown as far as it goes when its name is
      // whole (tshark: "Host: 1"); else the cut comes before the message's
      // numbers are given.
      const std::string_view rest = s.substr(pos);
      const size_t colon = rest.find(':');
      if (colon == std::string_view::npos) {
        whole = rest.empty();
        break;
      }
      const std::string_view name = trim(rest.substr(0, colon)), value = trim(rest.substr(colon + 1));
      core::FieldId id = core::kNoField;
      for (const Header& k : kHeaders)
        if (iequal(name, k.name)) id = k.id;
      const uint32_t o = base + static_cast<uint32_t>(pos), n = static_cast<uint32_t>(rest.size());
      if (id != core::kNoField) {
        t.set_display(t.add_string(id, value, o, n), escaped(rest));
        if (id == http_f::host) host = value;
      } else {
        t.set_display(t.add_string(h.response ? http_f::response_line : http_f::request_line, rest, o, n), escaped(rest));
      }
      break;
    }
    pos = add_header_line(t, s, pos, base, h.response, host, ctype);
  }
  if (whole && sess && tx) {
    add_message_meta(t, pkt, *sess, *tx, conv, h, s.substr(0, eol), host);
  } else if (sess && !h.response) {
    // (the request is not numbered, but its line was read: tshark names its
    // URI in the response)
    const std::string_view start = s.substr(0, eol);
    const size_t a = start.find(' ');
    const size_t b = a == std::string_view::npos ? a : start.find(' ', a + 1);
    if (b != std::string_view::npos) sess->remember_uri(start.substr(a + 1, b - a - 1));
  }
  t.close();
  if (pkt.cols) {
    pkt.cols->info = std::string(s.substr(0, eol));
    pkt.cols->info += ' ';
  }
  pkt.mark_truncated("HTTP");
  return true;
}

void dissect_pdu(core::Bytes pdu, uint32_t base, Packet& pkt, HttpSession& sess, core::Transactions& tx, uint32_t conv,
                 bool first) {
  auto& t = pkt.tree;
  std::string_view s = as_view(pdu);
  pkt.layer("http");
  pkt.set_protocol("HTTP");
  t.open(http_f::proto, base, static_cast<uint32_t>(pdu.size()));
  std::string info;
  Head h;
  if (!is_message_start(s) || !parse_head(s, h)) {
    if (!is_message_start(s)) continuation_lines(pkt, s, base);
    t.close();
    if (pkt.cols) {
      if (first) pkt.cols->info = "Continuation";
      else pkt.cols->info += ", Continuation";
    }
    return;
  }
  const size_t eol = s.find("\r\n");
  const std::string_view start = s.substr(0, eol);
  add_start_line(t, s, eol, base, h);
  std::string_view host, ctype;
  size_t pos = eol + 2;
  while (pos + 2 <= h.header_len - 2) pos = add_header_line(t, s, pos, base, h.response, host, ctype);
  core::add_text(t, "\\r\\n", base + static_cast<uint32_t>(h.header_len - 2), 2);
  add_message_meta(t, pkt, sess, tx, conv, h, start, host);
  // The body: de-chunked when chunked.
  std::string_view body = s.substr(h.header_len);
  std::string dechunked;
  if (h.chunked) {
    walk_chunks(s, h.header_len, &dechunked);
    body = t.arena().copy(dechunked);
  } else if (h.has_length && body.size() > h.length) {
    body = body.substr(0, static_cast<size_t>(h.length));
  }
  if (!body.empty()) {
    int32_t fd = t.add_string(http_f::file_data, file_data_value(body), base + static_cast<uint32_t>(h.header_len),
                              static_cast<uint32_t>(body.size()));
    t.set_display(fd, "File Data: " + std::to_string(body.size()) + " bytes");
  }
  t.close();
  if (pkt.cols) {
    if (first) pkt.cols->info.clear();
    else pkt.cols->info += ", ";
    pkt.cols->info += start;
    pkt.cols->info += ' ';
  }
  if (!body.empty()) dissect_body(body, ctype, base + static_cast<uint32_t>(h.header_len), pkt);
}

}  // namespace mqsniff::http
