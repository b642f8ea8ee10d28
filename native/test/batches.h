// Builds RecordBatch v2 for native tests: a valid header with a correct CRC over
// `records` well-formed records (timestamp delta 0, null keys, values filling exactly
// `payload` bytes), or over opaque bytes when `payload` is too small to hold them
// (framing-only tests: batch_scan never reads records).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "batch_scan.h"
#include "bytes.h"
#include "crc32c.h"

namespace tributary_test {

inline size_t VarintSize(size_t zigzagged) {
  size_t n = 1;
  for (; zigzagged >= 0x80; zigzagged >>= 7) n++;
  return n;
}

inline uint8_t* PutVarint(uint8_t* p, int64_t v) {
  uint64_t zz = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  for (; zz >= 0x80; zz >>= 7) *p++ = static_cast<uint8_t>(zz | 0x80);
  *p++ = static_cast<uint8_t>(zz);
  return p;
}

// `count` records (< 64, so each offset delta is one byte) filling exactly `bytes` bytes:
// seven bytes of fields each, the rest in values, most of it in the last one.
inline void WriteRecords(uint8_t* p, size_t bytes, int32_t count) {
  const size_t fixed = 5;  // attributes, timestampDelta, offsetDelta, null key, header count
  for (int32_t i = 0; i < count; ++i) {
    size_t room = bytes / static_cast<size_t>(count - i);
    if (i == count - 1) room = bytes;
    size_t value = room - fixed - 2;
    while (value > 0 &&
           VarintSize(2 * value) + fixed + value + VarintSize(2 * (fixed + VarintSize(2 * value) + value)) > room)
      value--;
    const size_t body = fixed + VarintSize(2 * value) + value;
    uint8_t* start = p;
    p = PutVarint(p, static_cast<int64_t>(body));
    *p++ = 0;
    *p++ = 0;
    p = PutVarint(p, i);
    p = PutVarint(p, -1);
    p = PutVarint(p, static_cast<int64_t>(value));
    for (size_t v = 0; v < value; ++v) *p++ = static_cast<uint8_t>(v * 13 + i);
    *p++ = 0;
    bytes -= static_cast<size_t>(p - start);
  }
  if (bytes != 0) std::abort();  // the sizes above did not add up: fix the test data
}

inline std::vector<uint8_t> MakeBatch(int64_t base_offset, int32_t records, size_t payload, int64_t max_timestamp) {
  using namespace tributary;
  std::vector<uint8_t> b(kBatchHeaderSize + payload, 0);
  WriteU64BE(&b[0], static_cast<uint64_t>(base_offset));
  WriteU32BE(&b[kBatchLengthOffset], static_cast<uint32_t>(b.size() - kLogOverhead));
  b[kMagicOffset] = 2;
  WriteU32BE(&b[kLastOffsetDeltaOffset], static_cast<uint32_t>(records - 1));
  WriteU64BE(&b[27], static_cast<uint64_t>(max_timestamp));
  WriteU64BE(&b[kMaxTimestampOffset], static_cast<uint64_t>(max_timestamp));
  WriteU32BE(&b[kRecordCountOffset], static_cast<uint32_t>(records));
  for (size_t i = kBatchHeaderSize; i < b.size(); i++) b[i] = static_cast<uint8_t>(i * 7 + base_offset);
  if (records < 64 && payload >= 8 * static_cast<size_t>(records)) WriteRecords(&b[kBatchHeaderSize], payload, records);
  WriteU32BE(&b[kCrcOffset], crc32c_extend(0, &b[kAttributesOffset], b.size() - kAttributesOffset));
  return b;
}

// Recomputes the CRC after a deliberate edit, so the edit itself is what a check meets.
inline void Resign(std::vector<uint8_t>* b) {
  using namespace tributary;
  WriteU32BE(&(*b)[kCrcOffset], crc32c_extend(0, &(*b)[kAttributesOffset], b->size() - kAttributesOffset));
}

inline void Append(std::vector<uint8_t>* out, const std::vector<uint8_t>& batch) {
  out->insert(out->end(), batch.begin(), batch.end());
}

}  // namespace tributary_test
