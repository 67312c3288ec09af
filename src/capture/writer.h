// Writes raw packets to a capture file: pcapng (default, as tshark and
// dumpcap write: nanosecond timestamps, one interface) or pcap (-F pcap,
// microsecond libpcap format). "-" writes to standard output.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "dissectors/core/field_tree.h"

namespace mqsniff::capture {

class PacketWriter {
public:
  enum class Format { Pcapng, Pcap };
  // Throws std::runtime_error with a message for a person.
  PacketWriter(const std::string& path, Format fmt, int linktype, uint32_t snaplen, const std::string& ifname);
  ~PacketWriter();
  PacketWriter(const PacketWriter&) = delete;
  PacketWriter& operator=(const PacketWriter&) = delete;

  void write(core::Timestamp ts, uint32_t len, const uint8_t* data, uint32_t caplen);
  bool failed() const { return failed_; }
  uint64_t packets() const { return packets_; }

private:
  void put(const void* p, size_t n);
  FILE* f_ = nullptr;
  bool own_ = false;
  Format fmt_;
  bool failed_ = false;
  uint64_t packets_ = 0;
};

}  // namespace mqsniff::capture
