// Builds RecordBatch v2 framing for native tests: a valid header with a correct CRC
// over an opaque payload (batch_scan never reads records).
#pragma once

#include <cstdint>
#include <vector>

#include "batch_scan.h"
#include "bytes.h"
#include "crc32c.h"

namespace tributary_test {

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
  WriteU32BE(&b[kCrcOffset], crc32c_extend(0, &b[kAttributesOffset], b.size() - kAttributesOffset));
  return b;
}

inline void Append(std::vector<uint8_t>* out, const std::vector<uint8_t>& batch) {
  out->insert(out->end(), batch.begin(), batch.end());
}

}  // namespace tributary_test
