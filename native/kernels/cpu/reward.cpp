// inverseRetrievalReward: pool G masks per document, top-k search of the synthetic queries with
// each pooled vector (scoreTopK's tiled kernel), binary NDCG@k against the document's own queries.
#include <algorithm>
#include <cmath>
#include <vector>

#include "internal.h"

namespace reinpool {
namespace cpu {

Status inverseRetrievalReward(const RaggedView& docs, const uint8_t* masks, int32_t groups,
                              PoolMode mode, bool normalize, const MatrixView& queries,
                              const int32_t* queryOwner, const int32_t* docIndex, int32_t k,
                              float* out, int threads) {
  if (docs.dim < 1 || queries.dim != docs.dim || groups < 1 || k < 1 || queries.rows < 1)
    return Status::Error(ErrorCode::InvalidArgument,
                         "inverseRetrievalReward: bad dims, groups, k or empty queries");
  return detail::guard("inverseRetrievalReward", [&]() -> Status {
    const int64_t B = docs.count, G = groups, Q = queries.rows;
    const int dim = docs.dim;
    if (B == 0) return Status::Ok();
    const int nt = detail::resolveThreads(threads);
    const int32_t depth = (int32_t)std::min<int64_t>(k, Q);

    detail::Buffer<float> pooled((size_t)(B * G * dim));
    Status st = poolMasked(docs, masks, groups, mode, normalize, pooled.data(), nt);
    if (!st.ok()) return st;
    detail::Buffer<int32_t> ids((size_t)(B * G * depth));
    detail::Buffer<float> sc((size_t)(B * G * depth));
    st = scoreTopK(MatrixView{pooled.data(), B * G, dim}, queries, depth, ids.data(), sc.data(), nt);
    if (!st.ok()) return st;

    std::vector<int32_t> owners(queryOwner, queryOwner + Q);
    std::sort(owners.begin(), owners.end());
    // relevant <= Q, so min(k, relevant) <= depth: tables up to depth suffice
    std::vector<double> disc((size_t)depth + 1);
    std::vector<double> idcgFor((size_t)depth + 1, 0.0);  // idcgFor[r] = sum_{i<=r} discount(i)
    for (int32_t r = 1; r <= depth; ++r) {
      disc[r] = 1.0 / std::log2((double)r + 1.0);
      idcgFor[r] = idcgFor[r - 1] + disc[r];
    }
    for (int64_t d = 0; d < B; ++d) {
      const int32_t owner = docIndex ? docIndex[d] : (int32_t)d;
      const auto range = std::equal_range(owners.begin(), owners.end(), owner);
      const int64_t relevant = range.second - range.first;
      const double idcg = idcgFor[(size_t)std::min<int64_t>(depth, relevant)];
      for (int64_t g = 0; g < G; ++g) {
        const int64_t row = d * G + g;
        double dcg = 0;
        for (int32_t r = 0; r < depth; ++r) {
          const int32_t q = ids[row * depth + r];
          if (q >= 0 && q < Q && queryOwner[q] == owner) dcg += disc[r + 1];
        }
        out[row] = idcg == 0 ? 0.0f : (float)(dcg / idcg);
      }
    }
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
