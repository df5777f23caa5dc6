// Node-API glue for the reinpool kernels: argument checks (args.h), typed-array views, sync
// functions and Promise-returning async forms (AsyncWorker on the libuv pool, which hold references
// to their input and output buffers until they settle). The same source builds reinpool_cpu.node
// and, with -DREINPOOL_ADDON_CUDA, reinpool_cuda.node: all kernel calls go through one Backend table.
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/kernels.h"
#include "args.h"
#if defined(REINPOOL_ADDON_CUDA)
#include "reinpool_cuda.h"
#endif

#if defined(REINPOOL_ADDON_CUDA)
#define REINPOOL_ADDON_BACKEND ::reinpool::cuda::backend()
#define REINPOOL_ADDON_FLAVOR "cuda"
#else
#define REINPOOL_ADDON_BACKEND ::reinpool::cpu::backend()
#define REINPOOL_ADDON_FLAVOR "cpu"
#endif

namespace reinpool {
namespace addon {
namespace {

const Backend& backend() { return REINPOOL_ADDON_BACKEND; }

struct Input {
  Napi::Object array;
  const void* data;
  size_t length;
};

// A validated kernel call: what to run off-thread and how to build its JS result afterwards.
struct Job {
  std::string fn;
  std::function<Status()> run;
  std::vector<Input> inputs;
  std::vector<Napi::Object> outputs;
  std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result;
  std::vector<Napi::Object> keep;  // other objects an async call holds on to (a corpus handle)

  template <class T>
  void input(const Typed<T>& t) {
    inputs.push_back({t.array, t.data, t.length});
  }

