#include "js_file_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <limits>

#include "js_support.h"

namespace tributary {

Napi::Value OpenFileLimitJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    ThrowIfFailed(env, Status::Errno(errno, "getrlimit", ""));
    return env.Undefined();
  }
  if (limit.rlim_cur == RLIM_INFINITY) return Napi::Number::New(env, std::numeric_limits<double>::infinity());
  return Napi::Number::New(env, static_cast<double>(limit.rlim_cur));
}

}  // namespace tributary
