#include <doctest/doctest.h>

#include <vector>

#include "dissectors/core/reader.h"

using mqsniff::core::Bytes;
using mqsniff::core::ReadError;
using mqsniff::core::Reader;

TEST_CASE("reader: big-endian reads advance and stay inside the window") {
  std::vector<uint8_t> b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  Reader r{Bytes(b)};
  CHECK(r.u8() == 0x01);
  CHECK(r.be16() == 0x0203);
  CHECK(r.be32() == 0x04050607u);
  CHECK(r.ok());
  CHECK(r.remaining() == 0);
}

TEST_CASE("reader: reading past the declared end is Malformed and latches") {
  std::vector<uint8_t> b = {0xAA, 0xBB};
  Reader r{Bytes(b)};
  CHECK(r.be32() == 0);
  CHECK(r.error() == ReadError::Malformed);
  CHECK(r.error_offset() == 0);
  CHECK(r.remaining() == 0);
  CHECK(r.u8() == 0);  // stays failed
  CHECK(r.bytes(1).empty());
}

TEST_CASE("reader: reading past the captured bytes within the declared length is Truncated") {
  std::vector<uint8_t> b = {1, 2, 3};
  Reader r(Bytes(b), 10);  // the wire had 10 bytes, 3 were captured
  CHECK(r.remaining() == 10);
  CHECK(r.captured_remaining() == 3);
  r.be16();
  CHECK(r.ok());
  r.be16();
  CHECK(r.error() == ReadError::Truncated);
}

TEST_CASE("reader: sub() limits a child to exactly n bytes and never widens") {
  std::vector<uint8_t> b = {1, 2, 3, 4, 5, 6};
  Reader r{Bytes(b)};
  Reader c = r.sub(2);
  CHECK(r.pos() == 2);
  CHECK(c.remaining() == 2);
  CHECK(c.be16() == 0x0102);
  CHECK(c.u8() == 0);
  CHECK(c.error() == ReadError::Malformed);
  CHECK(r.ok());  // the parent is not affected by the child's failure
  CHECK(r.u8() == 3);
}

TEST_CASE("reader: sub() larger than the window marks the parent Malformed") {
  std::vector<uint8_t> b = {1, 2, 3};
  Reader r{Bytes(b)};
  Reader c = r.sub(10);
  CHECK(r.error() == ReadError::Malformed);
  CHECK(c.remaining() == 3);
}

TEST_CASE("reader: a child of a truncated window reports Truncated") {
  std::vector<uint8_t> b = {1, 2, 3, 4};
  Reader r(Bytes(b), 20);
  r.skip(2);
  Reader c = r.sub(8);
  CHECK(c.remaining() == 8);
  CHECK(c.captured_remaining() == 2);
  c.be32();
  CHECK(c.error() == ReadError::Truncated);
}

TEST_CASE("reader: empty input never reads") {
  Reader r{Bytes()};
  CHECK(r.remaining() == 0);
  CHECK(r.u8() == 0);
  CHECK(r.error() == ReadError::Malformed);
  uint8_t x;
  CHECK_FALSE(Reader{Bytes()}.peek_u8(0, x));
}

TEST_CASE("reader: little-endian reads") {
  std::vector<uint8_t> b = {0x02, 0x00, 0x00, 0x00, 0x34, 0x12};
  Reader r{Bytes(b)};
  CHECK(r.le32() == 2u);
  CHECK(r.le16() == 0x1234);
}

TEST_CASE("reader: while(remaining) loops end after an error") {
  std::vector<uint8_t> b = {1, 2, 3, 4, 5};
  Reader r{Bytes(b)};
  int iterations = 0;
  while (r.remaining()) {
    r.be16();  // the last read overruns and must end the loop
    if (++iterations > 10) break;
  }
  CHECK(iterations == 3);
  CHECK_FALSE(r.ok());
}

TEST_CASE("reader: fixed-width values at an offset are checked (0 when they do not fit)") {
  const uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9a};
  mqsniff::core::Bytes v(b, sizeof b);
  CHECK(mqsniff::core::be16_at(v, 0) == 0x1234);
  CHECK(mqsniff::core::be16_at(v, 3) == 0x789a);
  CHECK(mqsniff::core::be16_at(v, 4) == 0);
  CHECK(mqsniff::core::be16_at(v, SIZE_MAX) == 0);
  CHECK(mqsniff::core::be32_at(v, 1) == 0x3456789au);
  CHECK(mqsniff::core::be32_at(v, 2) == 0);
  CHECK(mqsniff::core::le32_at(v, 0) == 0x78563412u);
  CHECK(mqsniff::core::be32_at(mqsniff::core::Bytes{}, 0) == 0);
}
