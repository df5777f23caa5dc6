// The job machinery every exported function runs through. An export first validates its arguments
// on the JS thread (kernel_args.h) and turns them into a Job: the kernel call to make, the typed
// arrays it reads, the outputs it fills and how to build its JS result. runSync runs the Job at
// once; runAsync runs it on the libuv pool behind a Promise, holding references to every buffer
// until it settles. Kernel failures become JS errors here (statusError), in one place for both
// addons.
#ifndef REINPOOL_ADDON_JOB_H
#define REINPOOL_ADDON_JOB_H

#include <napi.h>

#include <functional>
#include <string>
#include <vector>

#include "../kernels/kernels.h"
#include "args.h"

namespace reinpool {
namespace addon {

// The backend this addon was built for (cpu, or cuda with -DREINPOOL_ADDON_CUDA) and its name.
const Backend& backend();
const char* flavor();

// An input typed array as it was when checked (recheckInputs compares against this).
struct Input {
  Napi::Object array;
  const void* data;
  size_t length;
};

using ResultFn = std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)>;

// A validated kernel call: what to run off-thread and how to build its JS result afterwards.
struct Job {
  std::string fn;
  std::function<Status()> run;
  std::vector<Input> inputs;
  std::vector<Napi::Object> outputs;
  ResultFn result;
  std::vector<Napi::Object> keep;  // other objects an async call holds on to (a corpus handle)

  template <class T>
  void input(const Typed<T>& t) {
    if (!t.array.IsEmpty()) inputs.push_back({t.array, t.data, t.length});
  }

  // The call resolves to this one typed array, filled by `run`.
  void returns(Napi::Object out) {
    outputs = {out};
    result = [](Napi::Env, const std::vector<Napi::Object>& outs) -> Napi::Value { return outs[0]; };
  }
  // The same for a new typed array of `length` T, allocated here on the JS thread; returns where
  // `run` writes it.
  template <class T>
  T* returnsNew(Napi::Env env, size_t length) {
    Napi::TypedArrayOf<T> out = Napi::TypedArrayOf<T>::New(env, length);
    returns(out);
    return out.Data();
  }
};

// Kernel failures carry a machine-readable `code` so the TypeScript side can tell a device
// problem (fall back to the CPU) from a bad argument (rethrow): ERR_REINPOOL_OUT_OF_MEMORY,
// ERR_REINPOOL_UNAVAILABLE, ERR_REINPOOL_INTERNAL; argument errors are RangeErrors.
Napi::Error statusError(Napi::Env env, const Status& s);

// Throws ERR_REINPOOL_UNAVAILABLE ("<fn>: <flavor> backend unavailable: ...") unless the backend
// initialises. Called after the argument checks, so a bad argument is reported as such even where
// no device answers.
void requireBackend(Napi::Env env, const std::string& fn);

// Where a top-k kernel writes its rows x kk ids and scores.
struct TopKOutputs {
  int32_t* ids;
  float* scores;
};
// Allocates a job's rows x kk top-k outputs and makes the job resolve to {k, ids, scores}.
TopKOutputs topkOutputs(Napi::Env env, Job& job, int64_t rows, int64_t kk);

// Runs the job now and returns its result (throws on a kernel failure).
Napi::Value runSync(Napi::Env env, Job job);
// Queues the job on the libuv pool; the Promise settles with its result or error.
Napi::Value runAsync(Napi::Env env, Job job);
// A Promise rejected with e: async forms report argument errors this way, like the TS backend.
Napi::Value rejected(Napi::Env env, const Napi::Error& e);

// The sync and async export of one prepare function: Job prepare(env, args).
template <class Prepare>
Napi::Value callSync(Napi::Env env, Prepare&& prepare) {
  return runSync(env, prepare());
}
template <class Prepare>
Napi::Value callAsync(Napi::Env env, Prepare&& prepare) {
  try {
    return runAsync(env, prepare());
  } catch (const Napi::Error& e) {
    return rejected(env, e);
  }
}
template <Job (*Prepare)(Napi::Env, Napi::Value)>
Napi::Value syncFn(const Napi::CallbackInfo& info) {
  return callSync(info.Env(), [&] { return Prepare(info.Env(), info[0]); });
}
template <Job (*Prepare)(Napi::Env, Napi::Value)>
Napi::Value asyncFn(const Napi::CallbackInfo& info) {
  return callAsync(info.Env(), [&] { return Prepare(info.Env(), info[0]); });
}

}  // namespace addon
}  // namespace reinpool

#endif
