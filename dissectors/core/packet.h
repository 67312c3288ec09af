// What one dissection pass knows about the packet being dissected: the frame
// bytes and metadata, the field tree being filled, the summary columns (when
// an output needs them), the addresses for columns and flows, and the
// truncation/malformation state that becomes `_ws.short` / `_ws.malformed`.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dissectors/core/field_tree.h"
#include "dissectors/core/reader.h"

namespace mqsniff::core {

// libpcap LINKTYPE_* values mqsniff decodes.
enum LinkType : int {
  kLinkNull = 0, kLinkEthernet = 1, kLinkRaw = 101, kLinkLoop = 108, kLinkSll = 113,
  kLinkIpv4 = 228, kLinkIpv6 = 229, kLinkSll2 = 276,
  kLinkRawDlt = 12,       // libpcap reports LINKTYPE_RAW (101) as DLT_RAW (12 on Linux)
  kLinkRawOpenBsd = 14,   // DLT_RAW on OpenBSD
};

struct FrameData {
  uint64_t number = 0;
  Timestamp ts;
  uint32_t len = 0;     // on the wire
  uint32_t caplen = 0;  // stored in the capture
  int linktype = 0;
  int interface_id = -1;  // pcapng only (frame.interface_id)
  uint32_t section = 0;   // pcapng: 0-based section (frame.section_number - 1)
  std::string_view interface_name;  // shown in the frame label when known
  std::string_view interface_description;  // pcapng if_description (frame.interface_description)
  const uint8_t* data = nullptr;
  const std::vector<std::string>* comments = nullptr;  // pcapng packet comments (frame.comment)
};

enum class AddrType : uint8_t { None, Ether, Ipv4, Ipv6 };
struct Address {
  AddrType type = AddrType::None;
  std::array<uint8_t, 16> bytes{};
};

// Byte buffers a packet's fields point into besides the frame: data
// reassembled by TCP or IPv4, and data decrypted by TLS. They live until the
// next frame is dissected; -x shows each after the frame, under its label.
class DataSources {
 public:
  // A buffer for this frame, shown as "<label> (N bytes)" ("Reassembled TCP").
  // `shared`: later layers of the frame point into it (a reassembled IPv4
  // datagram carries a TCP segment); holds() looks only at those, so a frame
  // of thousands of reassembled PDUs costs no scan per PDU.
  std::vector<uint8_t>& add(const char* label, bool shared = false) {
    if (used_ == bufs_.size()) {
      bufs_.emplace_back();
      labels_.push_back(nullptr);
    }
    labels_[used_] = label;
    if (shared) shared_.push_back(used_);
    return bufs_[used_++];
  }
  size_t size() const { return used_; }
  const char* label(size_t i) const { return labels_[i]; }
  const std::vector<uint8_t>& bytes(size_t i) const { return bufs_[i]; }
  bool holds(const uint8_t* p) const {
    for (size_t k : shared_)
      if (p >= bufs_[k].data() && p < bufs_[k].data() + bufs_[k].size()) return true;
    return false;
  }
  // A new frame: the buffers are reused (a huge one is given back).
  void reset() {
    for (size_t i = 0; i < used_; ++i)
      if (bufs_[i].capacity() > (1u << 20)) std::vector<uint8_t>().swap(bufs_[i]);
    used_ = 0;
    shared_.clear();
    // A frame that needed very many buffers gives the spare ones back.
    if (bufs_.size() > kKeepBuffers) {
      bufs_.resize(kKeepBuffers);
      bufs_.shrink_to_fit();
      labels_.resize(kKeepBuffers);
      labels_.shrink_to_fit();
    }
  }

 private:
  static constexpr size_t kKeepBuffers = 256;
  std::vector<std::vector<uint8_t>> bufs_;
  std::vector<size_t> shared_;
  std::vector<const char*> labels_;
  size_t used_ = 0;
};

struct Packet {
  FrameData frame;
  FieldTree& tree;
  Columns* cols = nullptr;  // null: nobody prints columns, so do not build them
  DataSources* sources = nullptr;  // reassembled/decrypted buffers (set by dissect_frame)

  Address dl_src, dl_dst, net_src, net_dst;
  uint8_t ip_proto = 0;
  uint8_t ip_ttl = 0;  // IPv4 TTL or IPv6 hop limit of the innermost IP header (ICMP echo Info)
  // Dissecting the datagram an ICMP error quotes: no columns, no conversation
  // state; UDP leaves its payload in error_rest for ICMP to show after itself.
  bool in_error = false;
  bool error_rest_set = false;
  Reader error_rest;
  uint16_t srcport = 0, dstport = 0;
  bool truncated = false;  // a read hit the end of the captured bytes (snaplen)
  bool malformed = false;  // a length field pointed past its container
  std::string_view malformed_proto;  // which protocol was malformed ("TCP")
  // The _ws.malformed item already follows the PDU that was malformed (MQTT
  // places one after each, as tshark does), not only at the end of the frame.
  bool malformed_shown = false;
  std::string_view truncated_proto;  // which protocol ran out of captured bytes

  // Protocol stack for frame.protocols ("eth:ethertype:ip:tcp").
  std::array<std::string_view, 48> layers{};  // a certificate chain adds one per name attribute and extension
  uint8_t nlayers = 0;

  // TCP calls the application dissector again for the rest of a segment
  // after a PDU reassembled from earlier segments: tshark then shows a second
  // layer of that protocol (frame.protocols "tcp:tls:tls", a second tree).
  bool new_call = false;
  // A segment cut by the snapshot length is being dissected (tshark's
  // pinfo->fragmented): a field running past a PDU's end is then an
  // "Unreassembled Packet", not a malformed one.
  bool fragmented = false;
  bool unreassembled = false;  // the _ws.unreassembled item was added
  // Where the payload of the TCP segment being dissected ends in the frame
  // (set by TCP): a record that ends there is the last its call sees.
  const uint8_t* seg_end = nullptr;
  // Where the datagram the link layer carries ends in the frame (IPv4's total
  // length, IPv6's payload length, ARP's size), 0 if unknown: the bytes after
  // it are the Ethernet padding, trailer and FCS.
  uint32_t l3_end = 0;

  explicit Packet(FieldTree& t) : tree(t) {}
  void layer(std::string_view name) {
    if (nlayers < layers.size()) layers[nlayers++] = name;
    tree.mark_layer();
  }
  // Whether frame.protocols already names this layer (a protocol seen twice in a frame is listed once).
  bool has_layer(std::string_view name) const {
    for (uint8_t i = 0; i < nlayers; ++i)
      if (layers[i] == name) return true;
    return false;
  }
  void set_protocol(std::string_view p) {
    if (cols) cols->protocol = p;
  }
  void mark_truncated(std::string_view proto) {
    if (!truncated) truncated_proto = proto;
    truncated = true;
  }
  void mark_malformed(std::string_view proto) {
    if (!malformed) malformed_proto = proto;
    malformed = true;
    malformed_shown = false;
  }
  // Latch a reader's error into the packet state; returns true if r failed.
  bool check(const Reader& r, std::string_view proto) {
    if (r.ok()) return false;
    if (r.error() == ReadError::Truncated) mark_truncated(proto);
    else mark_malformed(proto);
    return true;
  }
};

}  // namespace mqsniff::core
