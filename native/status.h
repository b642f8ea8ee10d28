// Status: the result of a native operation that can fail. The core classes never
// throw; the N-API layer turns a failed Status into a JS error with a `code`.
#pragma once

#include <string>

namespace tributary {

struct Status {
  std::string code;     // errno name ("ENOSPC") or "ERR_..."; empty when ok
  std::string message;  // what failed, for people
  std::string path;     // file involved, if any
  std::string syscall;  // failing system call, if any
  int err = 0;          // errno, if any

  bool ok() const { return code.empty(); }

  static Status Ok() { return Status(); }
  static Status Errno(int err, const char* syscall, const std::string& path);
  static Status Error(const char* code, const std::string& message, const std::string& path = "");
};

}  // namespace tributary
