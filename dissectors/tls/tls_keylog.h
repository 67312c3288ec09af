// TLS session secrets from an NSS key log (the SSLKEYLOGFILE format, draft-ietf-tls-keylogfile;
// written by OpenSSL's keylog callback, Python's SSLContext.keylog_filename,
// curl, Firefox) or from a pcapng Decryption Secrets Block holding such a log.
//
//   # comment
//   CLIENT_RANDOM <64 hex: ClientHello.random> <96 hex: TLS 1.2 master secret>
//   CLIENT_HANDSHAKE_TRAFFIC_SECRET <64 hex> <hex secret>   (TLS 1.3, also
//   SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0)
//
// EXPORTER_SECRET, EARLY_EXPORTER_SECRET and CLIENT_EARLY_TRAFFIC_SECRET are
// accepted and not used (mqsniff does not decrypt 0-RTT data); other labels
// (RSA, future ones) are skipped. A line that does not parse is counted, and
// the first one's number is kept for the warning; it is never fatal.
//
// Limit: at most kMaxSessions client randoms are kept (about 300 bytes each,
// so 20 MiB at most); lines for further sessions are counted as dropped.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mqsniff::tls {

struct Secret {
  uint8_t len = 0;  // 0: absent
  uint8_t v[64] = {};
  std::span<const uint8_t> view() const { return {v, len}; }
};

// What the log holds for one ClientHello.random.
struct SessionSecrets {
  Secret master;  // TLS 1.2 (48 bytes)
  Secret client_hs, server_hs, client_app, server_app;  // TLS 1.3
};

using ClientRandom = std::array<uint8_t, 32>;

class KeyLog {
 public:
  static constexpr size_t kMaxSessions = 65536;

  // Reads the file at `path` (and remembers it, to read what is appended
  // later). Returns false when the file exists but cannot be read; a missing
  // file is not an error (it may appear later, as a live client writes it).
  bool load_file(const std::string& path, std::string& error);
  // Adds the lines of a key log held in memory (a pcapng DSB, tests).
  void add_text(std::string_view text);
  // The secrets for a client random, or null. On a miss, reads what was
  // appended to the file since (a client that logs as it connects).
  const SessionSecrets* find(const ClientRandom& random);

  bool has_file() const { return !path_.empty(); }
  bool file_seen() const { return file_seen_; }
  size_t sessions() const { return map_.size(); }
  uint64_t malformed_lines() const { return malformed_; }
  uint64_t first_malformed_line() const { return first_malformed_line_; }
  uint64_t dropped_sessions() const { return dropped_; }

 private:
  // All 32 bytes count: a client random is not always random at its start
  // (TLS 1.2 clients may begin it with the time; a crafted key log may make
  // its first bytes equal), and equal hashes would make lookups quadratic.
  struct Hash {
    size_t operator()(const ClientRandom& r) const {
      uint64_t h = 0;
      for (size_t i = 0; i < r.size(); i += 8) {
        uint64_t w;
        __builtin_memcpy(&w, r.data() + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
      }
      return static_cast<size_t>(h);
    }
  };
  void add_line(std::string_view line, uint64_t line_no);
  void read_more();

  std::unordered_map<ClientRandom, SessionSecrets, Hash> map_;
  std::string path_;
  bool file_seen_ = false;
  uint64_t file_offset_ = 0;
  uint64_t file_lines_ = 0;
  std::string partial_;  // an unfinished last line of the file
  uint64_t text_lines_ = 0;
  uint64_t malformed_ = 0, first_malformed_line_ = 0, dropped_ = 0;
};

}  // namespace mqsniff::tls
