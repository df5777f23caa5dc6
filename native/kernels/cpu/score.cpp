// scoreTopK: tiled dot products (packed query panels, register-blocked SIMD micro-kernel) with a
// fused per-query bounded heap. Memory is O(threads * rows * k) plus the packed queries, never
// rows x keys.
//
// Layout: the queries are packed once into panels of nr (m x dim floats: 512 KB for 1,024 queries
// at D = 128) and the keys, the large operand, are read in place: the micro-kernel broadcasts the
// components of mr keys at a time against one query panel. Nothing is spent packing the keys, and
// each key is read from memory once per call (an earlier layout packed the keys and streamed them
// once per chunk of query rows: about 8 passes over a 25 MB key set at m = 1,024, and a scalar
// transpose of every key; together about a quarter of the time on Zen 5).
//
// A task is a block of keys sized to stay in L2. Within it, each query panel (16 KB at D = 128)
// stays in L1 while every mr keys of the block are scored against it; the micro-kernel compares
// the mr x nr tile with the panel's heap thresholds in registers (IsaOps::scoreTileFilter), and
// only the rows it flags are read back and offered to the heaps.
#include <algorithm>
#include <cstring>
#include <limits>

#include "internal.h"

namespace reinpool {
namespace cpu {

namespace {
constexpr int64_t kKeyBlockBytes = 128 * 1024;  // one task's keys: stay in L2 across query panels
constexpr int64_t kTasksPerThread = 8;          // tasks per thread at least, where possible

using detail::Buffer;
using detail::Heap;

// One bounded heap per (set, query row): set = the worker that filled it.
struct HeapSet {
  Buffer<float> s;
  Buffer<int32_t> id;
  std::vector<Heap> heaps;
  HeapSet(int64_t sets, int64_t rows, int32_t kk)
      : s((size_t)(sets * rows * kk)), id((size_t)(sets * rows * kk)), heaps((size_t)(sets * rows)) {
    for (int64_t h = 0; h < sets * rows; ++h) heaps[h] = Heap{s.data() + h * kk, id.data() + h * kk, 0, kk};
  }
};

// Writes the best kk of each row (merging `sets` partial heaps per row) to ids/scores.
void finish(HeapSet& hs, int64_t sets, int64_t m, int32_t kk, int32_t* ids, float* scores, int nt) {
  detail::parallelFor((m + 63) / 64, nt, [&](int64_t blk, int) {
    const int64_t r1 = std::min<int64_t>(m, (blk + 1) * 64);
    std::vector<Heap> set((size_t)sets);
    for (int64_t r = blk * 64; r < r1; ++r) {
      if (sets == 1) {
        const int32_t got = hs.heaps[r].n;
        detail::drainSorted(hs.heaps[r], ids + r * kk, scores + r * kk);
        for (int32_t i = got; i < kk; ++i) {  // never reached: every key is offered until full
          ids[r * kk + i] = -1;
          scores[r * kk + i] = -std::numeric_limits<float>::infinity();
        }
      } else {
        for (int64_t c = 0; c < sets; ++c) set[c] = hs.heaps[c * m + r];
        detail::mergeSorted(set.data(), (int)sets, kk, ids + r * kk, scores + r * kk);
      }
    }
  });
}

}  // namespace

Status scoreTopK(const MatrixView& queries, const MatrixView& keys, int32_t k, int32_t* ids,
                 float* scores, int threads) {
  if (queries.dim < 1 || keys.dim != queries.dim || k < 1 || queries.rows < 0 || keys.rows < 0)
    return Status::Error(ErrorCode::InvalidArgument, "scoreTopK: bad dims or k");
  return detail::guard("scoreTopK", [&]() -> Status {
    using namespace detail;
    const int64_t m = queries.rows, n = keys.rows;
    const int32_t kk = (int32_t)std::min<int64_t>(k, n);
    if (m == 0 || kk == 0) return Status::Ok();
    const int nt = resolveThreads(threads);
    const IsaOps& o = ops();
    // at most one narrow panel of queries: the narrow kernel (half the padded lanes)
    const bool narrow = m <= o.nrNarrow;
    const int MR = narrow ? o.mrNarrow : o.mr, NR = narrow ? o.nrNarrow : o.nr;
    const auto tileFn = narrow ? o.scoreTileFilterNarrow : o.scoreTileFilter;
    const int dim = queries.dim;
    const int64_t npq = (m + NR - 1) / NR;
    const int64_t panelFloats = (int64_t)dim * NR;
    Buffer<float> qp((size_t)(npq * panelFloats));
    packPanels(queries.data, m, dim, NR, qp.data(), -1);

    // Keys per task: a multiple of MR, at most kKeyBlockBytes, and small enough for
    // kTasksPerThread tasks per thread (dynamic hand-out evens out ragged threads).
    const int64_t byBytes = std::max<int64_t>(1, kKeyBlockBytes / ((int64_t)dim * 4 * MR));
    const int64_t byTasks = std::max<int64_t>(1, (n + kTasksPerThread * nt * MR - 1) / (kTasksPerThread * nt * MR));
    const int64_t KB = MR * std::min(byBytes, byTasks);
    const int64_t tasks = (n + KB - 1) / KB;

    // One heap set per worker: a worker takes tasks in increasing order (parallelFor hands them
    // out from one counter), so each heap sees its keys in increasing index order, which the
    // NaN rule of the threshold below relies on.
    HeapSet hs(nt, m, kk);
    std::vector<Buffer<float>> tiles(nt), thr(nt);
    std::vector<Buffer<int32_t>> idx(nt);
    std::vector<std::vector<uint8_t>> filling(nt);
    for (int w = 0; w < nt; ++w) {
      tiles[w].reset((size_t)(MR * NR));
      thr[w].reset((size_t)(npq * NR));
      idx[w].reset((size_t)NR);
      // padding lanes of the last panel never pass (their score is 0 or NaN, never +inf)
      for (int64_t q = 0; q < npq * NR; ++q)
        thr[w][q] = q < m ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
      filling[w].assign((size_t)npq, 1);
    }
    parallelFor(tasks, nt, [&](int64_t task, int w) {
      const int64_t j0 = task * KB, j1 = std::min<int64_t>(n, j0 + KB);
      Heap* h = hs.heaps.data() + w * m;
      float* tile = tiles[w].data();
      float* t = thr[w].data();
      int32_t* ix = idx[w].data();
      for (int64_t g = 0; g < npq; ++g) {
        const int64_t q0 = g * NR, qn = std::min<int64_t>(NR, m - q0);
        Heap* hg = h + q0;
        float* tg = t + q0;
        for (int64_t j = j0; j < j1; j += MR) {
          const int rows = (int)std::min<int64_t>(MR, j1 - j);
          uint32_t hit = tileFn(keys.data + j * dim, rows, dim, qp.data() + g * panelFloats, tg, tile);
          if (filling[w][g]) {
            // some heap of the panel is not full: offer everything (NaN included) to those
            bool any = false;
            for (int r = 0; r < rows; ++r)
              for (int64_t q = 0; q < qn; ++q) {
                hg[q].push(tile[r * NR + q], (int32_t)(j + r));
                tg[q] = hg[q].threshold();
                any = any || !hg[q].full();
              }
            filling[w][g] = any;
            continue;
          }
          // Rows (keys) with some score >= its query's threshold, in increasing key order. A
          // threshold is -inf where the worst kept score is NaN: every number beats it, and a
          // NaN with a higher index than the kept one ranks below it. The tile holds the scores
          // against the thresholds before this key's pushes: rechecked per key below.
          while (hit) {
            const int r = __builtin_ctz(hit);
            hit &= hit - 1;
            const float* row = tile + r * NR;
            const int64_t cnt = o.filterGEVec(row, tg, qn, ix);
            for (int64_t i = 0; i < cnt; ++i) {
              const int64_t q = ix[i];
              hg[q].push(row[q], (int32_t)(j + r));
              tg[q] = hg[q].threshold();
            }
          }
        }
      }
    });
    finish(hs, nt, m, kk, ids, scores, nt);
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