  // The call resolves to this one typed array, filled by `run`.
  void returns(Napi::Object out) {
    outputs = {out};
    result = [](Napi::Env, const std::vector<Napi::Object>& outs) -> Napi::Value { return outs[0]; };
  }
};

// Kernel failures carry a machine-readable `code` so the TypeScript side can tell a device
// problem (fall back to the CPU) from a bad argument (rethrow): ERR_REINPOOL_OUT_OF_MEMORY,
// ERR_REINPOOL_UNAVAILABLE, ERR_REINPOOL_INTERNAL; argument errors are RangeErrors.
Napi::Error statusError(Napi::Env env, const Status& s) {
  if (s.code == ErrorCode::InvalidArgument) return Napi::RangeError::New(env, s.message);
  Napi::Error e = Napi::Error::New(env, s.message);
  const char* code = s.code == ErrorCode::OutOfMemory   ? "ERR_REINPOOL_OUT_OF_MEMORY"
                     : s.code == ErrorCode::Unavailable ? "ERR_REINPOOL_UNAVAILABLE"
                                                        : "ERR_REINPOOL_INTERNAL";
  e.Set("code", Napi::String::New(env, code));
  e.Set("backend", Napi::String::New(env, REINPOOL_ADDON_FLAVOR));
  return e;
}

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

void requireBackend(Napi::Env env, const std::string& fn) {
  Status s = backend().init();
  if (!s.ok()) {
    Status named = s;
    named.message = fn + ": " + REINPOOL_ADDON_FLAVOR + " backend unavailable: " + s.message;
    if (named.code == ErrorCode::InvalidArgument || named.code == ErrorCode::Ok) named.code = ErrorCode::Unavailable;
    throw statusError(env, named);
  }
}

// Where a top-k kernel writes its rows x kk ids and scores.
struct TopKOutputs {
  int32_t* ids;
  float* scores;
};

// Allocates a job's rows x kk top-k outputs and makes the job resolve to {k, ids, scores}.
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

// ---- per-kernel argument checks (same order and wording as src/kernels/validate.ts) ------------

struct PoolArgs {
  SetArg docs;
  Typed<uint8_t> masks;
  int64_t groups;
  PoolMode mode;
  bool normalize;
};

PoolArgs checkPool(Napi::Env env, const std::string& fn, Napi::Value v, Job& job) {
  Napi::Object a = checkObject(env, fn, "args", v);
  PoolArgs p;
  p.docs = checkSet(env, fn, "docs", a.Get("docs"));
  p.groups = checkInt(env, fn, "groups", a.Get("groups"), 1, 1 << 16);
  p.masks = checkUint8(env, fn, "masks", a.Get("masks"));
  if ((int64_t)p.masks.length != p.groups * p.docs.total)
    fail(env, fn, "masks has " + std::to_string(p.masks.length) + " bytes, expected groups " +
                      std::to_string(p.groups) + " x " + std::to_string(p.docs.total) +
                      " document vectors = " + std::to_string(p.groups * p.docs.total));
  p.mode = checkMode(env, fn, a.Get("mode"));
  p.normalize = checkBool(env, fn, "normalize", a.Get("normalize"), true);
  job.input(p.docs.vectors);
  job.input(p.docs.offsets);
  job.input(p.masks);
  return p;
}

Job preparePoolMasked(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "poolMasked";
  PoolArgs p = checkPool(env, job.fn, v, job);
  requireBackend(env, job.fn);
  Napi::Float32Array out =
      Napi::Float32Array::New(env, (size_t)(p.docs.view.count * p.groups * p.docs.view.dim));
  float* o = out.Data();
  const RaggedView docs = p.docs.view;
  const uint8_t* masks = p.masks.data;
  const int32_t groups = (int32_t)p.groups;
  const PoolMode mode = p.mode;
  const bool normalize = p.normalize;
  job.run = [=] { return backend().poolMasked(docs, masks, groups, mode, normalize, o, 0); };
  job.returns(out);
  return job;
}

Job prepareScoreTopK(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "scoreTopK";
  const std::string& fn = job.fn;
  Napi::Object a = checkObject(env, fn, "args", v);
  MatrixArg q = checkMatrix(env, fn, "queries", a.Get("queries"));
  MatrixArg k = checkMatrix(env, fn, "keys", a.Get("keys"), q.view.dim);
  const int64_t kReq = checkInt(env, fn, "k", a.Get("k"), 1);
  const int64_t kk = std::min<int64_t>(kReq, k.view.rows);
  job.input(q.data);
  job.input(k.data);
  requireBackend(env, fn);
  const TopKOutputs out = topkOutputs(env, job, q.view.rows, kk);
  const MatrixView qv = q.view, kv = k.view;
  const int32_t kr = (int32_t)kReq;
  job.run = [=] { return backend().scoreTopK(qv, kv, kr, out.ids, out.scores, 0); };
  return job;
}

Job prepareRanked(Napi::Env env, Napi::Value v, const std::string& fn, bool ndcg) {
  Job job;
  job.fn = fn;
  Napi::Object a = checkObject(env, fn, "args", v);
  const int64_t width = checkInt(env, fn, "width", a.Get("width"), 1);
  Typed<int32_t> ranked = checkInt32(env, fn, "ranked", a.Get("ranked"));
  if ((int64_t)ranked.length % width != 0)
    fail(env, fn, "ranked has " + std::to_string(ranked.length) + " entries, not a multiple of width " +
                      std::to_string(width));
  const int64_t queries = (int64_t)ranked.length / width;
  for (size_t i = 0; i < ranked.length; ++i)
    if (ranked.data[i] < -1)
      fail(env, fn, "ranked[" + std::to_string(i) +
                        "] must be a document id >= 0 or -1 for an empty slot, got " +
                        std::to_string(ranked.data[i]));
  QrelsArg qrels = checkQrels(env, fn, "qrels", a.Get("qrels"), queries);
  const int64_t k = checkInt(env, fn, "k", a.Get("k"), 1);
  job.input(ranked);
  job.input(qrels.offsets);
  job.input(qrels.docs);
  job.input(qrels.gains);
  requireBackend(env, fn);
  Napi::Float64Array out = Napi::Float64Array::New(env, (size_t)queries);
  double* o = out.Data();
  const int32_t* r = ranked.data;
  const QrelsView qv = qrels.view;
  const int32_t w = (int32_t)width, kk = (int32_t)k;
  if (ndcg)
    job.run = [=] { return backend().ndcgAtK(r, queries, w, qv, kk, o, 0); };
  else
    job.run = [=] { return backend().recallAtK(r, queries, w, qv, kk, o, 0); };
  job.returns(out);
  return job;
}

Job prepareMaxSim(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "maxSimTopK";
  const std::string& fn = job.fn;
  Napi::Object a = checkObject(env, fn, "args", v);
  SetArg q = checkSet(env, fn, "queries", a.Get("queries"));
  SetArg d = checkSet(env, fn, "docs", a.Get("docs"));
  if (q.view.dim != d.view.dim)
    fail(env, fn, "queries.dim " + std::to_string(q.view.dim) + " differs from docs.dim " +
                      std::to_string(d.view.dim));
  const int64_t kReq = checkInt(env, fn, "k", a.Get("k"), 1);
  const int64_t kk = std::min<int64_t>(kReq, d.view.count);
  job.input(q.vectors);
  job.input(q.offsets);
  job.input(d.vectors);
  job.input(d.offsets);
  requireBackend(env, fn);
  const TopKOutputs out = topkOutputs(env, job, q.view.count, kk);
  const RaggedView qv = q.view, dv = d.view;
  const int32_t kr = (int32_t)kReq;
  job.run = [=] { return backend().maxSimTopK(qv, dv, kr, out.ids, out.scores, 0); };
  return job;
}

Job prepareReward(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "inverseRetrievalReward";
  const std::string& fn = job.fn;
  PoolArgs p = checkPool(env, fn, v, job);
  Napi::Object a = v.As<Napi::Object>();
  MatrixArg q = checkMatrix(env, fn, "queries", a.Get("queries"), p.docs.view.dim);
  Typed<int32_t> owner = checkInt32(env, fn, "queryOwner", a.Get("queryOwner"));
  if ((int64_t)owner.length != q.view.rows)
    fail(env, fn, "queryOwner has " + std::to_string(owner.length) + " entries for " +
                      std::to_string(q.view.rows) + " queries");
  Napi::Value di = a.Get("docIndex");
  Typed<int32_t> docIndex;
  if (!di.IsUndefined()) {
    docIndex = checkInt32(env, fn, "docIndex", di);
    if ((int64_t)docIndex.length != p.docs.view.count)
      fail(env, fn, "docIndex has " + std::to_string(docIndex.length) + " entries for " +
                        std::to_string(p.docs.view.count) + " documents");
    job.input(docIndex);
  }
  Napi::Value kv = a.Get("k");
  const int64_t k = kv.IsUndefined() ? 3 : checkInt(env, fn, "k", kv, 1);
  if (q.view.rows < 1) fail(env, fn, "queries must have at least one row");
  job.input(q.data);
  job.input(owner);
  requireBackend(env, fn);
  Napi::Float32Array out = Napi::Float32Array::New(env, (size_t)(p.docs.view.count * p.groups));
  float* o = out.Data();
  const RaggedView docs = p.docs.view;
  const uint8_t* masks = p.masks.data;
  const int32_t groups = (int32_t)p.groups;
  const PoolMode mode = p.mode;
  const bool normalize = p.normalize;
  const MatrixView qm = q.view;
  const int32_t* ow = owner.data;
  const int32_t* dix = di.IsUndefined() ? nullptr : docIndex.data;
  const int32_t kk = (int32_t)k;
  job.run = [=] {
    return backend().inverseRetrievalReward(docs, masks, groups, mode, normalize, qm, ow, dix, kk, o, 0);
  };
  job.returns(out);
  return job;
}

// ---- sync and async runners ---------------------------------------------------------------------

Napi::Value runSync(Napi::Env env, Job job) {
  recheckInputs(env, job);
  Status s = job.run();
  if (!s.ok()) throw statusError(env, s);
  return job.result(env, job.outputs);
}

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
  std::function<Napi::Value(Napi::Env, const std::vector<Napi::Object>&)> result_;
  std::vector<Napi::ObjectReference> inputs_, outputs_, keep_;
  Status status_;
};

Napi::Value runAsync(Napi::Env env, Job job) {
  recheckInputs(env, job);
  auto* w = new KernelWorker(env, std::move(job));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// Async forms report argument errors as rejected promises, like the TypeScript backend.
template <Job (*Prepare)(Napi::Env, Napi::Value)>
Napi::Value syncFn(const Napi::CallbackInfo& info) {
  return runSync(info.Env(), Prepare(info.Env(), info[0]));
}
template <Job (*Prepare)(Napi::Env, Napi::Value)>
Napi::Value asyncFn(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    return runAsync(env, Prepare(env, info[0]));
  } catch (const Napi::Error& e) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Reject(e.Value());
    return d.Promise();
  }
}

Job prepareNdcg(Napi::Env env, Napi::Value v) { return prepareRanked(env, v, "ndcgAtK", true); }
Job prepareRecall(Napi::Env env, Napi::Value v) { return prepareRanked(env, v, "recallAtK", false); }

// ---- info, availability, test hooks -------------------------------------------------------------

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("flavor", REINPOOL_ADDON_FLAVOR);
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


#if defined(REINPOOL_ADDON_CUDA)
// ---- the device-resident corpus (cuda only) ------------------------------------------------------
//
// createCorpus({ docs, queries?, queryOwner?, precision? }) uploads the corpus vectors (and the
// synthetic-query matrix with its owners) once and returns a handle whose methods move only the
// masks per call:
//   pool({ batchDocs, masks, groups, mode?, normalize? })                 -> Float32Array
//   reward({ batchDocs, masks, groups, mode?, normalize?, docIndex?, k? }) -> Float32Array
//   queryTopK({ vectors: { rows, dim, data }, k })                         -> { k, ids, scores }
// each with an ...Async form (a Promise), plus dispose() and the getters count, dim, queries,
// deviceBytes, precision, disposed. Masks are laid out as poolMasked's for the batch taken as its
// own ragged set. The device memory is freed by dispose() (or garbage collection) once no async
// call still uses it.

struct CorpusBox {
  cuda::Corpus* c = nullptr;
  ~CorpusBox() { cuda::corpusDestroy(c); }
};

const char* precisionName(cuda::Precision p) {
  return p == cuda::Precision::Bf16 ? "bf16" : p == cuda::Precision::Tf32 ? "tf32" : "fp32";
}

cuda::Precision checkPrecision(Napi::Env env, const std::string& fn, Napi::Value v) {
  if (v.IsUndefined()) return cuda::defaultPrecision();
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    if (s == "fp32") return cuda::Precision::Fp32;
    if (s == "tf32") return cuda::Precision::Tf32;
    if (s == "bf16") return cuda::Precision::Bf16;
  }
  fail(env, fn, "precision must be 'fp32', 'tf32' or 'bf16'", true);
}

