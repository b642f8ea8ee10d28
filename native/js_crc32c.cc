#include "js_crc32c.h"

#include <cstdlib>
#include <iterator>

#include "crc32c.h"
#include "js_support.h"

namespace tributary {

Napi::Value Crc32cJs(const Napi::CallbackInfo& info) {
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!ArgBytes(info, 0, &data, &length)) return info.Env().Undefined();
  int64_t start = 0, end = static_cast<int64_t>(length);
  if (!info[1].IsUndefined() && !ArgInteger(info, 1, 0, static_cast<int64_t>(length), &start)) {
    return info.Env().Undefined();
  }
  if (!info[2].IsUndefined() && !ArgInteger(info, 2, start, static_cast<int64_t>(length), &end)) {
    return info.Env().Undefined();
  }
  uint32_t crc = crc32c_extend(0, data + start, static_cast<size_t>(end - start));
  return Napi::Number::New(info.Env(), crc);
}

Napi::Value Crc32cImplementationJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), crc32c_implementation());
}

Napi::Value Crc32cImplementationsJs(const Napi::CallbackInfo& info) {
  const char* names[8];  // more than the paths any one build has
  const size_t n = crc32c_available(names, std::size(names));
  Napi::Array list = Napi::Array::New(info.Env(), n);
  for (size_t i = 0; i < n; ++i) list.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), names[i]));
  return list;
}

// TRIBUTARY_CRC32C=<name> forces a path this CPU runs; any other value leaves the
// fastest, and crc32cImplementation() tells which one is in use.
void SelectCrc32cFromEnvironment() {
  const char* choice = std::getenv("TRIBUTARY_CRC32C");
  if (choice != nullptr && *choice != '\0') crc32c_select(choice);
}

}  // namespace tributary
