#include "js_file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "js_support.h"

namespace tributary {

Napi::Value LockFileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path;
  if (!ArgString(info, 0, &path)) return env.Undefined();
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    ThrowIfFailed(env, Status::Errno(errno, "open", path));
    return env.Undefined();
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    ThrowIfFailed(env, Status::Errno(err, "flock", path));
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

}  // namespace tributary
