// openFileLimit() -> number: the process's soft RLIMIT_NOFILE (getrlimit), the most file
// descriptors it may hold at once (`ulimit -n`); Infinity when unlimited. The log manager
// sizes its open-file budget from it.
#pragma once

#include <napi.h>

namespace tributary {

Napi::Value OpenFileLimitJs(const Napi::CallbackInfo& info);

}  // namespace tributary
