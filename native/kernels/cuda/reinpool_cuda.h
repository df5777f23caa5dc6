// reinpool CUDA backend: extensions beyond kernels.h (namespace reinpool::cuda).
//
// kernels.h declares, for reinpool::cuda, the same functions as reinpool::cpu (REINPOOL_DECLARE_KERNELS:
// init, info, poolMasked, scoreTopK, ndcgAtK, recallAtK, maxSimTopK, inverseRetrievalReward,
// forwardRetrievalReward) and
// backend(); native/kernels/cuda/api.cu implements them. This header adds what only the GPU has:
// a precision option for the dot products and the device-resident corpus handle. Plain C++ (no
// CUDA headers), so the Node-API addon includes it with an ordinary C++ compiler and links the
// static library reinpool_cuda_kernels.
//
// Errors: nothing throws, nothing exits or aborts. No driver / no device / device too old ->
// ErrorCode::Unavailable, message "cuda unavailable: <reason>"; device out of memory ->
// ErrorCode::OutOfMemory, message "cuda unavailable: out of memory ..."; the caller falls back to
// the CPU backend. Any other CUDA error -> ErrorCode::Internal, "cuda error in <fn>: <name>: <text>".
//
// Threads: every function may be called from any host thread concurrently; each call runs on its
// thread's per-thread default stream, synchronises it before returning, and uses stream-ordered
// scratch memory (cudaMallocAsync, kept in the device pool between calls).
#pragma once
#include <cstdint>
#include <string>

#include "../kernels.h"

namespace reinpool {
namespace cuda {

// Arithmetic of the dot products. Fp32: exact fp32 FMA (the default; matches a CPU reference to
// ~1e-6 relative). Tf32 / Bf16: tensor cores (mma.sync) with operands rounded to tf32 / bf16 and
// fp32 accumulation (relative error ~1e-3 / ~1e-2). Falls back to Fp32 where the dimension does
// not fit the tensor-core kernel's shared memory (bf16: dim <= 368, tf32: dim <= 184 on H100).
// The kernels.h entry points use the precision named by REINPOOL_CUDA_PRECISION
// (fp32 | tf32 | bf16; default fp32), read once.
enum class Precision : int { Fp32 = 0, Tf32 = 1, Bf16 = 2 };
Precision defaultPrecision();

// The kernels.h functions with an explicit precision (threads is not needed on the GPU).
Status scoreTopKEx(const MatrixView& queries, const MatrixView& keys, int32_t k, int32_t* ids,
                   float* scores, Precision precision);
Status maxSimTopKEx(const RaggedView& queries, const RaggedView& docs, int32_t k, int32_t* ids,
                    float* scores, Precision precision);
Status inverseRetrievalRewardEx(const RaggedView& docs, const uint8_t* masks, int32_t groups,
                                PoolMode mode, bool normalize, const MatrixView& queries,
                                const int32_t* queryOwner, const int32_t* docIndex, int32_t k,
                                float* out, Precision precision);

// ---- Device-resident corpus: upload the corpus and the query matrix once ------------------------
struct Corpus;  // opaque

// Uploads docs (the whole corpus), the synthetic query matrix (may have 0 rows when only pooling is
// used) and queryOwner (queries.rows entries). *out is null on failure.
Status corpusCreate(const RaggedView& docs, const MatrixView& queries, const int32_t* queryOwner,
                    Corpus** out);
// Frees the device memory; null is a no-op. Never fails.
void corpusDestroy(Corpus* corpus);
int64_t corpusCount(const Corpus* corpus);
int32_t corpusDim(const Corpus* corpus);
int64_t corpusDeviceBytes(const Corpus* corpus);

// Pools masks for a batch of corpus documents: batchDocs[b] (0 <= . < count) names the document.
// masks are document-major over the batch: batch document b's groups x T block follows b - 1's
// (exactly poolMasked's layout for the batch as its own ragged set). out is (batch*groups) x dim.
Status corpusPoolMasked(Corpus* corpus, const int32_t* batchDocs, int32_t batch,
                        const uint8_t* masks, int32_t groups, PoolMode mode, bool normalize,
                        float* out);
// The fused reward for a batch of corpus documents (masks as corpusPoolMasked): the relevant
// queries of batch document b are those with queryOwner[q] == docIndex[b] (docIndex null:
// batchDocs[b]). rewards has batch * groups entries, b * groups + g. Only the masks (and a few
// bytes per document) cross the bus.
Status corpusReward(Corpus* corpus, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                    int32_t groups, PoolMode mode, bool normalize, const int32_t* docIndex,
                    int32_t k, Precision precision, float* rewards);
// Keeps the forward reward's competitor scores on the device: competitorScores is
// queries.rows x k (row q: the k best competitor scores of query q, -Infinity padded). Call at
// most once, right after corpusCreate, before the handle is used from other threads.
Status corpusSetCompetitors(Corpus* corpus, const MatrixView& competitorScores);
// The forward reward (kernels.h forwardRetrievalReward) for a batch of corpus documents (masks as
// corpusPoolMasked); batch document b's own queries are those with queryOwner[q] == docIndex[b]
// (docIndex null: batchDocs[b]). Needs corpusSetCompetitors. Always fp32.
Status corpusForwardReward(Corpus* corpus, const int32_t* batchDocs, int32_t batch,
                           const uint8_t* masks, int32_t groups, PoolMode mode, bool normalize,
                           const int32_t* docIndex, float* rewards);
// Top-k of the corpus query matrix for m host vectors (m x dim), k <= queries.rows.
Status corpusQueryTopK(Corpus* corpus, const float* vectors, int32_t m, int32_t k,
                       Precision precision, int32_t* ids, float* scores);

}  // namespace cuda
}  // namespace reinpool
