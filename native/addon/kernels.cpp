// The stateless kernel entry points of kernels.h as Node-API functions: poolMasked, scoreTopK,
// ndcgAtK, recallAtK, maxSimTopK, inverseRetrievalReward, forwardRetrievalReward, each with an
// ...Async form. Every prepare* function checks its arguments (kernel_args.h), allocates the
// outputs on the JS thread and returns a Job whose `run` calls the backend with plain pointers.
#include <napi.h>

#include <algorithm>
#include <string>

#include "job.h"
#include "kernel_args.h"

namespace reinpool {
namespace addon {
namespace {

Job preparePoolMasked(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "poolMasked";
  const PoolView p = checkPool(env, job.fn, v, job).view();
  requireBackend(env, job.fn);
  float* o = job.returnsNew<float>(env, (size_t)(p.pooledRows() * p.docs.dim));
  job.run = [=] { return backend().poolMasked(p.docs, p.m.masks, p.m.groups, p.m.mode, p.m.normalize, o, 0); };
  return job;
}

// The tail both top-k kernels share, after their argument checks: the backend must answer, the
// outputs are rows x min(k, candidates), and `run` calls `kernel` (a Backend entry) with k as asked
// (the kernel clamps it the same way).
template <class View>
void topkRun(Napi::Env env, Job& job, const View& queries, const View& keys, int64_t rows, int64_t candidates,
             int64_t kReq, Status (*Backend::*kernel)(const View&, const View&, int32_t, int32_t*, float*, int)) {
  requireBackend(env, job.fn);
  const TopKOutputs out = topkOutputs(env, job, rows, std::min<int64_t>(kReq, candidates));
  const int32_t kr = (int32_t)kReq;
  job.run = [=] { return (backend().*kernel)(queries, keys, kr, out.ids, out.scores, 0); };
}

Job prepareScoreTopK(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "scoreTopK";
  const std::string& fn = job.fn;
  Napi::Object a = checkObject(env, fn, "args", v);
  MatrixArg q = checkMatrix(env, fn, "queries", a.Get("queries"));
  MatrixArg k = checkMatrix(env, fn, "keys", a.Get("keys"), q.view.dim);
  const int64_t kReq = checkInt(env, fn, "k", a.Get("k"), 1);
  job.input(q.data);
  job.input(k.data);
  topkRun(env, job, q.view, k.view, q.view.rows, k.view.rows, kReq, &Backend::scoreTopK);
  return job;
}

// ndcgAtK and recallAtK take the same arguments.
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
  double* o = job.returnsNew<double>(env, (size_t)queries);
  const int32_t* r = ranked.data;
  const QrelsView qv = qrels.view;
  const int32_t w = (int32_t)width, kk = (int32_t)k;
  if (ndcg)
    job.run = [=] { return backend().ndcgAtK(r, queries, w, qv, kk, o, 0); };
  else
    job.run = [=] { return backend().recallAtK(r, queries, w, qv, kk, o, 0); };
  return job;
}
Job prepareNdcg(Napi::Env env, Napi::Value v) { return prepareRanked(env, v, "ndcgAtK", true); }
Job prepareRecall(Napi::Env env, Napi::Value v) { return prepareRanked(env, v, "recallAtK", false); }

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
  job.input(q.vectors);
  job.input(q.offsets);
  job.input(d.vectors);
  job.input(d.offsets);
  topkRun(env, job, q.view, d.view, q.view.count, d.view.count, kReq, &Backend::maxSimTopK);
  return job;
}

// What both reward kernels take first, checked in validate.ts's order: the pooling arguments,
// queries with queryOwner, docIndex. Plain views, for `run` to capture by value.
struct RewardInputs {
  PoolView pool;
  MatrixView queries;
  const int32_t* owner;
  const int32_t* docIndex;  // null: document d's own id is d
};
RewardInputs checkRewardInputs(Napi::Env env, const std::string& fn, Napi::Value v, Job& job) {
  const PoolArgs p = checkPool(env, fn, v, job);
  Napi::Object a = v.As<Napi::Object>();
  const QueryArgs q = checkQueries(env, fn, a, p.docs.view.dim, job);
  const Typed<int32_t> docIndex = checkDocIndex(env, fn, a, p.docs.view.count, "documents", job);
  return {p.view(), q.queries.view, q.owner.data, docIndex.data};
}

Job prepareInverseReward(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "inverseRetrievalReward";
  const std::string& fn = job.fn;
  const RewardInputs r = checkRewardInputs(env, fn, v, job);
  const int32_t k = checkRewardK(env, fn, v.As<Napi::Object>());
  if (r.queries.rows < 1) fail(env, fn, "queries must have at least one row");
  requireBackend(env, fn);
  float* o = job.returnsNew<float>(env, (size_t)r.pool.pooledRows());
  job.run = [=] {
    const PoolView& p = r.pool;
    return backend().inverseRetrievalReward(p.docs, p.m.masks, p.m.groups, p.m.mode, p.m.normalize, r.queries,
                                            r.owner, r.docIndex, k, o, 0);
  };
  return job;
}

Job prepareForwardReward(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "forwardRetrievalReward";
  const std::string& fn = job.fn;
  const RewardInputs r = checkRewardInputs(env, fn, v, job);
  const MatrixView comp =
      checkCompetitorScores(env, fn, v.As<Napi::Object>().Get("competitorScores"), r.queries.rows, job).view;
  requireBackend(env, fn);
  float* o = job.returnsNew<float>(env, (size_t)r.pool.pooledRows());
  job.run = [=] {
    const PoolView& p = r.pool;
    return backend().forwardRetrievalReward(p.docs, p.m.masks, p.m.groups, p.m.mode, p.m.normalize, r.queries,
                                            r.owner, comp, r.docIndex, o, 0);
  };
  return job;
}

// mlpCompress: docs, policy, select options, pool ('mean' | 'max'), normalize; resolves to
// {vectors (count x dim), logits (one per vector), masks (one byte per vector)}.
Job prepareMlpCompress(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "mlpCompress";
  const std::string& fn = job.fn;
  Napi::Object a = checkObject(env, fn, "args", v);
  const SetArg docs = checkSet(env, fn, "docs", a.Get("docs"));
  job.input(docs.vectors);
  job.input(docs.offsets);
  const MlpArgs pol = checkMlpPolicy(env, fn, a.Get("policy"), docs.view.dim, job);
  const SelectSpec sel = checkSelect(env, fn, a);
  Napi::Value pv = a.Get("pool");
  PoolMode mode = PoolMode::Mean;
  if (!pv.IsUndefined()) {
    const std::string s = pv.IsString() ? pv.As<Napi::String>().Utf8Value() : "";
    if (s != "mean" && s != "max") fail(env, fn, "pool must be 'mean' or 'max'", true);
    mode = s == "max" ? PoolMode::Max : PoolMode::Mean;
  }
  const bool normalize = checkBool(env, fn, "normalize", a.Get("normalize"), true);
  requireBackend(env, fn);
  Napi::Float32Array vec = Napi::Float32Array::New(env, (size_t)(docs.view.count * docs.view.dim));
  Napi::Float32Array lg = Napi::Float32Array::New(env, (size_t)docs.total);
  Napi::Uint8Array mk = Napi::Uint8Array::New(env, (size_t)docs.total);
  job.outputs = {vec, lg, mk};
  job.result = [](Napi::Env e, const std::vector<Napi::Object>& outs) -> Napi::Value {
    Napi::Object r = Napi::Object::New(e);
    r.Set("vectors", outs[0]);
    r.Set("logits", outs[1]);
    r.Set("masks", outs[2]);
    return r;
  };
  float* o = vec.Data();
  float* z = lg.Data();
  uint8_t* m = mk.Data();
  const RaggedView dv = docs.view;
  const MlpArgs p = pol;
  job.run = [=] { return backend().mlpCompress(dv, p.view, sel, mode, normalize, o, z, m, 0); };
  return job;
}

template <Job (*Prepare)(Napi::Env, Napi::Value)>
void exportPair(Napi::Env env, Napi::Object exports, const char* name) {
  const std::string async = std::string(name) + "Async";
  exports.Set(name, Napi::Function::New(env, syncFn<Prepare>, name));
  exports.Set(async, Napi::Function::New(env, asyncFn<Prepare>, async));
}

}  // namespace

// Called by the module initialiser (addon.cpp).
void exportKernels(Napi::Env env, Napi::Object exports) {
  exportPair<preparePoolMasked>(env, exports, "poolMasked");
  exportPair<prepareScoreTopK>(env, exports, "scoreTopK");
  exportPair<prepareNdcg>(env, exports, "ndcgAtK");
  exportPair<prepareRecall>(env, exports, "recallAtK");
  exportPair<prepareMaxSim>(env, exports, "maxSimTopK");
  exportPair<prepareInverseReward>(env, exports, "inverseRetrievalReward");
  exportPair<prepareForwardReward>(env, exports, "forwardRetrievalReward");
  exportPair<prepareMlpCompress>(env, exports, "mlpCompress");
}

}  // namespace addon
}  // namespace reinpool
