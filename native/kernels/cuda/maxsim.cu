// maxSimTopK: ColBERT late interaction, sum over query tokens of the max over document tokens.
//
// The flat array of all query tokens is cut into tiles of up to 128 rows made of whole queries (a
// query longer than 128 tokens gets tiles of its own, and its partial sums are added later in a
// fixed order). A block takes (query tile, document): the tile stays in shared memory, the
// document's tokens stream through in tiles (64 for bf16 mma.sync, 128 for the fp32 SIMT tile), and
// each thread keeps the running max of its rows in registers: the token x token scores never leave
// registers. At the end of the document the block reduces the row maxima and writes one partial sum
// per (query segment, document). Documents are processed in chunks; after each chunk a per-query
// top-k merges the chunk's scores with the running top-k (which needs no full queries x documents
// matrix beyond a chunk).
#include "common.cuh"
#include "tc.cuh"
#include "simt.cuh"
#include <algorithm>

namespace reinpool {
namespace cuda {
namespace detail {

namespace {
constexpr int QT = 128;  // query-token rows per tile

struct TilePlan {
  std::vector<int> rowStart, rowCount, segBegin, segCount;  // per tile
  std::vector<int> segRow0, segRow1;                         // per segment, rows relative to its tile
  std::vector<int> qSegOff;                                  // per query + 1
};

TilePlan planTiles(const int32_t* qOff, int qCount) {
  TilePlan p;
  p.qSegOff.assign(qCount + 1, 0);
  int cur = -1;  // current open tile
  for (int q = 0; q < qCount; ++q) {
    const int a = qOff[q], len = qOff[q + 1] - qOff[q];
    p.qSegOff[q] = (int)p.segRow0.size();
    if (len == 0) continue;
    if (len > QT) {
      cur = -1;
      for (int r = 0; r < len; r += QT) {
        const int n = std::min(QT, len - r);
        p.rowStart.push_back(a + r); p.rowCount.push_back(n);
        p.segBegin.push_back((int)p.segRow0.size()); p.segCount.push_back(1);
        p.segRow0.push_back(0); p.segRow1.push_back(n);
      }
      continue;
    }
    if (cur < 0 || p.rowCount[cur] + len > QT) {
      cur = (int)p.rowStart.size();
      p.rowStart.push_back(a); p.rowCount.push_back(0);
      p.segBegin.push_back((int)p.segRow0.size()); p.segCount.push_back(0);
    }
    p.segRow0.push_back(p.rowCount[cur]); p.segRow1.push_back(p.rowCount[cur] + len);
    p.rowCount[cur] += len; p.segCount[cur] += 1;
  }
  p.qSegOff[qCount] = (int)p.segRow0.size();
  return p;
}

struct TileDev {
  const int* rowStart; const int* rowCount; const int* segBegin; const int* segCount;
  const int* segRow0; const int* segRow1;
};

// Block epilogue: rm[2][QT] holds per-(column half) row maxima; sum each segment in row order.
__device__ __forceinline__ void writeSegments(const float (*rm)[QT], int nhalves, const TileDev& td,
                                              int tileIdx, float* partial, int ldp, int docLocal) {
  const int s = threadIdx.x;
  if (s < td.segCount[tileIdx]) {
    const int seg = td.segBegin[tileIdx] + s;
    double acc = 0.0;  // sums of maxima in fp64, as the CPU backend
    for (int r = td.segRow0[seg]; r < td.segRow1[seg]; ++r) {
      float v = rm[0][r];
      for (int h = 1; h < nhalves; ++h) v = fmaxf(v, rm[h][r]);
      acc += (double)v;
    }
    partial[(int64_t)seg * ldp + docLocal] = (float)acc;
  }
}

// AREG (bf16, dp == 128 only): the warp's query fragments stay in registers for the whole
// document, and key fragments come through ldmatrix: half the shared-memory traffic per mma.
template <bool BF16, bool AREG>
__global__ void __launch_bounds__(256, 2)
tcMaxSimKernel(const void* Qp, const void* Dp, const int* __restrict__ dOff, int d0, int dp,
               TileDev td, float* __restrict__ partial, int ldp) {
  extern __shared__ float4 smem4[];
  __shared__ float rm[2][QT];
  char* smem = reinterpret_cast<char*>(smem4);
  const int rowBytes = dp * (BF16 ? 2 : 4), sstride = rowBytes + 16;
  char* As = smem;
  char* Bs0 = As + QT * sstride;
  char* Bs1 = Bs0 + 64 * sstride;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp >> 1, wn = warp & 1, t = lane & 3;
  const int tileIdx = blockIdx.x, docLocal = blockIdx.y, d = d0 + docLocal;
  const int qa = td.rowStart[tileIdx], qn = td.rowCount[tileIdx];
  const int da = dOff[d], dn = dOff[d + 1] - da;
  const int nTiles = (dn + 63) / 64;
  uint32_t aReg[2][AREG ? 8 : 1][4];
  float rmax[2][2];
#pragma unroll
  for (int i = 0; i < 2; ++i) { rmax[i][0] = -INFINITY; rmax[i][1] = -INFINITY; }
  loadTileAsync(As, static_cast<const char*>(Qp), qa, QT, qa + qn, rowBytes, tid, 256);
  if (nTiles > 0) loadTileAsync(Bs0, static_cast<const char*>(Dp), da, 64, da + dn, rowBytes, tid, 256);
  cpAsyncCommit();
  for (int tile = 0; tile < nTiles; ++tile) {
    char* Bcur = (tile & 1) ? Bs1 : Bs0;
    if (tile + 1 < nTiles) {
      loadTileAsync((tile & 1) ? Bs0 : Bs1, static_cast<const char*>(Dp), da + (tile + 1) * 64, 64, da + dn, rowBytes, tid, 256);
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
    if constexpr (AREG) {
      if (tile == 0) loadAFragsBf16<8>(aReg, As, sstride, wm * 32, lane);
      warpTileMmaAregBf16<8>(acc, aReg, Bcur, sstride, wn * 32, lane);
    } else {
      warpTileMma<BF16, 2, 4>(acc, As, Bcur, sstride, wm * 32, wn * 32, dp, lane);
    }
    const int valid = dn - tile * 64 - wn * 32;  // columns of this warp that are real tokens
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int c = j * 8 + 2 * t;
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        if (c < valid) { rmax[i][0] = fmaxf(rmax[i][0], acc[i][j][0]); rmax[i][1] = fmaxf(rmax[i][1], acc[i][j][2]); }
        if (c + 1 < valid) { rmax[i][0] = fmaxf(rmax[i][0], acc[i][j][1]); rmax[i][1] = fmaxf(rmax[i][1], acc[i][j][3]); }
      }
    }
    __syncthreads();
  }
  // An empty document runs no tile: drain the query tile's cp.async group before the block exits
  // (a block must not retire with copies into its shared memory still in flight).
  cpAsyncWait<0>();
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float v = rmax[i][h];
      v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
      v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
      if (t == 0) rm[wn][wm * 32 + i * 16 + (lane >> 2) + h * 8] = v;
    }
  __syncthreads();
  writeSegments(rm, 2, td, tileIdx, partial, ldp, docLocal);
}

template <bool VEC>
__global__ void __launch_bounds__(256, 2)
simtMaxSimKernel(const float* __restrict__ Q, const float* __restrict__ D, const int* __restrict__ dOff,
                 int d0, int dim, TileDev td, float* __restrict__ partial, int ldp) {
  extern __shared__ float4 smem4[];
  __shared__ float rm[16][QT];
  float* As = reinterpret_cast<float*>(smem4);
  float* Bs = As + 2 * SBK * SLD;
  const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  const int tileIdx = blockIdx.x, docLocal = blockIdx.y, d = d0 + docLocal;
  const int qa = td.rowStart[tileIdx], qn = td.rowCount[tileIdx];
  const int da = dOff[d], dn = dOff[d + 1] - da;
  float rmax[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) rmax[i] = -INFINITY;
  for (int c0 = 0; c0 < dn; c0 += SBN) {
    float acc[8][8];
    simtMainloop<VEC>(Q, qa, qa + qn, D, da + c0, da + dn, dim, As, Bs, acc);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      const int c = c0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
      if (c < dn) {
#pragma unroll
        for (int i = 0; i < 8; ++i) rmax[i] = fmaxf(rmax[i], acc[i][j]);
      }
    }
  }
#pragma unroll
  for (int i = 0; i < 8; ++i) rm[tx][i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4] = rmax[i];
  __syncthreads();
  writeSegments(rm, 16, td, tileIdx, partial, ldp, docLocal);
}

// scores[q][j] for docs d0 + j: sum of the query's segments (fixed order); empty doc -> -inf.
__global__ void combineKernel(const float* __restrict__ partial, int ldp, const int* __restrict__ qSegOff,
                              const int* __restrict__ dOff, int d0, int nd, int qCount,
                              float* __restrict__ S, int ldS) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= (int64_t)qCount * nd) return;
  const int q = (int)(i / nd), j = (int)(i % nd);
  const int d = d0 + j;
  float v;
  if (dOff[d + 1] == dOff[d]) {
    v = -INFINITY;
  } else {
    v = 0.f;
    for (int s = qSegOff[q]; s < qSegOff[q + 1]; ++s) v += partial[(int64_t)s * ldp + j];
  }
  S[(int64_t)q * ldS + j] = v;
}

