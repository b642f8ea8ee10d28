#pragma once

namespace tributary {

template <typename Work>
class StatusWorker : public Napi::AsyncWorker {
 public:
  StatusWorker(Napi::Env env, const char* name, Work work)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override { status_ = work_(); }
  void OnOK() override {
    if (status_.ok()) {
      deferred_.Resolve(Env().Undefined());
    } else {
      deferred_.Reject(ErrorFromStatus(Env(), status_).Value());
    }
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  Status status_;
};

template <typename Work>
Napi::Promise RunOnThreadPool(Napi::Env env, const char* name, Work work) {
  auto* worker = new StatusWorker<Work>(env, name, std::move(work));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace tributary