class CudaCorpus : public Napi::ObjectWrap<CudaCorpus> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CudaCorpus", {
      InstanceMethod<&CudaCorpus::Pool>("pool"),
      InstanceMethod<&CudaCorpus::PoolAsync>("poolAsync"),
      InstanceMethod<&CudaCorpus::Reward>("reward"),
      InstanceMethod<&CudaCorpus::RewardAsync>("rewardAsync"),
      InstanceMethod<&CudaCorpus::QueryTopK>("queryTopK"),
      InstanceMethod<&CudaCorpus::QueryTopKAsync>("queryTopKAsync"),
      InstanceMethod<&CudaCorpus::Dispose>("dispose"),
      InstanceAccessor<&CudaCorpus::Count>("count"),
      InstanceAccessor<&CudaCorpus::Dim>("dim"),
      InstanceAccessor<&CudaCorpus::Queries>("queries"),
      InstanceAccessor<&CudaCorpus::DeviceBytes>("deviceBytes"),
      InstanceAccessor<&CudaCorpus::PrecisionGet>("precision"),
      InstanceAccessor<&CudaCorpus::Disposed>("disposed"),
    });
  }

  // Called from createCorpus through `new` with the validated pieces in an External.
  struct Init {
    std::shared_ptr<CorpusBox> box;
    std::vector<int32_t> offsets;
    int64_t queries = 0;
    int32_t dim = 0;
    cuda::Precision precision = cuda::Precision::Fp32;
  };

  explicit CudaCorpus(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CudaCorpus>(info) {
    if (info.Length() != 1 || !info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "CudaCorpus: use createCorpus(), not new");
    Init* init = info[0].As<Napi::External<Init>>().Data();
    box_ = init->box;
    offsets_ = std::move(init->offsets);
    queries_ = init->queries;
    dim_ = init->dim;
    precision_ = init->precision;
    bytes_ = cuda::corpusDeviceBytes(box_->c);
  }

 private:
  std::shared_ptr<CorpusBox> box_;
  std::vector<int32_t> offsets_;
  int64_t queries_ = 0, bytes_ = 0;
  int32_t dim_ = 0;
  cuda::Precision precision_ = cuda::Precision::Fp32;

  int64_t count() const { return (int64_t)offsets_.size() - 1; }

  std::shared_ptr<CorpusBox> live(Napi::Env env, const std::string& fn) {
    if (!box_) fail(env, fn, "the corpus has been disposed", true);
    return box_;
  }

  struct BatchArgs {
    Typed<int32_t> batchDocs;
    Typed<uint8_t> masks;
    int64_t groups = 1;
    PoolMode mode = PoolMode::Mean;
    bool normalize = true;
  };

  BatchArgs checkBatch(Napi::Env env, const std::string& fn, Napi::Value v, Job& job) {
    Napi::Object a = checkObject(env, fn, "args", v);
    BatchArgs b;
    b.batchDocs = checkInt32(env, fn, "batchDocs", a.Get("batchDocs"));
    const int64_t n = count();
    int64_t rows = 0;
    for (size_t i = 0; i < b.batchDocs.length; ++i) {
      const int32_t d = b.batchDocs.data[i];
      if (d < 0 || d >= n)
        fail(env, fn, "batchDocs[" + std::to_string(i) + "] must be a document index in [0, " +
                          std::to_string(n - 1) + "], got " + std::to_string(d));
      rows += offsets_[d + 1] - offsets_[d];
    }
    b.groups = checkInt(env, fn, "groups", a.Get("groups"), 1, 1 << 16);
    b.masks = checkUint8(env, fn, "masks", a.Get("masks"));
    if ((int64_t)b.masks.length != b.groups * rows)
      fail(env, fn, "masks has " + std::to_string(b.masks.length) + " bytes, expected groups " +
                        std::to_string(b.groups) + " x " + std::to_string(rows) +
                        " vectors of the batch documents = " + std::to_string(b.groups * rows));
    if ((int64_t)b.batchDocs.length * b.groups > 0x7fffffff) fail(env, fn, "batchDocs.length x groups is too large");
    b.mode = checkMode(env, fn, a.Get("mode"));
    b.normalize = checkBool(env, fn, "normalize", a.Get("normalize"), true);
    job.input(b.batchDocs);
    job.input(b.masks);
    return b;
  }

  Job preparePool(Napi::Env env, Napi::Value v) {
    Job job;
    job.fn = "corpus.pool";
    BatchArgs b = checkBatch(env, job.fn, v, job);
    auto box = live(env, job.fn);
    const int32_t batch = (int32_t)b.batchDocs.length;
    Napi::Float32Array out = Napi::Float32Array::New(env, (size_t)batch * b.groups * dim_);
    float* o = out.Data();
    const int32_t* docs = b.batchDocs.data;
    const uint8_t* m = b.masks.data;
    const int32_t groups = (int32_t)b.groups;
    const PoolMode mode = b.mode;
    const bool normalize = b.normalize;
    job.run = [=] { return cuda::corpusPoolMasked(box->c, docs, batch, m, groups, mode, normalize, o); };
    job.returns(out);
    job.keep = {Value()};
    return job;
  }

  Job prepareReward(Napi::Env env, Napi::Value v) {
    Job job;
    job.fn = "corpus.reward";
    const std::string& fn = job.fn;
    BatchArgs b = checkBatch(env, fn, v, job);
    Napi::Object a = v.As<Napi::Object>();
    const int32_t batch = (int32_t)b.batchDocs.length;
    Napi::Value di = a.Get("docIndex");
    Typed<int32_t> docIndex;
    if (!di.IsUndefined()) {
      docIndex = checkInt32(env, fn, "docIndex", di);
      if ((int64_t)docIndex.length != batch)
        fail(env, fn, "docIndex has " + std::to_string(docIndex.length) + " entries for " +
                          std::to_string(batch) + " batch documents");
      job.input(docIndex);
    }
    Napi::Value kv = a.Get("k");
    const int64_t k = kv.IsUndefined() ? 3 : checkInt(env, fn, "k", kv, 1);
    if (queries_ < 1) fail(env, fn, "the corpus was created without queries");
    auto box = live(env, fn);
    Napi::Float32Array out = Napi::Float32Array::New(env, (size_t)batch * b.groups);
    float* o = out.Data();
    const int32_t* docs = b.batchDocs.data;
    const uint8_t* m = b.masks.data;
    const int32_t groups = (int32_t)b.groups;
    const PoolMode mode = b.mode;
    const bool normalize = b.normalize;
    const int32_t* dix = di.IsUndefined() ? nullptr : docIndex.data;
    const int32_t kk = (int32_t)k;
    const cuda::Precision p = precision_;
    job.run = [=] {
      return cuda::corpusReward(box->c, docs, batch, m, groups, mode, normalize, dix, kk, p, o);
    };
    job.returns(out);
    job.keep = {Value()};
    return job;
  }

  Job prepareQueryTopK(Napi::Env env, Napi::Value v) {
    Job job;
    job.fn = "corpus.queryTopK";
    const std::string& fn = job.fn;
    Napi::Object a = checkObject(env, fn, "args", v);
    MatrixArg x = checkMatrix(env, fn, "vectors", a.Get("vectors"), dim_);
    const int64_t kReq = checkInt(env, fn, "k", a.Get("k"), 1);
    if (x.view.rows > 0x7fffffff) fail(env, fn, "vectors.rows is too large");
    job.input(x.data);
    auto box = live(env, fn);
    const int64_t kk = std::min<int64_t>(kReq, queries_);
    const TopKOutputs out = topkOutputs(env, job, x.view.rows, kk);
    const float* data = x.view.data;
    const int32_t m = (int32_t)x.view.rows, kr = (int32_t)kReq;
    const cuda::Precision p = precision_;
    const bool empty = kk == 0 || m == 0;
    job.run = [=] { return empty ? Status::Ok() : cuda::corpusQueryTopK(box->c, data, m, kr, p, out.ids, out.scores); };
    job.keep = {Value()};
    return job;
  }

  template <Job (CudaCorpus::*Prepare)(Napi::Env, Napi::Value)>
  Napi::Value sync(const Napi::CallbackInfo& info) {
    return runSync(info.Env(), (this->*Prepare)(info.Env(), info[0]));
  }
  template <Job (CudaCorpus::*Prepare)(Napi::Env, Napi::Value)>
  Napi::Value async(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      return runAsync(env, (this->*Prepare)(env, info[0]));
    } catch (const Napi::Error& e) {
      auto d = Napi::Promise::Deferred::New(env);
      d.Reject(e.Value());
      return d.Promise();
    }
  }

  Napi::Value Pool(const Napi::CallbackInfo& i) { return sync<&CudaCorpus::preparePool>(i); }
  Napi::Value PoolAsync(const Napi::CallbackInfo& i) { return async<&CudaCorpus::preparePool>(i); }
  Napi::Value Reward(const Napi::CallbackInfo& i) { return sync<&CudaCorpus::prepareReward>(i); }
  Napi::Value RewardAsync(const Napi::CallbackInfo& i) { return async<&CudaCorpus::prepareReward>(i); }
  Napi::Value QueryTopK(const Napi::CallbackInfo& i) { return sync<&CudaCorpus::prepareQueryTopK>(i); }
  Napi::Value QueryTopKAsync(const Napi::CallbackInfo& i) { return async<&CudaCorpus::prepareQueryTopK>(i); }
  // Idempotent. Pending async calls keep the device memory until they settle.
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    box_.reset();
    return info.Env().Undefined();
  }
  Napi::Value Count(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)count()); }
  Napi::Value Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), dim_); }
  Napi::Value Queries(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)queries_); }
  Napi::Value DeviceBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), box_ ? (double)cuda::corpusDeviceBytes(box_->c) : 0.0);
  }
  Napi::Value PrecisionGet(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), precisionName(precision_)); }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !box_); }
};

