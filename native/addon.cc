// Module init: exports only. Each class is described in its own header (segment.h,
// offset_index.h, ...); docs/design.md shows how they fit together.
#include <napi.h>

#include "js_batch_scan.h"
#include "js_crc32c.h"
#include "js_file_limit.h"
#include "js_file_lock.h"
#include "js_index.h"
#include "js_record_scan.h"
#include "js_segment.h"
#include "js_support.h"

namespace tributary {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  SelectCrc32cFromEnvironment();
  auto* data = new AddonData();
  env.SetInstanceData(data);
  // Joins the CRC worker's thread while the environment is still whole (cleanup hooks
  // run before instance data is freed), for worker_threads as for the main thread.
  env.AddCleanupHook([data]() { data->batch_verifier.Stop(); });
  data->segment_class = Napi::Persistent(SegmentWrap::Define(env));
  data->offset_index_class = Napi::Persistent(OffsetIndexWrap::Define(env));
  data->time_index_class = Napi::Persistent(TimeIndexWrap::Define(env));
  exports.Set("Segment", data->segment_class.Value());
  exports.Set("OffsetIndex", data->offset_index_class.Value());
  exports.Set("TimeIndex", data->time_index_class.Value());
  exports.Set("scanBatches", Napi::Function::New<ScanBatchesJs>(env, "scanBatches"));
  exports.Set("scanRecords", Napi::Function::New<ScanRecordsJs>(env, "scanRecords"));
  exports.Set("lockFile", Napi::Function::New<LockFileJs>(env, "lockFile"));
  exports.Set("openFileLimit", Napi::Function::New<OpenFileLimitJs>(env, "openFileLimit"));
  exports.Set("crc32c", Napi::Function::New<Crc32cJs>(env, "crc32c"));
  exports.Set("crc32cImplementation", Napi::Function::New<Crc32cImplementationJs>(env, "crc32cImplementation"));
  exports.Set("crc32cImplementations", Napi::Function::New<Crc32cImplementationsJs>(env, "crc32cImplementations"));
  exports.Set("setErrorClass", Napi::Function::New<SetErrorClass>(env, "setErrorClass"));
  return exports;
}

}  // namespace tributary

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tributary::Init(env, exports); }

NODE_API_MODULE(tributary, InitModule)
