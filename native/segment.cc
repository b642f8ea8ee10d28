#include "segment.h"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "batch_scan.h"
#include "bytes.h"

namespace tributary {

namespace {

constexpr uint64_t kReserveStep = 8ull << 20;
constexpr uint64_t kPageSize = 4096;

uint64_t RoundUp(uint64_t value, uint64_t step) { return (value + step - 1) / step * step; }

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Writes every byte of iov[0, count) at `offset`, continuing after short writes.
Status WriteVector(const FileHandle& file, iovec* iov, int count, uint64_t offset) {
  int first = 0;
  while (first < count) {
    ssize_t n = pwritev(file.fd(), iov + first, count - first, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Errno(errno, "pwritev", file.path());
    }
    offset += static_cast<uint64_t>(n);
    size_t left = static_cast<size_t>(n);
    while (first < count && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

// Gathers batches for pwritev, each as its new 8-byte base offset then the rest of its
// bytes, in fixed-size chunks so an append allocates nothing.
class BatchWriter {
 public:
  BatchWriter(const FileHandle& file, uint64_t offset) : file_(file), offset_(offset) {}

  Status Add(const uint8_t* batch, uint32_t size, int64_t base_offset) {
    if (batches_ == kChunk) {
      Status s = Flush();
      if (!s.ok()) return s;
    }
    uint8_t* header = headers_[batches_];
    WriteU64BE(header, static_cast<uint64_t>(base_offset));
    iov_[2 * batches_] = {header, 8};
    iov_[2 * batches_ + 1] = {const_cast<uint8_t*>(batch + 8), size - 8u};
    bytes_ += size;
    batches_++;
    return Status::Ok();
  }

  Status Flush() {
    Status s = WriteVector(file_, iov_, static_cast<int>(2 * batches_), offset_);
    offset_ += bytes_;
    bytes_ = 0;
    batches_ = 0;
    return s;
  }

 private:
  static constexpr size_t kChunk = 64;
  const FileHandle& file_;
  uint64_t offset_;
  uint64_t bytes_ = 0;
  size_t batches_ = 0;
  uint8_t headers_[kChunk][8];
  iovec iov_[2 * kChunk];
};

}  // namespace

Status Segment::Open(const std::string& path, uint64_t capacity, bool create, std::unique_ptr<Segment>* out) {
  std::shared_ptr<FileHandle> file;
  Status s = FileHandle::Open(path, create, &file);
  if (!s.ok()) return s;
  uint64_t size = 0;
  s = file->Size(&size);
  if (!s.ok()) return s;
  std::shared_ptr<Mapping> mapping;
  s = Mapping::Map(*file, RoundUp(std::max({capacity, size, uint64_t{1}}), kPageSize), false, &mapping);
  if (!s.ok()) return s;
  out->reset(new Segment(std::move(file), std::move(mapping), size));
  return Status::Ok();
}

Status Segment::OpenFile() {
  if (file_ != nullptr) return Status::Ok();
  return FileHandle::Open(path_, false, &file_);
}

Status Segment::ReleaseFile() {
  if (closed()) return Closed();
  if (file_ == nullptr) return Status::Ok();
  Status s = file_->Truncate(size_);  // releases blocks reserved past the end
  if (!s.ok()) return s;
  reserved_ = size_;
  file_.reset();
  return s;
}

std::function<Status()> Segment::FlushWork() const {
  // A queued flush holds the descriptor only weakly: a release meanwhile closes it at once
  // (the open-file budget stays exact), and the flush then syncs the same range by msync.
  std::weak_ptr<FileHandle> weak = file_;
  return [weak, mapping = mapping_, size = size_, path = path_]() {
    std::shared_ptr<FileHandle> file = weak.lock();
    return file != nullptr ? file->DataSync() : SyncMapping(*mapping, size, path);
  };
}

Status Segment::Closed() const { return Status::Error("ERR_SEGMENT_CLOSED", "segment is closed"); }

Status Segment::Reserve(uint64_t needed) {
  if (!can_fallocate_ || needed <= reserved_) return Status::Ok();
  uint64_t target = std::min(RoundUp(needed, kReserveStep), capacity());
  Status s;
  for (uint64_t want : {target, needed}) {
    s = file_->Allocate(reserved_, want - reserved_, true);
    if (s.ok()) {
      reserved_ = want;
      return s;
    }
    if (s.err == EOPNOTSUPP || s.err == ENOSYS) {
      can_fallocate_ = false;
      return Status::Ok();
    }
    if (s.err != ENOSPC && s.err != EDQUOT) break;
  }
  return s;
}

Status Segment::AppendBatches(const uint8_t* batches, size_t length, int64_t first_offset, BatchVerifier* crc) {
  if (closed()) return Closed();
  Status opened = OpenFile();
  if (!opened.ok()) return opened;
  if (size_ + length > capacity()) {
    return Status::Error("ERR_SEGMENT_FULL",
                         "append of " + std::to_string(length) + " bytes exceeds the segment capacity", path());
  }
  Status s = CheckFraming(batches, length);
  if (!s.ok()) return s;
  if (crc != nullptr) crc->Post(batches, length);
  s = Reserve(size_ + length);
  if (s.ok()) s = WriteBatches(batches, length, first_offset);
  if (crc != nullptr) {
    Status verdict = crc->Claim();
    if (s.ok() && !verdict.ok()) {
      s = std::move(verdict);
      s.path = path();
    }
  }
  if (!s.ok()) {
    // Nothing past size_ was ever visible; drop what was written (and the blocks
    // reserved past the end, which ftruncate frees too).
    file_->Truncate(size_);
    reserved_ = size_;
    return s;
  }
  size_ += length;
  reserved_ = std::max(reserved_, size_);
  return Status::Ok();
}

Status Segment::AppendIndexed(const uint8_t* batches, size_t length, int64_t first_offset, BatchVerifier* crc,
                              const IndexEntries& entries) {
  uint64_t position = size_;
  Status s = AppendBatches(batches, length, first_offset, crc);
  if (!s.ok()) return s;
  if (entries.offset >= 0) s = entries.offset_index->Append(entries.offset, static_cast<uint32_t>(position));
  if (s.ok() && entries.timestamp >= 0) {
    s = entries.time_index->MaybeAppend(entries.timestamp, entries.timestamp_offset, false);
  }
  if (s.ok()) return s;
  if (entries.offset >= 0) entries.offset_index->TruncateTo(first_offset);
  TruncateTo(position);
  return s;
}

Status Segment::CheckFraming(const uint8_t* batches, size_t length) const {
  ScanOptions framing;
  for (uint64_t pos = 0; pos < length;) {
    BatchInfo info;
    ScanResult stop;
    if (!ReadBatchHeader(batches, length, pos, framing, &info, &stop)) {
      return Status::Error(stop.stop_code.c_str(), stop.stop_reason, path());
    }
    pos += info.size;
  }
  return Status::Ok();
}

Status Segment::WriteBatches(const uint8_t* batches, size_t length, int64_t first_offset) {
  BatchWriter writer(*file_, size_);
  int64_t next = first_offset;
  for (uint64_t pos = 0; pos < length;) {
    uint32_t size = static_cast<uint32_t>(kLogOverhead + ReadU32BE(batches + pos + kBatchLengthOffset));
    Status s = writer.Add(batches + pos, size, next);
    if (!s.ok()) return s;
    next += ReadI32BE(batches + pos + kLastOffsetDeltaOffset) + 1;
    pos += size;
  }
  return writer.Flush();
}

Status Segment::Flush() const {
  if (closed()) return Closed();
  return FlushWork()();
}

Status Segment::TruncateTo(uint64_t size) {
  if (closed()) return Closed();
  if (size >= size_) return Status::Ok();
  Status s = OpenFile();
  if (!s.ok()) return s;
  s = mapping_->ViewsReach(size) ? ReplaceWithPrefix(size) : file_->Truncate(size);
  if (!s.ok()) return s;
  size_ = size;
  reserved_ = size;
  return Status::Ok();
}

Status Segment::ReplaceWithPrefix(uint64_t size) {
  std::string temp = path() + ".truncating";
  std::shared_ptr<FileHandle> fresh;
  Status s = FileHandle::Open(temp, true, &fresh);
  if (s.ok()) s = fresh->Truncate(0);
  if (s.ok()) s = fresh->WriteAt(data(), size, 0);
  if (s.ok()) s = fresh->DataSync();
  std::shared_ptr<Mapping> mapping;
  if (s.ok()) s = Mapping::Map(*fresh, capacity(), false, &mapping);
  if (s.ok()) s = fresh->Rename(path());
  if (!s.ok()) {
    unlink(temp.c_str());
    return s;
  }
  file_ = std::move(fresh);
  mapping_ = std::move(mapping);
  return SyncDirectory(DirectoryOf(path()));
}

Status Segment::Close() {
  if (closed()) return Status::Ok();
  Status s = ReleaseFile();
  file_.reset();
  mapping_.reset();
  closed_ = true;
  return s;
}

Status Segment::Delete() {
  if (closed()) return Closed();
  if (unlink(path_.c_str()) != 0 && errno != ENOENT) return Status::Errno(errno, "unlink", path_);
  file_.reset();
  mapping_.reset();
  closed_ = true;
  return Status::Ok();
}

}  // namespace tributary
