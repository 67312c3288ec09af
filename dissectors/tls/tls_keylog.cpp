#include "dissectors/tls/tls_keylog.h"

#include "dissectors/core/format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mqsniff::tls {

namespace {

// Decodes exactly out.size() bytes of hex; false on any other length or digit.
bool unhex(std::string_view s, std::span<uint8_t> out) {
  if (s.size() != out.size() * 2) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = core::hex_digit_value(static_cast<unsigned char>(s[2 * i])), lo = core::hex_digit_value(static_cast<unsigned char>(s[2 * i + 1]));
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string_view next_word(std::string_view& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) {
    s = {};
    return {};
  }
  s.remove_prefix(b);
  size_t e = s.find_first_of(" \t");
  std::string_view w = s.substr(0, e);
  s.remove_prefix(e == std::string_view::npos ? s.size() : e);
  return w;
}

}  // namespace

void KeyLog::add_line(std::string_view line, uint64_t line_no) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view rest = line;
  std::string_view label = next_word(rest);
  if (label.empty() || label[0] == '#') return;
  Secret SessionSecrets::*slot = nullptr;
  bool used = true;
  if (label == "CLIENT_RANDOM") slot = &SessionSecrets::master;
  else if (label == "CLIENT_HANDSHAKE_TRAFFIC_SECRET") slot = &SessionSecrets::client_hs;
  else if (label == "SERVER_HANDSHAKE_TRAFFIC_SECRET") slot = &SessionSecrets::server_hs;
  else if (label == "CLIENT_TRAFFIC_SECRET_0") slot = &SessionSecrets::client_app;
  else if (label == "SERVER_TRAFFIC_SECRET_0") slot = &SessionSecrets::server_app;
  else if (label == "EXPORTER_SECRET" || label == "EARLY_EXPORTER_SECRET" || label == "CLIENT_EARLY_TRAFFIC_SECRET")
    used = false;  // valid, not needed
  else
    return;  // a label this version does not know (RSA, ECH...): skipped
  std::string_view random_hex = next_word(rest);
  std::string_view secret_hex = next_word(rest);
  ClientRandom random{};
  Secret secret;
  bool ok = !random_hex.empty() && !secret_hex.empty() && next_word(rest).empty() &&
            unhex(random_hex, random) && secret_hex.size() % 2 == 0 && secret_hex.size() / 2 <= sizeof(secret.v) &&
            secret_hex.size() >= 2;
  if (ok) {
    secret.len = static_cast<uint8_t>(secret_hex.size() / 2);
    ok = unhex(secret_hex, std::span<uint8_t>(secret.v, secret.len));
  }
  if (ok && slot == &SessionSecrets::master && secret.len != 48) ok = false;
  if (!ok) {
    if (malformed_++ == 0) first_malformed_line_ = line_no;
    return;
  }
  if (!used) return;
  auto it = map_.find(random);
  if (it == map_.end()) {
    if (map_.size() >= kMaxSessions) {
      ++dropped_;
      return;
    }
    it = map_.emplace(random, SessionSecrets{}).first;
  }
  it->second.*slot = secret;
}

void KeyLog::add_text(std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    add_line(line, ++text_lines_);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
}

bool KeyLog::load_file(const std::string& path, std::string& error) {
  path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;  // may appear later
    error = std::strerror(errno);
    path_.clear();
    return false;
  }
  struct stat sb {};
  if (::fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    ::close(fd);
    error = std::strerror(EISDIR);
    path_.clear();
    return false;
  }
  ::close(fd);
  read_more();
  return true;
}

void KeyLog::read_more() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  file_seen_ = true;
  struct stat sb {};
  if (::fstat(fd, &sb) == 0 && static_cast<uint64_t>(sb.st_size) < file_offset_) {
    // The file was truncated or replaced: read it again from the start.
    file_offset_ = 0;
    partial_.clear();
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(file_offset_));
    if (n <= 0) break;
    file_offset_ += static_cast<uint64_t>(n);
    std::string_view chunk(buf, static_cast<size_t>(n));
    while (!chunk.empty()) {
      size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        if (partial_.size() < 4096) partial_.append(chunk);  // a longer line is not a key log line
        break;
      }
      partial_.append(chunk.substr(0, nl));
      add_line(partial_, ++file_lines_);
      partial_.clear();
      chunk.remove_prefix(nl + 1);
    }
  }
  ::close(fd);
}

const SessionSecrets* KeyLog::find(const ClientRandom& random) {
  auto it = map_.find(random);
  if (it != map_.end()) return &it->second;
  if (path_.empty()) return nullptr;
  struct stat sb {};
  if (::stat(path_.c_str(), &sb) != 0 || static_cast<uint64_t>(sb.st_size) == file_offset_) return nullptr;
  read_more();
  it = map_.find(random);
  return it == map_.end() ? nullptr : &it->second;
}

}  // namespace mqsniff::tls
