#include "status.h"

#include <cerrno>
#include <cstring>

namespace tributary {

namespace {

// errno names as Node reports them, so native and fs errors look alike.
const char* ErrnoName(int err) {
  switch (err) {
    case ENOENT:
      return "ENOENT";
    case EEXIST:
      return "EEXIST";
    case EACCES:
      return "EACCES";
    case EPERM:
      return "EPERM";
    case ENOSPC:
      return "ENOSPC";
    case EDQUOT:
      return "EDQUOT";
    case EFBIG:
      return "EFBIG";
    case EIO:
      return "EIO";
    case EINVAL:
      return "EINVAL";
    case ENOMEM:
      return "ENOMEM";
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case EROFS:
      return "EROFS";
    case EISDIR:
      return "EISDIR";
    case ENOTDIR:
      return "ENOTDIR";
    case EBADF:
      return "EBADF";
    case EINTR:
      return "EINTR";
    case EAGAIN:
      return "EAGAIN";  // EWOULDBLOCK on Linux: a lock held elsewhere
    case EOPNOTSUPP:
      return "EOPNOTSUPP";
    default:
      return "EIO";
  }
}

}  // namespace

Status Status::Errno(int err, const char* syscall, const std::string& path) {
  Status s;
  s.code = ErrnoName(err);
  s.err = err;
  s.syscall = syscall;
  s.path = path;
  s.message = std::string(s.code) + ": " + std::strerror(err) + ", " + syscall + " '" + path + "'";
  return s;
}

Status Status::Error(const char* code, const std::string& message, const std::string& path) {
  Status s;
  s.code = code;
  s.message = message;
  s.path = path;
  return s;
}

}  // namespace tributary
