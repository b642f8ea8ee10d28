// TimeIndex: the sparse .timeindex of a segment (Kafka's TimeIndex). Entries of 12
// bytes, big-endian: timestamp i64, relative offset u32. Each entry records the
// largest timestamp seen so far and the offset of the batch that carried it; both
// never decrease, and an entry is added only when the timestamp grows.
#pragma once

#include "mapped_index.h"

namespace tributary {

struct TimestampOffset {
  int64_t timestamp;
  int64_t offset;
};

class TimeIndex : public MappedIndex {
 public:
  static constexpr size_t kEntrySize = 12;
  static constexpr int64_t kNoTimestamp = -1;
  TimeIndex() : MappedIndex(kEntrySize) {}

  // One slot stays free for the final entry a segment gets when it rolls.
  bool full() const override { return entries() + 1 >= max_entries(); }
  // Adds (timestamp, offset) if timestamp is above the last entry's. The final entry on
  // roll passes skip_full_check to use the reserved slot.
  Status MaybeAppend(int64_t timestamp, int64_t offset, bool skip_full_check);
  // The last entry with timestamp <= target; (-1, base offset) if there is none.
  TimestampOffset Lookup(int64_t target) const;
  TimestampOffset Entry(size_t i) const;
  TimestampOffset LastEntry() const;
  int64_t OffsetAt(size_t i) const override { return Entry(i).offset; }
  Status SanityCheck() const;
};

}  // namespace tributary