// createCorpus({ docs, queries?, queryOwner?, precision? }) -> CudaCorpus (see above).
Napi::Value CreateCorpus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "createCorpus";
  Napi::Object a = checkObject(env, fn, "args", info[0]);
  SetArg docs = checkSet(env, fn, "docs", a.Get("docs"));
  if (docs.view.count > 0x7fffffff || docs.total > 0x7fffffff) fail(env, fn, "docs is too large for the CUDA backend");
  Napi::Value qv = a.Get("queries");
  MatrixArg q;
  Typed<int32_t> owner;
  if (!qv.IsUndefined()) {
    q = checkMatrix(env, fn, "queries", qv, docs.view.dim);
    owner = checkInt32(env, fn, "queryOwner", a.Get("queryOwner"));
    if ((int64_t)owner.length != q.view.rows)
      fail(env, fn, "queryOwner has " + std::to_string(owner.length) + " entries for " +
                        std::to_string(q.view.rows) + " queries");
  } else {
    if (!a.Get("queryOwner").IsUndefined()) fail(env, fn, "queryOwner is given without queries", true);
    q.view.rows = 0;
    q.view.dim = docs.view.dim;
  }
  const cuda::Precision p = checkPrecision(env, fn, a.Get("precision"));
  Status init = backend().init();
  if (!init.ok()) {
    Status named = init;
    named.message = fn + ": cuda backend unavailable: " + init.message;
    throw statusError(env, named);
  }
  cuda::Corpus* c = nullptr;
  Status st = cuda::corpusCreate(docs.view, q.view, owner.data, &c);
  if (!st.ok()) {
    st.message = fn + ": " + st.message;
    throw statusError(env, st);
  }
  CudaCorpus::Init ci;
  ci.box = std::make_shared<CorpusBox>();
  ci.box->c = c;
  ci.offsets.assign(docs.view.offsets, docs.view.offsets + docs.view.count + 1);
  ci.queries = q.view.rows;
  ci.dim = docs.view.dim;
  ci.precision = p;
  Napi::FunctionReference* ctor = env.GetInstanceData<Napi::FunctionReference>();
  return ctor->New({Napi::External<CudaCorpus::Init>::New(env, &ci)});
}

