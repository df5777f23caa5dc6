// scoreTopK: tiled dot products (packed key panels, register-blocked SIMD micro-kernel) with a
// fused per-row bounded heap; memory is O(rows * k + one packed key super-block), never rows x keys.
#include <algorithm>
#include <cstring>

#include "internal.h"

namespace reinpool {
namespace cpu {

namespace {
constexpr int64_t kKeyBlockBytes = 192 * 1024;        // one key block stays in L2 across row blocks
constexpr int64_t kSuperBlockBytes = 64 * 1024 * 1024;  // packed keys held at once
constexpr int kMaxChunkRowBlocks = 16;                // rows per task = 16 x mr
}  // namespace

Status scoreTopK(const MatrixView& queries, const MatrixView& keys, int32_t k, int32_t* ids,
                 float* scores, int threads) {
  if (queries.dim < 1 || keys.dim != queries.dim || k < 1 || queries.rows < 0 || keys.rows < 0)
    return Status::Error(ErrorCode::InvalidArgument, "scoreTopK: bad dims or k");
  return detail::guard("scoreTopK", [&]() -> Status {
    using namespace detail;
    const int64_t m = queries.rows, n = keys.rows;
    const int dim = queries.dim;
    const int32_t kk = (int32_t)std::min<int64_t>(k, n);
    if (m == 0 || kk == 0) return Status::Ok();
    const int nt = resolveThreads(threads);
    const IsaOps& o = ops();
    const int MR = o.mr, NR = o.nr;

    const int64_t rowBlocks = (m + MR - 1) / MR;
    const int64_t chunkBlocks =
        std::max<int64_t>(1, std::min<int64_t>(kMaxChunkRowBlocks, (rowBlocks + nt - 1) / nt));
    const int64_t R = (rowBlocks + chunkBlocks - 1) / chunkBlocks;
    const int64_t npanels = (n + NR - 1) / NR;
    const int64_t panelFloats = (int64_t)dim * NR;
    const int64_t KB = std::max<int64_t>(1, kKeyBlockBytes / (panelFloats * 4));
    int64_t C = 1;
    if (R < 2 * nt) C = std::max<int64_t>(1, std::min<int64_t>((2 * nt + R - 1) / R, npanels / 2));
    const int64_t SB = std::min<int64_t>(
        npanels, std::max<int64_t>(C, kSuperBlockBytes / (panelFloats * 4)));

    Buffer<float> packed((size_t)(SB * panelFloats));
    Buffer<float> hs((size_t)(C * m * kk));
    Buffer<int32_t> hi((size_t)(C * m * kk));
    std::vector<Heap> heaps((size_t)(C * m));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t r = 0; r < m; ++r) {
        const int64_t h = c * m + r;
        heaps[h] = Heap{hs.data() + h * kk, hi.data() + h * kk, 0, kk};
      }
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
      parallelFor(sbn, nt, [&](int64_t p, int) {
        const int64_t r0 = keyRow0 + p * NR;
        packPanels(keys.data + r0 * dim, std::min<int64_t>(NR, keysHere - p * NR), dim, NR,
                   packed.data() + p * panelFloats, -1);
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
            o.gemmTile(queries.data + rb * dim, rows, dim, packed.data() + kb * panelFloats, np,
                       tile, tileCols);
            for (int i = 0; i < rows; ++i)
              offerRow(heaps[c * m + rb + i], tile + i * tileCols, valid, (int32_t)key0, idx);
          }
        }
      });
    }

    parallelFor((m + 63) / 64, nt, [&](int64_t blk, int) {
      const int64_t r1 = std::min<int64_t>(m, (blk + 1) * 64);
      std::vector<Heap> set((size_t)C);
      for (int64_t r = blk * 64; r < r1; ++r) {
        if (C == 1) {
          drainSorted(heaps[r], ids + r * kk, scores + r * kk);
        } else {
          for (int64_t c = 0; c < C; ++c) set[c] = heaps[c * m + r];
          mergeSorted(set.data(), (int)C, kk, ids + r * kk, scores + r * kk);
        }
      }
    });
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
