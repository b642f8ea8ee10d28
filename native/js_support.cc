#include "js_support.h"

#include <cmath>

namespace tributary {

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) {
    ThrowArgument(info.Env(), "setErrorClass expects a constructor");
    return info.Env().Undefined();
  }
  info.Env().GetInstanceData<AddonData>()->error_class = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

namespace {

void SetDetails(Napi::Object target, const Status& status) {
  if (!status.path.empty()) target.Set("path", status.path);
  if (!status.syscall.empty()) target.Set("syscall", status.syscall);
  if (status.err != 0) target.Set("errno", -status.err);
}

}  // namespace

Napi::Error ErrorFromStatus(Napi::Env env, const Status& status) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->error_class.IsEmpty()) {
    Napi::Object details = Napi::Object::New(env);
    SetDetails(details, status);
    Napi::Value error =
        data->error_class.New({Napi::String::New(env, status.message), Napi::String::New(env, status.code), details});
    if (!env.IsExceptionPending() && error.IsObject()) return Napi::Error(env, error);
  }
  Napi::Error error = Napi::Error::New(env, status.message);
  error.Set("code", status.code);
  SetDetails(error.Value(), status);
  return error;
}

bool ThrowIfFailed(Napi::Env env, const Status& status) {
  if (status.ok()) return false;
  ErrorFromStatus(env, status).ThrowAsJavaScriptException();
  return true;
}

// A bad argument is a TributaryError ERR_INVALID_ARGUMENT like any other the API raises.
void ThrowArgument(Napi::Env env, const std::string& message) {
  ErrorFromStatus(env, Status::Error("ERR_INVALID_ARGUMENT", message)).ThrowAsJavaScriptException();
}

bool ArgString(const Napi::CallbackInfo& info, size_t i, std::string* out) {
  if (!info[i].IsString()) {
    ThrowArgument(info.Env(), "argument " + std::to_string(i) + " must be a string");
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

bool ArgNumber(const Napi::CallbackInfo& info, size_t i, double* out) {
  if (!info[i].IsNumber()) {
    ThrowArgument(info.Env(), "argument " + std::to_string(i) + " must be a number");
    return false;
  }
  *out = info[i].As<Napi::Number>().DoubleValue();
  return true;
}

bool ArgInteger(const Napi::CallbackInfo& info, size_t i, int64_t min, int64_t max, int64_t* out) {
  double value = 0;
  if (!ArgNumber(info, i, &value)) return false;
  if (std::trunc(value) != value || value < static_cast<double>(min) || value > static_cast<double>(max)) {
    ThrowArgument(info.Env(), "argument " + std::to_string(i) + " must be an integer in [" + std::to_string(min) +
                                  ", " + std::to_string(max) + "]");
    return false;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

bool ArgBytes(const Napi::CallbackInfo& info, size_t i, const uint8_t** data, size_t* length) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowArgument(info.Env(), "argument " + std::to_string(i) + " must be a Buffer or Uint8Array");
    return false;
  }
  Napi::Uint8Array bytes = info[i].As<Napi::Uint8Array>();
  *data = bytes.Data();
  *length = bytes.ByteLength();
  return true;
}

Napi::Buffer<uint8_t> MappedView(Napi::Env env, const std::shared_ptr<Mapping>& mapping, const uint8_t* data,
                                 size_t length) {
  auto* hold = new std::shared_ptr<Mapping>(mapping);
  mapping->AddView(static_cast<uint64_t>(data + length - mapping->data()));
  return Napi::Buffer<uint8_t>::NewOrCopy(
      env, const_cast<uint8_t*>(data), length,
      [](Napi::Env, uint8_t*, std::shared_ptr<Mapping>* held) {
        (*held)->DropView();
        delete held;
      },
      hold);
}

}  // namespace tributary
