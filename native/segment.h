// Segment: one .log file of a partition, holding RecordBatch v2 bytes back to back,
// exactly as producers sent them (only baseOffset is rewritten on append).
//
// Layout: the file's length is the segment's logical size; there is no header or
// trailer. The whole capacity is mapped read-only once (MAP_SHARED) at open and never
// remapped, so Buffer views into it stay valid; the mapping outlives close and delete
// for as long as any view is alive.
//
// Appends go through pwritev, not stores into the mapping: a store into a page the
// filesystem cannot back (full disk) raises SIGBUS and kills the process, while
// pwritev returns ENOSPC. Blocks are reserved ahead in large steps with
// fallocate(FALLOC_FL_KEEP_SIZE), so the file length stays exact and a full disk is
// seen before any byte is written. A failed append leaves the file as it was, and the
// size (all readers see) moves only after the bytes are written and, if asked, verified.
//
// Crash behaviour: bytes reach disk on Flush (fdatasync); after a crash the tail may
// be torn, which recovery (batch_scan) finds and cuts.
//
// File descriptors: a sealed segment needs none (reads come from the mapping), so
// ReleaseFile closes it; so does an idle active one under the log manager's open-file
// budget. An operation that needs one (append, truncate) reopens the file by path. A
// released segment is flushed with msync of its mapping.
//
// Thread safety: one JS thread mutates; Flush may run on the thread pool at the same
// time as appends, through the shared FileHandle. A BatchVerifier's thread reads the bytes
// being appended, and only while AppendBatches runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "batch_verifier.h"
#include "mapped_file.h"
#include "offset_index.h"
#include "status.h"
#include "time_index.h"

namespace tributary {

// The index entries an append adds, decided by the caller (Kafka's index policy): an
// offset index entry (offset -> the append's position) when offset >= 0, and a time
// index entry (timestamp -> timestamp_offset) when timestamp >= 0.
struct IndexEntries {
  OffsetIndex* offset_index = nullptr;
  int64_t offset = -1;
  TimeIndex* time_index = nullptr;
  int64_t timestamp = -1;
  int64_t timestamp_offset = 0;
};

class Segment {
 public:
  // Opens (or creates) the file at `path`, mapping max(capacity, file length) bytes.
  static Status Open(const std::string& path, uint64_t capacity, bool create, std::unique_ptr<Segment>* out);

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  uint64_t capacity() const { return mapping_->length(); }
  const uint8_t* data() const { return mapping_->data(); }
  bool closed() const { return closed_; }
  const std::shared_ptr<Mapping>& mapping() const { return mapping_; }
  // The fdatasync a flush runs (on the thread pool): through the descriptor, or msync of
  // the mapping when the file was released (also while the flush was queued). It holds the
  // mapping, so a close meanwhile is safe.
  std::function<Status()> FlushWork() const;
  // Closes the descriptor (after freeing blocks reserved past the end); reopened on demand.
  Status ReleaseFile();

  // Appends the well-framed batches in [batches, batches + length), giving the first
  // the base offset `first_offset` and each next one the offset after its predecessor's
  // last. ERR_SEGMENT_FULL if they do not fit in the capacity. With `crc`, each batch's
  // CRC32C is also checked (on crc's thread while the bytes are written); if one fails,
  // the file is cut back to its size before the call and ERR_CORRUPT_BATCH returned.
  Status AppendBatches(const uint8_t* batches, size_t length, int64_t first_offset, BatchVerifier* crc = nullptr);
  // AppendBatches, then the index entries in one step, all or nothing: if an entry
  // cannot be written (a full index or disk), the batches are cut off again.
  Status AppendIndexed(const uint8_t* batches, size_t length, int64_t first_offset, BatchVerifier* crc,
                       const IndexEntries& entries);
  Status Flush() const;
  // Cuts the log to `size` bytes. If a live view reaches past `size`, the kept prefix is
  // copied to a new file renamed over this one, so no view ever points past the end of
  // its file.
  Status TruncateTo(uint64_t size);
  Status Close();
  Status Delete();

 private:
  Segment(std::shared_ptr<FileHandle> file, std::shared_ptr<Mapping> mapping, uint64_t size)
      : path_(file->path()), file_(std::move(file)), mapping_(std::move(mapping)), size_(size), reserved_(size) {}

  Status OpenFile();
  Status CheckFraming(const uint8_t* batches, size_t length) const;
  Status WriteBatches(const uint8_t* batches, size_t length, int64_t first_offset);
  Status Reserve(uint64_t needed);
  Status ReplaceWithPrefix(uint64_t size);
  Status Closed() const;

  std::string path_;
  std::shared_ptr<FileHandle> file_;  // null once released (or closed)
  std::shared_ptr<Mapping> mapping_;
  bool closed_ = false;
  uint64_t size_;
  uint64_t reserved_;  // bytes backed by fallocate; at least size_
  bool can_fallocate_ = true;
};

}  // namespace tributary
