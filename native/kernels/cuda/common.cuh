// Internal helpers shared by the CUDA translation units: error plumbing, stream-ordered scratch
// memory, the top-k ordering rule, and the internal device-pointer API that api.cu and check.cu use.
#pragma once
#include <cuda_runtime.h>
#include <cuda_bf16.h>
#include <cstdint>
#include <cstdio>
#include <vector>
#include <cmath>
#include "reinpool_cuda.h"

namespace reinpool {
namespace cuda {
namespace detail {

#define RP_TRY(expr)                                  \
  do {                                                \
    cudaError_t rp_err_ = (expr);                     \
    if (rp_err_ != cudaSuccess) return rp_err_;       \
  } while (0)
#define RP_LAUNCHED() RP_TRY(cudaGetLastError())

// Turns a CUDA error into the API's Status ("cuda unavailable: ..." for driver/device/memory).
Status toStatus(cudaError_t e, const char* where);  // reinpool::Status
// Makes sure the runtime is initialised once (device 0, memory pool that keeps freed memory).
cudaError_t ensureInit();

// Scratch allocations on a stream (cudaMallocAsync), freed in reverse order when the arena dies.
class Arena {
 public:
  explicit Arena(cudaStream_t s) : stream_(s) {}
  ~Arena() {
    for (size_t i = ptrs_.size(); i-- > 0;) cudaFreeAsync(ptrs_[i], stream_);
  }
  template <class T>
  cudaError_t alloc(T** p, size_t count) {
    *p = nullptr;
    if (count == 0) count = 1;
    void* raw = nullptr;
    cudaError_t e = cudaMallocAsync(&raw, count * sizeof(T), stream_);
    if (e != cudaSuccess) return e;
    ptrs_.push_back(raw);
    *p = static_cast<T*>(raw);
    return cudaSuccess;
  }
  template <class T>
  cudaError_t upload(T** p, const T* host, size_t count) {
    RP_TRY(alloc(p, count));
    if (count == 0) return cudaSuccess;
    return cudaMemcpyAsync(*p, host, count * sizeof(T), cudaMemcpyHostToDevice, stream_);
  }
  cudaStream_t stream() const { return stream_; }

 private:
  cudaStream_t stream_;
  std::vector<void*> ptrs_;
};

// ---- the ordering rule of every top-k: higher score first, then lower index --------------------
__device__ __forceinline__ bool better(float a, int ia, float b, int ib) {
  return a > b || (a == b && ia < ib);
}

template <int KT>
__device__ __forceinline__ void topkInsert(float (&ls)[KT], int (&li)[KT], float s, int id) {
  if (!better(s, id, ls[KT - 1], li[KT - 1])) return;
  ls[KT - 1] = s;
  li[KT - 1] = id;
#pragma unroll
  for (int j = KT - 1; j > 0; --j) {
    if (better(ls[j], li[j], ls[j - 1], li[j - 1])) {
      float ts = ls[j]; ls[j] = ls[j - 1]; ls[j - 1] = ts;
      int ti = li[j]; li[j] = li[j - 1]; li[j - 1] = ti;
    }
  }
}

constexpr int kNoId = 0x7fffffff;

// ---- internal device-pointer API ----------------------------------------------------------------

// A batch of documents to pool: document b owns rows docRow[b] .. docRow[b] + docLen[b] - 1 of V;
// its groups x docLen[b] mask block starts at byte maskStart[b]. All pointers are device pointers.
struct PoolBatch {
  const float* V;
  int dim;
  const int64_t* docRow;
  const int32_t* docLen;
  const int64_t* maskStart;
  const uint8_t* masks;
  int batch;
  int groups;
  int avgLen;  // host-side hint for the split heuristic
};

// Element type of the padded operand copies the tensor-core kernels read.
enum class PadType : int { None = 0, Bf16 = 1, F32 = 2 };
int paddedDim(int dim, Precision p);      // dim rounded up for the tensor-core kernels
bool tensorCoreFits(int dim, Precision p);  // whether the tc kernel can take this dim

// out: (batch*groups) x dim fp32 (may be null); padded: (batch*groups) x dp of padType (may be null).
cudaError_t launchPool(const PoolBatch& pb, PoolMode mode, bool normalize, float* out,
                       PadType padType, void* padded, int dp, Arena& ws);

// Converts an fp32 matrix (rows x dim) to a padded rows x dp copy (bf16, or fp32 with zero pad).
cudaError_t launchPad(const float* src, int rows, int dim, PadType t, void* dst, int dp,
                      cudaStream_t s);

// The reward epilogue: row r = b * groups + g; rewards[r] = binary NDCG@k of the row's top-k
// against owner[id] == rowOwner[b], ideal from relCount[b].
struct RewardEpi {
  const int32_t* owner;
  const int32_t* rowOwner;
  const int32_t* relCount;
  int groups;
  float* rewards;
};

// Top-k of A (m x dim) against B (n x dim), all device pointers. For Tf32/Bf16, Ap/Bp are the
// padded copies (m x dp, n x dp) in the matching type; A/B fp32 are used by the Fp32 path.
// Exactly one of (ids/scores) or epi is used.
struct ScoreOperands {
  const float* A; const void* Ap;
  const float* B; const void* Bp;
  int m, n, dim, dp;
  Precision precision;
};
cudaError_t launchScoreTopK(const ScoreOperands& op, int k, int32_t* ids, float* scores,
                            const RewardEpi* epi, Arena& ws);

// MaxSim: queries/docs device-resident (fp32 and, for Bf16, padded bf16 copies); host offsets are
// needed to plan the query tiles.
struct MaxSimOperands {
  const float* Q; const void* Qp; const int32_t* qOffsetsHost; int qCount;
  const float* D; const void* Dp; const int32_t* dOffsetsDev; const int32_t* dOffsetsHost;
  int dCount; int dim; int dp; Precision precision;
};
cudaError_t launchMaxSimTopK(const MaxSimOperands& op, int k, int32_t* ids, float* scores, Arena& ws);

cudaError_t launchRankedEval(bool ndcg, const int32_t* ranked, int queries, int width,
                             const int32_t* qOff, const int32_t* qDocs, const float* qGains, int k,
                             double* out, cudaStream_t s);

// Generic per-row top-k over a materialised rows x ncols matrix (row stride ld); ids null means
// column index. k <= 32 uses registers; larger k uses a stable segmented sort.
cudaError_t launchRowTopK(const float* S, const int32_t* ids, int rows, int ncols, int64_t ld,
                          int k, int32_t* outIds, float* outScores, const RewardEpi* epi,
                          Arena& ws);

int numSMs();

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
