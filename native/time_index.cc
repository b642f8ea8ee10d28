#include "time_index.h"

#include "bytes.h"

namespace tributary {

TimestampOffset TimeIndex::Entry(size_t i) const {
  const uint8_t* e = EntryAt(i);
  return {ReadI64BE(e), base_offset() + ReadU32BE(e + 8)};
}

TimestampOffset TimeIndex::LastEntry() const {
  return entries() == 0 ? TimestampOffset{kNoTimestamp, base_offset()} : Entry(entries() - 1);
}

Status TimeIndex::MaybeAppend(int64_t timestamp, int64_t offset, bool skip_full_check) {
  TimestampOffset last = LastEntry();
  int64_t relative = offset - base_offset();
  if (relative < 0 || relative > INT32_MAX || (entries() > 0 && offset < last.offset)) {
    return Status::Error("ERR_INVALID_OFFSET",
                         "time index entry for offset " + std::to_string(offset) + " is before the last entry",
                         closed() ? "" : path());
  }
  if (entries() > 0 && timestamp <= last.timestamp) return Status::Ok();
  if (!skip_full_check && full()) return Status::Error("ERR_INDEX_FULL", "time index is full", path());
  uint8_t entry[kEntrySize];
  WriteU64BE(entry, static_cast<uint64_t>(timestamp));
  WriteU32BE(entry + 8, static_cast<uint32_t>(relative));
  return AppendEntry(entry);
}

TimestampOffset TimeIndex::Lookup(int64_t target) const {
  long i = LargestAtMost([this](size_t k) { return Entry(k).timestamp; }, target);
  return i < 0 ? TimestampOffset{kNoTimestamp, base_offset()} : Entry(static_cast<size_t>(i));
}

Status TimeIndex::SanityCheck() const {
  for (size_t i = 1; i < entries(); i++) {
    TimestampOffset prev = Entry(i - 1), e = Entry(i);
    if (e.timestamp <= prev.timestamp || e.offset < prev.offset) {
      return Status::Error("ERR_CORRUPT_INDEX", "time index entry " + std::to_string(i) + " is out of order", path());
    }
  }
  return Status::Ok();
}

}  // namespace tributary
