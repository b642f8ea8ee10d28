// JS face of batch_scan. A scan writes into a Float64Array the caller owns, so the
// hot path (validating one produced batch) allocates nothing on the JS heap:
//   out[0] end (position just past the last batch walked), out[1] stop code
//   (0 none, 1 truncated, 2 corrupt), out[2] count, then kScanFields numbers a batch:
//   position, size, baseOffset, lastOffset, maxTimestamp, attributes, recordCount, crcOk.
// The array's length bounds the batches returned, except with kWalkOnly, where none
// are returned and the scan walks on to the end or to maxBytes. The call returns the stop reason
// (a string) when the scan stopped on a bad batch, else undefined.
#pragma once

#include <napi.h>

#include "batch_scan.h"

namespace tributary {

constexpr size_t kScanHeader = 3;
constexpr size_t kScanFields = 8;

enum ScanFlags : uint32_t { kVerifyCrc = 1, kStopAtCrcError = 2, kCheckOffsets = 4, kWalkOnly = 8 };

// Reads (out, flags, nextOffset, skipBelow, maxBytes) from info[i...].
bool ArgScan(const Napi::CallbackInfo& info, size_t i, Napi::Float64Array* out, ScanOptions* options);
Napi::Value ScanResultToJs(Napi::Env env, const ScanResult& result, Napi::Float64Array out);
// scanBatches(bytes, out, start, flags, nextOffset, skipBelow, maxBytes)
Napi::Value ScanBatchesJs(const Napi::CallbackInfo& info);

}  // namespace tributary
