// The device-resident corpus behind reinpool::cuda::Corpus (internal; check.cu uses it to time
// the device-only reward step).
#pragma once
#include "common.cuh"
#include <mutex>
#include <unordered_map>

namespace reinpool {
namespace cuda {

struct Corpus {
  int count = 0, dim = 0, numQueries = 0;
  std::vector<int32_t> offsets;                 // host copy (count + 1)
  std::unordered_map<int32_t, int32_t> ownerCount;  // queries per owner id
  float* V = nullptr;                           // offsets[count] x dim
  float* Q = nullptr;                           // numQueries x dim
  int32_t* owner = nullptr;                     // numQueries
  void* Qpad[3] = {nullptr, nullptr, nullptr};  // padded copies by Precision (lazy)
  // The forward reward's competitors (corpusSetCompetitors): C is numQueries x compK; byOwner the
  // query indices sorted (stably) by owner, sortedOwner their owners on the host.
  float* C = nullptr;
  int compK = 0;
  int32_t* byOwner = nullptr;
  std::vector<int32_t> sortedOwner;
  int64_t bytes = 0;
  std::mutex mu;
};

namespace detail {
// The padded query matrix for a tensor-core precision, created on first use.
cudaError_t corpusPadded(Corpus* c, Precision p, const void** out);
// The reward step with everything already on the device. docRow/docLen/maskStart/rowOwner/
// relCount have `batch` entries; rewards has batch * groups.
cudaError_t corpusRewardDevice(Corpus* c, const int64_t* docRow, const int32_t* docLen,
                               const int64_t* maskStart, const uint8_t* masks, int batch,
                               int groups, int avgLen, PoolMode mode, bool normalize,
                               const int32_t* rowOwner, const int32_t* relCount, int k,
                               Precision precision, float* rewards, Arena& ws);
// The forward reward with everything on the device (forward.cu): batch document b's own queries
// are byOwner[qStart[b] .. qStart[b] + qCount[b]); rewards has batch * groups entries.
cudaError_t corpusForwardDevice(Corpus* c, const int64_t* docRow, const int32_t* docLen,
                                const int64_t* maskStart, const uint8_t* masks, int batch,
                                int groups, int avgLen, PoolMode mode, bool normalize,
                                const int32_t* qStart, const int32_t* qCount, float* rewards,
                                Arena& ws);
}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
