// JS face of record_scan:
//   scanRecords(bytes, start, end, recordCount, out) -> undefined | reason
// out (a Float64Array of 5): maxTimestampDelta (-Infinity without records),
// minTimestampDelta (+Infinity without), the offsetDelta of the record holding the max,
// the count of null keys, and where the bad record starts (relative to start).
#pragma once

#include <napi.h>

namespace tributary {

Napi::Value ScanRecordsJs(const Napi::CallbackInfo& info);

}  // namespace tributary
