// poolMasked: mean | max of the rows each mask keeps (only those rows are read), optional L2 norm.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "internal.h"

namespace reinpool {
namespace cpu {
namespace detail {

void poolDocument(const RaggedView& docs, int64_t d, const uint8_t* masks, int32_t groups,
                  PoolMode mode, bool normalize, float* out, float* acc, int32_t* idx) {
  const int dim = docs.dim;
  const int64_t start = docs.offsets[d];
  const int64_t len = docs.offsets[d + 1] - start;
  const float* rows = docs.vectors + start * dim;
  const IsaOps& o = ops();
  float* comp = acc + dim;
  for (int32_t g = 0; g < groups; ++g) {
    const uint8_t* mask = masks + groups * start + g * len;
    float* v = out + ((int64_t)d * groups + g) * dim;
    int64_t kept;
    if (mode == PoolMode::Max) {
      for (int t = 0; t < dim; ++t) acc[t] = -std::numeric_limits<float>::infinity();
      std::memset(comp, 0, sizeof(float) * dim);  // the max is exact: no compensation term
      kept = o.maxMasked(rows, len, dim, mask, acc, idx);
    } else {
      std::memset(acc, 0, sizeof(float) * 2 * dim);
      kept = o.sumMasked(rows, len, dim, mask, acc, comp, idx);
    }
    if (kept == 0) {
      std::memset(v, 0, sizeof(float) * dim);
      continue;
    }
    // The sum as fp64 (sum + compensation), then the TypeScript reference's arithmetic: scale,
    // squared norm in fp64, multiply.
    const double scale = mode == PoolMode::Mean ? 1.0 / (double)kept : 1.0;
    double norm2 = 0;
    for (int t = 0; t < dim; ++t) {
      const double a = ((double)acc[t] + (double)comp[t]) * scale;
      norm2 += a * a;
    }
    const double inv = normalize && norm2 > 0 ? 1.0 / std::sqrt(norm2) : 1.0;
    for (int t = 0; t < dim; ++t) v[t] = (float)(((double)acc[t] + (double)comp[t]) * scale * inv);
  }
}

std::vector<int64_t> documentRuns(const RaggedView& docs, int threads) {
  const int64_t total = docs.total();
  const int64_t target = std::max<int64_t>(64, total / ((int64_t)threads * 32));
  std::vector<int64_t> runs{0};
  for (int64_t d = 0, acc = 0; d < docs.count; ++d) {
    acc += docs.offsets[d + 1] - docs.offsets[d];
    if (acc >= target || d + 1 == docs.count) {
      runs.push_back(d + 1);
      acc = 0;
    }
  }
  return runs;
}

}  // namespace detail

Status poolMasked(const RaggedView& docs, const uint8_t* masks, int32_t groups, PoolMode mode,
                  bool normalize, float* out, int threads) {
  if (docs.dim < 1 || groups < 1 || docs.count < 0)
    return Status::Error(ErrorCode::InvalidArgument, "poolMasked: dim and groups must be >= 1");
  return detail::guard("poolMasked", [&]() -> Status {
    const int nt = detail::resolveThreads(threads);
    int64_t maxLen = 0;
    for (int64_t d = 0; d < docs.count; ++d)
      maxLen = std::max<int64_t>(maxLen, docs.offsets[d + 1] - docs.offsets[d]);
    std::vector<detail::Buffer<float>> acc(nt);
    std::vector<detail::Buffer<int32_t>> idx(nt);
    for (int w = 0; w < nt; ++w) {
      acc[w].reset(2 * (size_t)docs.dim);
      idx[w].reset((size_t)maxLen);
    }
    // runs of consecutive documents of about equal row counts, handed out dynamically: ragged
    // lengths keep every thread busy, and a run of short documents costs one hand-out
    const std::vector<int64_t> runs = detail::documentRuns(docs, nt);
    detail::parallelFor((int64_t)runs.size() - 1, nt, [&](int64_t task, int w) {
      for (int64_t d = runs[task]; d < runs[task + 1]; ++d)
        detail::poolDocument(docs, d, masks, groups, mode, normalize, out, acc[w].data(),
                             idx[w].data());
    });
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
