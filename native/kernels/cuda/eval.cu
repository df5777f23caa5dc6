// ndcgAtK / recallAtK: one thread per query (the inputs are tiny next to the scoring kernels).
// NDCG as trec_eval's ndcg_cut: DCG over the first min(k, width) ranked ids, gain = the judged value
// when > 0 (a document judged twice keeps its LAST gain, as the CPU and TypeScript backends),
// discount log2(rank + 1) with rank from 1; the ideal DCG from the judged gains > 0 sorted
// descending, cut at k. Recall: judged-relevant ids among the
// first k over the number judged relevant. Empty slots (-1) score nothing. 0 when nothing is relevant.
#include "common.cuh"

namespace reinpool {
namespace cuda {
namespace detail {

namespace {
__global__ void rankedEvalKernel(bool ndcg, const int32_t* __restrict__ ranked, int queries, int width,
                                 const int32_t* __restrict__ qOff, const int32_t* __restrict__ qDocs,
                                 const float* __restrict__ qGains, int k, double* __restrict__ out) {
  const int q = blockIdx.x * blockDim.x + threadIdx.x;
  if (q >= queries) return;
  const int a = qOff[q], b = qOff[q + 1];
  // judgement j counts only if it is the last one for its document
  auto isLast = [&](int j) {
    for (int i = j + 1; i < b; ++i) if (qDocs[i] == qDocs[j]) return false;
    return true;
  };
  int npos = 0;
  for (int j = a; j < b; ++j) npos += (qGains[j] > 0.f && isLast(j));
  if (npos == 0) { out[q] = 0.0; return; }
  const int depth = min(k, width);
  double dcg = 0.0;
  int hits = 0;
  for (int r = 0; r < depth; ++r) {
    const int id = ranked[(int64_t)q * width + r];
    if (id < 0) continue;
    float gain = 0.f;
    for (int j = a; j < b; ++j) if (qDocs[j] == id) gain = qGains[j];
    if (gain > 0.f) { dcg += (double)gain / log2((double)r + 2.0); ++hits; }
  }
  if (!ndcg) { out[q] = (double)hits / (double)npos; return; }
  // ideal: the rank of judgement j among positive gains (descending, ties by position)
  double ideal = 0.0;
  for (int j = a; j < b; ++j) {
    const float gj = qGains[j];
    if (!(gj > 0.f) || !isLast(j)) continue;
    int rank = 0;
    for (int i = a; i < b; ++i) {
      const float gi = qGains[i];
      if (gi > 0.f && (gi > gj || (gi == gj && i < j)) && isLast(i)) ++rank;
    }
    if (rank < k) ideal += (double)gj / log2((double)rank + 2.0);
  }
  out[q] = ideal > 0.0 ? dcg / ideal : 0.0;
}
}  // namespace

cudaError_t launchRankedEval(bool ndcg, const int32_t* ranked, int queries, int width,
                             const int32_t* qOff, const int32_t* qDocs, const float* qGains, int k,
                             double* out, cudaStream_t s) {
  if (queries == 0) return cudaSuccess;
  rankedEvalKernel<<<(queries + 127) / 128, 128, 0, s>>>(ndcg, ranked, queries, width, qOff, qDocs, qGains, k, out);
  return cudaGetLastError();
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
