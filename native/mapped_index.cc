#include "mapped_index.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace {
constexpr uint64_t kReserveStep = 64 * 1024;
}  // namespace

namespace tributary {

namespace {

// Lookups are binary searches and appends touch one page at a time: readahead on a
// fault would only fill (for the sparse tail of an active index, zero) pages nobody
// reads, which cost ~1 us an append in the log-append bench.
void AdviseRandom(const Mapping& mapping) { madvise(mapping.writable_data(), mapping.length(), MADV_RANDOM); }

}  // namespace

Status MappedIndex::Closed() const { return Status::Error("ERR_INDEX_CLOSED", "index is closed"); }

Status MappedIndex::OpenFile() {
  if (closed()) return Closed();
  if (file_ != nullptr) return Status::Ok();
  return FileHandle::Open(path_, false, &file_);
}

Status MappedIndex::ReleaseFile() {
  if (closed()) return Closed();
  if (file_ == nullptr) return Status::Ok();
  Status s = CutFile(valid_bytes());
  if (s.ok()) file_.reset();
  return s;
}

Status MappedIndex::CutFile(uint64_t length) {
  if (file_bytes_ == length) return Status::Ok();
  Status s = OpenFile();
  if (s.ok()) s = file_->Truncate(length);
  if (!s.ok()) return s;
  file_bytes_ = length;
  reserved_ = std::min(reserved_, length);
  return s;
}

Status MappedIndex::Open(const std::string& path, int64_t base_offset, uint64_t max_bytes, bool writable) {
  base_offset_ = base_offset;
  path_ = path;
  Status s = FileHandle::Open(path, true, &file_);
  uint64_t size = 0;
  if (s.ok()) s = file_->Size(&size);
  if (!s.ok()) return s;
  entries_ = size / entry_size_;
  uint64_t capacity = writable ? std::max<uint64_t>(max_bytes / entry_size_ * entry_size_, size) : size;
  if (writable && capacity > size) s = file_->Truncate(capacity);
  file_bytes_ = capacity;
  if (s.ok()) s = Mapping::Map(*file_, std::max<uint64_t>(capacity, entry_size_), true, &mapping_);
  if (!s.ok()) {
    file_.reset();
    closed_ = true;
    return s;
  }
  AdviseRandom(*mapping_);
  max_entries_ = capacity / entry_size_;
  return Status::Ok();
}

Status MappedIndex::AppendEntry(const uint8_t* entry) {
  if (closed()) return Closed();
  if (entries_ >= max_entries_) return Status::Error("ERR_INDEX_FULL", "index is full", path());
  uint64_t at = valid_bytes();
  // A released index was cut to its entries: the file grows back to the capacity mapped.
  Status s = OpenFile();
  if (s.ok()) s = CutFile(max_entries_ * entry_size_);
  if (s.ok()) s = ReserveFor(at + entry_size_);
  if (s.ok() && store_through_mapping_) {
    std::memcpy(mapping_->writable_data() + at, entry, entry_size_);
  } else if (s.ok()) {
    s = file_->WriteAt(entry, entry_size_, at);
  }
  if (s.ok()) entries_++;
  return s;
}

Status MappedIndex::ReserveFor(uint64_t end) {
  if (!store_through_mapping_ || end <= reserved_) return Status::Ok();
  uint64_t target =
      std::min<uint64_t>((end + kReserveStep - 1) / kReserveStep * kReserveStep, max_entries_ * entry_size_);
  Status s = file_->Allocate(reserved_, target - reserved_, false);
  if (s.ok()) {
    reserved_ = target;
  } else if (s.err == EOPNOTSUPP || s.err == ENOSYS) {
    store_through_mapping_ = false;
    return Status::Ok();
  }
  return s;
}

void MappedIndex::TruncateTo(int64_t offset) {
  long keep = LargestAtMost([this](size_t i) { return OffsetAt(i); }, offset - 1);
  entries_ = static_cast<size_t>(keep + 1);
}

Status MappedIndex::TrimToValidSize() {
  if (closed()) return Closed();
  // A released index was cut to its entries: unless some were dropped since, it needs no descriptor.
  Status s = CutFile(valid_bytes());
  if (s.ok()) max_entries_ = entries_;
  return s;
}

Status MappedIndex::Resize(uint64_t max_bytes) {
  Status opened = OpenFile();
  if (!opened.ok()) return opened;
  uint64_t capacity = std::max<uint64_t>(max_bytes / entry_size_ * entry_size_, valid_bytes());
  if (capacity > mapping_->length()) {
    std::shared_ptr<Mapping> bigger;
    Status s = Mapping::Map(*file_, capacity, true, &bigger);
    if (!s.ok()) return s;
    AdviseRandom(*bigger);
    mapping_ = std::move(bigger);
  }
  Status s = file_->Truncate(capacity);
  if (!s.ok()) return s;
  file_bytes_ = capacity;
  max_entries_ = capacity / entry_size_;
  return s;
}

Status MappedIndex::Flush() const {
  if (closed()) return Closed();
  return file_ != nullptr ? file_->DataSync() : SyncMapping(*mapping_, valid_bytes(), path_);
}

Status MappedIndex::Close() {
  if (closed()) return Status::Ok();
  Status s = TrimToValidSize();
  file_.reset();
  mapping_.reset();
  closed_ = true;
  return s;
}

Status MappedIndex::Delete() {
  if (closed()) return Closed();
  if (unlink(path_.c_str()) != 0 && errno != ENOENT) return Status::Errno(errno, "unlink", path_);
  file_.reset();
  mapping_.reset();
  closed_ = true;
  return Status::Ok();
}

}  // namespace tributary
