// The device-resident corpus of the CUDA addon (reinpool_cuda.node only; the CPU and TypeScript
// backends close over the caller's arrays instead, in src/kernels/corpus.ts).
//
// createCorpus({ docs, queries?, queryOwner?, competitorScores?, precision? }) uploads the corpus
// vectors (and the synthetic-query matrix with its owners, and the forward reward's Q x k
// competitor scores) once and returns a handle whose methods move only the masks per call:
//   pool({ batchDocs, masks, groups, mode?, normalize? })                     -> Float32Array
//   reward({ batchDocs, masks, groups, mode?, normalize?, docIndex?, k? })     -> Float32Array
//   forwardReward({ batchDocs, masks, groups, mode?, normalize?, docIndex? })  -> Float32Array
//   queryTopK({ vectors: { rows, dim, data }, k })                             -> { k, ids, scores }
// each with an ...Async form (a Promise), plus dispose() and the getters count, dim, queries,
// deviceBytes, precision, disposed. Masks are laid out as poolMasked's for the batch taken as its
// own ragged set. The arguments are checked by the same functions as the stateless kernels'
// (kernel_args.h). The device memory is freed by dispose() (or garbage collection) once no async
// call still uses it: every Job keeps the handle, and every run keeps the CorpusBox, alive.
#include <napi.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "job.h"
#include "kernel_args.h"
#include "reinpool_cuda.h"

namespace reinpool {
namespace addon {
namespace {

// Owns the device corpus; shared by the handle and every pending job.
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
      InstanceMethod<&CudaCorpus::ForwardReward>("forwardReward"),
      InstanceMethod<&CudaCorpus::ForwardRewardAsync>("forwardRewardAsync"),
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

  // Handed from createCorpus through `new` in an External, and kept as the handle's state: the
  // device corpus and the host-side facts the checks need (offsets for the mask sizes).
  struct State {
    std::shared_ptr<CorpusBox> box;
    std::vector<int32_t> offsets;
    int64_t queries = 0;
    int32_t dim = 0;
    bool competitors = false;
    cuda::Precision precision = cuda::Precision::Fp32;
  };

