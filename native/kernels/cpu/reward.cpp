// The two rollout rewards, both pooling G masks per document with poolMasked first.
//   inverseRetrievalReward: top-k search of the synthetic queries with each pooled vector
//     (scoreTopK's tiled kernel), binary NDCG@k against the document's own queries.
//   forwardRetrievalReward: each of the document's own queries scores the pooled vectors (the SIMD
//     micro-kernel of scoreTopK, gemmTile) and ranks them against its k precomputed competitor
//     scores.
#include <algorithm>
#include <cmath>
#include <numeric>
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

Status forwardRetrievalReward(const RaggedView& docs, const uint8_t* masks, int32_t groups,
                              PoolMode mode, bool normalize, const MatrixView& queries,
                              const int32_t* queryOwner, const MatrixView& competitorScores,
                              const int32_t* docIndex, float* out, int threads) {
  if (docs.dim < 1 || queries.dim != docs.dim || groups < 1 || queries.rows < 0 ||
      competitorScores.rows != queries.rows || competitorScores.dim < 1)
    return Status::Error(ErrorCode::InvalidArgument,
                         "forwardRetrievalReward: bad dims or groups, or competitorScores.rows != queries.rows");
  return detail::guard("forwardRetrievalReward", [&]() -> Status {
    const int64_t B = docs.count, G = groups, Q = queries.rows;
    const int dim = docs.dim, k = competitorScores.dim;
    if (B == 0) return Status::Ok();
    const int nt = detail::resolveThreads(threads);
    const IsaOps& o = detail::ops();
    const int MR = o.mr, NR = o.nr;

    detail::Buffer<float> pooled((size_t)(B * G * dim));
    Status st = poolMasked(docs, masks, groups, mode, normalize, pooled.data(), nt);
    if (!st.ok()) return st;

    // Queries grouped by owner: a permutation sorted by owner id (stable, so each document's
    // queries keep their order). Sized by Q, never by the owner values: owners are arbitrary int32
    // ids (docIndex may name corpus documents far beyond this batch).
    std::vector<int32_t> order((size_t)Q);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return queryOwner[a] < queryOwner[b]; });
    std::vector<int32_t> sortedOwner((size_t)Q);
    for (int64_t i = 0; i < Q; ++i) sortedOwner[i] = queryOwner[order[i]];
    std::vector<double> gain((size_t)k + 1);  // gain[rank] = 1 / log2(rank + 1), rank 1..k
    for (int r = 1; r <= k; ++r) gain[r] = 1.0 / std::log2((double)r + 1.0);

    // Per worker: the document's G pooled vectors packed as key panels, MR gathered query rows,
    // the MR x G score tile and G gain sums.
    const int64_t npanels = (G + NR - 1) / NR, ldc = npanels * NR;
    std::vector<detail::Buffer<float>> panels(nt), qrows(nt), tile(nt);
    std::vector<std::vector<double>> sums(nt, std::vector<double>((size_t)G));
    for (int w = 0; w < nt; ++w) {
      panels[w].reset((size_t)(ldc * dim));
      qrows[w].reset((size_t)MR * dim);
      tile[w].reset((size_t)(MR * ldc));
    }
    detail::parallelFor(B, nt, [&](int64_t d, int w) {
      const int32_t owner = docIndex ? docIndex[d] : (int32_t)d;
      const auto range = std::equal_range(sortedOwner.begin(), sortedOwner.end(), owner);
      const int64_t lo = range.first - sortedOwner.begin(), hi = range.second - sortedOwner.begin();
      float* o_d = out + d * G;
      if (hi == lo) {
        std::fill(o_d, o_d + G, 0.0f);
        return;
      }
      detail::packPanels(pooled.data() + d * G * dim, G, dim, NR, panels[w].data(), -1);
      double* sum = sums[w].data();
      std::fill(sum, sum + G, 0.0);
      float* qr = qrows[w].data();
      float* c = tile[w].data();
      for (int64_t i = lo; i < hi; i += MR) {
        const int rows = (int)std::min<int64_t>(MR, hi - i);
        for (int r = 0; r < rows; ++r)
          std::copy_n(queries.data + (int64_t)order[i + r] * dim, dim, qr + (int64_t)r * dim);
        o.gemmTile(qr, rows, dim, panels[w].data(), npanels, c, ldc);
        for (int r = 0; r < rows; ++r) {
          const float* bar = competitorScores.data + (int64_t)order[i + r] * k;
          for (int64_t g = 0; g < G; ++g) {
            const float s = c[r * ldc + g];
            int rank = 1;  // 1 + competitors scoring strictly higher: a tie goes to the document
            for (int j = 0; j < k; ++j) rank += bar[j] > s;
            if (rank <= k) sum[g] += gain[rank];
          }
        }
      }
      for (int64_t g = 0; g < G; ++g) o_d[g] = (float)(sum[g] / (double)(hi - lo));
    });
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
