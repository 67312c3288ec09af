#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dissectors/core/packet.h"
#include "dissectors/tcp/reassembler.h"
#include "dissectors/tls/tls_decrypt.h"
#include "dissectors/tls/tls_keylog.h"

#include <array>
#include <unordered_map>

namespace mqsniff::tcp {
class StreamForward;
}

namespace mqsniff::tls {

// Why sessions were or were not decrypted (the -q summary line).
struct DecryptStats {
  uint64_t decrypted = 0;          // sessions with at least one record decrypted
  uint64_t no_secret = 0;          // the key log has nothing for this client random
  uint64_t unsupported_cipher = 0; // a suite mqsniff does not decrypt (CCM, export, NULL...)
  uint64_t missing_handshake = 0;  // encrypted records of a session whose hellos were not captured
  uint64_t bad_records = 0;        // records whose tag or MAC did not verify
  uint64_t dropped_plaintext = 0;  // decrypted bytes dropped (an application PDU above the limit)
};

// What decryption shares across sessions: the key log (file and pcapng
// Decryption Secrets Blocks), TLS 1.2 master secrets remembered for
// resumption by session ID and by ticket, and the counters.
struct DecryptContext {
  KeyLog keylog;
  static constexpr size_t kMaxResumption = 4096;  // per table; further sessions are not remembered
  std::unordered_map<std::string, std::array<uint8_t, 48>> by_session_id, by_ticket;
  DecryptStats stats;
  std::vector<uint8_t> plain;  // the record being decrypted (scratch shared by all sessions)
  void remember(std::unordered_map<std::string, std::array<uint8_t, 48>>& m, std::string key, const uint8_t* master);
};

// Where decrypted application data goes: the application protocol layer
// (TCP's dispatch table) frames and dissects it, as it does TCP payload.
struct AppHandler {
  const char* name;  // tls.app_data_proto ("MQ Telemetry Transport Protocol")
  tcp::PduLen (*frame)(std::span<const uint8_t>);
  void (*dissect)(void* user, core::Bytes pdu, core::Packet& pkt);
};
struct AppSink {
  // The protocol of a decrypted stream, chosen from its first bytes (null: none).
  const AppHandler* (*choose)(void* user, std::span<const uint8_t> first) = nullptr;
  void* user = nullptr;
};

// Per-session decryption state, allocated when a key log is in use.
struct SessionDecrypt {
  ClientRandom client_random{};
  uint8_t server_random[32] = {};
  bool have_client_hello = false, have_server_hello = false, hrr = false;
  bool etm = false;           // the ServerHello accepted encrypt_then_mac
  bool have_master = false;   // TLS 1.2
  uint8_t counted = 0;        // which DecryptStats counter holds this session
  bool failed_noted = false;
  uint8_t phase[2] = {0, 0};  // TLS 1.3 per direction: 0 none, 1 handshake keys, 2 application keys
  bool tls12_keys = false;    // key block computed; a direction switches at its ChangeCipherSpec
  const SuiteInfo* suite = nullptr;
  std::string ch_session_id, ch_ticket, sh_session_id;
  uint8_t master[48] = {};
  uint8_t key_block[2 * (48 + 32 + 12)] = {};
  RecordCipher cipher[2];
  const AppHandler* app = nullptr;
  bool app_chosen = false;
  std::vector<uint8_t> pending[2];  // decrypted application bytes not yet a whole PDU
  // ... and the frames they came from, with how many bytes each (tls.segment).
  std::vector<std::pair<uint32_t, uint32_t>> pending_frames[2];
  static constexpr size_t kMaxPending = 1 << 20;
  size_t pending_charged[2] = {0, 0};  // pending's capacity, counted in the TCP budget
  // Heap bytes besides `pending` (counted as buffered data): cipher contexts, session ids, frame lists.
  size_t heap_bytes() const {
    size_t n = sizeof(SessionDecrypt) + ch_session_id.capacity() + ch_ticket.capacity() + sh_session_id.capacity();
    for (int d = 0; d < 2; ++d) {
      n += pending_frames[d].capacity() * sizeof(pending_frames[d][0]);
      if (cipher[d].ready()) n += kCipherContextBytes;
    }
    return n;
  }
  static constexpr size_t kCipherContextBytes = 1024;  // OpenSSL's cipher and MAC contexts, roughly
};

// Per-conversation TLS state: the negotiated version (from the ServerHello's
// supported_versions, RFC 8446 §4.2.1) and, per direction, whether a
// ChangeCipherSpec has switched that direction to encrypted records (TLS 1.2).
struct TlsSession {
  uint16_t version = 0;  // negotiated, 0 until the ServerHello
  // -2: the version the first pass saw negotiated (tshark's second pass names
  // records before the ServerHello with it), or 0.
  uint16_t final_version = 0;
  // Until a ServerHello names it, the version of the first ChangeCipherSpec,
  // Alert, Application Data or Heartbeat record (tshark takes the session's
  // version from such a record and names every later record with it).
  uint16_t record_set_version = 0;
  uint16_t shown_version(uint16_t record_version) const {
    return version ? version : final_version ? final_version : record_set_version ? record_set_version : record_version;
  }
  // The version field of the last record that was one (for bytes that are
  // not a record: tshark names them with the session's version).
  uint16_t last_record_version = 0;
  uint16_t known_version() const { return shown_version(last_record_version); }
  uint16_t cipher = 0;   // the ServerHello's cipher suite
  // The ClientHello's random, kept while no key log is in use: a pcapng
  // secrets block read between the ClientHello and the ServerHello still
  // serves the session, as in tshark.
  bool early_random_set = false;
  uint8_t early_random[32] = {};
  bool encrypted[2] = {false, false};
  // Which side is the server is known from a ClientHello or a registered port.
  // Until then tshark takes every record for the client's, so one direction's
  // ChangeCipherSpec makes both directions' handshake records opaque.
  bool server_known = false;
  uint8_t enc_dir() const { return server_known ? dir & 1 : 0; }
  uint8_t dir = 0;         // direction of the record being dissected (set by TCP)
  uint8_t server_dir = 2;  // direction the ServerHello came from (2: not seen)
  // A ClientHello's or ServerHello's first byte was seen, even in a record
  // the capture cut: tshark's session has a version from then on (it no
  // longer guesses what bytes that are not a record are: "Continuation Data").
  bool hello_type_seen = false;
  bool hrr_seen = false;  // a HelloRetryRequest was read (tshark then reads cut handshake records)
  // TLS 1.2: the server's ServerHello was seen and no ServerHelloDone (then a
  // ChangeCipherSpec from it means an abbreviated handshake: resumption, as
  // tshark takes it, also when the capture cut the full handshake's flight).
  bool server_hello_only = false;
  // TLS 1.3: encrypted records seen from the client, and from the server
  // after the client's first one (to recognise an alert that ends the handshake).
  uint16_t client_enc = 0, server_enc_after_client = 0;
  // A handshake message continued in the next record (RFC 8446 §5.1 allows
  // fragmenting handshake messages across records), per direction.
  // Held under TCP reassembly's budget (set by TCP): the bytes count in its
  // `buffered` total and obey its per-direction and total caps; the buffer
  // is freed as soon as the message is whole.
  struct HsFragments {
    std::vector<uint8_t> bytes;                          // the message so far
    std::vector<std::pair<uint32_t, uint32_t>> parts;    // (frame, bytes) of each record's part
    uint8_t type = 0;                                    // the message's type (its first byte)
    size_t heap() const { return bytes.capacity() + parts.capacity() * sizeof(parts[0]); }
  };
  std::unique_ptr<HsFragments> hs_frag[2];
  size_t hs_charged[2] = {0, 0};
  tcp::ReassemblyStats* budget = nullptr;
  const tcp::ReassemblyLimits* limits = nullptr;
  tcp::StreamForward* forward = nullptr;  // -2: where fragmented handshake messages complete (set by TCP)
  // Re-counts what direction d's fragment buffer holds in the budget.
  void charge_fragment(int d) { tcp::recharge(budget, hs_charged[d], hs_frag[d] ? hs_frag[d]->heap() : 0); }
  // Re-counts direction d's decrypted bytes awaiting a whole PDU.
  void charge_pending(int d) {
    if (dec) tcp::recharge(budget, dec->pending_charged[d], dec->pending[d].capacity());
  }
  // Heap bytes of this session besides the buffers counted above (for the flow's state).
  size_t heap_bytes() const { return dec ? dec->heap_bytes() : 0; }
  // Decryption (only with a key log): shared context set by TCP, own state.
  DecryptContext* decrypt = nullptr;
  // The application protocol the ports name (set by TCP): what tshark calls
  // undecrypted Application Data ("MQ Telemetry Transport Protocol" on 8883).
  const char* port_app = nullptr;
  std::unique_ptr<SessionDecrypt> dec;
  AppSink sink;
  // The connection is over (both FINs, or a RST, nothing buffered): its heap
  // state goes, the few bytes above stay for tcp.stream numbering and stats.
  void release() {
    if (dec) {
      for (int d = 0; d < 2; ++d) {
        dec->pending[d] = {};
        charge_pending(d);
      }
    }
    dec.reset();
    for (int d = 0; d < 2; ++d) {
      if (budget && hs_frag[d] && !hs_frag[d]->bytes.empty()) budget->bytes_dropped += hs_frag[d]->bytes.size();
      hs_frag[d].reset();
      charge_fragment(d);
    }
  }
};
// The largest handshake message reassembled across records (a certificate chain).
constexpr size_t kMaxHandshakeMessage = 256 * 1024;

// Names of handshake message types and alert descriptions (RFC 8446, IANA), as tshark shows them.
const char* handshake_name(uint8_t type);
const char* alert_name(uint8_t desc);
// Extension types and named groups (IANA TLS registries), as tshark names them; null when unknown.
const char* extension_name(uint16_t type);
const char* group_name(uint16_t group);

// What JA4 (FoxIO) reads from a ClientHello, GREASE already left out.
struct Ja4Input {
  std::vector<uint16_t> ciphers, exts, sigalgs, versions;
  uint16_t hello_version = 0;
  bool sni = false;
  std::string alpn;  // the first ALPN value
  uint16_t ext_count = 0;
};
// JA4 and its raw form (JA4_r).
void ja4_fingerprint(const Ja4Input& in, std::string& ja4, std::string& ja4_r);

// The fixed ServerHello.random that makes it a HelloRetryRequest (RFC 8446 §4.1.3).
bool is_hrr_random(std::span<const uint8_t> random);
// Record framer (RFC 8446 §5.1): 5-byte header, length at most 2^14 + 2048.
tcp::PduLen record_length(std::span<const uint8_t> b);
bool plausible_record(std::span<const uint8_t> b);
// After a gap whose lost record length is unknown, tshark's TLS is called on
// every segment from its first byte (bytes that begin no record are its
// "Ignored Unknown Record"): nothing is dropped while waiting for a header.
inline bool resumes_anywhere(std::span<const uint8_t>) { return true; }
// Heuristic, tried on each payload of a conversation no protocol has claimed
// (a capture may start in the middle of a TLS connection): does it start
// with a Handshake or Application Data record header?
bool looks_like_record(std::span<const uint8_t> b);
// An SSL 2.0-format ClientHello's header (framed and dissected as tshark's SSLv2 record).
bool is_sslv2_hello_header(std::span<const uint8_t> b);
// tshark's TLS dissector declines a payload whose first four captured bytes
// (of more than four) are printable ASCII: TCP then shows it as Data.
bool refuses(std::span<const uint8_t> b);
// A segment that only starts a record (continued in later segments): tshark's
// TLS dissector was called and asked for more, leaving an empty TLS layer.
void dissect_record_start(uint32_t base, uint32_t len, core::Packet& pkt);
// Dissects one whole record; `first` says it is the frame's first TLS record.
// `declared` (-2's second pass): the record's length as sent when the
// capture cut it, `rec` holding what was captured.
void dissect_record(core::Bytes rec, uint32_t base, core::Packet& pkt, TlsSession& s, bool first, size_t declared = 0);
// A segment the snapshot length cut (not reassembled): its whole records, then
// the header of the record it cuts, marked truncated as tshark shows it.
// Returns false (nothing taken from r) when it does not start with a record.
bool dissect_cut_segment(core::Reader& r, core::Packet& pkt, TlsSession& s);


}  // namespace mqsniff::tls
