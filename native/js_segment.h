// JS class Segment over the native Segment (see segment.h for format and guarantees).
#pragma once

#include <napi.h>

#include <memory>

#include "segment.h"

namespace tributary {

class SegmentWrap : public Napi::ObjectWrap<SegmentWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit SegmentWrap(const Napi::CallbackInfo& info);

 private:
  bool Usable(Napi::Env env) const;
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Capacity(const Napi::CallbackInfo& info);
  Napi::Value Path(const Napi::CallbackInfo& info);
  Napi::Value LiveViews(const Napi::CallbackInfo& info);
  Napi::Value AttachIndexes(const Napi::CallbackInfo& info);
  Napi::Value Append(const Napi::CallbackInfo& info);
  bool ArgIndexEntries(const Napi::CallbackInfo& info, IndexEntries* entries) const;
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Scan(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value FlushSync(const Napi::CallbackInfo& info);
  Napi::Value TruncateTo(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value ReleaseFile(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);

  std::unique_ptr<Segment> segment_;
  std::weak_ptr<Mapping> last_mapping_;  // for liveViews after close; weak, so delete frees the file
  // The segment's indexes, which append can write entries to in the same call.
  Napi::ObjectReference offset_index_ref_, time_index_ref_;
  OffsetIndex* offset_index_ = nullptr;
  TimeIndex* time_index_ = nullptr;
};

}  // namespace tributary
