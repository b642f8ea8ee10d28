#include "js_segment.h"

#include "js_batch_scan.h"
#include "js_index.h"
#include "js_support.h"

namespace tributary {

namespace {
constexpr int64_t kMaxCapacity = INT32_MAX;  // positions in the index are u32; Kafka caps segments at 2 GiB
}  // namespace

Napi::Function SegmentWrap::Define(Napi::Env env) {
  return DefineClass(env, "Segment",
                     {
                         InstanceAccessor<&SegmentWrap::Size>("size"),
                         InstanceAccessor<&SegmentWrap::Capacity>("capacity"),
                         InstanceAccessor<&SegmentWrap::Path>("path"),
                         InstanceAccessor<&SegmentWrap::LiveViews>("liveViews"),
                         InstanceMethod<&SegmentWrap::AttachIndexes>("attachIndexes"),
                         InstanceMethod<&SegmentWrap::Append>("append"),
                         InstanceMethod<&SegmentWrap::Read>("read"),
                         InstanceMethod<&SegmentWrap::Scan>("scan"),
                         InstanceMethod<&SegmentWrap::Flush>("flush"),
                         InstanceMethod<&SegmentWrap::FlushSync>("flushSync"),
                         InstanceMethod<&SegmentWrap::TruncateTo>("truncateTo"),
                         InstanceMethod<&SegmentWrap::Close>("close"),
                         InstanceMethod<&SegmentWrap::ReleaseFile>("releaseFile"),
                         InstanceMethod<&SegmentWrap::Delete>("delete"),
                     });
}

// new Segment(path, capacity, create)
SegmentWrap::SegmentWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SegmentWrap>(info) {
  std::string path;
  int64_t capacity = 0;
  if (!ArgString(info, 0, &path) || !ArgInteger(info, 1, 1, kMaxCapacity, &capacity)) return;
  if (ThrowIfFailed(info.Env(), Segment::Open(path, static_cast<uint64_t>(capacity), info[2].ToBoolean(), &segment_))) {
    return;
  }
  last_mapping_ = segment_->mapping();
}

bool SegmentWrap::Usable(Napi::Env env) const {
  if (segment_ && !segment_->closed()) return true;
  ThrowIfFailed(env, Status::Error("ERR_SEGMENT_CLOSED", "segment is closed"));
  return false;
}

Napi::Value SegmentWrap::Size(const Napi::CallbackInfo& info) {
  if (!Usable(info.Env())) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(segment_->size()));
}

Napi::Value SegmentWrap::Capacity(const Napi::CallbackInfo& info) {
  if (!Usable(info.Env())) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(segment_->capacity()));
}

Napi::Value SegmentWrap::Path(const Napi::CallbackInfo& info) {
  if (!Usable(info.Env())) return info.Env().Undefined();
  return Napi::String::New(info.Env(), segment_->path());
}

Napi::Value SegmentWrap::LiveViews(const Napi::CallbackInfo& info) {
  std::shared_ptr<Mapping> mapping = last_mapping_.lock();
  double views = mapping ? static_cast<double>(mapping->live_views()) : 0;
  return Napi::Number::New(info.Env(), views);
}

// attachIndexes(offsetIndex, timeIndex): the indexes append writes entries to.
Napi::Value SegmentWrap::AttachIndexes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AddonData* data = env.GetInstanceData<AddonData>();
  if (!info[0].IsObject() || !info[1].IsObject() ||
      !info[0].As<Napi::Object>().InstanceOf(data->offset_index_class.Value()) ||
      !info[1].As<Napi::Object>().InstanceOf(data->time_index_class.Value())) {
    Napi::TypeError::New(env, "attachIndexes takes an OffsetIndex and a TimeIndex").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  offset_index_ref_ = Napi::Persistent(info[0].As<Napi::Object>());
  time_index_ref_ = Napi::Persistent(info[1].As<Napi::Object>());
  offset_index_ = OffsetIndexWrap::Unwrap(info[0].As<Napi::Object>())->index();
  time_index_ = TimeIndexWrap::Unwrap(info[1].As<Napi::Object>())->index();
  return env.Undefined();
}

