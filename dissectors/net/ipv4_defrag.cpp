#include "dissectors/net/ipv4_defrag.h"

#include "dissectors/tcp/flow_table.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "dissectors/core/field_registry.h"

namespace mqsniff::net {

void Ipv4Defrag::erase(size_t i) {
  bytes_ -= slots_[i].buf.size();
  slots_.erase(slots_.begin() + static_cast<long>(i));
}

Ipv4Defrag::Result Ipv4Defrag::add(const Key& k, uint32_t off, bool more, std::span<const uint8_t> payload,
                                   uint32_t frame, core::Timestamp ts) {
  Result res;
  // Expire datagrams that stopped receiving fragments.
  for (size_t i = 0; i < slots_.size();) {
    if (core::sat_sub(ts.sec, slots_[i].last.sec) > timeout_sec) {
      dropped_ += slots_[i].buf.size();
      erase(i);
    } else {
      ++i;
    }
  }
  uint64_t end = uint64_t(off) + payload.size();
  if (end > 65535) {  // beyond any IPv4 datagram: ignore the fragment
    dropped_ += payload.size();
    return res;
  }
  size_t idx = slots_.size();
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].key == k) idx = i;
  if (idx == slots_.size()) {
    if (slots_.size() >= kMaxDatagrams) {
      dropped_ += slots_.front().buf.size();
      erase(0);
      idx = slots_.size();
    }
    slots_.push_back(Slot{k, {}, {}, 0, false, {}, {}, ts});
  }
  Slot& s = slots_[idx];
  s.last = ts;
  if (s.buf.size() < end) {
    if (bytes_ + (end - s.buf.size()) > kMaxTotalBytes) {
      dropped_ += payload.size();
      return res;
    }
    bytes_ += end - s.buf.size();
    s.buf.resize(end);
  }
  // First data wins: copy only bytes not yet received.
  for (uint32_t p = off; p < end;) {
    bool covered = false;
    uint32_t next = static_cast<uint32_t>(end);
    for (auto& r : s.have) {
      if (p >= r.first && p < r.second) {
        covered = true;
        next = r.second;
        break;
      }
      if (r.first > p && r.first < next) next = r.first;
    }
    uint32_t stop = std::min<uint32_t>(next, static_cast<uint32_t>(end));
    if (!covered) std::memcpy(s.buf.data() + p, payload.data() + (p - off), stop - p);
    p = stop;
  }
  s.have.emplace_back(off, static_cast<uint32_t>(end));
  s.frames.push_back(frame);
  s.parts.push_back(Part{frame, off, static_cast<uint32_t>(payload.size())});
  if (!more) {
    s.total = static_cast<uint32_t>(end);
    s.total_known = true;
  }
  if (!s.total_known) return res;
  // Complete when the received ranges cover [0, total).
  std::sort(s.have.begin(), s.have.end());
  uint32_t reach = 0;
  for (auto& r : s.have) {
    if (r.first > reach) return res;
    reach = std::max(reach, r.second);
  }
  if (reach < s.total) return res;
  done_.assign(s.buf.begin(), s.buf.begin() + s.total);
  res.complete = true;
  res.frames = std::move(s.frames);
  res.parts = std::move(s.parts);
  std::stable_sort(res.parts.begin(), res.parts.end(), [](const Part& a, const Part& b) { return a.offset < b.offset; });
  erase(idx);
  res.data = done_;
  return res;
}

void add_fragment_list(core::FieldTree& t, const FragmentFields& f, const std::vector<Ipv4Defrag::Part>& parts,
                       std::span<const uint8_t> whole) {
  // (IPv4's list is a bytes field whose value is the datagram; IPv6's a label.)
  const core::FieldDef* def = core::FieldRegistry::instance().def(f.list);
  const bool bytes = def && def->type == core::FieldType::Bytes;
  const int32_t li = bytes ? t.add_bytes(f.list, whole.data(), whole.size(), 0)
                           : t.add_none(f.list, 0, static_cast<uint32_t>(whole.size()));
  if (li >= 0 && t.wants(f.list)) {
    std::string label = std::to_string(parts.size()) + " " + f.name + " Fragments (" + std::to_string(whole.size()) +
                        " bytes):";
    for (size_t i = 0; i < parts.size(); ++i)
      label += (i ? ", #" : " #") + std::to_string(parts[i].frame) + "(" + std::to_string(parts[i].length) + ")";
    if (bytes) t.set_display(li, label);  // (bracketed as a generated field)
    else t.set_label(li, label);
  }
  core::Subtree sub(t, li);
  for (const auto& p : parts) {
    const int32_t fi = t.add_uint(f.fragment, p.frame, 0, 0);
    if (fi >= 0 && p.length) {
      char b[80];
      snprintf(b, sizeof b, ", payload: %u-%u (%u bytes)", p.offset, p.offset + p.length - 1, p.length);
      t.append_text(fi, b);
    }
  }
  t.add_uint(f.count, parts.size(), 0, 0);
  t.add_uint(f.length, whole.size(), 0, 0);
  t.add_bytes(f.data, whole.data(), whole.size(), 0);
}

void note_reassembled_in(tcp::StreamForward* fwd, const std::vector<Ipv4Defrag::Part>& parts, uint32_t frame) {
  if (!fwd) return;
  for (const auto& p : parts)
    if (p.frame != frame) fwd->note_reassembled(tcp::StreamForward::In::IpDatagram, p.frame, frame);
}

uint32_t add_reassembled_in(core::FieldTree& t, core::FieldId field, const tcp::StreamForward* fwd, uint32_t frame) {
  const uint32_t in = fwd ? fwd->reassembled_in(tcp::StreamForward::In::IpDatagram, frame) : 0;
  if (!in || in == frame) return 0;
  t.add_uint(field, in, 0, 0);
  return in;
}

}  // namespace mqsniff::net
