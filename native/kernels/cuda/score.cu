// scoreTopK: dot products fused with per-row top-k.
//
// A block owns 128 query rows and a contiguous range of key tiles ("split"). Per key tile it
// computes the 128 x BN score tile (fp32 SIMT FMA, or tensor cores for tf32 / bf16), writes it to
// shared memory, and two threads per row fold it into a register top-KT list (KT = k rounded up
// to 4, 8, 16, 32). No score leaves shared memory. Each thread's list goes to a small candidates
// array (rows x splits*2*KT); a warp-per-row merge then picks the final k (ordering: higher score,
// then lower index), or computes the reward's NDCG directly. k > 32: row chunks of the score
// matrix are written and sorted (stable segmented sort, so ties stay in index order).
#include "common.cuh"
#include "tc.cuh"
#include "simt.cuh"
#include <cub/device/device_segmented_sort.cuh>
#include <algorithm>

namespace reinpool {
namespace cuda {
namespace detail {

namespace {

template <int KT>
__device__ __forceinline__ void scanTile(const float* S, int ldS, int r, int half, int validCols,
                                         int colBase, float (&ls)[KT], int (&li)[KT]) {
  const float* row = S + r * ldS;
  for (int c = half; c < validCols; c += 2) topkInsert<KT>(ls, li, row[c], colBase + c);
}

// ------------------------------------------------------------------------------------------------
constexpr size_t kSimtSmemTopK = (size_t)(2 * SBK * SLD * 2 + SBM * SSLD) * sizeof(float);
constexpr size_t kSimtSmemStore = (size_t)(2 * SBK * SLD * 2) * sizeof(float);

template <int KT, bool VEC, int EPI>
__global__ void __launch_bounds__(256, (KT <= 8 ? 2 : 1))
simtScoreKernel(const float* __restrict__ A, const float* __restrict__ B, int m, int n, int dim,
                int tilesPerSplit, int nTiles, float* __restrict__ candS, int* __restrict__ candI,
                int nslots, float* __restrict__ outS, int64_t ldOut) {
  extern __shared__ float4 smem4[];
  float* As = reinterpret_cast<float*>(smem4);
  float* Bs = As + 2 * SBK * SLD;
  float* S = Bs + 2 * SBK * SLD;
  const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  const int split = blockIdx.x, rowBase = blockIdx.y * SBM;
  const int tBegin = split * tilesPerSplit, tEnd = min(nTiles, tBegin + tilesPerSplit);
  const int srow = tid >> 1, shalf = tid & 1;
  float ls[KT]; int li[KT];
#pragma unroll
  for (int j = 0; j < KT; ++j) { ls[j] = -INFINITY; li[j] = kNoId; }

  for (int tile = tBegin; tile < tEnd; ++tile) {
    const int colBase = tile * SBN;
    float acc[8][8];
    simtMainloop<VEC>(A, rowBase, m, B, colBase, n, dim, As, Bs, acc);
    if (EPI == 0) {
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const int r = i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4);
        float* srow_p = S + r * SSLD;
        *reinterpret_cast<float2*>(srow_p + tx * 4) = make_float2(acc[i][0], acc[i][1]);
        *reinterpret_cast<float2*>(srow_p + tx * 4 + 2) = make_float2(acc[i][2], acc[i][3]);
        *reinterpret_cast<float2*>(srow_p + 64 + tx * 4) = make_float2(acc[i][4], acc[i][5]);
        *reinterpret_cast<float2*>(srow_p + 64 + tx * 4 + 2) = make_float2(acc[i][6], acc[i][7]);
      }
      __syncthreads();
      scanTile<KT>(S, SSLD, srow, shalf, min(SBN, n - colBase), colBase, ls, li);
    } else {
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        const int r = rowBase + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
        if (r >= m) continue;
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          const int c = colBase + (j < 4 ? tx * 4 + j : 64 + tx * 4 + (j - 4));
          if (c < n) outS[(int64_t)r * ldOut + c] = acc[i][j] + 0.f;  // + 0: -0 -> +0 for the sort
        }
      }
    }
  }
  if (EPI == 0) {
    const int row = rowBase + srow;
    if (row < m) {
      const int64_t o = ((int64_t)row * nslots + split * 2 + shalf) * KT;
#pragma unroll
      for (int j = 0; j < KT; ++j) { candS[o + j] = ls[j]; candI[o + j] = li[j]; }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Tensor cores: 128 x 64 tiles, the block's 128 query rows stay in shared memory for the whole
// key range, key tiles double-buffered with cp.async. 8 warps as 4 (rows) x 2 (cols), 32 x 32 each.
constexpr int TBM = 128, TBN = 64, TSLD = TBN + 2;

size_t tcSmem(int dp, bool bf16, bool withS) {
  const int rowBytes = dp * (bf16 ? 2 : 4) + 16;
  return (size_t)TBM * rowBytes + 2 * (size_t)TBN * rowBytes + (withS ? (size_t)TBM * TSLD * 4 : 0);
}

template <bool BF16, int KT, int EPI>
__global__ void __launch_bounds__(256)
tcScoreKernel(const void* Ap, const void* Bp, int m, int n, int dp, int tilesPerSplit, int nTiles,
              float* __restrict__ candS, int* __restrict__ candI, int nslots,
              float* __restrict__ outS, int64_t ldOut) {
  extern __shared__ float4 smem4[];
  char* smem = reinterpret_cast<char*>(smem4);
  const int rowBytes = dp * (BF16 ? 2 : 4);
  const int sstride = rowBytes + 16;
  char* As = smem;
  char* Bs0 = As + TBM * sstride;
  char* Bs1 = Bs0 + TBN * sstride;
  float* S = reinterpret_cast<float*>(Bs1 + TBN * sstride);
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp >> 1, wn = warp & 1, g = lane >> 2, t = lane & 3;
  const int split = blockIdx.x, rowBase = blockIdx.y * TBM;
  const int tBegin = split * tilesPerSplit, tEnd = min(nTiles, tBegin + tilesPerSplit);
  const int srow = tid >> 1, shalf = tid & 1;
  float ls[KT]; int li[KT];
#pragma unroll
  for (int j = 0; j < KT; ++j) { ls[j] = -INFINITY; li[j] = kNoId; }

  loadTileAsync(As, static_cast<const char*>(Ap), rowBase, TBM, m, rowBytes, tid, 256);
  if (tBegin < tEnd) loadTileAsync(Bs0, static_cast<const char*>(Bp), (int64_t)tBegin * TBN, TBN, n, rowBytes, tid, 256);
  cpAsyncCommit();
  for (int tile = tBegin; tile < tEnd; ++tile) {
    const int buf = (tile - tBegin) & 1;
    char* Bcur = buf ? Bs1 : Bs0;
    if (tile + 1 < tEnd) {
      loadTileAsync(buf ? Bs0 : Bs1, static_cast<const char*>(Bp), (int64_t)(tile + 1) * TBN, TBN, n, rowBytes, tid, 256);
      cpAsyncCommit();
      cpAsyncWait<1>();
    } else {
      cpAsyncWait<0>();
    }
    __syncthreads();
    float acc[2][4][4];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j)
#pragma unroll
        for (int q = 0; q < 4; ++q) acc[i][j][q] = 0.f;
    warpTileMma<BF16, 2, 4>(acc, As, Bcur, sstride, wm * 32, wn * 32, dp, lane);
    const int colBase = tile * TBN;
    if (EPI == 0) {
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int r = wm * 32 + i * 16 + g, c = wn * 32 + j * 8 + 2 * t;
          *reinterpret_cast<float2*>(S + r * TSLD + c) = make_float2(acc[i][j][0], acc[i][j][1]);
          *reinterpret_cast<float2*>(S + (r + 8) * TSLD + c) = make_float2(acc[i][j][2], acc[i][j][3]);
        }
      __syncthreads();
      scanTile<KT>(S, TSLD, srow, shalf, min(TBN, n - colBase), colBase, ls, li);
    } else {
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            const int r = rowBase + wm * 32 + i * 16 + g + (q >= 2 ? 8 : 0);
            const int c = colBase + wn * 32 + j * 8 + 2 * t + (q & 1);
            if (r < m && c < n) outS[(int64_t)r * ldOut + c] = acc[i][j][q] + 0.f;
          }
    }
    __syncthreads();
  }
  if (EPI == 0) {
    const int row = rowBase + srow;
    if (row < m) {
      const int64_t o = ((int64_t)row * nslots + split * 2 + shalf) * KT;
#pragma unroll
      for (int j = 0; j < KT; ++j) { candS[o + j] = ls[j]; candI[o + j] = li[j]; }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Warp per row: top-k of a row of scores (ids explicit or the column index), k <= KT <= 32.
__device__ void rewardFromIds(const RewardEpi& epi, int64_t row, const int* ids, int k,
                              float* out) {
  const int b = (int)(row / epi.groups);
  const int own = epi.rowOwner[b];
  double dcg = 0.0, ideal = 0.0;
  for (int r = 0; r < k; ++r) {
    const int id = ids[r];
    if (id >= 0 && epi.owner[id] == own) dcg += 1.0 / log2((double)r + 2.0);
  }
  const int rel = min(epi.relCount[b], k);
  for (int r = 0; r < rel; ++r) ideal += 1.0 / log2((double)r + 2.0);
  out[row] = rel > 0 ? (float)(dcg / ideal) : 0.f;
}

template <int KT, bool EXPLICIT>
__global__ void rowTopKKernel(const float* __restrict__ S, const int* __restrict__ ids, int rows,
                              int ncols, int64_t ld, int k, int32_t* __restrict__ outIds,
                              float* __restrict__ outScores, RewardEpi epi, int64_t rowOffset) {
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x & 31;
  if (row >= rows) return;
  float ls[KT]; int li[KT];
#pragma unroll
  for (int j = 0; j < KT; ++j) { ls[j] = -INFINITY; li[j] = kNoId; }
  const float* srow = S + row * ld;
  const int* irow = EXPLICIT ? ids + row * ld : nullptr;
  for (int c = lane; c < ncols; c += 32) topkInsert<KT>(ls, li, srow[c], EXPLICIT ? irow[c] : c);
  int myIds[KT];  // lane 0 only
  for (int r = 0; r < k; ++r) {
    float bs = ls[0]; int bi = li[0];
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
      const float os = __shfl_xor_sync(0xffffffffu, bs, off);
      const int oi = __shfl_xor_sync(0xffffffffu, bi, off);
      if (better(os, oi, bs, bi)) { bs = os; bi = oi; }
    }
    if (li[0] == bi && ls[0] == bs) {
#pragma unroll
      for (int j = 0; j < KT - 1; ++j) { ls[j] = ls[j + 1]; li[j] = li[j + 1]; }
      ls[KT - 1] = -INFINITY; li[KT - 1] = kNoId;
    }
    const int outId = bi == kNoId ? -1 : bi;
    if (lane == 0) {
#pragma unroll
      for (int j = 0; j < KT; ++j) if (j == r) myIds[j] = outId;
      if (!epi.rewards) {
        outIds[row * k + r] = outId;
        outScores[row * k + r] = bs;
      }
    }
  }
  if (epi.rewards && lane == 0) {
    int tmp[KT];
#pragma unroll
    for (int j = 0; j < KT; ++j) tmp[j] = j < k ? myIds[j] : -1;
    rewardFromIds(epi, row + rowOffset, tmp, k, epi.rewards);
  }
}

__global__ void segOffsetsKernel(int* off, int rows, int ncols) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i <= rows) off[i] = i * ncols;
}
__global__ void iotaRowsKernel(int* ids, int64_t total, int ncols) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i < total) ids[i] = (int)(i % ncols);
}
__global__ void gatherTopKernel(const float* sortedS, const int* sortedI, int rows, int ncols, int k,
                                int32_t* outIds, float* outScores, RewardEpi epi, int64_t rowOffset) {
  const int64_t row = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= rows) return;
  const int* ids = sortedI + row * ncols;
  if (epi.rewards) {
    rewardFromIds(epi, row + rowOffset, ids, k, epi.rewards);
    return;
  }
  for (int r = 0; r < k; ++r) {
    outIds[row * k + r] = ids[r];
    outScores[row * k + r] = sortedS[row * ncols + r];
  }
}

