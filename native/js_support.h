// Helpers shared by the N-API bindings: turning a Status into a JS error of the class
// the TypeScript layer registered at load, argument checks, and Buffer views.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "batch_verifier.h"
#include "mapped_file.h"
#include "status.h"

namespace tributary {

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;  // JS numbers hold offsets exactly up to here

// Per-environment state (worker threads each load their own).
struct AddonData {
  Napi::FunctionReference error_class;
  Napi::FunctionReference segment_class;
  Napi::FunctionReference offset_index_class;
  Napi::FunctionReference time_index_class;
  BatchVerifier batch_verifier;  // verifies produced batches while Segment.append writes them
};

Napi::Value SetErrorClass(const Napi::CallbackInfo& info);
Napi::Error ErrorFromStatus(Napi::Env env, const Status& status);
// Throws and returns true if `status` failed.
bool ThrowIfFailed(Napi::Env env, const Status& status);
void ThrowArgument(Napi::Env env, const std::string& message);

// Argument readers: on a wrong type they throw and return false.
bool ArgString(const Napi::CallbackInfo& info, size_t i, std::string* out);
bool ArgNumber(const Napi::CallbackInfo& info, size_t i, double* out);
bool ArgInteger(const Napi::CallbackInfo& info, size_t i, int64_t min, int64_t max, int64_t* out);
bool ArgBytes(const Napi::CallbackInfo& info, size_t i, const uint8_t** data, size_t* length);

// A Buffer over [data, data + length) inside `mapping`, keeping the mapping alive until
// the Buffer is collected (a copy where the runtime forbids external buffers).
Napi::Buffer<uint8_t> MappedView(Napi::Env env, const std::shared_ptr<Mapping>& mapping, const uint8_t* data,
                                 size_t length);

// Resolves or rejects `deferred` with the result of `work` run on the libuv thread pool.
template <typename Work>
Napi::Promise RunOnThreadPool(Napi::Env env, const char* name, Work work);

}  // namespace tributary

#include "js_support_inl.h"
