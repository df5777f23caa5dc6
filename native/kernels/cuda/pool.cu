// poolMasked: mean | max over the rows a mask keeps, optional L2 normalisation.
//
// One block handles (document b, a chunk of up to GC masks, a range of the document's rows, a
// 128-column slice). The block first turns the masks of its rows into one GC-bit word per row and
// compacts the rows that any of its masks keeps into a list in shared memory (a block-wide prefix
// sum, so the order is fixed); each warp then streams listed rows with 16-byte loads (4 rows in
// flight per warp) and adds each row into the accumulators of every mask that keeps it: a row kept
// by several of the G masks is read once, a row no mask keeps is never read, and no load slot is
// spent on a dropped row. GC is 4, 8 or 16 (the smallest that holds G), so a small G keeps few
// accumulators and more blocks fit on an SM. Partial sums per row range go to scratch; a finalize
// kernel adds them in a fixed order (deterministic), divides, normalises, and can also write the
// padded bf16 / fp32 copy that the tensor-core scorer reads.
#include "common.cuh"

namespace reinpool {
namespace cuda {
namespace detail {

namespace {
constexpr int ROWCHUNK = 1024;  // rows whose mask bits are staged at once (4 per thread)
constexpr int COLS = 128;       // columns per block
constexpr int THREADS = 256;

// blocks per SM the launch bounds ask for; also what launchPool sizes its grid by
constexpr int blocksPerSM(int gc) { return gc <= 4 ? 4 : gc <= 8 ? 3 : 2; }

template <bool VEC, int MODE, int GC>
__global__ void __launch_bounds__(THREADS, blocksPerSM(GC))
poolPartialKernel(PoolBatch pb, int gchunks, int splits, int colChunks, float* __restrict__ part,
                  int* __restrict__ partCount) {
  // block index -> (gchunk fastest, then column chunk, then split, then document) so blocks that
  // read the same rows run together and share L2
  int64_t bid = blockIdx.x;
  const int gc = (int)(bid % gchunks); bid /= gchunks;
  const int cc = (int)(bid % colChunks); bid /= colChunks;
  const int split = (int)(bid % splits); bid /= splits;
  const int b = (int)bid;
  const int dim = pb.dim, G = pb.groups;
  const int T = pb.docLen[b];
  const int t0 = (int)((int64_t)T * split / splits), t1 = (int)((int64_t)T * (split + 1) / splits);
  const int g0 = gc * GC, gn = min(GC, G - g0);
  const int col0 = cc * COLS;
  const float* __restrict__ Vd = pb.V + pb.docRow[b] * (int64_t)dim;
  const uint8_t* __restrict__ M = pb.masks + pb.maskStart[b];

  __shared__ uint32_t bits[ROWCHUNK];    // mask word of listed row i
  __shared__ int rows[ROWCHUNK];         // chunk-relative index of listed row i
  __shared__ int warpTotal[THREADS / 32];
  __shared__ float red[GC][COLS];
  __shared__ int keptCount[GC];  // rows of this range each mask keeps (column chunk 0 counts them)
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  if (tid < GC) keptCount[tid] = 0;

  const float init = MODE == 0 ? 0.f : -INFINITY;
  float acc[GC][4];
#pragma unroll
  for (int g = 0; g < GC; ++g)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[g][j] = init;

  bool colOk[4];
#pragma unroll
  for (int j = 0; j < 4; ++j) colOk[j] = VEC ? (col0 + lane * 4 < dim) : (col0 + lane + 32 * j < dim);

  for (int c0 = t0; c0 < t1; c0 += ROWCHUNK) {
    const int nrows = min(ROWCHUNK, t1 - c0);
    // 1. mask words of this thread's 4 consecutive rows
    uint32_t w[4];
    int mine = 0;
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int t = tid * 4 + u;
      w[u] = 0;
      if (t < nrows) {
#pragma unroll
        for (int g = 0; g < GC; ++g)
          if (g < gn && M[(int64_t)(g0 + g) * T + c0 + t] != 0) w[u] |= 1u << g;
      }
      mine += w[u] != 0;
    }
    // 2. block-wide exclusive prefix sum of the kept-row counts: the list keeps row order
    int incl = mine;
#pragma unroll
    for (int off = 1; off < 32; off <<= 1) {
      const int y = __shfl_up_sync(0xffffffffu, incl, off);
      if (lane >= off) incl += y;
    }
    __syncthreads();  // the previous chunk's list is no longer read (and keptCount is zeroed)
    if (cc == 0) {
#pragma unroll
      for (int g = 0; g < GC; ++g) {
        int c = 0;
#pragma unroll
        for (int u = 0; u < 4; ++u) c += __popc(__ballot_sync(0xffffffffu, (w[u] >> g) & 1u));
        if (lane == 0 && c) atomicAdd(&keptCount[g], c);
      }
    }
    if (lane == 31) warpTotal[warp] = incl;
    __syncthreads();
    int pos = incl - mine, listed = 0;
    for (int i = 0; i < THREADS / 32; ++i) {
      if (i < warp) pos += warpTotal[i];
      listed += warpTotal[i];
    }
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      if (w[u]) { bits[pos] = w[u]; rows[pos] = tid * 4 + u; ++pos; }
    }
    __syncthreads();
    // 3. stream the listed rows, 4 per warp in flight
    for (int base = warp * 4; base < listed; base += 32) {
      uint32_t bb[4];
      float v[4][4];
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const int r = base + u;
        bb[u] = r < listed ? bits[r] : 0u;
        const float* row = Vd + (int64_t)(c0 + (r < listed ? rows[r] : 0)) * dim + col0;
        if (VEC) {
          float4 x = make_float4(0.f, 0.f, 0.f, 0.f);
          if (bb[u] && colOk[0]) x = __ldg(reinterpret_cast<const float4*>(row) + lane);
          v[u][0] = x.x; v[u][1] = x.y; v[u][2] = x.z; v[u][3] = x.w;
        } else {
#pragma unroll
          for (int j = 0; j < 4; ++j) v[u][j] = (bb[u] && colOk[j]) ? __ldg(row + lane + 32 * j) : 0.f;
        }
      }
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        if (!bb[u]) continue;
#pragma unroll
        for (int g = 0; g < GC; ++g) {
          if ((bb[u] >> g) & 1u) {
#pragma unroll
            for (int j = 0; j < 4; ++j) acc[g][j] = MODE == 0 ? acc[g][j] + v[u][j] : fmaxf(acc[g][j], v[u][j]);
          }
        }
      }
    }
  }
  // reduce the 8 warps in a fixed order (deterministic)
  for (int w = 0; w < THREADS / 32; ++w) {
    __syncthreads();
    if (warp == w) {
#pragma unroll
      for (int g = 0; g < GC; ++g) {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int c = VEC ? lane * 4 + j : lane + 32 * j;
          red[g][c] = w == 0 ? acc[g][j] : (MODE == 0 ? red[g][c] + acc[g][j] : fmaxf(red[g][c], acc[g][j]));
        }
      }
    }
  }
  __syncthreads();
  const int64_t rowsOut = (int64_t)pb.batch * G;
  for (int i = tid; i < gn * COLS; i += THREADS) {
    const int g = i / COLS, c = i % COLS;
    if (col0 + c >= dim) continue;
    part[((int64_t)split * rowsOut + (int64_t)b * G + g0 + g) * dim + col0 + c] = red[g][c];
  }
  if (cc == 0 && tid < gn) partCount[(int64_t)split * rowsOut + (int64_t)b * G + g0 + tid] = keptCount[tid];
}