int roundKT(int k) { return k <= 4 ? 4 : k <= 8 ? 8 : k <= 16 ? 16 : 32; }

template <int KT>
cudaError_t rowTopKT(const float* S, const int32_t* ids, int rows, int ncols, int64_t ld, int k,
                     int32_t* outIds, float* outScores, const RewardEpi* epi, int64_t rowOffset,
                     cudaStream_t s) {
  RewardEpi e{};
  if (epi) e = *epi;
  const unsigned blocks = (unsigned)((rows + 7) / 8);
  if (ids) rowTopKKernel<KT, true><<<blocks, 256, 0, s>>>(S, ids, rows, ncols, ld, k, outIds, outScores, e, rowOffset);
  else rowTopKKernel<KT, false><<<blocks, 256, 0, s>>>(S, ids, rows, ncols, ld, k, outIds, outScores, e, rowOffset);
  return cudaGetLastError();
}

cudaError_t rowTopKImpl(const float* S, const int32_t* ids, int rows, int ncols, int64_t ld, int k,
                        int32_t* outIds, float* outScores, const RewardEpi* epi, int64_t rowOffset,
                        Arena& ws) {
  if (rows == 0 || k == 0) return cudaSuccess;
  cudaStream_t s = ws.stream();
  if (k <= 32) {
    switch (roundKT(k)) {
      case 4: return rowTopKT<4>(S, ids, rows, ncols, ld, k, outIds, outScores, epi, rowOffset, s);
      case 8: return rowTopKT<8>(S, ids, rows, ncols, ld, k, outIds, outScores, epi, rowOffset, s);
      case 16: return rowTopKT<16>(S, ids, rows, ncols, ld, k, outIds, outScores, epi, rowOffset, s);
      default: return rowTopKT<32>(S, ids, rows, ncols, ld, k, outIds, outScores, epi, rowOffset, s);
    }
  }
  // k > 32: stable segmented sort of each row (descending), then gather the first k.
  if (ids != nullptr || ld != ncols) return cudaErrorInvalidValue;
  const int64_t total = (int64_t)rows * ncols;
  int *off, *iin, *iout; float* sout;
  RP_TRY(ws.alloc(&off, (size_t)rows + 1));
  RP_TRY(ws.alloc(&iin, (size_t)total));
  RP_TRY(ws.alloc(&iout, (size_t)total));
  RP_TRY(ws.alloc(&sout, (size_t)total));
  segOffsetsKernel<<<(rows + 256) / 256, 256, 0, s>>>(off, rows, ncols);
  iotaRowsKernel<<<(unsigned)((total + 255) / 256), 256, 0, s>>>(iin, total, ncols);
  RP_LAUNCHED();
  size_t tempBytes = 0;
  RP_TRY(cub::DeviceSegmentedSort::StableSortPairsDescending(nullptr, tempBytes, S, sout, iin, iout,
      total, rows, off, off + 1, s));
  char* temp;
  RP_TRY(ws.alloc(&temp, tempBytes));
  RP_TRY(cub::DeviceSegmentedSort::StableSortPairsDescending(temp, tempBytes, S, sout, iin, iout,
      total, rows, off, off + 1, s));
  RewardEpi e{};
  if (epi) e = *epi;
  gatherTopKernel<<<(rows + 127) / 128, 128, 0, s>>>(sout, iout, rows, ncols, k, outIds, outScores, e, rowOffset);
  return cudaGetLastError();
}

