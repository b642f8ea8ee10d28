#include "offset_index.h"

#include "bytes.h"

namespace tributary {

OffsetPosition OffsetIndex::Entry(size_t i) const {
  const uint8_t* e = EntryAt(i);
  return {base_offset() + ReadU32BE(e), ReadU32BE(e + 4)};
}

Status OffsetIndex::Append(int64_t offset, uint32_t position) {
  int64_t relative = offset - base_offset();
  bool increases = entries() == 0 || (offset > OffsetAt(entries() - 1) && position > Entry(entries() - 1).position);
  if (relative < 0 || relative > INT32_MAX || !increases) {
    return Status::Error("ERR_INVALID_OFFSET",
                         "index entry for offset " + std::to_string(offset) + " does not follow the last entry",
                         closed() ? "" : path());
  }
  uint8_t entry[kEntrySize];
  WriteU32BE(entry, static_cast<uint32_t>(relative));
  WriteU32BE(entry + 4, position);
  return AppendEntry(entry);
}

OffsetPosition OffsetIndex::Lookup(int64_t target) const {
  long i = LargestAtMost([this](size_t k) { return OffsetAt(k); }, target);
  return i < 0 ? OffsetPosition{base_offset(), 0} : Entry(static_cast<size_t>(i));
}

Status OffsetIndex::SanityCheck(uint64_t log_size) const {
  for (size_t i = 0; i < entries(); i++) {
    OffsetPosition e = Entry(i);
    bool ordered = i == 0 || (e.offset > OffsetAt(i - 1) && e.position > Entry(i - 1).position);
    if (!ordered || e.position >= log_size) {
      return Status::Error("ERR_CORRUPT_INDEX",
                           "entry " + std::to_string(i) + " (offset " + std::to_string(e.offset) + ", position " +
                               std::to_string(e.position) + ") is out of order or past the log",
                           path());
    }
  }
  return Status::Ok();
}

}  // namespace tributary
