// forwardRetrievalReward on the device: the scoring step after the pooling (launchPool).
//
// Correct and simple rather than fast: the forward reward does one dot product per (pooled row,
// own query), a few per row, so it is bound by reading the pooled vectors and the queries once.
// One block per pooled row r = b * groups + g; its warps take the batch document's own queries in
// turn (query j of document b is byOwner[qStart[b] + j]: the query indices sorted by owner), each
// warp computes the fp32 FMA dot product with the pooled vector (lane-strided, butterfly sum, so
// every lane holds the same value), counts the competitor scores strictly above it and adds the
// gain 1 / log2(rank + 1); the block adds the warps' sums in warp order (deterministic) and divides
// by the document's query count. The CPU reference is in check/check.cu (refForward).
#include "common.cuh"
#include "corpus.cuh"

namespace reinpool {
namespace cuda {
namespace detail {

namespace {
constexpr int FWD_THREADS = 128;
constexpr int FWD_WARPS = FWD_THREADS / 32;

__global__ void __launch_bounds__(FWD_THREADS)
forwardRewardKernel(const float* __restrict__ P, int dim, const float* __restrict__ Q,
                    const int32_t* __restrict__ byOwner, const float* __restrict__ C, int k,
                    const int32_t* __restrict__ qStart, const int32_t* __restrict__ qCount,
                    int groups, float* __restrict__ rewards) {
  const int r = blockIdx.x;
  const int b = r / groups;
  const int n = qCount[b], q0 = qStart[b];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const float* v = P + (int64_t)r * dim;
  __shared__ double part[FWD_WARPS];
  double sum = 0;
  for (int j = warp; j < n; j += FWD_WARPS) {
    const int q = byOwner[q0 + j];
    const float* x = Q + (int64_t)q * dim;
    float s = 0.f;
    for (int c = lane; c < dim; c += 32) s = fmaf(x[c], v[c], s);
#pragma unroll
    for (int o = 16; o; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    const float* bar = C + (int64_t)q * k;
    int above = 0;
    for (int t = lane; t < k; t += 32) above += bar[t] > s;  // a tie goes to the document
#pragma unroll
    for (int o = 16; o; o >>= 1) above += __shfl_xor_sync(0xffffffffu, above, o);
    const int rank = 1 + above;
    if (rank <= k) sum += 1.0 / log2((double)rank + 1.0);
  }
  if (lane == 0) part[warp] = sum;
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0;
    for (int w = 0; w < FWD_WARPS; ++w) t += part[w];
    rewards[r] = n > 0 ? (float)(t / n) : 0.f;
  }
}
}  // namespace

cudaError_t corpusForwardDevice(Corpus* c, const int64_t* docRow, const int32_t* docLen,
                                const int64_t* maskStart, const uint8_t* masks, int batch,
                                int groups, int avgLen, PoolMode mode, bool normalize,
                                const int32_t* qStart, const int32_t* qCount, float* rewards,
                                Arena& ws) {
  const int m = batch * groups;
  if (m == 0) return cudaSuccess;
  float* P;
  RP_TRY(ws.alloc(&P, (size_t)m * c->dim));
  PoolBatch pb{c->V, c->dim, docRow, docLen, maskStart, masks, batch, groups, avgLen};
  RP_TRY(launchPool(pb, mode, normalize, P, PadType::None, nullptr, 0, ws));
  forwardRewardKernel<<<m, FWD_THREADS, 0, ws.stream()>>>(P, c->dim, c->Q, c->byOwner, c->C, c->compK,
                                                         qStart, qCount, groups, rewards);
  RP_LAUNCHED();
  return cudaSuccess;
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
