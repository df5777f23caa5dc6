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

}  // namespace addon
}  // namespace reinpool
