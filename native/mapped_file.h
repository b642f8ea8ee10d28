// FileHandle and Mapping: the two resources every on-disk structure holds.
//
// Both are shared_ptr-owned so that work on the thread pool (an fdatasync) and
// Buffer views handed to JS keep them alive after the owning object is closed or
// its file deleted: an unlinked file stays readable through a live mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "status.h"

namespace tributary {

class FileHandle {
 public:
  FileHandle(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;

  static Status Open(const std::string& path, bool create, std::shared_ptr<FileHandle>* out);

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

  Status Size(uint64_t* size) const;
  Status DataSync() const;
  Status Truncate(uint64_t size) const;
  // Writes all of [data, data+len) at `offset`, retrying short writes.
  Status WriteAt(const uint8_t* data, size_t len, uint64_t offset) const;
  // Allocates blocks for [offset, offset + len) so later stores cannot hit a full disk.
  Status Allocate(uint64_t offset, uint64_t len, bool keep_size) const;
  // Removes the name; the open file (and any mapping of it) stays usable.
  Status Unlink() const;
  Status Rename(const std::string& new_path);

 private:
  int fd_;
  std::string path_;
};

// A MAP_SHARED view of a file, reserved at its full capacity once and never remapped,
// so pointers into it stay valid while the Mapping lives. Read-only unless asked:
// stores go only into pages whose blocks were allocated first (see MappedIndex).
class Mapping {
 public:
  Mapping(uint8_t* base, size_t length) : base_(base), length_(length) {}
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  static Status Map(const FileHandle& file, size_t length, bool writable, std::shared_ptr<Mapping>* out);

  const uint8_t* data() const { return base_; }
  uint8_t* writable_data() const { return base_; }
  size_t length() const { return length_; }

  // Buffer views handed out and not yet finalized, and how far into the file they reach
  // (the furthest end of any view since the count was last zero). Views are made and
  // finalized on the JS thread only.
  void AddView(uint64_t end) {
    views_++;
    if (end > views_end_) views_end_ = end;
  }
  void DropView() {
    if (--views_ == 0) views_end_ = 0;
  }
  int64_t live_views() const { return views_; }
  // Whether a live view may cover bytes at or past `position`.
  bool ViewsReach(uint64_t position) const { return views_ > 0 && views_end_ > position; }

 private:
  uint8_t* base_;
  size_t length_;
  int64_t views_ = 0;
  uint64_t views_end_ = 0;
};

// msync(MS_SYNC) of the first `length` bytes: makes a shared mapping's file range durable
// (Linux syncs the file's range, whoever dirtied it) without holding a descriptor.
Status SyncMapping(const Mapping& mapping, size_t length, const std::string& path);

// fsync of a directory, so that a created, renamed or deleted entry is durable.
Status SyncDirectory(const std::string& dir);

}  // namespace tributary