template <int MODE>
__global__ void poolFinalizeKernel(const float* __restrict__ part, const int* __restrict__ partCount,
                                   PoolBatch pb, int64_t rowsOut,
                                   int splits, bool normalize, float* __restrict__ out,
                                   PadType padType, void* padded, int dp) {
  const int64_t o = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x & 31;
  if (o >= rowsOut) return;
  const int dim = pb.dim;
  int count = 0;  // kept rows of this mask, summed over the row ranges
  for (int sp = 0; sp < splits; ++sp) count += partCount[sp * rowsOut + o];
  auto value = [&](int c) -> float {
    if (count == 0) return 0.f;
    float v = part[o * dim + c];
    for (int s = 1; s < splits; ++s) {
      const float w = part[(s * rowsOut + o) * dim + c];
      v = MODE == 0 ? v + w : fmaxf(v, w);
    }
    return MODE == 0 ? v / (float)count : v;
  };
  float scale = 1.f;
  if (normalize) {
    float ss = 0.f;
    for (int c = lane; c < dim; c += 32) { const float v = value(c); ss = fmaf(v, v, ss); }
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) ss += __shfl_xor_sync(0xffffffffu, ss, off);
    scale = ss > 0.f ? 1.f / sqrtf(ss) : 1.f;
  }
  for (int c = lane; c < max(dim, padType == PadType::None ? 0 : dp); c += 32) {
    const float v = c < dim ? value(c) * scale : 0.f;
    if (out && c < dim) out[o * dim + c] = v;
    if (padType == PadType::Bf16) static_cast<__nv_bfloat16*>(padded)[o * dp + c] = __float2bfloat16_rn(v);
    else if (padType == PadType::F32) static_cast<float*>(padded)[o * dp + c] = v;
  }
}