  explicit CudaCorpus(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CudaCorpus>(info) {
    if (info.Length() != 1 || !info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "CudaCorpus: use createCorpus(), not new");
    s_ = std::move(*info[0].As<Napi::External<State>>().Data());
  }

 private:
  State s_;

  int64_t count() const { return (int64_t)s_.offsets.size() - 1; }

  std::shared_ptr<CorpusBox> live(Napi::Env env, const std::string& fn) {
    if (!s_.box) fail(env, fn, "the corpus has been disposed", true);
    return s_.box;
  }

  // batchDocs (corpus indices, repeats allowed) and the masks of their vectors, as plain views for
  // a Job's `run` to capture by value (checkBatch registers the typed arrays with the job).
  struct BatchView {
    const int32_t* docs;
    int32_t batch;
    MaskView m;
    int64_t pooledRows() const { return (int64_t)batch * m.groups; }  // one per document and mask
  };

  BatchView checkBatch(Napi::Env env, const std::string& fn, Napi::Object a, Job& job) {
    const Typed<int32_t> batchDocs = checkInt32(env, fn, "batchDocs", a.Get("batchDocs"));
    const int64_t n = count();
    int64_t rows = 0;
    for (size_t i = 0; i < batchDocs.length; ++i) {
      const int32_t d = batchDocs.data[i];
      if (d < 0 || d >= n)
        fail(env, fn, "batchDocs[" + std::to_string(i) + "] must be a document index in [0, " +
                          std::to_string(n - 1) + "], got " + std::to_string(d));
      rows += s_.offsets[d + 1] - s_.offsets[d];
    }
    job.input(batchDocs);
    const MaskArgs m = checkMasks(env, fn, a, rows, "vectors of the batch documents", job);
    if ((int64_t)batchDocs.length * m.view.groups > 0x7fffffff) fail(env, fn, "batchDocs.length x groups is too large");
    return {batchDocs.data, (int32_t)batchDocs.length, m.view};
  }

  // What both reward methods take first: the batch, then docIndex (one entry per batch document).
  struct RewardBatch {
    BatchView b;
    const int32_t* docIndex;  // null: a batch document's own id is its corpus index
  };
  RewardBatch checkRewardBatch(Napi::Env env, const std::string& fn, Napi::Object a, Job& job) {
    const BatchView b = checkBatch(env, fn, a, job);
    return {b, checkDocIndex(env, fn, a, b.batch, "batch documents", job).data};
  }

  // Every job keeps the handle (so GC cannot collect it) and the box (so dispose() cannot free
  // the device memory) until it settles.
  Job newJob(const char* fn) {
    Job job;
    job.fn = fn;
    job.keep = {Value()};
    return job;
  }

  Job preparePool(Napi::Env env, Napi::Value v) {
    Job job = newJob("corpus.pool");
    const BatchView b = checkBatch(env, job.fn, checkObject(env, job.fn, "args", v), job);
    auto box = live(env, job.fn);
    float* o = job.returnsNew<float>(env, (size_t)b.pooledRows() * s_.dim);
    job.run = [=] {
      return cuda::corpusPoolMasked(box->c, b.docs, b.batch, b.m.masks, b.m.groups, b.m.mode, b.m.normalize, o);
    };
    return job;
  }

  Job prepareReward(Napi::Env env, Napi::Value v) {
    Job job = newJob("corpus.reward");
    const std::string& fn = job.fn;
    Napi::Object a = checkObject(env, fn, "args", v);
    const RewardBatch r = checkRewardBatch(env, fn, a, job);
    const int32_t k = checkRewardK(env, fn, a);
    if (s_.queries < 1) fail(env, fn, "the corpus was created without queries");
    auto box = live(env, fn);
    float* o = job.returnsNew<float>(env, (size_t)r.b.pooledRows());
    const cuda::Precision p = s_.precision;
    job.run = [=] {
      const BatchView& b = r.b;
      return cuda::corpusReward(box->c, b.docs, b.batch, b.m.masks, b.m.groups, b.m.mode, b.m.normalize, r.docIndex,
                                k, p, o);
    };
    return job;
  }

  // The forward reward runs in fp32 whatever the corpus precision (one dot product per own query).
  Job prepareForwardReward(Napi::Env env, Napi::Value v) {
    Job job = newJob("corpus.forwardReward");
    const std::string& fn = job.fn;
    const RewardBatch r = checkRewardBatch(env, fn, checkObject(env, fn, "args", v), job);
    if (!s_.competitors) fail(env, fn, "the corpus was created without competitorScores");
    auto box = live(env, fn);
    float* o = job.returnsNew<float>(env, (size_t)r.b.pooledRows());
    job.run = [=] {
      const BatchView& b = r.b;
      return cuda::corpusForwardReward(box->c, b.docs, b.batch, b.m.masks, b.m.groups, b.m.mode, b.m.normalize,
                                       r.docIndex, o);
    };
    return job;
  }

  Job prepareQueryTopK(Napi::Env env, Napi::Value v) {
    Job job = newJob("corpus.queryTopK");
    const std::string& fn = job.fn;
    Napi::Object a = checkObject(env, fn, "args", v);
    MatrixArg x = checkMatrix(env, fn, "vectors", a.Get("vectors"), s_.dim);
    const int64_t kReq = checkInt(env, fn, "k", a.Get("k"), 1);
    if (x.view.rows > 0x7fffffff) fail(env, fn, "vectors.rows is too large");
    job.input(x.data);
    auto box = live(env, fn);
    const int64_t kk = std::min<int64_t>(kReq, s_.queries);
    const TopKOutputs out = topkOutputs(env, job, x.view.rows, kk);
    const float* data = x.view.data;
    const int32_t m = (int32_t)x.view.rows, kr = (int32_t)kReq;
    const cuda::Precision p = s_.precision;
    const bool empty = kk == 0 || m == 0;
    job.run = [=] { return empty ? Status::Ok() : cuda::corpusQueryTopK(box->c, data, m, kr, p, out.ids, out.scores); };
    return job;
  }

  template <Job (CudaCorpus::*Prepare)(Napi::Env, Napi::Value)>
  Napi::Value sync(const Napi::CallbackInfo& info) {
    return callSync(info.Env(), [&] { return (this->*Prepare)(info.Env(), info[0]); });
  }
  template <Job (CudaCorpus::*Prepare)(Napi::Env, Napi::Value)>
  Napi::Value async(const Napi::CallbackInfo& info) {
    return callAsync(info.Env(), [&] { return (this->*Prepare)(info.Env(), info[0]); });
  }

  Napi::Value Pool(const Napi::CallbackInfo& i) { return sync<&CudaCorpus::preparePool>(i); }
  Napi::Value PoolAsync(const Napi::CallbackInfo& i) { return async<&CudaCorpus::preparePool>(i); }
  Napi::Value Reward(const Napi::CallbackInfo& i) { return sync<&CudaCorpus::prepareReward>(i); }
  Napi::Value RewardAsync(const Napi::CallbackInfo& i) { return async<&CudaCorpus::prepareReward>(i); }
  Napi::Value ForwardReward(const Napi::CallbackInfo& i) { return sync<&CudaCorpus::prepareForwardReward>(i); }
  Napi::Value ForwardRewardAsync(const Napi::CallbackInfo& i) { return async<&CudaCorpus::prepareForwardReward>(i); }
  Napi::Value QueryTopK(const Napi::CallbackInfo& i) { return sync<&CudaCorpus::prepareQueryTopK>(i); }
  Napi::Value QueryTopKAsync(const Napi::CallbackInfo& i) { return async<&CudaCorpus::prepareQueryTopK>(i); }
  // Idempotent. Pending async calls keep the device memory until they settle.
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    s_.box.reset();
    return info.Env().Undefined();
  }
  Napi::Value Count(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)count()); }
  Napi::Value Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), s_.dim); }
  Napi::Value Queries(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), (double)s_.queries); }
  Napi::Value DeviceBytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), s_.box ? (double)cuda::corpusDeviceBytes(s_.box->c) : 0.0);
  }
  Napi::Value PrecisionGet(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), precisionName(s_.precision)); }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !s_.box); }
};

