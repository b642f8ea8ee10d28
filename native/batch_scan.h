// batch_scan: walks RecordBatch v2 headers laid back to back (a .log segment, or the
// records of a produce request) without decoding records.
//
// RecordBatch v2 header, big-endian, 61 bytes:
//   0 baseOffset i64 | 8 batchLength i32 (bytes after this field) | 12 partitionLeaderEpoch i32
//  16 magic i8 = 2   | 17 crc u32: CRC32C of bytes [21, 12 + batchLength)
//  21 attributes i16 | 23 lastOffsetDelta i32 | 27 baseTimestamp i64 | 35 maxTimestamp i64
//  43 producerId i64 | 51 producerEpoch i16   | 53 baseSequence i32  | 57 recordCount i32
//
// A scan stops at the first batch whose framing cannot be trusted (short header, a
// length below the header size or past the end, a magic other than 2, negative counts,
// offsets that do not increase); a CRC mismatch stops it too unless asked to go on.
// Everything before the stop is well framed, which is what recovery keeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tributary {

constexpr size_t kBatchHeaderSize = 61;
constexpr size_t kLogOverhead = 12;  // baseOffset + batchLength
constexpr size_t kBatchLengthOffset = 8;
constexpr size_t kMagicOffset = 16;
constexpr size_t kCrcOffset = 17;
constexpr size_t kAttributesOffset = 21;
constexpr size_t kLastOffsetDeltaOffset = 23;
constexpr size_t kBaseTimestampOffset = 27;
constexpr size_t kMaxTimestampOffset = 35;
constexpr size_t kRecordCountOffset = 57;
constexpr int16_t kCompressionMask = 0x07;
constexpr int16_t kTimestampTypeLogAppend = 0x08;
constexpr int32_t kMinBatchLength = static_cast<int32_t>(kBatchHeaderSize - kLogOverhead);

struct BatchInfo {
  uint64_t position;
  uint32_t size;  // whole batch, kLogOverhead + batchLength
  int64_t base_offset;
  int64_t last_offset;
  int64_t max_timestamp;
  int16_t attributes;
  int32_t record_count;
  bool crc_ok;
};

struct ScanOptions {
  bool verify_crc = true;
  bool stop_at_crc_error = true;
  bool check_offsets = false;  // base offsets must increase; a segment's, not a request's
  int64_t next_offset = 0;     // with check_offsets: the lowest base offset allowed
  size_t max_batches = SIZE_MAX;
  int64_t skip_below = INT64_MIN;  // walk past, without returning, batches whose last offset is below this
  uint64_t max_bytes =
      UINT64_MAX;       // stop before a returned batch would take the total past this (one batch always fits)
  bool collect = true;  // false: only walk (to find `end`); max_batches then counts without keeping
};

struct ScanResult {
  std::vector<BatchInfo> batches;
  uint64_t end = 0;         // position just past the last batch returned
  std::string stop_code;    // empty: clean end; "ERR_TRUNCATED" or "ERR_CORRUPT_BATCH"
  std::string stop_reason;  // for people
};

ScanResult ScanBatches(const uint8_t* data, size_t length, uint64_t start, const ScanOptions& options);

// Checks the framing of the one batch at `position` (not its CRC); fills `info` and
// returns true if sane, else records why in `stop`.
bool ReadBatchHeader(const uint8_t* data, size_t length, uint64_t position, const ScanOptions& options, BatchInfo* info,
                     ScanResult* stop);

}  // namespace tributary
