// record_scan: walks the records section of one RecordBatch v2 (after the 61-byte
// header, decompressed if the batch is compressed) and checks every record's framing,
// as Kafka's broker does before it accepts a produced batch (LogValidator): without
// this, a batch with a valid CRC but a malformed record would be stored and break
// every consumer that fetches it.
//
// Record, varints zig-zag encoded:
//   length varint (bytes after itself) | attributes i8 | timestampDelta varlong
//   offsetDelta varint | keyLength varint (-1 null) | key | valueLength varint | value
//   headerCount varint | headers: keyLength varint (>= 0) | key | valueLength varint | value
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tributary {

struct RecordsSummary {
  int64_t max_timestamp_delta = INT64_MIN;  // INT64_MIN when there are no records
  int64_t min_timestamp_delta = INT64_MAX;  // INT64_MAX when there are no records
  int32_t offset_delta_of_max = -1;         // offsetDelta of the first record holding the max
  int32_t null_keys = 0;                    // records without a key (refused by compacted topics)
  std::string error;                        // empty when every record is well formed
  size_t error_position = 0;                // where the bad record starts, relative to `data`
};

// Walks `length` bytes holding exactly `record_count` records whose offset deltas must be
// 0, 1, 2, ... in order. Returns false and fills `error` on the first problem.
bool ScanRecords(const uint8_t* data, size_t length, int32_t record_count, RecordsSummary* out);

}  // namespace tributary
