// JS face of batch_scan: results as one Float64Array with kScanFields numbers a batch
// (position, size, baseOffset, lastOffset, maxTimestamp, attributes, recordCount,
// crcOk), which is cheaper to hand over than an object a batch.
#pragma once

#include <napi.h>

#include "batch_scan.h"

namespace tributary {

constexpr size_t kScanFields = 8;

// Reads {verifyCrc, stopAtCrcError, nextOffset, maxBatches, skipBelow, maxBytes} from info[i] if it is an object.
bool ArgScanOptions(const Napi::CallbackInfo& info, size_t i, ScanOptions* options);
Napi::Object ScanResultToJs(Napi::Env env, const ScanResult& result);
// scanBatches(bytes, options?): scans a Buffer from position 0.
Napi::Value ScanBatchesJs(const Napi::CallbackInfo& info);

}  // namespace tributary
