#include "js_batch_scan.h"

#include "js_support.h"

namespace tributary {

bool ArgScan(const Napi::CallbackInfo& info, size_t i, Napi::Float64Array* out, ScanOptions* options) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[i].As<Napi::Float64Array>().ElementLength() < kScanHeader) {
    ThrowArgument(info.Env(), "scan output must be a Float64Array of at least 3 elements");
    return false;
  }
  int64_t flags = 0, next = 0, skip = 0, max_bytes = 0;
  if (!ArgInteger(info, i + 1, 0, 15, &flags) || !ArgInteger(info, i + 2, -kMaxSafeInteger, kMaxSafeInteger, &next) ||
      !ArgInteger(info, i + 3, -kMaxSafeInteger, kMaxSafeInteger, &skip) ||
      !ArgInteger(info, i + 4, 0, kMaxSafeInteger, &max_bytes)) {
    return false;
  }
  *out = info[i].As<Napi::Float64Array>();
  options->verify_crc = (flags & kVerifyCrc) != 0;
  options->stop_at_crc_error = (flags & kStopAtCrcError) != 0;
  options->check_offsets = (flags & kCheckOffsets) != 0;
  options->next_offset = next;
  options->skip_below = skip;
  options->max_bytes = static_cast<uint64_t>(max_bytes);
  options->collect = (flags & kWalkOnly) == 0;
  if (options->collect) options->max_batches = (out->ElementLength() - kScanHeader) / kScanFields;
  return true;
}

Napi::Value ScanResultToJs(Napi::Env env, const ScanResult& result, Napi::Float64Array out) {
  double* f = out.Data();
  f[0] = static_cast<double>(result.end);
  f[1] = result.stop_code.empty() ? 0 : result.stop_code == "ERR_TRUNCATED" ? 1 : 2;
  f[2] = static_cast<double>(result.batches.size());
  f += kScanHeader;
  for (const BatchInfo& b : result.batches) {
    f[0] = static_cast<double>(b.position);
    f[1] = b.size;
    f[2] = static_cast<double>(b.base_offset);
    f[3] = static_cast<double>(b.last_offset);
    f[4] = static_cast<double>(b.max_timestamp);
    f[5] = b.attributes;
    f[6] = b.record_count;
    f[7] = b.crc_ok ? 1 : 0;
    f += kScanFields;
  }
  if (result.stop_code.empty()) return env.Undefined();
  return Napi::String::New(env, result.stop_reason);
}

Napi::Value ScanBatchesJs(const Napi::CallbackInfo& info) {
  const uint8_t* data = nullptr;
  size_t length = 0;
  int64_t start = 0;
  Napi::Float64Array out;
  ScanOptions options;
  if (!ArgBytes(info, 0, &data, &length) || !ArgScan(info, 1, &out, &options) ||
      !ArgInteger(info, 6, 0, kMaxSafeInteger, &start)) {
    return info.Env().Undefined();
  }
  return ScanResultToJs(info.Env(), ScanBatches(data, length, static_cast<uint64_t>(start), options), out);
}

}  // namespace tributary
