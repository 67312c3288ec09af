#include "dissectors/tls/tls_session_decrypt.h"

#include <cstring>
#include <string>

namespace mqsniff::tls {

namespace {


enum Counted : uint8_t { kNotCounted = 0, kCountedOk, kCountedNoSecret, kCountedUnsupported, kCountedNoHandshake };

SessionDecrypt& state(TlsSession& s) {
  if (!s.dec) s.dec = std::make_unique<SessionDecrypt>();
  return *s.dec;
}

unsigned client_dir(const TlsSession& s) { return s.server_dir <= 1 ? 1u - s.server_dir : 0u; }

uint64_t* counter(DecryptStats& st, uint8_t c) {
  switch (c) {
    case kCountedOk: return &st.decrypted;
    case kCountedNoSecret: return &st.no_secret;
    case kCountedUnsupported: return &st.unsupported_cipher;
    case kCountedNoHandshake: return &st.missing_handshake;
    default: return nullptr;
  }
}

void count(TlsSession& s, uint8_t what) {
  SessionDecrypt& d = state(s);
  if (d.counted == what) return;
  if (d.counted == kCountedOk) return;  // once decrypted, it stays counted as such
  if (uint64_t* old = counter(s.decrypt->stats, d.counted)) --*old;
  d.counted = what;
  if (uint64_t* c = counter(s.decrypt->stats, what)) ++*c;
}

// TLS 1.2 key block (RFC 5246 §6.3) from the master secret.
bool derive_tls12(SessionDecrypt& d) {
  const SuiteInfo& su = *d.suite;
  const size_t iv = su.kind == CipherKind::Gcm ? 4 : su.kind == CipherKind::ChaCha ? 12 : 0;
  const size_t need = 2 * (su.mac_len + su.key_len + iv);
  if (!tls12_prf(su.prf, std::span<const uint8_t>(d.master, 48), "key expansion",
                 std::span<const uint8_t>(d.server_random, 32), d.client_random,
                 std::span<uint8_t>(d.key_block, need)))
    return false;
  d.tls12_keys = true;
  return true;
}

// TLS 1.3: (re)installs a direction's keys for its phase, from the key log.
bool install_tls13(TlsSession& s, SessionDecrypt& d, unsigned dir, uint8_t phase) {
  const SessionSecrets* sec = s.decrypt->keylog.find(d.client_random);
  if (!sec || !d.suite) return false;
  const bool server = dir == s.server_dir;
  const Secret& secret = phase == 1 ? (server ? sec->server_hs : sec->client_hs)
                                    : (server ? sec->server_app : sec->client_app);
  if (!secret.len || !d.cipher[dir].init_tls13(*d.suite, secret.view())) return false;
  d.phase[dir] = phase;
  return true;
}

bool find_master(TlsSession& s, SessionDecrypt& d) {
  if (const SessionSecrets* sec = s.decrypt->keylog.find(d.client_random); sec && sec->master.len == 48) {
    std::memcpy(d.master, sec->master.v, 48);
    return d.have_master = true;
  }
  // Resumption (RFC 5246 §7.3, RFC 5077): the ServerHello echoes the
  // ClientHello's session ID, or the ClientHello offered a ticket.
  auto& ctx = *s.decrypt;
  if (!d.ch_session_id.empty() && d.ch_session_id == d.sh_session_id) {
    if (auto it = ctx.by_session_id.find(d.sh_session_id); it != ctx.by_session_id.end()) {
      std::memcpy(d.master, it->second.data(), 48);
      return d.have_master = true;
    }
  }
  if (!d.ch_ticket.empty()) {
    if (auto it = ctx.by_ticket.find(d.ch_ticket); it != ctx.by_ticket.end()) {
      std::memcpy(d.master, it->second.data(), 48);
      return d.have_master = true;
    }
  }
  return false;
}

bool prepare_tls12(TlsSession& s, SessionDecrypt& d) {
  if (d.tls12_keys) return true;
  if (!d.have_client_hello || !d.have_server_hello || !d.suite || d.suite->tls13) return false;
  if (!find_master(s, d) || !derive_tls12(d)) return false;
  if (!d.sh_session_id.empty()) s.decrypt->remember(s.decrypt->by_session_id, d.sh_session_id, d.master);
  return true;
}

bool install_tls12(TlsSession& s, SessionDecrypt& d, unsigned dir) {
  if (!prepare_tls12(s, d)) return false;
  const SuiteInfo& su = *d.suite;
  const size_t iv = su.kind == CipherKind::Gcm ? 4 : su.kind == CipherKind::ChaCha ? 12 : 0;
  const bool client = dir == client_dir(s);
  const uint8_t* kb = d.key_block;
  const uint8_t* mac = kb + (client ? 0 : su.mac_len);
  const uint8_t* key = kb + 2 * su.mac_len + (client ? 0 : su.key_len);
  const uint8_t* ivp = kb + 2 * su.mac_len + 2 * su.key_len + (client ? 0 : iv);
  return d.cipher[dir].init_tls12(su, std::span<const uint8_t>(key, su.key_len), std::span<const uint8_t>(ivp, iv),
                                  std::span<const uint8_t>(mac, su.mac_len), d.etm);
}

}  // namespace

void DecryptContext::remember(std::unordered_map<std::string, std::array<uint8_t, 48>>& m, std::string key,
                              const uint8_t* master) {
  if (key.empty() || (m.size() >= kMaxResumption && !m.count(key))) return;
  std::array<uint8_t, 48> v;
  std::memcpy(v.data(), master, 48);
  m[std::move(key)] = v;
}

void decrypt_client_hello(TlsSession& s, std::span<const uint8_t> random, std::span<const uint8_t> session_id,
                          std::span<const uint8_t> ticket) {
  if (random.size() != 32) return;
  if (!s.decrypt) {
    std::memcpy(s.early_random, random.data(), 32);
    s.early_random_set = true;
    return;
  }
  SessionDecrypt& d = state(s);
  std::memcpy(d.client_random.data(), random.data(), 32);
  d.have_client_hello = true;
  d.ch_session_id.assign(session_id.begin(), session_id.end());
  if (ticket.size() <= 4096) d.ch_ticket.assign(ticket.begin(), ticket.end());
}

void decrypt_server_hello(TlsSession& s, std::span<const uint8_t> random, std::span<const uint8_t> session_id,
                          bool etm) {
  if (!s.decrypt || random.size() != 32) return;
  SessionDecrypt& d = state(s);
  if (!d.have_client_hello && s.early_random_set) {  // keys arrived after the ClientHello
    std::memcpy(d.client_random.data(), s.early_random, 32);
    d.have_client_hello = true;
  }
  if (is_hrr_random(random)) {
    d.hrr = true;  // the real ServerHello follows the second ClientHello
    return;
  }
  std::memcpy(d.server_random, random.data(), 32);
  d.have_server_hello = true;
  d.sh_session_id.assign(session_id.begin(), session_id.end());
  d.etm = etm;
  d.suite = suite_info(s.cipher);
  if (!d.suite || d.suite->tls13 != (s.version == 0x0304)) {
    d.suite = nullptr;
    count(s, kCountedUnsupported);
    return;
  }
  if (d.suite->tls13 && d.have_client_hello && s.server_dir <= 1) {
    install_tls13(s, d, s.server_dir, 1);
    install_tls13(s, d, client_dir(s), 1);
  }
}

void decrypt_change_cipher_spec(TlsSession& s, unsigned dir) {
  if (!s.decrypt || !s.dec || s.version == 0x0304 || dir > 1) return;
  install_tls12(s, *s.dec, dir);
}

void decrypt_session_ticket(TlsSession& s, std::span<const uint8_t> ticket) {
  if (!s.decrypt || !s.dec || ticket.empty() || ticket.size() > 4096) return;
  SessionDecrypt& d = *s.dec;
  if (!d.have_master && !prepare_tls12(s, d)) return;
  s.decrypt->remember(s.decrypt->by_ticket, std::string(ticket.begin(), ticket.end()), d.master);
}

void decrypt_after_handshake(TlsSession& s, unsigned dir, uint8_t type) {
  if (!s.dec || dir > 1 || !s.dec->suite || !s.dec->suite->tls13) return;
  SessionDecrypt& d = *s.dec;
  if (type == 20 && d.phase[dir] == 1) {
    install_tls13(s, d, dir, 2);  // Finished: application traffic keys follow
  } else if (type == 24 && d.phase[dir] == 2) {
    d.cipher[dir].update_tls13();  // KeyUpdate: the next traffic secret
  }
}

DecryptOutcome decrypt_record(TlsSession& s, unsigned dir, std::span<const uint8_t> rec, uint8_t& inner) {
  if (!s.decrypt || dir > 1 || rec.size() < 5) return DecryptOutcome::NotEncrypted;
  const bool tls13 = s.version == 0x0304;
  const bool encrypted = tls13 ? rec[0] == 23 : s.encrypted[dir];
  if (!encrypted) return DecryptOutcome::NotEncrypted;
  SessionDecrypt& d = state(s);
  if (!d.cipher[dir].ready()) {
    // Keys may have been logged after the hellos went by (a live client
    // writes its key log as it connects): look again.
    if (tls13 && d.suite && d.have_client_hello) install_tls13(s, d, dir, d.phase[dir] ? d.phase[dir] : 1);
    else if (!tls13 && d.suite) install_tls12(s, d, dir);
  }
  if (!d.cipher[dir].ready()) {
    count(s, !d.have_client_hello || !d.have_server_hello ? kCountedNoHandshake
             : !d.suite                                   ? kCountedUnsupported
                                                          : kCountedNoSecret);
    return DecryptOutcome::NoKeys;
  }
  auto r = d.cipher[dir].decrypt(rec, s.decrypt->plain, inner);
  if (r != RecordCipher::Result::Ok && tls13 && d.phase[dir] == 1) {
    // A TLS 1.3 direction whose Finished we did not see (lost, or the record
    // carried early data): try its application keys before giving up.
    SessionDecrypt trial_owner;
    const SessionSecrets* sec = s.decrypt->keylog.find(d.client_random);
    const Secret* app = !sec ? nullptr : dir == s.server_dir ? &sec->server_app : &sec->client_app;
    if (app && app->len && trial_owner.cipher[dir].init_tls13(*d.suite, app->view()) &&
        trial_owner.cipher[dir].decrypt(rec, s.decrypt->plain, inner) == RecordCipher::Result::Ok) {
      install_tls13(s, d, dir, 2);
      d.cipher[dir].decrypt(rec, s.decrypt->plain, inner);  // advances the new keys' sequence number
      r = RecordCipher::Result::Ok;
    }
  }
  if (r != RecordCipher::Result::Ok) {
    ++s.decrypt->stats.bad_records;
    return DecryptOutcome::BadTag;
  }
  count(s, kCountedOk);
  return DecryptOutcome::Ok;
}

const char* missing_reason(const TlsSession& s) {
  if (!s.dec) return "no ClientHello/ServerHello captured for this session";
  switch (s.dec->counted) {
    case kCountedNoSecret: return "no secret in the key log for this session's client random";
    case kCountedUnsupported: return "cipher suite not supported for decryption";
    case kCountedNoHandshake: return "no ClientHello/ServerHello captured for this session";
    default: return nullptr;
  }
}

}  // namespace mqsniff::tls
