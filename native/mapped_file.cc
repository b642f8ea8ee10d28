#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

namespace tributary {

FileHandle::~FileHandle() {
  if (fd_ >= 0) close(fd_);
}

Status FileHandle::Open(const std::string& path, bool create, std::shared_ptr<FileHandle>* out) {
  int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
  int fd = open(path.c_str(), flags, 0644);
  if (fd < 0) return Status::Errno(errno, "open", path);
  *out = std::make_shared<FileHandle>(fd, path);
  return Status::Ok();
}

Status FileHandle::Size(uint64_t* size) const {
  struct stat st;
  if (fstat(fd_, &st) != 0) return Status::Errno(errno, "fstat", path_);
  *size = static_cast<uint64_t>(st.st_size);
  return Status::Ok();
}

Status FileHandle::DataSync() const {
  if (fdatasync(fd_) != 0) return Status::Errno(errno, "fdatasync", path_);
  return Status::Ok();
}

Status FileHandle::Truncate(uint64_t size) const {
  if (ftruncate(fd_, static_cast<off_t>(size)) != 0) return Status::Errno(errno, "ftruncate", path_);
  return Status::Ok();
}

Status FileHandle::WriteAt(const uint8_t* data, size_t len, uint64_t offset) const {
  while (len > 0) {
    ssize_t n = pwrite(fd_, data, len, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Errno(errno, "pwrite", path_);
    }
    data += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status FileHandle::Allocate(uint64_t offset, uint64_t len, bool keep_size) const {
  int mode = keep_size ? FALLOC_FL_KEEP_SIZE : 0;
  if (fallocate(fd_, mode, static_cast<off_t>(offset), static_cast<off_t>(len)) != 0) {
    return Status::Errno(errno, "fallocate", path_);
  }
  return Status::Ok();
}

Status FileHandle::Unlink() const {
  if (unlink(path_.c_str()) != 0 && errno != ENOENT) return Status::Errno(errno, "unlink", path_);
  return Status::Ok();
}

Status FileHandle::Rename(const std::string& new_path) {
  if (rename(path_.c_str(), new_path.c_str()) != 0) return Status::Errno(errno, "rename", path_);
  path_ = new_path;
  return Status::Ok();
}

Mapping::~Mapping() {
  if (base_ != nullptr) munmap(base_, length_);
}

Status Mapping::Map(const FileHandle& file, size_t length, bool writable, std::shared_ptr<Mapping>* out) {
  int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
  void* base = mmap(nullptr, length, protection, MAP_SHARED, file.fd(), 0);
  if (base == MAP_FAILED) return Status::Errno(errno, "mmap", file.path());
  *out = std::make_shared<Mapping>(static_cast<uint8_t*>(base), length);
  return Status::Ok();
}

Status SyncMapping(const Mapping& mapping, size_t length, const std::string& path) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t bytes = std::min(mapping.length(), (length + page - 1) / page * page);
  if (bytes > 0 && msync(mapping.writable_data(), bytes, MS_SYNC) != 0) return Status::Errno(errno, "msync", path);
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Errno(errno, "open", dir);
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return Status::Errno(err, "fsync", dir);
  return Status::Ok();
}

}  // namespace tributary