template <int KT>
cudaError_t fusedScore(const ScoreOperands& op, int k, int32_t* ids, float* scores,
                       const RewardEpi* epi, Arena& ws) {
  cudaStream_t s = ws.stream();
  const bool tc = op.precision != Precision::Fp32;
  const bool bf16 = op.precision == Precision::Bf16;
  const int BM = tc ? TBM : SBM, BN = tc ? TBN : SBN;
  const int rowBlocks = (op.m + BM - 1) / BM;
  const int nTiles = (op.n + BN - 1) / BN;
  // about one wave of resident blocks (2 per SM): never a second, nearly empty wave
  const int target = 2 * numSMs();
  int splits = std::max(1, std::min(nTiles, target / rowBlocks));
  const int tilesPerSplit = (nTiles + splits - 1) / splits;
  splits = (nTiles + tilesPerSplit - 1) / tilesPerSplit;
  const int nslots = splits * 2;
  float* candS; int* candI;
  RP_TRY(ws.alloc(&candS, (size_t)op.m * nslots * KT));
  RP_TRY(ws.alloc(&candI, (size_t)op.m * nslots * KT));
  dim3 grid(splits, rowBlocks);
  if (!tc) {
    if (op.dim % 4 == 0) {
      RP_TRY(cudaFuncSetAttribute(simtScoreKernel<KT, true, 0>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSimtSmemTopK));
      simtScoreKernel<KT, true, 0><<<grid, 256, kSimtSmemTopK, s>>>(op.A, op.B, op.m, op.n, op.dim, tilesPerSplit, nTiles, candS, candI, nslots, nullptr, 0);
    } else {
      RP_TRY(cudaFuncSetAttribute(simtScoreKernel<KT, false, 0>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSimtSmemTopK));
      simtScoreKernel<KT, false, 0><<<grid, 256, kSimtSmemTopK, s>>>(op.A, op.B, op.m, op.n, op.dim, tilesPerSplit, nTiles, candS, candI, nslots, nullptr, 0);
    }
  } else {
    const size_t sm = tcSmem(op.dp, bf16, true);
    if (bf16) {
      RP_TRY(cudaFuncSetAttribute(tcScoreKernel<true, KT, 0>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)sm));
      tcScoreKernel<true, KT, 0><<<grid, 256, sm, s>>>(op.Ap, op.Bp, op.m, op.n, op.dp, tilesPerSplit, nTiles, candS, candI, nslots, nullptr, 0);
    } else {
      RP_TRY(cudaFuncSetAttribute(tcScoreKernel<false, KT, 0>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)sm));
      tcScoreKernel<false, KT, 0><<<grid, 256, sm, s>>>(op.Ap, op.Bp, op.m, op.n, op.dp, tilesPerSplit, nTiles, candS, candI, nslots, nullptr, 0);
    }
  }
  RP_LAUNCHED();
  return rowTopKImpl(candS, candI, op.m, nslots * KT, (int64_t)nslots * KT, k, ids, scores, epi, 0, ws);
}

