#include "js_index.h"

#include "js_support.h"

namespace tributary {

namespace {

constexpr int64_t kMinSafeInteger = -kMaxSafeInteger;

Napi::Object OffsetPositionToJs(Napi::Env env, OffsetPosition e) {
  Napi::Object js = Napi::Object::New(env);
  js.Set("offset", static_cast<double>(e.offset));
  js.Set("position", static_cast<double>(e.position));
  return js;
}

Napi::Object TimestampOffsetToJs(Napi::Env env, TimestampOffset e) {
  Napi::Object js = Napi::Object::New(env);
  js.Set("timestamp", static_cast<double>(e.timestamp));
  js.Set("offset", static_cast<double>(e.offset));
  return js;
}

}  // namespace

// new XIndex(path, baseOffset, maxBytes, writable)
template <typename Self, typename Index>
IndexWrap<Self, Index>::IndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Self>(info) {
  std::string path;
  int64_t base_offset = 0, max_bytes = 0;
  if (!ArgString(info, 0, &path) || !ArgInteger(info, 1, 0, kMaxSafeInteger, &base_offset) ||
      !ArgInteger(info, 2, 0, INT32_MAX, &max_bytes)) {
    return;
  }
  ThrowIfFailed(info.Env(), index_.Open(path, base_offset, static_cast<uint64_t>(max_bytes), info[3].ToBoolean()));
}

template <typename Self, typename Index>
std::vector<typename IndexWrap<Self, Index>::Property> IndexWrap<Self, Index>::CommonProperties() {
  using W = Napi::ObjectWrap<Self>;
  return {
      W::InstanceAccessor("entries", &IndexWrap::Entries, nullptr),
      W::InstanceAccessor("maxEntries", &IndexWrap::MaxEntries, nullptr),
      W::InstanceAccessor("isFull", &IndexWrap::IsFull, nullptr),
      W::InstanceAccessor("baseOffset", &IndexWrap::BaseOffset, nullptr),
      W::InstanceAccessor("path", &IndexWrap::Path, nullptr),
      W::InstanceMethod("truncateTo", &IndexWrap::TruncateTo),
      W::InstanceMethod("reset", &IndexWrap::Reset),
      W::InstanceMethod("trimToValidSize", &IndexWrap::TrimToValidSize),
      W::InstanceMethod("resize", &IndexWrap::Resize),
      W::InstanceMethod("flushSync", &IndexWrap::FlushSync),
      W::InstanceMethod("close", &IndexWrap::Close),
      W::InstanceMethod("releaseFile", &IndexWrap::ReleaseFile),
      W::InstanceMethod("delete", &IndexWrap::Delete),
  };
}

template <typename Self, typename Index>
bool IndexWrap<Self, Index>::Usable(Napi::Env env) const {
  if (!index_.closed()) return true;
  ThrowIfFailed(env, Status::Error("ERR_INDEX_CLOSED", "index is closed"));
  return false;
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::Entries(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(index_.entries()));
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::MaxEntries(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(index_.max_entries()));
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::IsFull(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), index_.full());
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::BaseOffset(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(index_.base_offset()));
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::Path(const Napi::CallbackInfo& info) {
  if (!Usable(info.Env())) return info.Env().Undefined();
  return Napi::String::New(info.Env(), index_.path());
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::TruncateTo(const Napi::CallbackInfo& info) {
  int64_t offset = 0;
  if (Usable(info.Env()) && ArgInteger(info, 0, 0, kMaxSafeInteger, &offset)) index_.TruncateTo(offset);
  return info.Env().Undefined();
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::Reset(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) index_.Reset();
  return info.Env().Undefined();
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::TrimToValidSize(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), index_.TrimToValidSize());
  return info.Env().Undefined();
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::Resize(const Napi::CallbackInfo& info) {
  int64_t max_bytes = 0;
  if (Usable(info.Env()) && ArgInteger(info, 0, 0, INT32_MAX, &max_bytes)) {
    ThrowIfFailed(info.Env(), index_.Resize(static_cast<uint64_t>(max_bytes)));
  }
  return info.Env().Undefined();
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::FlushSync(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), index_.Flush());
  return info.Env().Undefined();
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::Close(const Napi::CallbackInfo& info) {
  ThrowIfFailed(info.Env(), index_.Close());
  return info.Env().Undefined();
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::ReleaseFile(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), index_.ReleaseFile());
  return info.Env().Undefined();
}

template <typename Self, typename Index>
Napi::Value IndexWrap<Self, Index>::Delete(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), index_.Delete());
  return info.Env().Undefined();
}

Napi::Function OffsetIndexWrap::Define(Napi::Env env) {
  std::vector<Property> properties = CommonProperties();
  properties.push_back(InstanceMethod<&OffsetIndexWrap::Append>("append"));
  properties.push_back(InstanceMethod<&OffsetIndexWrap::Lookup>("lookup"));
  properties.push_back(InstanceMethod<&OffsetIndexWrap::Entry>("entry"));
  properties.push_back(InstanceMethod<&OffsetIndexWrap::SanityCheck>("sanityCheck"));
  return DefineClass(env, "OffsetIndex", properties);
}

