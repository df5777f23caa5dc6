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
                  PoolMode mode, bool normalize, float* out, double* acc, int32_t* idx) {
  const int dim = docs.dim;
  const int64_t start = docs.offsets[d];
  const int64_t len = docs.offsets[d + 1] - start;
  const float* rows = docs.vectors + start * dim;
  const IsaOps& o = ops();
  for (int32_t g = 0; g < groups; ++g) {
    const uint8_t* mask = masks + groups * start + g * len;
    float* v = out + ((int64_t)d * groups + g) * dim;
    int64_t kept;
    if (mode == PoolMode::Max) {
      for (int t = 0; t < dim; ++t) acc[t] = -std::numeric_limits<double>::infinity();
      kept = o.maxMasked(rows, len, dim, mask, acc, idx);
    } else {
      std::memset(acc, 0, sizeof(double) * dim);
      kept = o.sumMasked(rows, len, dim, mask, acc, idx);
    }
    if (kept == 0) {
      std::memset(v, 0, sizeof(float) * dim);
      continue;
    }
    // Same arithmetic as the TypeScript reference: scale, squared norm in fp64, multiply.
    const double scale = mode == PoolMode::Mean ? 1.0 / (double)kept : 1.0;
    double norm2 = 0;
    for (int t = 0; t < dim; ++t) {
      acc[t] *= scale;
      norm2 += acc[t] * acc[t];
    }
    const double inv = normalize && norm2 > 0 ? 1.0 / std::sqrt(norm2) : 1.0;
    for (int t = 0; t < dim; ++t) v[t] = (float)(acc[t] * inv);
  }
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
    std::vector<detail::Buffer<double>> acc(nt);
    std::vector<detail::Buffer<int32_t>> idx(nt);
    for (int w = 0; w < nt; ++w) {
      acc[w].reset(docs.dim);
      idx[w].reset((size_t)maxLen);
    }
    detail::parallelFor(docs.count, nt, [&](int64_t d, int w) {
      detail::poolDocument(docs, d, masks, groups, mode, normalize, out, acc[w].data(),
                           idx[w].data());
    });
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
