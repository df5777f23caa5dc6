// mlpCompress on the device: the MLP policy's keep-logits, the selection and the pooling.
//
// Correct and simple rather than fast. One block per document: the block computes the document
// mean (fp64 per column) and its norm into shared memory; each thread then takes the document's
// vectors in turn and runs the whole MLP for that vector in fp32 FMA, the hidden activations in a
// global scratch (two rows of `hidden` floats per vector, ping-pong), and writes the logit; the
// block then selects (threshold, or rank = number of vectors ranked above by (logit desc, position
// asc) for top-k / ratio, so ties go to the lower position), and the kept rows are pooled by
// poolMasked's own device code (launchPool, groups = 1). The CPU reference is in check/check.cu
// (refMlp).
#include <algorithm>
#include <vector>

#include "common.cuh"

namespace reinpool {
namespace cuda {
namespace detail {

namespace {
constexpr int MLP_THREADS = 128;

struct MlpDevice {
  int dim, hidden, layers;
  const float* const* W;  // device array of layers device pointers
  const float* const* b;
  const float* headW;
  float headB;
};

__global__ void __launch_bounds__(MLP_THREADS)
mlpKernel(const float* __restrict__ V, const int32_t* __restrict__ offsets, MlpDevice p, int selMode,
          double zThr, int topK, double ratio, float* __restrict__ scratch, float* __restrict__ logits,
          uint8_t* __restrict__ masks) {
  extern __shared__ double sh[];  // dim doubles: the mean
  const int d = blockIdx.x;
  const int64_t start = offsets[d];
  const int n = offsets[d + 1] - (int)start;
  if (n == 0) return;
  const int D = p.dim, H = p.hidden;
  const float* X = V + start * D;
  for (int t = threadIdx.x; t < D; t += blockDim.x) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += (double)X[(int64_t)i * D + t];
    sh[t] = s / n;
  }
  __syncthreads();
  __shared__ double mNormS;
  __shared__ int anyKept;
  if (threadIdx.x == 0) {
    double s = 0;
    for (int t = 0; t < D; ++t) s += sh[t] * sh[t];
    mNormS = sqrt(s);
    anyKept = 0;
  }
  __syncthreads();
  const double mNorm = mNormS;
  const double posDen = (double)max(n - 1, 1);
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const float* x = X + (int64_t)i * D;
    float* h0 = scratch + (start + i) * 2 * H;
    float* h1 = h0 + H;
    double xx = 0, xm = 0;
    for (int t = 0; t < D; ++t) {
      xx += (double)x[t] * x[t];
      xm += (double)x[t] * sh[t];
    }
    const float xNorm = (float)sqrt(xx);
    const float cosv = (float)(xm / (sqrt(xx) * mNorm + 1e-6));
    const float pos = (float)(i / posDen);
    const float* W0 = p.W[0];
    for (int j = 0; j < H; ++j) {
      float a = p.b[0][j];
      for (int t = 0; t < D; ++t) {
        const float m = (float)sh[t];
        a = fmaf(x[t], W0[(int64_t)t * H + j], a);
        a = fmaf(m, W0[(int64_t)(D + t) * H + j], a);
        a = fmaf(x[t] * m, W0[(int64_t)(2 * D + t) * H + j], a);
      }
      a = fmaf(cosv, W0[(int64_t)(3 * D) * H + j], a);
      a = fmaf(xNorm, W0[(int64_t)(3 * D + 1) * H + j], a);
      a = fmaf(pos, W0[(int64_t)(3 * D + 2) * H + j], a);
      h0[j] = a > 0.f ? a : 0.f;
    }
    float* cur = h0;
    float* nxt = h1;
    for (int l = 1; l < p.layers; ++l) {
      const float* W = p.W[l];
      for (int j = 0; j < H; ++j) {
        float a = p.b[l][j];
        for (int t = 0; t < H; ++t) a = fmaf(cur[t], W[(int64_t)t * H + j], a);
        nxt[j] = a > 0.f ? a : 0.f;
      }
      float* tmp = cur; cur = nxt; nxt = tmp;
    }
    double z = p.headB;
    for (int j = 0; j < H; ++j) z += (double)cur[j] * p.headW[j];
    logits[start + i] = (float)z;
  }
  __syncthreads();
  const float* z = logits + start;
  uint8_t* m = masks + start;
  if (selMode == 0) {
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
      const bool keep = (double)z[i] > zThr;
      m[i] = keep ? 1 : 0;
      if (keep) atomicOr(&anyKept, 1);
    }
    __syncthreads();
    if (!anyKept && threadIdx.x == 0) {
      int best = 0;
      for (int i = 1; i < n; ++i)
        if (z[i] > z[best]) best = i;
      m[best] = 1;
    }
    return;
  }
  int k;
  if (selMode == 1) {
    k = min(n, topK);
  } else {
    k = (int)ceil(ratio * (double)n - 1e-9);
    k = max(1, min(n, k));
  }
  for (int i = threadIdx.x; i < n; i += blockDim.x) {
    const float zi = z[i];
    int rank = 0;
    for (int u = 0; u < n; ++u) rank += (z[u] > zi || (z[u] == zi && u < i)) ? 1 : 0;
    m[i] = rank < k ? 1 : 0;
  }
}
}  // namespace

}  // namespace detail

