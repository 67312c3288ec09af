// Writes raw packets to a capture file: pcapng (default, as tshark and
// dumpcap write: nanosecond timestamps; the interfaces of a pcapng input
// kept, each packet on its own) or pcap (-F pcap, microsecond libpcap
// format, one link type). "-" writes to standard output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>
#include <stdexcept>
#include <string>
#include <string_view>

#include "dissectors/core/field_tree.h"
#include "src/capture/raw_packet.h"

namespace mqsniff::capture {

// The interface a packet to write came on (a view of its frame's fields).
struct PacketIface {
  int linktype = 0;  // libpcap DLT_
  uint32_t section = 0, id = 0;
  std::string_view name, description;
};

class PacketWriter {
public:
  enum class Format { Pcapng, Pcap };
  // Throws std::runtime_error with a message for a person.
  // `ifaces`: a pcapng input's interfaces known at the start (section 0),
  // written in their order; without, one interface of `linktype` named `ifname`.
  PacketWriter(const std::string& path, Format fmt, int linktype, uint32_t snaplen, const std::string& ifname,
               const std::vector<Interface>& ifaces = {});
  ~PacketWriter();
  PacketWriter(const PacketWriter&) = delete;
  PacketWriter& operator=(const PacketWriter&) = delete;

  // `comments`: the packet's pcapng comments, written as opt_comment options (pcapng only).
  // `iface`: the packet's pcapng interface, if it came from one. False: a
  // pcap file cannot hold a packet of another link type (nothing written).
  bool write(core::Timestamp ts, uint32_t len, const uint8_t* data, uint32_t caplen,
             const std::vector<std::string>* comments = nullptr, const PacketIface* iface = nullptr);
  bool failed() const { return failed_; }
  uint64_t packets() const { return packets_; }
  uint64_t bytes() const { return bytes_; }

private:
  void put(const void* p, size_t n);
  void add_interface(int linktype, std::string_view name, std::string_view description);
  FILE* f_ = nullptr;
  int linktype_ = 0;          // of the pcap file, or of the pcapng file's first interface
  uint32_t snaplen_ = 0;
  struct Mapped {
    uint32_t section, id, out;
  };
  std::vector<Mapped> ifmap_;  // input interface -> interface id in this file
  uint32_t next_if_ = 0;
  bool own_ = false;
  Format fmt_;
  bool failed_ = false;
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;
};

// -b: when to switch to the next file, and how many to keep (dumpcap's ring
// buffer); -a filesize/files: when to stop. Sizes in kB of 1000 bytes.
struct FileSetSpec {
  double duration = 0;        // -b duration:S  seconds a file stays open
  double interval = 0;        // -b interval:S  switch when the clock crosses a multiple of S
  uint64_t filesize_kb = 0;   // -b filesize:KB
  uint64_t packets = 0;       // -b packets:N
  uint64_t files = 0;         // -b files:N     keep only the newest N files
  uint64_t stop_filesize_kb = 0;  // -a filesize:KB
  uint64_t stop_files = 0;        // -a files:N
  bool multiple() const { return duration > 0 || interval > 0 || filesize_kb || packets; }
};

// The -w output: one file, or with -b a set of files named as dumpcap names
// them (out_00001_20261204123456.pcapng). Each file is complete (flushed and
// closed) when the next is opened, and at the end.
class FileSet {
public:
  FileSet(const std::string& path, PacketWriter::Format fmt, int linktype, uint32_t snaplen, std::string ifname,
          const FileSetSpec& spec, std::vector<Interface> ifaces = {});
  // False once a stop condition (-a filesize/files) is met: the packet was not written.
  bool write(core::Timestamp ts, uint32_t len, const uint8_t* data, uint32_t caplen,
             const std::vector<std::string>* comments = nullptr, const PacketIface* iface = nullptr);
  // A packet of another link type than the pcap file's came: the file cannot hold it.
  bool mixed() const { return mixed_; }
  // Time passes without packets (live): a file whose duration or interval is over is switched.
  bool tick();
  bool failed() const { return cur_ && cur_->failed(); }
  const std::string& current() const { return name_; }

private:
  bool due() const;
  bool open_next();
  std::string path_, prefix_, ext_, ifname_;
  PacketWriter::Format fmt_;
  int linktype_;
  uint32_t snaplen_;
  FileSetSpec spec_;
  std::unique_ptr<PacketWriter> cur_;
  std::string name_;
  uint64_t index_ = 0;
  double opened_ = 0;  // wall clock (s) when the current file was opened
  std::vector<std::string> kept_;
  std::vector<Interface> ifaces_;
  bool mixed_ = false;
};

}  // namespace mqsniff::capture
