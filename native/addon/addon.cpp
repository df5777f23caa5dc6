// The Node-API module of reinpool: reinpool_cpu.node, and with -DREINPOOL_ADDON_CUDA
// reinpool_cuda.node. Thin glue over the plain C++ kernels (native/kernels, which know nothing of
// Node); the pieces, read in this order:
//   args.h / args.cpp               primitive argument checks (typed arrays, sets, matrices)
//   job.h / job.cpp                 Job, sync and async runners, Status -> JS error mapping
//   kernel_args.h / kernel_args.cpp the checks of the kernel arguments, one per argument
//   kernels.cpp                     the stateless kernel exports and their ...Async forms
//   corpus.cpp                      the CUDA device-resident corpus (cuda addon only)
// This file registers them and adds info(), available() and the test hooks.
#include <napi.h>

#include <string>

#include "args.h"
#include "job.h"

namespace reinpool {
namespace addon {

void exportKernels(Napi::Env env, Napi::Object exports);  // kernels.cpp
#if defined(REINPOOL_ADDON_CUDA)
void exportCorpus(Napi::Env env, Napi::Object exports);  // corpus.cpp
#endif

namespace {

// info(): which backend this is, whether it can run here and why not, SIMD level or device.
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("flavor", flavor());
  o.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  Status s = backend().init();
  o.Set("available", Napi::Boolean::New(env, s.ok()));
  o.Set("reason", s.ok() ? std::string("ok") : s.message);
  if (s.ok()) {
    BackendInfo b = backend().info();
    o.Set("backend", b.name);
    o.Set("simd", b.simd);
    o.Set("threads", Napi::Number::New(env, b.threads));
    o.Set("detail", b.detail);
  }
  return o;
}

// available(): { available, reason } without the rest of info() (cheap after the first call).
Napi::Value Available(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Status s = backend().init();
  Napi::Object o = Napi::Object::New(env);
  o.Set("available", Napi::Boolean::New(env, s.ok()));
  o.Set("reason", s.ok() ? std::string("ok") : s.message);
  return o;
}

#if !defined(REINPOOL_ADDON_CUDA)
// _setSimd('avx512' | 'avx2' | 'sse2'): caps the SIMD level (tests, benchmarks); returns the level used.
Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) fail(env, "_setSimd", "level must be a string", true);
  const std::string lv = info[0].As<Napi::String>().Utf8Value();
  return Napi::String::New(env, cpu::setSimdLevel(lv.c_str()));
}

// _probeFma(ms, reps, threads = 0) and _probeReadBandwidth(megabytes, passes, threads = 0): the
// machine-limit probes of the benchmarks (kernels.h), synchronous; return
// { median, best, reps, threads, simd } in GFLOP/s or GB/s.
Napi::Value probeResult(Napi::Env env, const Status& s, const cpu::ProbeResult& r) {
  if (!s.ok()) throw statusError(env, s);
  Napi::Object o = Napi::Object::New(env);
  o.Set("median", Napi::Number::New(env, r.median));
  o.Set("best", Napi::Number::New(env, r.best));
  o.Set("reps", Napi::Number::New(env, r.reps));
  o.Set("threads", Napi::Number::New(env, r.threads));
  o.Set("simd", r.simd);
  return o;
}
Napi::Value ProbeFma(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t ms = checkInt(env, "_probeFma", "ms", info[0], 1, 60000);
  const int64_t reps = checkInt(env, "_probeFma", "reps", info[1], 1, 1000);
  const int64_t threads = info[2].IsUndefined() ? 0 : checkInt(env, "_probeFma", "threads", info[2], 0, 1024);
  cpu::ProbeResult r;
  const Status s = cpu::probeFmaPeak((double)ms / 1000, (int)reps, (int)threads, &r);
  return probeResult(env, s, r);
}
Napi::Value ProbeReadBandwidth(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t mb = checkInt(env, "_probeReadBandwidth", "megabytes", info[0], 1, 65536);
  const int64_t passes = checkInt(env, "_probeReadBandwidth", "passes", info[1], 1, 1000);
  const int64_t threads =
      info[2].IsUndefined() ? 0 : checkInt(env, "_probeReadBandwidth", "threads", info[2], 0, 1024);
  cpu::ProbeResult r;
  const Status s = cpu::probeReadBandwidth(mb << 20, (int)passes, (int)threads, &r);
  return probeResult(env, s, r);
}
#endif

// _setValidateFinite(true | false | undefined): overrides REINPOOL_VALIDATE_FINITE for this addon
// (undefined: follow the environment again). Returns the setting now in effect.
Napi::Value SetValidateFinite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info[0].IsUndefined() || info[0].IsNull())
    setFiniteCheck(-1);
  else
    setFiniteCheck(checkBool(env, "_setValidateFinite", "on", info[0], false) ? 1 : 0);
  return Napi::Boolean::New(env, finiteCheckEnabled());
}

// _setThreads(n): default CPU threads per call (0 = all); returns the count now used.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = checkInt(env, "_setThreads", "n", info[0], 0, 1024);
#if !defined(REINPOOL_ADDON_CUDA)
  return Napi::Number::New(env, cpu::setDefaultThreads((int)n));
#else
  (void)n;
  return Napi::Number::New(env, 1);
#endif
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exportKernels(env, exports);
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("available", Napi::Function::New(env, Available, "available"));
  exports.Set("_setThreads", Napi::Function::New(env, SetThreads, "_setThreads"));
  exports.Set("_setValidateFinite", Napi::Function::New(env, SetValidateFinite, "_setValidateFinite"));
#if !defined(REINPOOL_ADDON_CUDA)
  exports.Set("_setSimd", Napi::Function::New(env, SetSimd, "_setSimd"));
  exports.Set("_probeFma", Napi::Function::New(env, ProbeFma, "_probeFma"));
  exports.Set("_probeReadBandwidth", Napi::Function::New(env, ProbeReadBandwidth, "_probeReadBandwidth"));
#else
  exportCorpus(env, exports);
#endif
  return exports;
}

}  // namespace addon
}  // namespace reinpool

static Napi::Object InitReinpool(Napi::Env env, Napi::Object exports) {
  return reinpool::addon::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitReinpool)
