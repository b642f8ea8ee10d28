#include "js_batch_scan.h"

#include <cmath>

#include "js_support.h"

namespace tributary {

namespace {

bool OptionalBool(Napi::Object object, const char* key, bool* out) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return true;
  if (!value.IsBoolean()) {
    ThrowArgument(object.Env(), std::string("option ") + key + " must be a boolean");
    return false;
  }
  *out = value.As<Napi::Boolean>().Value();
  return true;
}

bool OptionalCount(Napi::Object object, const char* key, bool* present, double* out) {
  Napi::Value value = object.Get(key);
  *present = !value.IsUndefined();
  if (!*present) return true;
  double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!(number >= 0) || std::trunc(number) != number) {
    ThrowArgument(object.Env(), std::string("option ") + key + " must be a non-negative integer");
    return false;
  }
  *out = number;
  return true;
}

}  // namespace

bool ArgScanOptions(const Napi::CallbackInfo& info, size_t i, ScanOptions* options) {
  if (info[i].IsUndefined()) return true;
  if (!info[i].IsObject()) {
    ThrowArgument(info.Env(), "scan options must be an object");
    return false;
  }
  Napi::Object object = info[i].As<Napi::Object>();
  bool has_next = false, has_max = false, has_skip = false, has_bytes = false;
  double next = 0, max = 0, skip = 0, bytes = 0;
  if (!OptionalBool(object, "verifyCrc", &options->verify_crc) ||
      !OptionalBool(object, "stopAtCrcError", &options->stop_at_crc_error) ||
      !OptionalCount(object, "nextOffset", &has_next, &next) || !OptionalCount(object, "maxBatches", &has_max, &max) ||
      !OptionalCount(object, "skipBelow", &has_skip, &skip) || !OptionalCount(object, "maxBytes", &has_bytes, &bytes)) {
    return false;
  }
  options->check_offsets = has_next;
  options->next_offset = static_cast<int64_t>(next);
  if (has_max) options->max_batches = static_cast<size_t>(max);
  if (has_skip) options->skip_below = static_cast<int64_t>(skip);
  if (has_bytes) options->max_bytes = static_cast<uint64_t>(bytes);
  return true;
}

Napi::Object ScanResultToJs(Napi::Env env, const ScanResult& result) {
  Napi::Float64Array fields = Napi::Float64Array::New(env, result.batches.size() * kScanFields);
  double* out = fields.Data();
  for (const BatchInfo& b : result.batches) {
    out[0] = static_cast<double>(b.position);
    out[1] = b.size;
    out[2] = static_cast<double>(b.base_offset);
    out[3] = static_cast<double>(b.last_offset);
    out[4] = static_cast<double>(b.max_timestamp);
    out[5] = b.attributes;
    out[6] = b.record_count;
    out[7] = b.crc_ok ? 1 : 0;
    out += kScanFields;
  }
  Napi::Object js = Napi::Object::New(env);
  js.Set("batches", fields);
  js.Set("end", static_cast<double>(result.end));
  if (!result.stop_code.empty()) {
    js.Set("stopCode", result.stop_code);
    js.Set("stopReason", result.stop_reason);
  }
  return js;
}

Napi::Value ScanBatchesJs(const Napi::CallbackInfo& info) {
  const uint8_t* data = nullptr;
  size_t length = 0;
  ScanOptions options;
  if (!ArgBytes(info, 0, &data, &length) || !ArgScanOptions(info, 1, &options)) return info.Env().Undefined();
  return ScanResultToJs(info.Env(), ScanBatches(data, length, 0, options));
}

}  // namespace tributary