using namespace detail;

Status mlpCompress(const RaggedView& docs, const MlpPolicyView& p, const SelectSpec& sel, PoolMode mode,
                   bool normalize, float* out, float* logits, uint8_t* masks, int /*threads*/) {
  const char* where = "mlpCompress";
  if (docs.dim < 1 || p.dim != docs.dim || p.hidden < 1 || p.layers < 1 || !p.layerW || !p.layerB ||
      !p.headW || docs.count < 0)
    return Status::Error(ErrorCode::InvalidArgument, "mlpCompress: policy.dim must equal docs.dim; hidden and layers >= 1");
  if ((sel.mode == SelectMode::Threshold && !(sel.threshold > 0 && sel.threshold < 1)) ||
      (sel.mode == SelectMode::TopK && sel.topK < 1) || (sel.mode == SelectMode::Ratio && !(sel.ratio > 0 && sel.ratio <= 1)))
    return Status::Error(ErrorCode::InvalidArgument, "mlpCompress: bad threshold, topK or ratio");
  if (docs.count > 0x7fffffff || docs.total() > 0x7fffffff)
    return Status::Error(ErrorCode::InvalidArgument, "mlpCompress: too many documents or rows for the CUDA backend");
  if (docs.count == 0) return Status::Ok();
  cudaError_t e = ensureInit();
  if (e != cudaSuccess) return toStatus(e, where);
  cudaStream_t s = cudaStreamPerThread;
  {
    Arena ws(s);
    e = [&]() -> cudaError_t {
      const int count = (int)docs.count, D = docs.dim, H = p.hidden, L = p.layers;
      const int64_t total = docs.total();
      float *V, *O, *Z, *S;
      int32_t* off;
      uint8_t* M;
      RP_TRY(ws.upload(&V, docs.vectors, (size_t)total * D));
      RP_TRY(ws.upload(&off, docs.offsets, (size_t)count + 1));
      std::vector<const float*> wp(L), bp(L);
      for (int l = 0; l < L; ++l) {
        float *w, *b;
        const size_t inW = l == 0 ? (size_t)3 * D + 3 : (size_t)H;
        RP_TRY(ws.upload(&w, p.layerW[l], inW * H));
        RP_TRY(ws.upload(&b, p.layerB[l], (size_t)H));
        wp[l] = w;
        bp[l] = b;
      }
      const float** dW;
      const float** dB;
      float* hw;
      RP_TRY(ws.upload(&dW, wp.data(), (size_t)L));
      RP_TRY(ws.upload(&dB, bp.data(), (size_t)L));
      RP_TRY(ws.upload(&hw, p.headW, (size_t)H));
      RP_TRY(ws.alloc(&Z, (size_t)total));
      RP_TRY(ws.alloc(&M, (size_t)total));
      RP_TRY(ws.alloc(&S, (size_t)total * 2 * H));
      RP_TRY(ws.alloc(&O, (size_t)count * D));
      RP_TRY(cudaMemsetAsync(M, 0, (size_t)std::max<int64_t>(1, total), s));
      MlpDevice md{D, H, L, dW, dB, hw, p.headB};
      const int selMode = sel.mode == SelectMode::Threshold ? 0 : sel.mode == SelectMode::TopK ? 1 : 2;
      const double zThr = std::log(sel.threshold / (1.0 - sel.threshold));
      mlpKernel<<<count, MLP_THREADS, sizeof(double) * D, s>>>(V, off, md, selMode, zThr, sel.topK, sel.ratio, S, Z, M);
      RP_LAUNCHED();
      std::vector<int64_t> docRow(count), maskStart(count);
      std::vector<int32_t> docLen(count);
      for (int d = 0; d < count; ++d) {
        docRow[d] = maskStart[d] = docs.offsets[d];
        docLen[d] = docs.offsets[d + 1] - docs.offsets[d];
      }
      int64_t *dRow, *dMask;
      int32_t* dLen;
      RP_TRY(ws.upload(&dRow, docRow.data(), docRow.size()));
      RP_TRY(ws.upload(&dMask, maskStart.data(), maskStart.size()));
      RP_TRY(ws.upload(&dLen, docLen.data(), docLen.size()));
      PoolBatch pb{V, D, dRow, dLen, dMask, M, count, 1, (int)(total / count)};
      RP_TRY(launchPool(pb, mode, normalize, O, PadType::None, nullptr, 0, ws));
      if (total > 0) {
        RP_TRY(cudaMemcpyAsync(logits, Z, (size_t)total * sizeof(float), cudaMemcpyDeviceToHost, s));
        RP_TRY(cudaMemcpyAsync(masks, M, (size_t)total, cudaMemcpyDeviceToHost, s));
      }
      RP_TRY(cudaMemcpyAsync(out, O, (size_t)count * D * sizeof(float), cudaMemcpyDeviceToHost, s));
      return cudaSuccess;
    }();
    if (e == cudaSuccess) e = cudaStreamSynchronize(s);
  }
  if (e != cudaSuccess) {
    cudaStreamSynchronize(s);
    return toStatus(e, where);
  }
  return Status::Ok();
}

}  // namespace cuda
}  // namespace reinpool