// k > 32: score row chunks into scratch, sort each chunk's rows.
cudaError_t chunkedScore(const ScoreOperands& op, int k, int32_t* ids, float* scores,
                         const RewardEpi* epi, Arena& ws) {
  cudaStream_t s = ws.stream();
  const bool tc = op.precision != Precision::Fp32;
  const bool bf16 = op.precision == Precision::Bf16;
  const int BM = tc ? TBM : SBM, BN = tc ? TBN : SBN;
  int R = (int)std::max<int64_t>(BM, ((int64_t)1 << 24) / std::max(1, op.n) / BM * BM);
  R = std::min(R, op.m);
  float* S;
  RP_TRY(ws.alloc(&S, (size_t)R * op.n));
  const int nTiles = (op.n + BN - 1) / BN;
  for (int r0 = 0; r0 < op.m; r0 += R) {
    const int rows = std::min(R, op.m - r0);
    dim3 grid(1, (rows + BM - 1) / BM);
    if (!tc) {
      const float* A = op.A + (int64_t)r0 * op.dim;
      if (op.dim % 4 == 0) {
        RP_TRY(cudaFuncSetAttribute(simtScoreKernel<4, true, 1>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSimtSmemStore));
        simtScoreKernel<4, true, 1><<<grid, 256, kSimtSmemStore, s>>>(A, op.B, rows, op.n, op.dim, nTiles, nTiles, nullptr, nullptr, 0, S, op.n);
      } else {
        RP_TRY(cudaFuncSetAttribute(simtScoreKernel<4, false, 1>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSimtSmemStore));
        simtScoreKernel<4, false, 1><<<grid, 256, kSimtSmemStore, s>>>(A, op.B, rows, op.n, op.dim, nTiles, nTiles, nullptr, nullptr, 0, S, op.n);
      }
    } else {
      const size_t sm = tcSmem(op.dp, bf16, false);
      const char* Ap = static_cast<const char*>(op.Ap) + (int64_t)r0 * op.dp * (bf16 ? 2 : 4);
      if (bf16) {
        RP_TRY(cudaFuncSetAttribute(tcScoreKernel<true, 4, 1>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)sm));
        tcScoreKernel<true, 4, 1><<<grid, 256, sm, s>>>(Ap, op.Bp, rows, op.n, op.dp, nTiles, nTiles, nullptr, nullptr, 0, S, op.n);
      } else {
        RP_TRY(cudaFuncSetAttribute(tcScoreKernel<false, 4, 1>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)sm));
        tcScoreKernel<false, 4, 1><<<grid, 256, sm, s>>>(Ap, op.Bp, rows, op.n, op.dp, nTiles, nTiles, nullptr, nullptr, 0, S, op.n);
      }
    }
    RP_LAUNCHED();
    RP_TRY(rowTopKImpl(S, nullptr, rows, op.n, op.n, k, ids ? ids + (int64_t)r0 * k : nullptr,
                       scores ? scores + (int64_t)r0 * k : nullptr, epi, r0, ws));
  }
  return cudaSuccess;
}

}  // namespace

