// reinpool CUDA backend: the C++ API (namespace reinpool::cuda). Plain C++ (no CUDA headers), so
// the Node-API addon can include it with an ordinary C++ compiler and link the static library
// reinpool_cuda_kernels. Every function mirrors one in reinpool::cpu (native/kernels/kernels.h),
// takes host pointers, validates nothing that the TypeScript boundary already validated (see
// src/kernels/validate.ts), and returns a Status instead of throwing: no CUDA error ever exits or
// aborts the process. "cuda unavailable: <reason>" (code kUnavailable) means no driver, no device,
// or out of device memory: the caller should fall back to the CPU backend.
//
// Thread safety: every function may be called from any host thread concurrently; each call runs on
// that thread's per-thread default stream and synchronises it before returning.
#pragma once
#include <cstdint>
#include <string>

namespace reinpool {
namespace cuda {

enum StatusCode : int {
  kOk = 0,
  kUnavailable = 1,      // no driver, no device, out of memory: fall back to the CPU backend
  kInvalidArgument = 2,  // an argument the TypeScript validation should have rejected
  kInternal = 3,         // any other CUDA error (message says which)
};

struct Status {
  int code = kOk;
  std::string message;
  bool ok() const { return code == kOk; }
};

enum class PoolMode : int { Mean = 0, Max = 1 };

// Arithmetic of the dot products. Fp32: exact fp32 FMA (the default; results match a CPU reference
// to ~1e-6 relative). Tf32 / Bf16: tensor cores (mma.sync) with operands rounded to tf32 / bf16 and
// fp32 accumulation (relative error ~1e-3 / ~1e-2); falls back to Fp32 where the dimension is too
// large for the tensor-core kernel's shared memory (dim > 256 for bf16, > 128 for tf32).
enum class Precision : int { Fp32 = 0, Tf32 = 1, Bf16 = 2 };

// Probes the runtime: a driver, at least one device, and a context on device 0. Cheap after the
// first call (the answer is cached). Never throws, never aborts.
Status available();
// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)" or the reason it is unavailable.
std::string deviceDescription();

// Pooled vectors, (count * groups) x dim, row d * groups + g. masks is document-major: document d's
// groups x T_d block starts at groups * offsets[d], mask g at groups * offsets[d] + g * T_d; a
// non-zero byte keeps the row. Mean or element-wise max over kept rows; nothing kept gives a zero
// vector; normalize divides by the L2 norm (a zero vector stays zero).
Status poolMasked(const float* vectors, const int32_t* offsets, int32_t count, int32_t dim,
                  const uint8_t* masks, int32_t groups, PoolMode mode, bool normalize, float* out);

// Top-k keys by dot product per query: ids/scores are m x k (k already min(k, n), k >= 1), best
// first, ties broken by the lower key index. Never forms the m x n matrix beyond one tile (k <= 32;
// for k > 32, row chunks of the score matrix are sorted).
Status scoreTopK(const float* queries, int32_t m, const float* keys, int32_t n, int32_t dim,
                 int32_t k, Precision precision, int32_t* ids, float* scores);

// Per query NDCG@k (trec_eval ndcg_cut: gain = judged value, discount log2(rank + 1), ideal from
// the judged gains > 0) and recall@k (relevant retrieved in the first k / judged gains > 0).
// ranked is queries x width, -1 an empty slot. 0 when nothing is relevant. Qrels in CSR form.
Status ndcgAtK(const int32_t* ranked, int32_t queries, int32_t width, const int32_t* qrelOffsets,
               const int32_t* qrelDocs, const float* qrelGains, int32_t k, double* out);
Status recallAtK(const int32_t* ranked, int32_t queries, int32_t width, const int32_t* qrelOffsets,
                 const int32_t* qrelDocs, const float* qrelGains, int32_t k, double* out);

// ColBERT MaxSim top-k: score(q, d) = sum over q's vectors of the max over d's vectors of the dot
// product; an empty document scores -Infinity, an empty query 0. k already min(k, docCount).
Status maxSimTopK(const float* queryVectors, const int32_t* queryOffsets, int32_t queryCount,
                  const float* docVectors, const int32_t* docOffsets, int32_t docCount, int32_t dim,
                  int32_t k, Precision precision, int32_t* ids, float* scores);

// The fused rollout step: pool (as poolMasked), score against the query matrix (numQueries x dim),
// top-k, binary NDCG@k where query q is relevant to batch document d iff queryOwner[q] ==
// docIndex[d] (docIndex may be null: d). rewards has count * groups entries, d * groups + g.
Status inverseRetrievalReward(const float* vectors, const int32_t* offsets, int32_t count,
                              int32_t dim, const uint8_t* masks, int32_t groups, PoolMode mode,
                              bool normalize, const float* queries, int32_t numQueries,
                              const int32_t* queryOwner, const int32_t* docIndex, int32_t k,
                              Precision precision, float* rewards);

// ---- Device-resident corpus: upload the corpus and the query matrix once ------------------------
struct Corpus;  // opaque

// Uploads vectors (offsets[count] x dim), offsets (count + 1), the synthetic query matrix
// (numQueries x dim, may be 0 rows if only pooling is used) and queryOwner (numQueries).
Status corpusCreate(const float* vectors, const int32_t* offsets, int32_t count, int32_t dim,
                    const float* queries, int32_t numQueries, const int32_t* queryOwner,
                    Corpus** out);
// Frees the device memory; null is a no-op. Never fails.
void corpusDestroy(Corpus* corpus);
int32_t corpusCount(const Corpus* corpus);
int32_t corpusDim(const Corpus* corpus);
int64_t corpusDeviceBytes(const Corpus* corpus);

// Pools masks for a batch of corpus documents: batchDocs[b] (0 <= . < count) names the document;
// masks are laid out as in poolMasked over the batch (batch document b's groups x T block follows
// b - 1's). out is (batch * groups) x dim.
Status corpusPoolMasked(Corpus* corpus, const int32_t* batchDocs, int32_t batch,
                        const uint8_t* masks, int32_t groups, PoolMode mode, bool normalize,
                        float* out);
// The fused reward for a batch of corpus documents (masks as corpusPoolMasked); the owner id of
// batch document b is docIndex[b] (null: batchDocs[b], the corpus index). rewards is batch * groups.
Status corpusReward(Corpus* corpus, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                    int32_t groups, PoolMode mode, bool normalize, const int32_t* docIndex,
                    int32_t k, Precision precision, float* rewards);
// Top-k of the corpus query matrix for m host vectors (m x dim): the evaluation-side search.
Status corpusQueryTopK(Corpus* corpus, const float* vectors, int32_t m, int32_t k,
                       Precision precision, int32_t* ids, float* scores);

}  // namespace cuda
}  // namespace reinpool