// createCorpus({ docs, queries?, queryOwner?, competitorScores?, precision? }) -> CudaCorpus.
// queries, queryOwner and competitorScores are checked exactly as the reward kernels check them.
Napi::Value CreateCorpus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string fn = "createCorpus";
  Job checked;  // collects the inputs only: the upload below runs synchronously
  checked.fn = fn;
  Napi::Object a = checkObject(env, fn, "args", info[0]);
  SetArg docs = checkSet(env, fn, "docs", a.Get("docs"));
  if (docs.view.count > 0x7fffffff || docs.total > 0x7fffffff) fail(env, fn, "docs is too large for the CUDA backend");
  QueryArgs q;
  MatrixArg comp;
  const bool withQueries = !a.Get("queries").IsUndefined();
  const bool withCompetitors = !a.Get("competitorScores").IsUndefined();
  if (withQueries) {
    q = checkQueries(env, fn, a, docs.view.dim, checked);
    if (withCompetitors) comp = checkCompetitorScores(env, fn, a.Get("competitorScores"), q.queries.view.rows, checked);
  } else {
    if (!a.Get("queryOwner").IsUndefined()) fail(env, fn, "queryOwner is given without queries", true);
    if (withCompetitors) fail(env, fn, "competitorScores is given without queries", true);
    q.queries.view.rows = 0;
    q.queries.view.dim = docs.view.dim;
  }
  const cuda::Precision p = checkPrecision(env, fn, a.Get("precision"));
  requireBackend(env, fn);
  cuda::Corpus* c = nullptr;
  Status st = cuda::corpusCreate(docs.view, q.queries.view, q.owner.data, &c);
  if (st.ok() && withCompetitors) st = cuda::corpusSetCompetitors(c, comp.view);
  if (!st.ok()) {
    cuda::corpusDestroy(c);
    st.message = fn + ": " + st.message;
    throw statusError(env, st);
  }
  CudaCorpus::State ci;
  ci.box = std::make_shared<CorpusBox>();
  ci.box->c = c;
  ci.offsets.assign(docs.view.offsets, docs.view.offsets + docs.view.count + 1);
  ci.queries = q.queries.view.rows;
  ci.dim = docs.view.dim;
  ci.competitors = withCompetitors;
  ci.precision = p;
  Napi::FunctionReference* ctor = env.GetInstanceData<Napi::FunctionReference>();
  return ctor->New({Napi::External<CudaCorpus::State>::New(env, &ci)});
}

// precision(): the precision the kernels.h entry points use (REINPOOL_CUDA_PRECISION, read once).
Napi::Value PrecisionInfo(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), precisionName(cuda::defaultPrecision()));
}

}  // namespace

// Called by the module initialiser (addon.cpp) of the CUDA addon.
void exportCorpus(Napi::Env env, Napi::Object exports) {
  Napi::Function corpusClass = CudaCorpus::Define(env);
  env.SetInstanceData<Napi::FunctionReference>(new Napi::FunctionReference(Napi::Persistent(corpusClass)));
  exports.Set("createCorpus", Napi::Function::New(env, CreateCorpus, "createCorpus"));
  exports.Set("precision", Napi::Function::New(env, PrecisionInfo, "precision"));
}

}  // namespace addon
}  // namespace reinpool
