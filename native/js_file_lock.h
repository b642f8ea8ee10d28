// lockFile(path) -> fd: opens (creating) `path` and takes an exclusive flock on it
// without waiting; the kernel drops the lock when the fd is closed or the process dies,
// so a killed owner never leaves a stale lock. A lock held elsewhere (another process,
// or another open of the file in this one) is an EWOULDBLOCK error. The fd is
// close-on-exec, so child processes never inherit the lock. Close it to release.
#pragma once

#include <napi.h>

namespace tributary {

Napi::Value LockFileJs(const Napi::CallbackInfo& info);

}  // namespace tributary