__global__ void padKernel(const float* __restrict__ src, int64_t rows, int dim, PadType t,
                          void* dst, int dp) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= rows * dp) return;
  const int64_t r = i / dp;
  const int c = (int)(i % dp);
  const float v = c < dim ? src[r * dim + c] : 0.f;
  if (t == PadType::Bf16) static_cast<__nv_bfloat16*>(dst)[i] = __float2bfloat16_rn(v);
  else static_cast<float*>(dst)[i] = v;
}

template <int MODE, int GC>
void launchPartial(const PoolBatch& pb, bool vec, int64_t blocks, int gchunks, int splits, int colChunks,
                   float* part, int* partCount, cudaStream_t s) {
  if (vec) poolPartialKernel<true, MODE, GC><<<(unsigned)blocks, THREADS, 0, s>>>(pb, gchunks, splits, colChunks, part, partCount);
  else poolPartialKernel<false, MODE, GC><<<(unsigned)blocks, THREADS, 0, s>>>(pb, gchunks, splits, colChunks, part, partCount);
}

template <int MODE>
void launchPartial(const PoolBatch& pb, int gc, bool vec, int64_t blocks, int gchunks, int splits,
                   int colChunks, float* part, int* partCount, cudaStream_t s) {
  if (gc == 4) launchPartial<MODE, 4>(pb, vec, blocks, gchunks, splits, colChunks, part, partCount, s);
  else if (gc == 8) launchPartial<MODE, 8>(pb, vec, blocks, gchunks, splits, colChunks, part, partCount, s);
  else launchPartial<MODE, 16>(pb, vec, blocks, gchunks, splits, colChunks, part, partCount, s);
}
}  // namespace

cudaError_t launchPad(const float* src, int rows, int dim, PadType t, void* dst, int dp,
                      cudaStream_t s) {
  const int64_t n = (int64_t)rows * dp;
  if (n == 0) return cudaSuccess;
  padKernel<<<(unsigned)((n + 255) / 256), 256, 0, s>>>(src, rows, dim, t, dst, dp);
  return cudaGetLastError();
}

cudaError_t launchPool(const PoolBatch& pb, PoolMode mode, bool normalize, float* out,
                       PadType padType, void* padded, int dp, Arena& ws) {
  const int64_t rowsOut = (int64_t)pb.batch * pb.groups;
  if (rowsOut == 0) return cudaSuccess;
  const bool vec = pb.dim % 4 == 0;
  const int gc = pb.groups <= 4 ? 4 : pb.groups <= 8 ? 8 : 16;
  const int gchunks = (pb.groups + gc - 1) / gc;
  const int colChunks = (pb.dim + COLS - 1) / COLS;
  const int64_t base = (int64_t)pb.batch * gchunks * colChunks;
  // about two waves of resident blocks, each split at least 64 rows on average
  const int64_t target = 2LL * blocksPerSM(gc) * numSMs();
  int splits = (int)std::min<int64_t>(64, (target + base - 1) / base);
  splits = std::max(1, std::min(splits, std::max(1, pb.avgLen / 64)));
  float* part;
  int* partCount;
  RP_TRY(ws.alloc(&part, (size_t)splits * rowsOut * pb.dim));
  RP_TRY(ws.alloc(&partCount, (size_t)splits * rowsOut));
  const int64_t blocks = base * splits;
  cudaStream_t s = ws.stream();
  if (mode == PoolMode::Mean) launchPartial<0>(pb, gc, vec, blocks, gchunks, splits, colChunks, part, partCount, s);
  else launchPartial<1>(pb, gc, vec, blocks, gchunks, splits, colChunks, part, partCount, s);
  RP_LAUNCHED();
  const unsigned fblocks = (unsigned)((rowsOut + 7) / 8);
  if (mode == PoolMode::Mean)
    poolFinalizeKernel<0><<<fblocks, 256, 0, s>>>(part, partCount, pb, rowsOut, splits, normalize, out, padType, padded, dp);
  else
    poolFinalizeKernel<1><<<fblocks, 256, 0, s>>>(part, partCount, pb, rowsOut, splits, normalize, out, padType, padded, dp);
  RP_LAUNCHED();
  return cudaSuccess;
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
