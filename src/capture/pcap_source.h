// A packet source over libpcap: a capture file (pcap or pcapng, micro- or
// nanosecond timestamps, or stdin with "-") or a live interface. RAII: the
// pcap handle closes with the object. Errors at open time are exceptions with
// a message for a person; errors while reading are reported by next().
//
// A classic pcap file is read in large blocks: libpcap validates its header,
// then the records are walked in a 1 MiB buffer filled by pread() (one system
// call per 1 MiB instead of one per 8 KiB, and no copy per packet: a packet is
// a view into the buffer, valid until the next call). A file over 8 MiB is
// read ahead on a helper thread when a second core exists. A capture filter
// (-f) switches back to libpcap's reader, which applies BPF.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "src/capture/pcapng_reader.h"
#include "src/capture/raw_packet.h"
#include "src/capture/read_ahead.h"

#include "dissectors/core/field_tree.h"
#include "dissectors/core/packet.h"

namespace mqsniff::capture {

struct OpenError : std::runtime_error {
  using std::runtime_error::runtime_error;
  OpenError(const std::string& m, bool perm) : std::runtime_error(m), permission(perm) {}
  bool permission = false;  // live capture refused for lack of privileges
};

// The frame a dissector sees, from a packet read from a source.
inline core::FrameData frame_of(const RawPacket& raw, uint64_t number, int linktype) {
  core::FrameData f;
  f.number = number;
  f.ts = raw.ts;
  f.len = raw.len;
  f.caplen = raw.caplen;
  f.linktype = linktype;
  f.data = raw.data;
  if (raw.comments && !raw.comments->empty()) f.comments = raw.comments;
  if (raw.iface) set_interface(f, *raw.iface);  // pcapng, live: the packet's own interface
  return f;
}

class PcapSource {
public:
  // Opens a capture file ("-" = stdin). Throws OpenError (tshark's wording).
  static PcapSource open_file(const std::string& path);
  // Opens a live interface (a TPACKET_V3 ring, not immediate mode). Throws OpenError.
  // Kernel ring for a live capture when -B is not given.
  static constexpr int kDefaultLiveBufferMib = 16;
  static PcapSource open_live(const std::string& iface, int snaplen, bool promisc = true, int buffer_mib = 0);
  // Several interfaces at once (-i eth0 -i lo), as dumpcap captures them:
  // packets in the order they are read, each naming its interface (id in
  // the order given, its name and link type). Throws OpenError.
  static PcapSource open_live_many(const std::vector<std::string>& ifaces, int snaplen, bool promisc = true,
                                   int buffer_mib = 0);

  PcapSource(PcapSource&& o) noexcept;  // only before the first next()
  PcapSource& operator=(PcapSource&&) = delete;
  PcapSource(const PcapSource&) = delete;
  ~PcapSource();

  // Installs a BPF capture filter. Throws OpenError with libpcap's message.
  void set_filter(const std::string& bpf);
  ReadStatus next(RawPacket& out);
  int linktype() const { return linktype_; }
  // Fractional digits tshark prints for this file's timestamps (6 or 9).
  int time_digits() const { return digits_; }
  bool is_pcapng() const { return pcapng_; }
  // Interface name for frame labels and the -w file: pcapng's first if_name, or the live interface.
  const std::string& interface_name() const { return ifname_; }
  const std::string& interface_description() const { return ifdesc_; }  // pcapng if_description, or empty
  // pcapng: the interfaces described before the first packet; a live
  // capture on several interfaces: those (for the -w file).
  std::vector<Interface> interfaces();
  // pcapng: the TLS key logs of the secrets blocks read since the last call
  // (after opening: those before the first packet; then those read before
  // the packet next() just returned). Empty for other sources.
  bool has_tls_secrets() const { return ng_ && ng_->has_secrets(); }
  std::vector<std::string> take_tls_secrets() { return ng_ ? ng_->take_secrets() : std::vector<std::string>{}; }
  // A live capture's kernel counts, summed over its interfaces. False if unknown.
  bool live_stats(uint64_t& received, uint64_t& dropped) const;
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  uint32_t snaplen() const { return p_ ? static_cast<uint32_t>(pcap_snapshot(p_)) : ng_snaplen_ ? ng_snaplen_ : 262144; }
  // The LINKTYPE_ value to store in a file for this source's DLT.
  int file_linktype() const { return linktype_ == 12 || linktype_ == 14 ? 101 : linktype_; }
  pcap_t* handle() const { return p_; }
  // Bytes of the file read so far (for a progress line), 0 if unknown.
  long file_position() const {
    if (ng_) return ng_->position();
    if (blk_) return static_cast<long>(blk_file_pos_ - (blk_len_ - blk_pos_));
    FILE* f = file_;
    long pos = f ? ftell(f) : -1;
    return pos > 0 ? pos : 0;
  }

private:
  PcapSource() = default;
  ReadStatus next_block(RawPacket& out);
  ReadStatus read_live(RawPacket& out);  // one packet if one is buffered (Timeout: none)
  bool refill(size_t need);
  bool refill_prefetched(size_t need);
  std::unique_ptr<ReadAhead> pf_;  // the read-ahead thread of a large file
  bool pf_checked_ = false;
  pcap_t* p_ = nullptr;
  std::unique_ptr<PcapngReader> ng_;  // a pcapng file: read by our reader, not libpcap (which owns nothing then)
  FILE* file_ = nullptr;  // owned by pcap after pcap_fopen_offline
  void* gz_ = nullptr;    // a gzip-compressed file: zlib's handle under file_ (to tell a cut-short stream)
  int fd_ = -1;           // live: pollable descriptor
  int linktype_ = 0;
  int digits_ = 6;
  bool pcapng_ = false;
  uint32_t ng_snaplen_ = 0;  // pcapng: the first interface's snapshot length
  bool live_ = false;
  Interface live_if_;  // a live capture's interface, named by its packets
  std::vector<std::unique_ptr<PcapSource>> more_;  // the other interfaces of a capture on several
  size_t rr_ = 0;      // which of them is read first next time (round robin)
  std::string name_;
  std::string ifname_;
  std::string ifdesc_;
  std::string error_;
  // Block reader of a classic pcap file (null when libpcap reads).
  std::unique_ptr<uint8_t[]> blk_;
  size_t blk_cap_ = 0;         // size of blk_
  size_t blk_len_ = 0;         // valid bytes in blk_
  size_t blk_pos_ = 0;         // next record
  size_t blk_file_pos_ = 0;    // file offset just past blk_'s valid bytes
  bool blk_eof_ = false;
  bool blk_swapped_ = false;   // records in the other byte order
  bool blk_usec_ = false;      // microsecond timestamps (scaled to ns as libpcap does)
  uint32_t blk_snap_ = 0;      // libpcap's snapshot length: longer records are cut to it
};

}  // namespace mqsniff::capture
