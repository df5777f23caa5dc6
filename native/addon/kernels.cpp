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
  const PoolArgs p = checkPool(env, job.fn, v, job);
  requireBackend(env, job.fn);
  Napi::Float32Array out =
      Napi::Float32Array::New(env, (size_t)(p.docs.view.count * p.m.groups * p.docs.view.dim));
  float* o = out.Data();
  const RaggedView docs = p.docs.view;
  const uint8_t* masks = p.m.masks.data;
  const int32_t groups = (int32_t)p.m.groups;
  const PoolMode mode = p.m.mode;
  const bool normalize = p.m.normalize;
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

Job prepareInverseReward(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "inverseRetrievalReward";
  const std::string& fn = job.fn;
  const PoolArgs p = checkPool(env, fn, v, job);
  Napi::Object a = v.As<Napi::Object>();
  const QueryArgs q = checkQueries(env, fn, a, p.docs.view.dim, job);
  const Typed<int32_t> docIndex = checkDocIndex(env, fn, a, p.docs.view.count, "documents", job);
  const int32_t k = checkRewardK(env, fn, a);
  if (q.queries.view.rows < 1) fail(env, fn, "queries must have at least one row");
  requireBackend(env, fn);
  Napi::Float32Array out = Napi::Float32Array::New(env, (size_t)(p.docs.view.count * p.m.groups));
  float* o = out.Data();
  const RaggedView docs = p.docs.view;
  const uint8_t* masks = p.m.masks.data;
  const int32_t groups = (int32_t)p.m.groups;
  const PoolMode mode = p.m.mode;
  const bool normalize = p.m.normalize;
  const MatrixView qm = q.queries.view;
  const int32_t* owner = q.owner.data;
  const int32_t* dix = docIndex.data;
  job.run = [=] {
    return backend().inverseRetrievalReward(docs, masks, groups, mode, normalize, qm, owner, dix, k, o, 0);
  };
  job.returns(out);
  return job;
}

Job prepareForwardReward(Napi::Env env, Napi::Value v) {
  Job job;
  job.fn = "forwardRetrievalReward";
  const std::string& fn = job.fn;
  const PoolArgs p = checkPool(env, fn, v, job);
  Napi::Object a = v.As<Napi::Object>();
  const QueryArgs q = checkQueries(env, fn, a, p.docs.view.dim, job);
  const Typed<int32_t> docIndex = checkDocIndex(env, fn, a, p.docs.view.count, "documents", job);
  const MatrixArg comp = checkCompetitorScores(env, fn, a.Get("competitorScores"), q.queries.view.rows, job);
  requireBackend(env, fn);
  Napi::Float32Array out = Napi::Float32Array::New(env, (size_t)(p.docs.view.count * p.m.groups));
  float* o = out.Data();
  const RaggedView docs = p.docs.view;
  const uint8_t* masks = p.m.masks.data;
  const int32_t groups = (int32_t)p.m.groups;
  const PoolMode mode = p.m.mode;
  const bool normalize = p.m.normalize;
  const MatrixView qm = q.queries.view, cm = comp.view;
  const int32_t* owner = q.owner.data;
  const int32_t* dix = docIndex.data;
  job.run = [=] {
    return backend().forwardRetrievalReward(docs, masks, groups, mode, normalize, qm, owner, cm, dix, o, 0);
  };
  job.returns(out);
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
}

}  // namespace addon
}  // namespace reinpool
