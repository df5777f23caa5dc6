// maxSimTopK: ColBERT MaxSim (sum over query tokens of the max over document tokens), tiled over
// document token panels with the max fused into the micro-kernel and a fused per-query top-k.
#include <algorithm>
#include <cstring>
#include <limits>

#include "internal.h"

namespace reinpool {
namespace cpu {

namespace {
constexpr int64_t kDocBlockBytes = 384 * 1024;  // packed document tokens kept in L2 per pass
}

Status maxSimTopK(const RaggedView& queries, const RaggedView& docs, int32_t k, int32_t* ids,
                  float* scores, int threads) {
  if (queries.dim < 1 || docs.dim != queries.dim || k < 1 || queries.count < 0 || docs.count < 0)
    return Status::Error(ErrorCode::InvalidArgument, "maxSimTopK: bad dims or k");
  return detail::guard("maxSimTopK", [&]() -> Status {
    using namespace detail;
    const int64_t nq = queries.count, nd = docs.count;
    const int dim = queries.dim;
    const int32_t kk = (int32_t)std::min<int64_t>(k, nd);
    if (nq == 0 || kk == 0) return Status::Ok();
    const int nt = resolveThreads(threads);
    const IsaOps& o = ops();
    const int MR = o.mr, NR = o.nr;
    const int64_t panelFloats = (int64_t)dim * NR;
    const int64_t PB = std::max<int64_t>(1, kDocBlockBytes / (panelFloats * 4));
    const int64_t qtotal = queries.total();

    // Few documents: also split the queries so that every thread has work.
    int64_t QC = 1;
    if (nd < 2 * nt) QC = std::max<int64_t>(1, std::min<int64_t>(nq, (2 * nt + nd - 1) / nd));
    const int64_t perQC = (nq + QC - 1) / QC;

    Buffer<float> hs((size_t)(nt * nq * kk));
    Buffer<int32_t> hi((size_t)(nt * nq * kk));
    std::vector<Heap> heaps((size_t)(nt * nq));
    for (int64_t w = 0; w < nt; ++w)
      for (int64_t q = 0; q < nq; ++q) {
        const int64_t h = w * nq + q;
        heaps[h] = Heap{hs.data() + h * kk, hi.data() + h * kk, 0, kk};
      }
    std::vector<Buffer<float>> packed(nt), rowmax(nt);
    for (int w = 0; w < nt; ++w) rowmax[w].reset((size_t)std::max<int64_t>(1, qtotal));
    const float ninf = -std::numeric_limits<float>::infinity();

    parallelFor(nd * QC, nt, [&](int64_t task, int w) {
      const int64_t d = task / QC, qc = task % QC;
      const int64_t qa = qc * perQC, qb = std::min<int64_t>(nq, qa + perQC);
      if (qa >= qb) return;
      Heap* hw = heaps.data() + w * nq;
      const int64_t t0 = docs.offsets[d], T = docs.offsets[d + 1] - t0;
      if (T == 0) {
        for (int64_t q = qa; q < qb; ++q) hw[q].push(ninf, (int32_t)d);
        return;
      }
      const int64_t np = (T + NR - 1) / NR;
      Buffer<float>& pk = packed[w];
      pk.reset((size_t)(np * panelFloats));
      // pad the last panel with copies of the document's last token: the max is unchanged
      packPanels(docs.vectors + t0 * dim, T, dim, NR, pk.data(), T - 1);
      const int64_t i0 = queries.offsets[qa], i1 = queries.offsets[qb];
      float* rm = rowmax[w].data();
      for (int64_t i = i0; i < i1; ++i) rm[i] = ninf;
      for (int64_t pb = 0; pb < np; pb += PB) {
        const int64_t n = std::min<int64_t>(PB, np - pb);
        for (int64_t rb = i0; rb < i1; rb += MR) {
          const int rows = (int)std::min<int64_t>(MR, i1 - rb);
          o.maxTile(queries.vectors + rb * dim, rows, dim, pk.data() + pb * panelFloats, n, rm + rb);
        }
      }
      for (int64_t q = qa; q < qb; ++q) {
        double s = 0;
        for (int64_t i = queries.offsets[q]; i < queries.offsets[q + 1]; ++i) s += (double)rm[i];
        hw[q].push((float)s, (int32_t)d);
      }
    });

    parallelFor((nq + 63) / 64, nt, [&](int64_t blk, int) {
      const int64_t q1 = std::min<int64_t>(nq, (blk + 1) * 64);
      std::vector<Heap> set((size_t)nt);
      for (int64_t q = blk * 64; q < q1; ++q) {
        for (int w = 0; w < nt; ++w) set[w] = heaps[w * nq + q];
        mergeSorted(set.data(), nt, kk, ids + q * kk, scores + q * kk);
      }
    });
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