int paddedDim(int dim, Precision p) {
  if (p == Precision::Bf16) return (dim + 15) / 16 * 16;
  if (p == Precision::Tf32) return (dim + 7) / 8 * 8;
  return dim;
}

bool tensorCoreFits(int dim, Precision p) {
  if (p == Precision::Fp32) return true;
  int dev = 0, optin = 0;
  if (cudaGetDevice(&dev) != cudaSuccess) return false;
  if (cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev) != cudaSuccess) return false;
  return tcSmem(paddedDim(dim, p), p == Precision::Bf16, true) <= (size_t)optin;
}

cudaError_t launchRowTopK(const float* S, const int32_t* ids, int rows, int ncols, int64_t ld,
                          int k, int32_t* outIds, float* outScores, const RewardEpi* epi,
                          Arena& ws) {
  return rowTopKImpl(S, ids, rows, ncols, ld, k, outIds, outScores, epi, 0, ws);
}

cudaError_t launchScoreTopK(const ScoreOperands& op, int k, int32_t* ids, float* scores,
                            const RewardEpi* epi, Arena& ws) {
  if (op.m == 0 || op.n == 0 || k == 0) return cudaSuccess;
  if (k > 32) return chunkedScore(op, k, ids, scores, epi, ws);
  switch (roundKT(k)) {
    case 4: return fusedScore<4>(op, k, ids, scores, epi, ws);
    case 8: return fusedScore<8>(op, k, ids, scores, epi, ws);
    case 16: return fusedScore<16>(op, k, ids, scores, epi, ws);
    default: return fusedScore<32>(op, k, ids, scores, epi, ws);
  }
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
