// MappedIndex: the shared base of OffsetIndex and TimeIndex (Kafka's AbstractIndex).
// A file of fixed-width big-endian entries, sorted by key, read and written through a
// shared mapping. A store into a sparse page on a full disk would raise SIGBUS, so
// blocks are allocated (fallocate) a chunk ahead of the entries written into them: a
// full disk is an ENOSPC from Append. Where fallocate is not supported, entries are
// written with pwrite instead.
//
// A writable (active) index is sized to max_bytes as a sparse file; the number of
// valid entries is kept in memory. TrimToValidSize cuts the file to its entries, as
// on roll and close, so a cleanly closed index holds exactly its entries. After a
// crash an active index has a zero-filled tail: recovery rebuilds it from the log.
//
// An index can do without its descriptor: ReleaseFile cuts the file to its entries (so
// it is exact on disk, as after a clean close) and closes it; lookups read the mapping
// (the entries are all below the cut), Flush is an msync, and anything that changes the
// file reopens it by path, an append first growing an active index back to its capacity.
// A sealed index is released for good; an idle active one under the log manager's
// open-file budget. Closing a released index needs no descriptor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mapped_file.h"
#include "status.h"

namespace tributary {

class MappedIndex {
 public:
  virtual ~MappedIndex() = default;

  // Opens or creates the index; a writable one is grown to max_bytes (rounded down to
  // whole entries) and can take appends.
  Status Open(const std::string& path, int64_t base_offset, uint64_t max_bytes, bool writable);

  const std::string& path() const { return path_; }
  bool closed() const { return closed_; }
  int64_t base_offset() const { return base_offset_; }
  size_t entries() const { return entries_; }
  size_t max_entries() const { return max_entries_; }
  // Full for ordinary appends; a subclass may keep slots in reserve.
  virtual bool full() const { return entries_ >= max_entries_; }
  size_t entry_size() const { return entry_size_; }
  uint64_t valid_bytes() const { return entries_ * entry_size_; }

  // Drops every entry whose offset is >= `offset`.
  void TruncateTo(int64_t offset);
  void Reset() { entries_ = 0; }
  Status TrimToValidSize();
  Status Resize(uint64_t max_bytes);
  Status Flush() const;
  Status Close();
  Status Delete();
  // Cuts the file to its entries and closes its descriptor, keeping the capacity
  // (max_entries) for appends, which reopen it.
  Status ReleaseFile();

  // The offset an entry points at (absolute).
  virtual int64_t OffsetAt(size_t i) const = 0;

 protected:
  explicit MappedIndex(size_t entry_size) : entry_size_(entry_size) {}
  const uint8_t* EntryAt(size_t i) const { return mapping_->data() + i * entry_size_; }
  Status AppendEntry(const uint8_t* entry);
  Status ReserveFor(uint64_t end);
  Status OpenFile();
  // Sets the file's length (reopening it if need be), unless it is that long already.
  Status CutFile(uint64_t length);
  Status Closed() const;
  // Index of the last entry whose key is <= the target, or -1; `key_at` reads the key.
  template <typename KeyAt, typename Key>
  long LargestAtMost(KeyAt key_at, Key target) const {
    long lo = 0, hi = static_cast<long>(entries_) - 1, found = -1;
    while (lo <= hi) {
      long mid = lo + (hi - lo) / 2;
      if (key_at(static_cast<size_t>(mid)) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

 private:
  size_t entry_size_;
  int64_t base_offset_ = 0;
  size_t entries_ = 0;
  size_t max_entries_ = 0;
  uint64_t reserved_ = 0;    // bytes from 0 with blocks allocated for stores
  uint64_t file_bytes_ = 0;  // the file's length: capacity, or valid bytes once trimmed or released
  bool store_through_mapping_ = true;
  bool closed_ = false;
  std::string path_;
  std::shared_ptr<FileHandle> file_;  // null once released (or closed)
  std::shared_ptr<Mapping> mapping_;
};

}  // namespace tributary
