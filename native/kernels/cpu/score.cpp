// scoreTopK: tiled dot products (packed panels, register-blocked SIMD micro-kernel) with a fused
// per-row bounded heap. Memory is O(rows * k) plus one packed block, never rows x keys.
//
// Two layouts of the same micro-kernel:
// - many query rows: keys are packed into panels (once per call, by super-blocks) and query rows
//   are broadcast; a task is a chunk of query rows (x a range of keys when rows are few);
// - few query rows (<= 4 panels): the queries are packed and the keys, read in place, are
//   broadcast, so no pass over the keys is spent on packing; tasks are key ranges and the
//   top-k filter compares each key's scores against the per-query thresholds.
#include <algorithm>
#include <cstring>
#include <limits>

#include "internal.h"

namespace reinpool {
namespace cpu {

namespace {
constexpr int64_t kKeyBlockBytes = 192 * 1024;        // one key block stays in L2 across row blocks
constexpr int64_t kSuperBlockBytes = 32 * 1024 * 1024;  // packed keys held at once
constexpr int kMaxChunkRowBlocks = 16;                // rows per task = 16 x mr
constexpr int64_t kTasksPerThread = 8;                // tasks per thread at least, where possible

// Packed-key storage reused across calls by the same calling thread (no page faults per call).
detail::Buffer<float>& packedScratch() {
  static thread_local detail::Buffer<float> buf;
  return buf;
}

using detail::Buffer;
using detail::Heap;

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

void fewRows(const MatrixView& queries, const MatrixView& keys, int32_t kk, int32_t* ids,
             float* scores, int nt) {
  using namespace detail;
  const IsaOps& o = ops();
  const int64_t m = queries.rows, n = keys.rows;
  // at most one narrow panel of queries: use the narrow kernel (half the padded lanes)
  const bool narrow = m <= o.nrNarrow;
  const int MR = narrow ? o.mrNarrow : o.mr, NR = narrow ? o.nrNarrow : o.nr;
  const auto tileFn = narrow ? o.gemmTileNarrow : o.gemmTile;
  const int dim = queries.dim;
  const int64_t npq = (m + NR - 1) / NR;
  const int64_t ldc = npq * NR;
  Buffer<float> qp((size_t)(npq * dim * NR));
  packPanels(queries.data, m, dim, NR, qp.data(), -1);
  const int64_t C = std::max<int64_t>(1, std::min<int64_t>(4 * nt, n / 2048));
  const int64_t per = (n + C - 1) / C;
  HeapSet hs(C, m, kk);
  std::vector<Buffer<float>> tiles(nt), thr(nt);
  std::vector<Buffer<int32_t>> idx(nt);
  for (int w = 0; w < nt; ++w) {
    tiles[w].reset((size_t)(MR * ldc));
    thr[w].reset((size_t)ldc);
    idx[w].reset((size_t)ldc);
  }
  parallelFor(C, nt, [&](int64_t c, int w) {
    const int64_t j0 = c * per, j1 = std::min<int64_t>(n, j0 + per);
    Heap* h = hs.heaps.data() + c * m;
    float* tile = tiles[w].data();
    float* t = thr[w].data();
    int32_t* ix = idx[w].data();
    for (int64_t q = 0; q < m; ++q) t[q] = h[q].threshold();
    bool filling = true;  // some heap is not full yet: offer everything (NaN included) to those
    for (int64_t j = j0; j < j1; j += MR) {
      const int rows = (int)std::min<int64_t>(MR, j1 - j);
      tileFn(keys.data + j * dim, rows, dim, qp.data(), npq, tile, ldc);
      for (int r = 0; r < rows; ++r) {
        const float* row = tile + r * ldc;
        if (filling) {
          filling = false;
          for (int64_t q = 0; q < m; ++q) {
            h[q].push(row[q], (int32_t)(j + r));
            t[q] = h[q].threshold();
            filling = filling || !h[q].full();
          }
          continue;
        }
        const int64_t cnt = o.filterGEVec(row, t, m, ix);
        for (int64_t i = 0; i < cnt; ++i) {
          const int64_t q = ix[i];
          h[q].push(row[q], (int32_t)(j + r));
          t[q] = h[q].threshold();
        }
      }
    }
  });
  finish(hs, C, m, kk, ids, scores, nt);
}

void manyRows(const MatrixView& queries, const MatrixView& keys, int32_t kk, int32_t* ids,
              float* scores, int nt) {
  using namespace detail;
  const IsaOps& o = ops();
  const int MR = o.mr, NR = o.nr;
  const int64_t m = queries.rows, n = keys.rows;
  const int dim = queries.dim;
  const int64_t rowBlocks = (m + MR - 1) / MR;
  const int64_t chunkBlocks =
      std::max<int64_t>(1, std::min<int64_t>(kMaxChunkRowBlocks, (rowBlocks + nt - 1) / nt));
  const int64_t R = (rowBlocks + chunkBlocks - 1) / chunkBlocks;
  const int64_t npanels = (n + NR - 1) / NR;
  const int64_t panelFloats = (int64_t)dim * NR;
  const int64_t KB = std::max<int64_t>(1, kKeyBlockBytes / (panelFloats * 4));
  // Key ranges per row chunk: enough (row chunk x key range) tasks that dynamic hand-out evens
  // out the threads (m = 1024 gives 11 row chunks: 6 + 5 on two threads idled one of them for a
  // whole chunk), at least one key block per range. Splitting the keys adds no reads: each task
  // streams only its own range.
  const int64_t C = std::max<int64_t>(
      1, std::min<int64_t>((kTasksPerThread * nt + R - 1) / R, (npanels + KB - 1) / KB));
  const int64_t SB =
      std::min<int64_t>(npanels, std::max<int64_t>(C, kSuperBlockBytes / (panelFloats * 4)));

  Buffer<float>& packed = packedScratch();
  packed.reset((size_t)(SB * panelFloats));
  HeapSet hs(C, m, kk);
  const int64_t tileCols = KB * NR;
  std::vector<Buffer<float>> tiles(nt);
  std::vector<Buffer<int32_t>> scratch(nt);
  for (int w = 0; w < nt; ++w) {
    tiles[w].reset((size_t)(MR * tileCols));
    scratch[w].reset((size_t)tileCols);
  }

  for (int64_t sb0 = 0; sb0 < npanels; sb0 += SB) {
    const int64_t sbn = std::min<int64_t>(SB, npanels - sb0);
    const int64_t keyRow0 = sb0 * NR;
    const int64_t keysHere = std::min<int64_t>(n - keyRow0, sbn * NR);
    parallelFor((sbn + 7) / 8, nt, [&](int64_t b, int) {
      const int64_t p0 = b * 8, p1 = std::min<int64_t>(sbn, p0 + 8);
      const int64_t r0 = keyRow0 + p0 * NR;
      packPanels(keys.data + r0 * dim, std::min<int64_t>((p1 - p0) * NR, keysHere - p0 * NR), dim,
                 NR, packed.data() + p0 * panelFloats, -1);
    });
    const int64_t perChunk = (sbn + C - 1) / C;
    parallelFor(R * C, nt, [&](int64_t task, int w) {
      const int64_t r = task / C, c = task % C;
      const int64_t p0 = c * perChunk, p1 = std::min<int64_t>(sbn, p0 + perChunk);
      const int64_t row0 = r * chunkBlocks * MR;
      const int64_t row1 = std::min<int64_t>(m, row0 + chunkBlocks * MR);
      float* tile = tiles[w].data();
      int32_t* idx = scratch[w].data();
      for (int64_t kb = p0; kb < p1; kb += KB) {
        const int64_t np = std::min<int64_t>(KB, p1 - kb);
        const int64_t key0 = keyRow0 + kb * NR;
        const int64_t valid = std::min<int64_t>(np * NR, n - key0);
        for (int64_t rb = row0; rb < row1; rb += MR) {
          const int rows = (int)std::min<int64_t>(MR, row1 - rb);
          o.gemmTile(queries.data + rb * dim, rows, dim, packed.data() + kb * panelFloats, np, tile,
                     tileCols);
          for (int i = 0; i < rows; ++i)
            offerRow(hs.heaps[c * m + rb + i], tile + i * tileCols, valid, (int32_t)key0, idx);
        }
      }
    });
  }
  finish(hs, C, m, kk, ids, scores, nt);
}

}  // namespace

Status scoreTopK(const MatrixView& queries, const MatrixView& keys, int32_t k, int32_t* ids,
                 float* scores, int threads) {
  if (queries.dim < 1 || keys.dim != queries.dim || k < 1 || queries.rows < 0 || keys.rows < 0)
    return Status::Error(ErrorCode::InvalidArgument, "scoreTopK: bad dims or k");
  return detail::guard("scoreTopK", [&]() -> Status {
    const int64_t m = queries.rows, n = keys.rows;
    const int32_t kk = (int32_t)std::min<int64_t>(k, n);
    if (m == 0 || kk == 0) return Status::Ok();
    const int nt = detail::resolveThreads(threads);
    // up to 4 query panels the transposed layout wins (no pass packing the keys); measured on
    // Zen 4: m = 96 +10%, m >= 512 -5%
    if (m <= 4 * detail::ops().nr)
      fewRows(queries, keys, kk, ids, scores, nt);
    else
      manyRows(queries, keys, kk, ids, scores, nt);
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
