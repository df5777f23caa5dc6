// Argument checks of the kernel entry points (see kernel_args.h). Messages follow
// src/kernels/validate.ts: "<fn>: <argument> ...".
#include "kernel_args.h"

#include <cmath>

namespace reinpool {
namespace addon {

namespace {
std::string num(int64_t x) { return std::to_string(x); }
}  // namespace

MaskArgs checkMasks(Napi::Env env, const std::string& fn, Napi::Object a, int64_t rows,
                    const std::string& rowsWhat, Job& job) {
  MaskArgs m;
  const int64_t groups = checkInt(env, fn, "groups", a.Get("groups"), 1, 1 << 16);
  m.masks = checkUint8(env, fn, "masks", a.Get("masks"));
  if ((int64_t)m.masks.length != groups * rows)
    fail(env, fn, "masks has " + num((int64_t)m.masks.length) + " bytes, expected groups " + num(groups) +
                      " x " + num(rows) + " " + rowsWhat + " = " + num(groups * rows));
  m.view.masks = m.masks.data;
  m.view.groups = (int32_t)groups;
  m.view.mode = checkMode(env, fn, a.Get("mode"));
  m.view.normalize = checkBool(env, fn, "normalize", a.Get("normalize"), true);
  job.input(m.masks);
  return m;
}

PoolArgs checkPool(Napi::Env env, const std::string& fn, Napi::Value v, Job& job) {
  Napi::Object a = checkObject(env, fn, "args", v);
  PoolArgs p;
  p.docs = checkSet(env, fn, "docs", a.Get("docs"));
  job.input(p.docs.vectors);
  job.input(p.docs.offsets);
  p.m = checkMasks(env, fn, a, p.docs.total, "document vectors", job);
  return p;
}

QueryArgs checkQueries(Napi::Env env, const std::string& fn, Napi::Object a, int32_t dim, Job& job) {
  QueryArgs q;
  q.queries = checkMatrix(env, fn, "queries", a.Get("queries"), dim);
  q.owner = checkInt32(env, fn, "queryOwner", a.Get("queryOwner"));
  if ((int64_t)q.owner.length != q.queries.view.rows)
    fail(env, fn, "queryOwner has " + num((int64_t)q.owner.length) + " entries for " +
                      num(q.queries.view.rows) + " queries");
  job.input(q.queries.data);
  job.input(q.owner);
  return q;
}

Typed<int32_t> checkDocIndex(Napi::Env env, const std::string& fn, Napi::Object a, int64_t count,
                             const std::string& countWhat, Job& job) {
  Napi::Value v = a.Get("docIndex");
  if (v.IsUndefined()) return Typed<int32_t>();
  Typed<int32_t> di = checkInt32(env, fn, "docIndex", v);
  if ((int64_t)di.length != count)
    fail(env, fn, "docIndex has " + num((int64_t)di.length) + " entries for " + num(count) + " " + countWhat);
  job.input(di);
  return di;
}

int32_t checkRewardK(Napi::Env env, const std::string& fn, Napi::Object a) {
  Napi::Value v = a.Get("k");
  return v.IsUndefined() ? 3 : (int32_t)checkInt(env, fn, "k", v, 1);
}

MatrixArg checkCompetitorScores(Napi::Env env, const std::string& fn, Napi::Value v, int64_t queries,
                                Job& job) {
  MatrixArg c = checkMatrix(env, fn, "competitorScores", v, 0, /*finite=*/false);
  for (size_t i = 0; i < c.data.length; ++i)
    if (std::isnan(c.data.data[i]))
      fail(env, fn, "competitorScores.data[" + num((int64_t)i) + "] is NaN");
  if (c.view.rows != queries)
    fail(env, fn, "competitorScores has " + num(c.view.rows) + " rows for " + num(queries) + " queries");
  job.input(c.data);
  return c;
}

namespace {
// A finite float32 weight array of exactly `expected` values.
Typed<float> checkWeights(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v,
                          int64_t expected, const std::string& shape, Job& job) {
  Typed<float> t = checkFloat32(env, fn, name, v);
  if ((int64_t)t.length != expected)
    fail(env, fn, name + " has " + num((int64_t)t.length) + " values, expected " + shape + " = " + num(expected));
  for (size_t i = 0; i < t.length; ++i)
    if (!std::isfinite(t.data[i])) fail(env, fn, name + "[" + num((int64_t)i) + "] is not finite");
  job.input(t);
  return t;
}

Napi::Array checkArray(Napi::Env env, const std::string& fn, const std::string& name, Napi::Value v, int64_t length) {
  if (!v.IsArray()) fail(env, fn, name + " must be an array of Float32Array", true);
  Napi::Array arr = v.As<Napi::Array>();
  if ((int64_t)arr.Length() != length)
    fail(env, fn, name + " has " + num((int64_t)arr.Length()) + " entries for policy.layers " + num(length));
  return arr;
}
}  // namespace

MlpArgs checkMlpPolicy(Napi::Env env, const std::string& fn, Napi::Value v, int32_t docDim, Job& job) {
  Napi::Object p = checkObject(env, fn, "policy", v);
  MlpArgs m;
  const int64_t dim = checkInt(env, fn, "policy.dim", p.Get("dim"), 1, 1 << 20);
  const int64_t hidden = checkInt(env, fn, "policy.hidden", p.Get("hidden"), 1, 1 << 16);
  const int64_t layers = checkInt(env, fn, "policy.layers", p.Get("layers"), 1, 1024);
  if (dim != docDim) fail(env, fn, "policy.dim is " + num(dim) + " but docs.dim is " + num(docDim));
  Napi::Array ws = checkArray(env, fn, "policy.layerWeights", p.Get("layerWeights"), layers);
  Napi::Array bs = checkArray(env, fn, "policy.layerBiases", p.Get("layerBiases"), layers);
  m.w = std::make_shared<std::vector<const float*>>();
  m.b = std::make_shared<std::vector<const float*>>();
  for (int64_t l = 0; l < layers; ++l) {
    const int64_t in = l == 0 ? 3 * dim + 3 : hidden;
    const std::string inS = l == 0 ? "(3 x dim " + num(dim) + " + 3 = " + num(in) + ")" : "hidden " + num(hidden);
    const std::string wn = "policy.layerWeights[" + num(l) + "]";
    m.w->push_back(checkWeights(env, fn, wn, ws.Get((uint32_t)l), in * hidden, inS + " x hidden " + num(hidden), job).data);
  }
  for (int64_t l = 0; l < layers; ++l) {
    const std::string bn = "policy.layerBiases[" + num(l) + "]";
    m.b->push_back(checkWeights(env, fn, bn, bs.Get((uint32_t)l), hidden, "hidden " + num(hidden), job).data);
  }
  const Typed<float> hw = checkWeights(env, fn, "policy.headWeights", p.Get("headWeights"), hidden,
                                       "hidden " + num(hidden), job);
  Napi::Value hb = p.Get("headBias");
  if (!hb.IsNumber()) fail(env, fn, "policy.headBias must be a number", true);
  const double hbv = hb.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(hbv)) fail(env, fn, "policy.headBias must be finite");
  m.view.dim = (int32_t)dim;
  m.view.hidden = (int32_t)hidden;
  m.view.layers = (int32_t)layers;
  m.view.layerW = m.w->data();
  m.view.layerB = m.b->data();
  m.view.headW = hw.data;
  m.view.headB = (float)hbv;
  return m;
}

SelectSpec checkSelect(Napi::Env env, const std::string& fn, Napi::Object a) {
  SelectSpec s;
  Napi::Value sv = a.Get("select");
  std::string mode = "threshold";
  if (!sv.IsUndefined()) {
    if (sv.IsString()) mode = sv.As<Napi::String>().Utf8Value();
    if (!sv.IsString() || (mode != "threshold" && mode != "topk" && mode != "ratio"))
      fail(env, fn, "select must be 'threshold', 'topk' or 'ratio'", true);
  }
  auto number = [&](const char* name) -> double {
    Napi::Value v = a.Get(name);
    if (!v.IsNumber()) fail(env, fn, std::string(name) + " must be a number", true);
    return v.As<Napi::Number>().DoubleValue();
  };
  if (mode == "threshold") {
    s.mode = SelectMode::Threshold;
    if (!a.Get("threshold").IsUndefined()) s.threshold = number("threshold");
    if (!(s.threshold > 0 && s.threshold < 1)) fail(env, fn, "threshold must be in (0, 1), got " + std::to_string(s.threshold));
  } else if (mode == "topk") {
    s.mode = SelectMode::TopK;
    s.topK = (int32_t)checkInt(env, fn, "topK", a.Get("topK"), 1);
  } else {
    s.mode = SelectMode::Ratio;
    s.ratio = number("ratio");
    if (!(s.ratio > 0 && s.ratio <= 1)) fail(env, fn, "ratio must be in (0, 1], got " + std::to_string(s.ratio));
  }
  return s;
}

}  // namespace addon
}  // namespace reinpool