// append(offset, position) -> whether the index is now full
Napi::Value OffsetIndexWrap::Append(const Napi::CallbackInfo& info) {
  int64_t offset = 0, position = 0;
  if (!Usable(info.Env()) || !ArgInteger(info, 0, 0, kMaxSafeInteger, &offset) ||
      !ArgInteger(info, 1, 0, UINT32_MAX, &position) ||
      ThrowIfFailed(info.Env(), index_.Append(offset, static_cast<uint32_t>(position)))) {
    return info.Env().Undefined();
  }
  return Napi::Boolean::New(info.Env(), index_.full());
}

// lookup(offset) -> { offset, position } of the last entry at or below it
Napi::Value OffsetIndexWrap::Lookup(const Napi::CallbackInfo& info) {
  int64_t target = 0;
  if (!Usable(info.Env()) || !ArgInteger(info, 0, kMinSafeInteger, kMaxSafeInteger, &target)) {
    return info.Env().Undefined();
  }
  return OffsetPositionToJs(info.Env(), index_.Lookup(target));
}

Napi::Value OffsetIndexWrap::Entry(const Napi::CallbackInfo& info) {
  int64_t i = 0;
  if (!Usable(info.Env()) || !ArgInteger(info, 0, 0, static_cast<int64_t>(index_.entries()) - 1, &i)) {
    return info.Env().Undefined();
  }
  return OffsetPositionToJs(info.Env(), index_.Entry(static_cast<size_t>(i)));
}

// sanityCheck(logSize): throws ERR_CORRUPT_INDEX if the entries cannot be trusted
Napi::Value OffsetIndexWrap::SanityCheck(const Napi::CallbackInfo& info) {
  int64_t log_size = 0;
  if (Usable(info.Env()) && ArgInteger(info, 0, 0, kMaxSafeInteger, &log_size)) {
    ThrowIfFailed(info.Env(), index_.SanityCheck(static_cast<uint64_t>(log_size)));
  }
  return info.Env().Undefined();
}

Napi::Function TimeIndexWrap::Define(Napi::Env env) {
  std::vector<Property> properties = CommonProperties();
  properties.push_back(InstanceMethod<&TimeIndexWrap::MaybeAppend>("maybeAppend"));
  properties.push_back(InstanceMethod<&TimeIndexWrap::Lookup>("lookup"));
  properties.push_back(InstanceMethod<&TimeIndexWrap::Entry>("entry"));
  properties.push_back(InstanceAccessor<&TimeIndexWrap::LastEntry>("lastEntry"));
  properties.push_back(InstanceMethod<&TimeIndexWrap::SanityCheck>("sanityCheck"));
  return DefineClass(env, "TimeIndex", properties);
}

// maybeAppend(timestamp, offset, skipFullCheck?) -> whether the index is now full
Napi::Value TimeIndexWrap::MaybeAppend(const Napi::CallbackInfo& info) {
  int64_t timestamp = 0, offset = 0;
  if (!Usable(info.Env()) || !ArgInteger(info, 0, kMinSafeInteger, kMaxSafeInteger, &timestamp) ||
      !ArgInteger(info, 1, 0, kMaxSafeInteger, &offset) ||
      ThrowIfFailed(info.Env(), index_.MaybeAppend(timestamp, offset, info[2].ToBoolean()))) {
    return info.Env().Undefined();
  }
  return Napi::Boolean::New(info.Env(), index_.full());
}

// lookup(timestamp) -> { timestamp, offset } of the last entry at or below it
Napi::Value TimeIndexWrap::Lookup(const Napi::CallbackInfo& info) {
  int64_t target = 0;
  if (!Usable(info.Env()) || !ArgInteger(info, 0, kMinSafeInteger, kMaxSafeInteger, &target)) {
    return info.Env().Undefined();
  }
  return TimestampOffsetToJs(info.Env(), index_.Lookup(target));
}

Napi::Value TimeIndexWrap::Entry(const Napi::CallbackInfo& info) {
  int64_t i = 0;
  if (!Usable(info.Env()) || !ArgInteger(info, 0, 0, static_cast<int64_t>(index_.entries()) - 1, &i)) {
    return info.Env().Undefined();
  }
  return TimestampOffsetToJs(info.Env(), index_.Entry(static_cast<size_t>(i)));
}

Napi::Value TimeIndexWrap::LastEntry(const Napi::CallbackInfo& info) {
  if (!Usable(info.Env())) return info.Env().Undefined();
  return TimestampOffsetToJs(info.Env(), index_.LastEntry());
}

Napi::Value TimeIndexWrap::SanityCheck(const Napi::CallbackInfo& info) {
  if (Usable(info.Env())) ThrowIfFailed(info.Env(), index_.SanityCheck());
  return info.Env().Undefined();
}

template class IndexWrap<OffsetIndexWrap, OffsetIndex>;
template class IndexWrap<TimeIndexWrap, TimeIndex>;

}  // namespace tributary
