// poolMasked: mean | max over the rows a mask keeps, optional L2 normalisation.
//
// One block handles (document b, a chunk of up to 16 masks, a range of the document's rows, a
// 128-column slice). The block first turns the masks of its rows into one 16-bit word per row in
// shared memory, then each warp streams kept rows with 16-byte loads (4 rows in flight per warp) and
// adds each row into the accumulators of every mask that keeps it: a row kept by several of the G
// masks is read once. Rows no mask keeps are never read. Partial sums per row range go to scratch;
// a finalize kernel adds them in a fixed order (deterministic), divides, normalises, and can also
// write the padded bf16 / fp32 copy that the tensor-core scorer reads.
#include "common.cuh"

namespace reinpool {
namespace cuda {
namespace detail {

namespace {
constexpr int GC = 16;        // masks per block
constexpr int ROWCHUNK = 1024;  // rows whose mask bits are staged at once
constexpr int COLS = 128;     // columns per block

template <bool VEC, int MODE>
__global__ void __launch_bounds__(256, 2) poolPartialKernel(PoolBatch pb, int gchunks, int splits,
                                                           int colChunks, float* __restrict__ part) {
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

  __shared__ uint32_t bits[ROWCHUNK];
  __shared__ float red[GC][COLS];
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;

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
    __syncthreads();
    for (int i = tid; i < nrows; i += 256) {
      uint32_t w = 0;
      const int t = c0 + i;
#pragma unroll
      for (int g = 0; g < GC; ++g) {
        if (g < gn && M[(int64_t)(g0 + g) * T + t] != 0) w |= 1u << g;
      }
      bits[i] = w;
    }
    __syncthreads();
    for (int base = warp * 4; base < nrows; base += 32) {
      uint32_t bb[4];
      float v[4][4];
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const int r = base + u;
        bb[u] = r < nrows ? bits[r] : 0u;
        const float* row = Vd + (int64_t)(c0 + r) * dim + col0;
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
  for (int w = 0; w < 8; ++w) {
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
  for (int i = tid; i < gn * COLS; i += 256) {
    const int g = i / COLS, c = i % COLS;
    if (col0 + c >= dim) continue;
    part[((int64_t)split * rowsOut + (int64_t)b * G + g0 + g) * dim + col0 + c] = red[g][c];
  }
}

template <int MODE>
__global__ void poolFinalizeKernel(const float* __restrict__ part, PoolBatch pb, int64_t rowsOut,
                                   int splits, bool normalize, float* __restrict__ out,
                                   PadType padType, void* padded, int dp) {
  const int64_t o = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  const int lane = threadIdx.x & 31;
  if (o >= rowsOut) return;
  const int dim = pb.dim;
  // kept-row count of this mask, from the mask bytes themselves
  const int b = (int)(o / pb.groups), g = (int)(o % pb.groups);
  const int T = pb.docLen[b];
  const uint8_t* m = pb.masks + pb.maskStart[b] + (int64_t)g * T;
  int count = 0;
  for (int t = lane; t < T; t += 32) count += m[t] != 0;
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) count += __shfl_xor_sync(0xffffffffu, count, off);
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
  const int gchunks = (pb.groups + GC - 1) / GC;
  const int colChunks = (pb.dim + COLS - 1) / COLS;
  const int64_t base = (int64_t)pb.batch * gchunks * colChunks;
  const int64_t target = 4LL * numSMs();
  int splits = (int)std::min<int64_t>(64, (target + base - 1) / base);
  splits = std::max(1, std::min(splits, std::max(1, pb.avgLen / 64)));
  float* part;
  RP_TRY(ws.alloc(&part, (size_t)splits * rowsOut * pb.dim));
  const int64_t blocks = base * splits;
  cudaStream_t s = ws.stream();
  if (mode == PoolMode::Mean) {
    if (vec) poolPartialKernel<true, 0><<<(unsigned)blocks, 256, 0, s>>>(pb, gchunks, splits, colChunks, part);
    else poolPartialKernel<false, 0><<<(unsigned)blocks, 256, 0, s>>>(pb, gchunks, splits, colChunks, part);
  } else {
    if (vec) poolPartialKernel<true, 1><<<(unsigned)blocks, 256, 0, s>>>(pb, gchunks, splits, colChunks, part);
    else poolPartialKernel<false, 1><<<(unsigned)blocks, 256, 0, s>>>(pb, gchunks, splits, colChunks, part);
  }
  RP_LAUNCHED();
  const unsigned fblocks = (unsigned)((rowsOut + 7) / 8);
  if (mode == PoolMode::Mean)
    poolFinalizeKernel<0><<<fblocks, 256, 0, s>>>(part, pb, rowsOut, splits, normalize, out, padType, padded, dp);
  else
    poolFinalizeKernel<1><<<fblocks, 256, 0, s>>>(part, pb, rowsOut, splits, normalize, out, padType, padded, dp);
  RP_LAUNCHED();
  return cudaSuccess;
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
