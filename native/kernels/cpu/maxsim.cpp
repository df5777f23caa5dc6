// maxSimTopK: ColBERT MaxSim (sum over query tokens of the max over document tokens), tiled with
// the max fused into the micro-kernel and a fused per-query top-k.
//
// Layout: all query tokens are packed once into panels of nr (the batch's tokens side by side, so
// only the last panel is padded), and each document's tokens are read in place and broadcast by
// the micro-kernel, mr at a time: IsaOps::maxTile keeps, per query token, the running max over a
// document's tokens in registers. No pass packs the documents (the large operand), and a
// document's length is rounded up to mr, not nr (an earlier layout packed each document into
// panels of nr = 32 tokens: 200-token documents computed 224).
#include <algorithm>
#include <cstring>
#include <limits>

#include "internal.h"

namespace reinpool {
namespace cpu {

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
    const int NR = o.nr;
    const int64_t panelFloats = (int64_t)dim * NR;
    const int64_t qtotal = queries.total();
    const int64_t npq = (qtotal + NR - 1) / NR;
    Buffer<float> qp((size_t)std::max<int64_t>(1, npq * panelFloats));
    packPanels(queries.vectors, qtotal, dim, NR, qp.data(), -1);

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
    std::vector<Buffer<float>> colmax(nt);
    for (int w = 0; w < nt; ++w) colmax[w].reset((size_t)std::max<int64_t>(1, npq * NR));
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
      // the panels holding query tokens i0 .. i1 of queries qa .. qb
      const int64_t i0 = queries.offsets[qa], i1 = queries.offsets[qb];
      if (i1 > i0) {
        const int64_t g0 = i0 / NR, g1 = (i1 + NR - 1) / NR;
        o.maxTile(docs.vectors + t0 * dim, T, dim, qp.data() + g0 * panelFloats, g1 - g0,
                  colmax[w].data() + g0 * NR);
      }
      const float* cm = colmax[w].data();
      for (int64_t q = qa; q < qb; ++q) {
        double s = 0;
        for (int64_t i = queries.offsets[q]; i < queries.offsets[q + 1]; ++i) s += (double)cm[i];
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
