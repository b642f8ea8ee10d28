// JS face of crc32c: crc32c(bytes, start?, end?), the name of the path in use and
// the paths this CPU runs.
#pragma once

#include <napi.h>

namespace tributary {

Napi::Value Crc32cJs(const Napi::CallbackInfo& info);
Napi::Value Crc32cImplementationJs(const Napi::CallbackInfo& info);
Napi::Value Crc32cImplementationsJs(const Napi::CallbackInfo& info);
// Applies TRIBUTARY_CRC32C=<path> from the environment.
void SelectCrc32cFromEnvironment();

}  // namespace tributary
