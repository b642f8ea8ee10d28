#include "batch_scan.h"

#include "bytes.h"
#include "crc32c.h"

namespace tributary {

namespace {

void Stop(ScanResult* result, const char* code, uint64_t position, const std::string& why) {
  result->stop_code = code;
  result->stop_reason = why + " at position " + std::to_string(position);
}

}  // namespace

bool ReadBatchHeader(const uint8_t* data, size_t length, uint64_t pos, const ScanOptions& options, BatchInfo* info,
                     ScanResult* result) {
  uint64_t remaining = length - pos;
  if (remaining < kMagicOffset + 1) {
    Stop(result, "ERR_TRUNCATED", pos, "incomplete batch header (" + std::to_string(remaining) + " bytes)");
    return false;
  }
  const uint8_t* p = data + pos;
  int32_t batch_length = ReadI32BE(p + kBatchLengthOffset);
  if (batch_length < kMinBatchLength) {
    Stop(result, "ERR_CORRUPT_BATCH", pos, "batch length " + std::to_string(batch_length) + " below the minimum");
    return false;
  }
  uint64_t size = kLogOverhead + static_cast<uint64_t>(batch_length);
  if (size > remaining) {
    Stop(result, "ERR_TRUNCATED", pos,
         "batch of " + std::to_string(size) + " bytes with only " + std::to_string(remaining) + " present");
    return false;
  }
  if (p[kMagicOffset] != 2) {
    Stop(result, "ERR_CORRUPT_BATCH", pos,
         "magic " + std::to_string(static_cast<int>(p[kMagicOffset])) + ", expected 2");
    return false;
  }
  int32_t last_delta = ReadI32BE(p + kLastOffsetDeltaOffset);
  int32_t count = ReadI32BE(p + kRecordCountOffset);
  if (last_delta < 0 || count < 0) {
    Stop(result, "ERR_CORRUPT_BATCH", pos, "negative lastOffsetDelta or recordCount");
    return false;
  }
  info->position = pos;
  info->size = static_cast<uint32_t>(size);
  info->base_offset = ReadI64BE(p);
  info->last_offset = info->base_offset + last_delta;
  info->max_timestamp = ReadI64BE(p + kMaxTimestampOffset);
  info->attributes = ReadI16BE(p + kAttributesOffset);
  info->record_count = count;
  // Kafka's rule (LogSegment.recover via ensureValid and the offset index's append
  // check): base offsets must increase, not follow on, since compaction leaves gaps.
  if (options.check_offsets && info->base_offset < options.next_offset) {
    Stop(result, "ERR_CORRUPT_BATCH", pos,
         "base offset " + std::to_string(info->base_offset) + " below " + std::to_string(options.next_offset));
    return false;
  }
  return true;
}

namespace {

bool CrcHolds(const uint8_t* batch, uint32_t size) {
  uint32_t stored = ReadU32BE(batch + kCrcOffset);
  return crc32c_extend(0, batch + kAttributesOffset, size - kAttributesOffset) == stored;
}

}  // namespace

ScanResult ScanBatches(const uint8_t* data, size_t length, uint64_t start, const ScanOptions& options) {
  ScanResult result;
  ScanOptions state = options;
  uint64_t pos = start;
  uint64_t wanted_count = 0, wanted_bytes = 0;
  while (pos < length && wanted_count < options.max_batches) {
    BatchInfo info;
    if (!ReadBatchHeader(data, length, pos, state, &info, &result)) break;
    bool wanted = info.last_offset >= options.skip_below;
    if (wanted && wanted_count > 0 && wanted_bytes + info.size > options.max_bytes) break;
    info.crc_ok = !options.verify_crc || CrcHolds(data + pos, info.size);
    if (!info.crc_ok && options.stop_at_crc_error) {
      Stop(&result, "ERR_CORRUPT_BATCH", pos, "CRC32C mismatch");
      break;
    }
    if (wanted) {
      if (options.collect) result.batches.push_back(info);
      wanted_count++;
      wanted_bytes += info.size;
    }
    pos += info.size;
    state.next_offset = info.last_offset + 1;
  }
  result.end = pos;
  return result;
}

}  // namespace tributary