// Appends the running top-k (ids, scores) of each query after its chunk scores as candidates.
__global__ void appendRunningKernel(float* S, int* I, int ldS, int nd, int d0, int qCount, int k,
                                    const int* runIds, const float* runScores, bool haveRunning) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  const int width = nd + k;
  if (i >= (int64_t)qCount * width) return;
  const int q = (int)(i / width), c = (int)(i % width);
  if (c < nd) { I[(int64_t)q * ldS + c] = d0 + c; return; }
  const int r = c - nd;
  if (haveRunning) {
    const int id = runIds[q * k + r];
    S[(int64_t)q * ldS + c] = runScores[q * k + r];
    I[(int64_t)q * ldS + c] = id < 0 ? kNoId : id;
  } else {
    S[(int64_t)q * ldS + c] = -INFINITY;
    I[(int64_t)q * ldS + c] = kNoId;
  }
}

}  // namespace

cudaError_t launchMaxSimTopK(const MaxSimOperands& op, int k, int32_t* ids, float* scores, Arena& ws) {
  if (op.qCount == 0 || k == 0) return cudaSuccess;
  cudaStream_t s = ws.stream();
  const TilePlan plan = planTiles(op.qOffsetsHost, op.qCount);
  const int nTilesQ = (int)plan.rowStart.size();
  const int nSeg = (int)plan.segRow0.size();
  TileDev td{};
  int *rowStart, *rowCount, *segBegin, *segCount, *segRow0, *segRow1, *qSegOff;
  RP_TRY(ws.upload(&rowStart, plan.rowStart.data(), plan.rowStart.size()));
  RP_TRY(ws.upload(&rowCount, plan.rowCount.data(), plan.rowCount.size()));
  RP_TRY(ws.upload(&segBegin, plan.segBegin.data(), plan.segBegin.size()));
  RP_TRY(ws.upload(&segCount, plan.segCount.data(), plan.segCount.size()));
  RP_TRY(ws.upload(&segRow0, plan.segRow0.data(), plan.segRow0.size()));
  RP_TRY(ws.upload(&segRow1, plan.segRow1.data(), plan.segRow1.size()));
  RP_TRY(ws.upload(&qSegOff, plan.qSegOff.data(), plan.qSegOff.size()));
  td = TileDev{rowStart, rowCount, segBegin, segCount, segRow0, segRow1};

  // documents per chunk: bound the partial sums and the chunk's score matrix
  const int64_t budget = (int64_t)1 << 24;
  int chunk = (int)std::max<int64_t>(1, budget / std::max(1, std::max(nSeg, op.qCount)));
  chunk = std::min(chunk, op.dCount);
  if (chunk < op.dCount && k > 32) chunk = op.dCount;  // the sort path needs whole rows
  chunk = std::min(chunk, 65535);
  if (k > 32 && chunk < op.dCount) return cudaErrorInvalidValue;  // > 65535 docs with k > 32: unsupported
  const bool multi = chunk < op.dCount;
  const int ldS = multi ? chunk + k : chunk;
  float *partial, *S; int* I = nullptr;
  RP_TRY(ws.alloc(&partial, (size_t)std::max(1, nSeg) * chunk));
  RP_TRY(ws.alloc(&S, (size_t)op.qCount * ldS));
  RP_TRY(ws.alloc(&I, (size_t)op.qCount * ldS));
  int32_t* runIds; float* runScores;
  RP_TRY(ws.alloc(&runIds, (size_t)op.qCount * k));
  RP_TRY(ws.alloc(&runScores, (size_t)op.qCount * k));
  const bool tc = op.precision != Precision::Fp32;
  const bool bf16 = op.precision == Precision::Bf16;
  const size_t tcSm = (size_t)(QT + 128) * (op.dp * (bf16 ? 2 : 4) + 16);
  if (tc) {
    if (bf16 && op.dp == 128) RP_TRY(cudaFuncSetAttribute(tcMaxSimKernel<true, true>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)tcSm));
    else if (bf16) RP_TRY(cudaFuncSetAttribute(tcMaxSimKernel<true, false>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)tcSm));
    else RP_TRY(cudaFuncSetAttribute(tcMaxSimKernel<false, false>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)tcSm));
  } else {
    RP_TRY(cudaFuncSetAttribute(simtMaxSimKernel<true>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSimtSmemMain));
    RP_TRY(cudaFuncSetAttribute(simtMaxSimKernel<false>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)kSimtSmemMain));
  }
  bool haveRunning = false;
  for (int d0 = 0; d0 < op.dCount; d0 += chunk) {
    const int nd = std::min(chunk, op.dCount - d0);
    if (nTilesQ > 0) {
      dim3 grid(nTilesQ, nd);
      if (tc) {
        if (bf16 && op.dp == 128) tcMaxSimKernel<true, true><<<grid, 256, tcSm, s>>>(op.Qp, op.Dp, op.dOffsetsDev, d0, op.dp, td, partial, chunk);
        else if (bf16) tcMaxSimKernel<true, false><<<grid, 256, tcSm, s>>>(op.Qp, op.Dp, op.dOffsetsDev, d0, op.dp, td, partial, chunk);
        else tcMaxSimKernel<false, false><<<grid, 256, tcSm, s>>>(op.Qp, op.Dp, op.dOffsetsDev, d0, op.dp, td, partial, chunk);
      } else if (op.dim % 4 == 0) {
        simtMaxSimKernel<true><<<grid, 256, kSimtSmemMain, s>>>(op.Q, op.D, op.dOffsetsDev, d0, op.dim, td, partial, chunk);
      } else {
        simtMaxSimKernel<false><<<grid, 256, kSimtSmemMain, s>>>(op.Q, op.D, op.dOffsetsDev, d0, op.dim, td, partial, chunk);
      }
      RP_LAUNCHED();
    }
    const int64_t tot = (int64_t)op.qCount * nd;
    combineKernel<<<(unsigned)((tot + 255) / 256), 256, 0, s>>>(partial, chunk, qSegOff, op.dOffsetsDev, d0, nd, op.qCount, S, ldS);
    RP_LAUNCHED();
    if (!multi) {
      // one chunk holds every document: a plain row top-k (column index = document id)
      return launchRowTopK(S, nullptr, op.qCount, nd, ldS, k, ids, scores, nullptr, ws);
    }
    const int64_t tot2 = (int64_t)op.qCount * (nd + k);
    appendRunningKernel<<<(unsigned)((tot2 + 255) / 256), 256, 0, s>>>(S, I, ldS, nd, d0, op.qCount, k, runIds, runScores, haveRunning);
    RP_LAUNCHED();
    RP_TRY(launchRowTopK(S, I, op.qCount, nd + k, ldS, k, runIds, runScores, nullptr, ws));
    haveRunning = true;
  }
  RP_TRY(cudaMemcpyAsync(ids, runIds, sizeof(int32_t) * op.qCount * k, cudaMemcpyDeviceToDevice, s));
  return cudaMemcpyAsync(scores, runScores, sizeof(float) * op.qCount * k, cudaMemcpyDeviceToDevice, s);
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
