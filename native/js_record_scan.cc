#include "js_record_scan.h"

#include <limits>

#include "js_support.h"
#include "record_scan.h"

namespace tributary {

Napi::Value ScanRecordsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data = nullptr;
  size_t length = 0;
  int64_t start = 0, end = 0, count = 0;
  if (!ArgBytes(info, 0, &data, &length) || !ArgInteger(info, 1, 0, static_cast<int64_t>(length), &start) ||
      !ArgInteger(info, 2, start, static_cast<int64_t>(length), &end) ||
      !ArgInteger(info, 3, INT32_MIN, INT32_MAX, &count)) {
    return env.Undefined();
  }
  if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[4].As<Napi::Float64Array>().ElementLength() < 5) {
    ThrowArgument(env, "scanRecords output must be a Float64Array of at least 5 elements");
    return env.Undefined();
  }
  RecordsSummary summary;
  const bool ok = ScanRecords(data + start, static_cast<size_t>(end - start), static_cast<int32_t>(count), &summary);
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  double* out = info[4].As<Napi::Float64Array>().Data();
  out[0] = summary.max_timestamp_delta == INT64_MIN ? -kInfinity : static_cast<double>(summary.max_timestamp_delta);
  out[1] = summary.min_timestamp_delta == INT64_MAX ? kInfinity : static_cast<double>(summary.min_timestamp_delta);
  out[2] = summary.offset_delta_of_max;
  out[3] = summary.null_keys;
  out[4] = static_cast<double>(summary.error_position);
  return ok ? env.Undefined() : Napi::String::New(env, summary.error);
}

}  // namespace tributary
