// A pcapng reader of our own (pcapng draft: Section Header, Interface
// Description, Enhanced/Simple/obsolete Packet Blocks; every other block is
// skipped). libpcap's reader refuses a file whose interfaces have different
// link types — what `dumpcap -i eth0 -i any` or `tshark -i lo -i any` write —
// and does not say which interface a packet came on. This one gives each
// packet its interface (link type, id within its section, section, name,
// description), its comments, and its time in that interface's resolution
// (if_tsresol, powers of ten or of two, and if_tsoffset), as tshark reads it.
//
// Bounded: a block is read whole into one buffer of at most kMaxBlock bytes
// (larger blocks are an error, as in tshark), a captured length above
// kMaxPacket is an error, and at most kMaxInterfaces interfaces are kept for
// the whole file. A packet is a view into the buffer, valid until the next
// call; an interface stays valid for the reader's life.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/capture/raw_packet.h"
#include "src/capture/read_ahead.h"

namespace mqsniff::capture {

class PcapngReader {
public:
  static constexpr uint32_t kMaxBlock = 16u << 20;
  static constexpr uint32_t kMaxPacket = 262144;
  static constexpr size_t kMaxInterfaces = 65536;

  // Takes the stream (closed by the destructor), positioned at the file's
  // first byte, a Section Header Block. With read_ahead, a helper thread
  // reads the stream (src/capture/read_ahead.h) and the caller touches it no more.
  explicit PcapngReader(FILE* f, bool read_ahead = false);
  ~PcapngReader();
  PcapngReader(const PcapngReader&) = delete;
  PcapngReader& operator=(const PcapngReader&) = delete;

  ReadStatus next(RawPacket& out);
  // Why the last next() said Error or CutShort (wiretap's wording, without "pcapng: ").
  const std::string& error() const { return error_; }
  // Reads the blocks before the first packet (holding that packet for
  // next()): the first interface, null when the file describes none there.
  const Interface* first_interface();
  // The first section's interfaces described before the first packet.
  std::vector<Interface> leading_interfaces();
  // The TLS key logs of the Decryption Secrets Blocks read since the last
  // call (pcapng draft §4.7), in file order: those before the first packet
  // once first_interface() has been called, later ones as packets after them are read.
  bool has_secrets() const { return !secrets_.empty(); }
  std::vector<std::string> take_secrets() { return std::exchange(secrets_, {}); }
  // Bytes of the stream consumed so far.
  long position() const {
    return static_cast<long>(consumed_ - (len_ - pos_) - (in_big_ ? ra_len_ - ra_pos_ : 0));
  }
  // A BPF capture filter on the packets, compiled for each interface's link
  // type as it appears. Throws std::runtime_error with libpcap's message.
  void set_filter(const std::string& bpf);

private:
  struct Iface {
    Interface pub;
    uint64_t units = 1000000;  // timestamp units per second
    bool pow2 = false;         // if_tsresol in powers of two: `shift` bits of fraction
    uint8_t shift = 0;
    int64_t offset = 0;        // if_tsoffset, seconds
    std::unique_ptr<bpf_program> filter;
    ~Iface();
  };
  bool fill(size_t need);  // at least `need` bytes at pos_, unless the stream ends
  bool fill_ahead(size_t need);  // (the same with read-ahead)
  ReadStatus read(RawPacket& out);  // the next packet, filtered
  ReadStatus read_block(uint32_t& type, const uint8_t*& body, size_t& body_len);
  bool add_interface(const uint8_t* body, size_t n);
  void options(const uint8_t* p, size_t n, std::vector<std::string>* comments);
  bool passes(Iface& ifc, const RawPacket& out);
  uint32_t rd32(const uint8_t* p) const;
  uint16_t rd16(const uint8_t* p) const;

  FILE* f_;
  std::unique_ptr<uint8_t[]> buf_;  // the buffer read into (with read-ahead: the current chunk)
  size_t cap_ = 0, len_ = 0, pos_ = 0;
  const uint8_t* data_ = nullptr;   // where the bytes [pos_, len_) are: buf_, or big_
  std::unique_ptr<ReadAhead> ra_;
  std::unique_ptr<uint8_t[]> big_;  // read-ahead: a block larger than the room between chunks
  size_t big_cap_ = 0;
  bool in_big_ = false;             // data_ is big_; the chunk's bytes [ra_pos_, ra_len_) come next
  size_t ra_pos_ = 0, ra_len_ = 0;
  uint64_t consumed_ = 0;
  bool eof_ = false;
  bool be_ = false;         // the current section's byte order
  bool sections_ = false;   // a Section Header Block has been read
  uint32_t section_ = 0;    // 0-based number of the current section
  size_t section_first_ = 0;  // index in ifaces_ of the current section's first interface
  std::deque<Iface> ifaces_;  // every interface of the file (stable addresses)
  std::vector<std::string> comments_;
  std::vector<std::string> secrets_;  // key logs not yet taken
  std::string error_;
  std::string filter_text_;
  // A packet read by first_interface() before the caller asked for it.
  bool held_ = false;
  bool primed_ = false;
  size_t held_index_ = 0;  // interface of the last packet read
  RawPacket held_pkt_;
  ReadStatus held_rs_ = ReadStatus::End;
};

}  // namespace mqsniff::capture
