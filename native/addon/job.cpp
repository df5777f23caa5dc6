// Job runners and error mapping (see job.h).
#include "job.h"

#include <utility>

#if defined(REINPOOL_ADDON_CUDA)
#define REINPOOL_ADDON_BACKEND ::reinpool::cuda::backend()
#define REINPOOL_ADDON_FLAVOR "cuda"
#else
#define REINPOOL_ADDON_BACKEND ::reinpool::cpu::backend()
#define REINPOOL_ADDON_FLAVOR "cpu"
#endif

namespace reinpool {
namespace addon {

const Backend& backend() { return REINPOOL_ADDON_BACKEND; }
const char* flavor() { return REINPOOL_ADDON_FLAVOR; }

Napi::Error statusError(Napi::Env env, const Status& s) {
  if (s.code == ErrorCode::InvalidArgument) return Napi::RangeError::New(env, s.message);
  Napi::Error e = Napi::Error::New(env, s.message);
  const char* code = s.code == ErrorCode::OutOfMemory   ? "ERR_REINPOOL_OUT_OF_MEMORY"
                     : s.code == ErrorCode::Unavailable ? "ERR_REINPOOL_UNAVAILABLE"
                                                        : "ERR_REINPOOL_INTERNAL";
  e.Set("code", Napi::String::New(env, code));
  e.Set("backend", Napi::String::New(env, flavor()));
  return e;
}

void requireBackend(Napi::Env env, const std::string& fn) {
  Status s = backend().init();
  if (s.ok()) return;
  Status named = s;
  named.message = fn + ": " + flavor() + " backend unavailable: " + s.message;
  if (named.code == ErrorCode::InvalidArgument || named.code == ErrorCode::Ok) named.code = ErrorCode::Unavailable;
  throw statusError(env, named);
}

TopKOutputs topkOutputs(Napi::Env env, Job& job, int64_t rows, int64_t kk) {
  Napi::Int32Array ids = Napi::Int32Array::New(env, (size_t)(rows * kk));
  Napi::Float32Array scores = Napi::Float32Array::New(env, (size_t)(rows * kk));
  job.outputs = {ids, scores};
  job.result = [kk](Napi::Env e, const std::vector<Napi::Object>& outs) -> Napi::Value {
    Napi::Object r = Napi::Object::New(e);
    r.Set("k", Napi::Number::New(e, (double)kk));
    r.Set("ids", outs[0]);
    r.Set("scores", outs[1]);
    return r;
  };
  return {ids.Data(), scores.Data()};
}

namespace {

// Getters on argument objects run JS; make sure none of them detached or resized a buffer that an
// earlier check already accepted.
void recheckInputs(Napi::Env env, const Job& job) {
  for (const Input& in : job.inputs) {
    napi_typedarray_type type;
    size_t length = 0, byteOffset = 0;
    void* data = nullptr;
    napi_value ab;
    bool detached = false;
    if (napi_get_typedarray_info(env, in.array, &type, &length, &data, &ab, &byteOffset) != napi_ok ||
        napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok || detached ||
        length != in.length || (length > 0 && data != in.data))
      fail(env, job.fn, "an input buffer was detached or resized while the arguments were read", true);
  }
}

// Runs a Job's kernel on the libuv pool. The persistent references keep every input, output and
// kept object (a corpus handle) alive until the Promise settles, so neither the GC nor dispose()
// can free memory the kernel still uses.
class KernelWorker : public Napi::AsyncWorker {
 public:
  KernelWorker(Napi::Env env, Job&& job)
      : Napi::AsyncWorker(env, "reinpool:kernel"),
        deferred_(Napi::Promise::Deferred::New(env)),
        fn_(job.fn),
        run_(std::move(job.run)),
        result_(std::move(job.result)) {
    for (const Input& in : job.inputs) inputs_.push_back(Napi::Persistent(in.array));
    for (const Napi::Object& o : job.outputs) outputs_.push_back(Napi::Persistent(o));
    for (const Napi::Object& o : job.keep) keep_.push_back(Napi::Persistent(o));
  }
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    status_ = run_();
    if (!status_.ok()) SetError(status_.message);
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    // A buffer detached (transferred) while the kernel ran may have been read half-way: refuse.
    for (auto& in : inputs_) {
      if (isDetached(env, in.Value())) {
        deferred_.Reject(Napi::TypeError::New(env, fn_ + ": an input buffer was detached while the call was pending").Value());
        return;
      }
    }
    std::vector<Napi::Object> outs;
    for (auto& o : outputs_) outs.push_back(o.Value());
    try {
      deferred_.Resolve(result_(env, outs));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error&) override {
    Napi::HandleScope scope(Env());
    deferred_.Reject(statusError(Env(), status_).Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::string fn_;
  std::function<Status()> run_;
  ResultFn result_;
  std::vector<Napi::ObjectReference> inputs_, outputs_, keep_;
  Status status_;
};

}  // namespace

Napi::Value runSync(Napi::Env env, Job job) {
  recheckInputs(env, job);
  Status s = job.run();
  if (!s.ok()) throw statusError(env, s);
  return job.result(env, job.outputs);
}

Napi::Value runAsync(Napi::Env env, Job job) {
  recheckInputs(env, job);
  auto* w = new KernelWorker(env, std::move(job));  // deletes itself once settled
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value rejected(Napi::Env env, const Napi::Error& e) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(e.Value());
  return d.Promise();
}

}  // namespace addon
}  // namespace reinpool
