#include "segment.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <vector>

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

// Writes every byte of `iov` at `offset`, continuing after short writes.
Status WriteVector(const FileHandle& file, std::vector<iovec>& iov, uint64_t offset) {
  size_t first = 0;
  while (first < iov.size()) {
    int count = static_cast<int>(std::min<size_t>(iov.size() - first, IOV_MAX));
    ssize_t n = pwritev(file.fd(), iov.data() + first, count, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Errno(errno, "pwritev", file.path());
    }
    offset += static_cast<uint64_t>(n);
    size_t left = static_cast<size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
    if (left > 0) {
      iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

}  // namespace

Status Segment::Open(const std::string& path, uint64_t capacity, bool create, std::unique_ptr<Segment>* out) {
  std::shared_ptr<FileHandle> file;
  Status s = FileHandle::Open(path, create, &file);
  if (!s.ok()) return s;
  uint64_t size = 0;
  s = file->Size(&size);
  if (!s.ok()) return s;
  std::shared_ptr<Mapping> mapping;
  s = Mapping::Map(*file, RoundUp(std::max({capacity, size, uint64_t{1}}), kPageSize), &mapping);
  if (!s.ok()) return s;
  out->reset(new Segment(std::move(file), std::move(mapping), size));
  return Status::Ok();
}

Status Segment::Closed() const { return Status::Error("ERR_SEGMENT_CLOSED", "segment is closed"); }

Status Segment::Reserve(uint64_t needed) {
  if (!can_fallocate_ || needed <= reserved_) return Status::Ok();
  uint64_t target = std::min(RoundUp(needed, kReserveStep), capacity());
  for (uint64_t want : {target, needed}) {
    int rc = fallocate(file_->fd(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(reserved_),
                       static_cast<off_t>(want - reserved_));
    if (rc == 0) {
      reserved_ = want;
      return Status::Ok();
    }
    if (errno == EOPNOTSUPP || errno == ENOSYS) {
      can_fallocate_ = false;
      return Status::Ok();
    }
    if (errno != ENOSPC && errno != EDQUOT) break;
  }
  return Status::Errno(errno, "fallocate", path());
}

Status Segment::AppendBatches(const uint8_t* batches, size_t length, int64_t first_offset) {
  if (closed()) return Closed();
  if (size_ + length > capacity()) {
    return Status::Error("ERR_SEGMENT_FULL", "append of " + std::to_string(length) + " bytes exceeds the segment capacity", path());
  }
  ScanOptions framing;
  framing.verify_crc = false;
  ScanResult scan = ScanBatches(batches, length, 0, framing);
  if (!scan.stop_code.empty()) return Status::Error(scan.stop_code.c_str(), scan.stop_reason, path());
  Status s = Reserve(size_ + length);
  if (!s.ok()) return s;
  std::vector<uint8_t> offsets(8 * scan.batches.size());
  std::vector<iovec> iov;
  iov.reserve(2 * scan.batches.size());
  int64_t next = first_offset;
  for (size_t i = 0; i < scan.batches.size(); i++) {
    const BatchInfo& b = scan.batches[i];
    WriteU64BE(&offsets[8 * i], static_cast<uint64_t>(next));
    next += b.last_offset - b.base_offset + 1;
    iov.push_back({&offsets[8 * i], 8});
    iov.push_back({const_cast<uint8_t*>(batches + b.position + 8), b.size - 8});
  }
  s = WriteVector(*file_, iov, size_);
  if (!s.ok()) {
    file_->Truncate(size_);  // drop a partial write; no view reaches past size_
    return s;
  }
  size_ += length;
  reserved_ = std::max(reserved_, size_);
  return Status::Ok();
}

Status Segment::Flush() const {
  if (closed()) return Closed();
  return file_->DataSync();
}

Status Segment::TruncateTo(uint64_t size) {
  if (closed()) return Closed();
  if (size >= size_) return Status::Ok();
  Status s = mapping_->live_views() > 0 ? ReplaceWithPrefix(size) : file_->Truncate(size);
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
  if (s.ok()) s = Mapping::Map(*fresh, capacity(), &mapping);
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
  Status s = file_->Truncate(size_);  // releases blocks reserved past the end
  file_.reset();
  mapping_.reset();
  return s;
}

Status Segment::Delete() {
  if (closed()) return Closed();
  Status s = file_->Unlink();
  if (s.ok()) {
    file_.reset();
    mapping_.reset();
  }
  return s;
}

Status Segment::Rename(const std::string& new_path) {
  return closed() ? Closed() : file_->Rename(new_path);
}

}  // namespace tributary