// precision(): the precision the kernels.h entry points use (REINPOOL_CUDA_PRECISION, read once).
Napi::Value PrecisionInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), precisionName(cuda::defaultPrecision()));
}
#endif  // REINPOOL_ADDON_CUDA
}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("poolMasked", Napi::Function::New(env, syncFn<preparePoolMasked>, "poolMasked"));
  exports.Set("poolMaskedAsync", Napi::Function::New(env, asyncFn<preparePoolMasked>, "poolMaskedAsync"));
  exports.Set("scoreTopK", Napi::Function::New(env, syncFn<prepareScoreTopK>, "scoreTopK"));
  exports.Set("scoreTopKAsync", Napi::Function::New(env, asyncFn<prepareScoreTopK>, "scoreTopKAsync"));
  exports.Set("ndcgAtK", Napi::Function::New(env, syncFn<prepareNdcg>, "ndcgAtK"));
  exports.Set("ndcgAtKAsync", Napi::Function::New(env, asyncFn<prepareNdcg>, "ndcgAtKAsync"));
  exports.Set("recallAtK", Napi::Function::New(env, syncFn<prepareRecall>, "recallAtK"));
  exports.Set("recallAtKAsync", Napi::Function::New(env, asyncFn<prepareRecall>, "recallAtKAsync"));
  exports.Set("maxSimTopK", Napi::Function::New(env, syncFn<prepareMaxSim>, "maxSimTopK"));
  exports.Set("maxSimTopKAsync", Napi::Function::New(env, asyncFn<prepareMaxSim>, "maxSimTopKAsync"));
  exports.Set("inverseRetrievalReward", Napi::Function::New(env, syncFn<prepareReward>, "inverseRetrievalReward"));
  exports.Set("inverseRetrievalRewardAsync",
              Napi::Function::New(env, asyncFn<prepareReward>, "inverseRetrievalRewardAsync"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("available", Napi::Function::New(env, Available, "available"));
  exports.Set("_setThreads", Napi::Function::New(env, SetThreads, "_setThreads"));
  exports.Set("_setValidateFinite", Napi::Function::New(env, SetValidateFinite, "_setValidateFinite"));
#if !defined(REINPOOL_ADDON_CUDA)
  exports.Set("_setSimd", Napi::Function::New(env, SetSimd, "_setSimd"));
#else
  Napi::Function corpusClass = CudaCorpus::Define(env);
  env.SetInstanceData<Napi::FunctionReference>(new Napi::FunctionReference(Napi::Persistent(corpusClass)));
  exports.Set("createCorpus", Napi::Function::New(env, CreateCorpus, "createCorpus"));
  exports.Set("precision", Napi::Function::New(env, PrecisionInfo, "precision"));
#endif
  return exports;
}

}  // namespace addon
}  // namespace reinpool

static Napi::Object InitReinpool(Napi::Env env, Napi::Object exports) {
  return reinpool::addon::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitReinpool)
