// OffsetIndex: the sparse .index of a segment (Kafka's OffsetIndex). Entries of 8
// bytes, big-endian: relative offset u32 (offset - base offset), position u32 in the
// .log. One entry per index.interval.bytes appended, pointing at a batch by its last
// offset; entries strictly increase in both fields.
#pragma once

#include "mapped_index.h"

namespace tributary {

struct OffsetPosition {
  int64_t offset;
  uint32_t position;
};

class OffsetIndex : public MappedIndex {
 public:
  static constexpr size_t kEntrySize = 8;
  OffsetIndex() : MappedIndex(kEntrySize) {}

  // ERR_INVALID_OFFSET if `offset` is not above the last entry or out of u32 range.
  Status Append(int64_t offset, uint32_t position);
  // The last entry with offset <= target; (base offset, 0) if there is none.
  OffsetPosition Lookup(int64_t target) const;
  OffsetPosition Entry(size_t i) const;
  int64_t OffsetAt(size_t i) const override { return Entry(i).offset; }
  // Entries increase, and none points at or past `log_size`.
  Status SanityCheck(uint64_t log_size) const;
};

}  // namespace tributary