// Arguments 3 to 5 of append: indexOffset, timestamp, timestampOffset (negative: no
// entry). Any integer passes here: offsets computed from a malformed batch are refused
// by the framing check, before any entry is written.
bool SegmentWrap::ArgIndexEntries(const Napi::CallbackInfo& info, IndexEntries* entries) const {
  if (info.Length() <= 3) return true;
  if (!ArgInteger(info, 3, -kMaxSafeInteger, kMaxSafeInteger, &entries->offset) ||
      !ArgInteger(info, 4, -kMaxSafeInteger, kMaxSafeInteger, &entries->timestamp) ||
      !ArgInteger(info, 5, -kMaxSafeInteger, kMaxSafeInteger, &entries->timestamp_offset)) {
    return false;
  }
  if ((entries->offset >= 0 || entries->timestamp >= 0) && offset_index_ == nullptr) {
    ThrowIfFailed(info.Env(),
                  Status::Error("ERR_NO_INDEXES", "append with index entries before attachIndexes", segment_->path()));
    return false;
  }
  entries->offset_index = offset_index_;
  entries->time_index = time_index_;
  return true;
}

// append(batches, firstOffset, verifyCrc, indexOffset?, timestamp?, timestampOffset?):
// writes well-framed batches, rewriting base offsets; with verifyCrc, checks their
// CRC32C on the environment's CRC worker while writing and refuses them all (nothing
// written) if one fails. Then writes the index entries asked for to the attached
// indexes (see IndexEntries), cutting the batches off again if that fails. Returns the
// new size.
Napi::Value SegmentWrap::Append(const Napi::CallbackInfo& info) {
  const uint8_t* data = nullptr;
  size_t length = 0;
  int64_t first_offset = 0;
  IndexEntries entries;
  if (!Usable(info.Env()) || !ArgBytes(info, 0, &data, &length) ||
      !ArgInteger(info, 1, 0, kMaxSafeInteger, &first_offset) || !ArgIndexEntries(info, &entries)) {
    return info.Env().Undefined();
  }
  BatchVerifier* crc = info[2].ToBoolean() ? &info.Env().GetInstanceData<AddonData>()->batch_verifier : nullptr;
  if (ThrowIfFailed(info.Env(), segment_->AppendIndexed(data, length, first_offset, crc, entries))) {
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(segment_->size()));
}

// read(position, length): a zero-copy view of bytes below the logical size.
Napi::Value SegmentWrap::Read(const Napi::CallbackInfo& info) {
  int64_t position = 0, length = 0;
  if (!Usable(info.Env()) || !ArgInteger(info, 0, 0, kMaxSafeInteger, &position) ||
      !ArgInteger(info, 1, 0, kMaxSafeInteger, &length)) {
    return info.Env().Undefined();
  }
  if (static_cast<uint64_t>(position + length) > segment_->size()) {
    ThrowIfFailed(info.Env(), Status::Error("ERR_OUT_OF_RANGE", "read past the end of the segment", segment_->path()));
    return info.Env().Undefined();
  }
  if (length == 0) return Napi::Buffer<uint8_t>::New(info.Env(), 0);
  return MappedView(info.Env(), segment_->mapping(), segment_->data() + position, static_cast<size_t>(length));
}

// scan(out, flags, nextOffset, skipBelow, maxBytes, position): batch_scan over the
// segment from `position` (see js_batch_scan.h).
Napi::Value SegmentWrap::Scan(const Napi::CallbackInfo& info) {
  int64_t position = 0;
  Napi::Float64Array out;
  ScanOptions options;
  if (!Usable(info.Env()) || !ArgScan(info, 0, &out, &options) || !ArgInteger(info, 5, 0, kMaxSafeInteger, &position)) {
    return info.Env().Undefined();
  }
  return ScanResultToJs(info.Env(), ScanBatches(segment_->data(), segment_->size(), position, options), out);
}

// flush(): fdatasync on the thread pool; the promise settles when the data is durable.
Napi::Value SegmentWrap::Flush(const Napi::CallbackInfo& info) {
  if (!Usable(info.Env())) return info.Env().Undefined();
  return RunOnThreadPool(info.Env(), "tributary.Segment.flush", segment_->FlushWork());
}

Napi::Value SegmentWrap::FlushSync(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), segment_->Flush());
  return info.Env().Undefined();
}

Napi::Value SegmentWrap::TruncateTo(const Napi::CallbackInfo& info) {
  int64_t size = 0;
  if (Usable(info.Env()) && ArgInteger(info, 0, 0, kMaxSafeInteger, &size)) {
    ThrowIfFailed(info.Env(), segment_->TruncateTo(static_cast<uint64_t>(size)));
    last_mapping_ = segment_->mapping();
  }
  return info.Env().Undefined();
}

Napi::Value SegmentWrap::Close(const Napi::CallbackInfo& info) {
  if (segment_) ThrowIfFailed(info.Env(), segment_->Close());
  return info.Env().Undefined();
}

Napi::Value SegmentWrap::ReleaseFile(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), segment_->ReleaseFile());
  return info.Env().Undefined();
}

Napi::Value SegmentWrap::Delete(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), segment_->Delete());
  return info.Env().Undefined();
}

}  // namespace tributary
