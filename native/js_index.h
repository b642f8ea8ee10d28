// JS classes OffsetIndex and TimeIndex. IndexWrap holds what both share (Kafka's
// AbstractIndex surface); each subclass adds its append, lookup and entry.
#pragma once

#include <napi.h>

#include <vector>

#include "offset_index.h"
#include "time_index.h"

namespace tributary {

template <typename Self, typename Index>
class IndexWrap : public Napi::ObjectWrap<Self> {
 public:
  explicit IndexWrap(const Napi::CallbackInfo& info);
  Index* index() { return &index_; }

 protected:
  using Property = typename Napi::ObjectWrap<Self>::PropertyDescriptor;
  static std::vector<Property> CommonProperties();
  bool Usable(Napi::Env env) const;

  Napi::Value Entries(const Napi::CallbackInfo& info);
  Napi::Value MaxEntries(const Napi::CallbackInfo& info);
  Napi::Value IsFull(const Napi::CallbackInfo& info);
  Napi::Value BaseOffset(const Napi::CallbackInfo& info);
  Napi::Value Path(const Napi::CallbackInfo& info);
  Napi::Value TruncateTo(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value TrimToValidSize(const Napi::CallbackInfo& info);
  Napi::Value Resize(const Napi::CallbackInfo& info);
  Napi::Value FlushSync(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value ReleaseFile(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);

  Index index_;
};

class OffsetIndexWrap : public IndexWrap<OffsetIndexWrap, OffsetIndex> {
 public:
  static Napi::Function Define(Napi::Env env);
  using IndexWrap::IndexWrap;

 private:
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value Entry(const Napi::CallbackInfo& info);
  Napi::Value SanityCheck(const Napi::CallbackInfo& info);
};

class TimeIndexWrap : public IndexWrap<TimeIndexWrap, TimeIndex> {
 public:
  static Napi::Function Define(Napi::Env env);
  using IndexWrap::IndexWrap;

 private:
  Napi::Value MaybeAppend(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value Entry(const Napi::CallbackInfo& info);
  Napi::Value LastEntry(const Napi::CallbackInfo& info);
  Napi::Value SanityCheck(const Napi::CallbackInfo& info);
};

}  // namespace tributary
