// reinpool kernels: the whole C++ API.
//
// Plain C++17, no Node headers. Every backend (reinpool::cpu, and reinpool::cuda in
// native/kernels/cuda/) implements the functions declared by REINPOOL_DECLARE_KERNELS below with
// the same signatures and the same semantics as the TypeScript contract (src/kernels/types.ts).
// The Node-API glue (native/addon/) validates every argument and then calls a backend through the
// small function table `Backend`, so one addon source builds reinpool_cpu.node and
// reinpool_cuda.node.
//
// Conventions shared by every function:
// - Arguments are raw pointers plus sizes; the caller has already validated them (lengths,
//   monotone offsets, ids in range) and allocated every output. Kernels re-check only what is
//   cheap (dims, k) and never read outside the sizes they are given.
// - Nothing throws across this boundary: each function returns a Status; on failure `code` is not
//   Ok and `message` says why (out of memory, device error, invalid argument).
// - `threads` is the number of CPU threads to use; 0 means the backend default (all cores, or the
//   environment variable REINPOOL_THREADS). Backends that do not use CPU threads ignore it.
// - Dot products accumulate in fp32 (FMA); means, sums of MaxSim maxima and metrics in fp64.
#ifndef REINPOOL_KERNELS_H
#define REINPOOL_KERNELS_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace reinpool {

// Error codes carried by Status.
enum class ErrorCode : int {
  Ok = 0,
  InvalidArgument = 1,  // a precondition the caller should have checked
  OutOfMemory = 2,      // an allocation failed
  Unavailable = 3,      // the backend cannot run here (no device, no driver)
  Internal = 4,         // anything else (device error, thread failure)
};

// Result of every kernel: Ok, or a code and a human-readable message.
struct Status {
  ErrorCode code = ErrorCode::Ok;
  std::string message;
  bool ok() const { return code == ErrorCode::Ok; }
  static Status Ok() { return Status(); }
  static Status Error(ErrorCode c, std::string m) {
    Status s;
    s.code = c;
    s.message = std::move(m);
    return s;
  }
};

// A ragged set of vectors (MultiVectorSet): item i owns rows offsets[i] .. offsets[i+1]-1 of the
// row-major `vectors`; offsets has count + 1 entries, offsets[0] = 0, non-decreasing, and
// vectors holds offsets[count] * dim floats.
struct RaggedView {
  const float* vectors = nullptr;
  const int32_t* offsets = nullptr;
  int64_t count = 0;
  int32_t dim = 0;
  int64_t total() const { return offsets ? offsets[count] : 0; }
};

// A dense row-major rows x dim float32 matrix.
struct MatrixView {
  const float* data = nullptr;
  int64_t rows = 0;
  int32_t dim = 0;
};

// Graded qrels in compressed rows: query q's judged documents are docs[offsets[q] ..
// offsets[q+1]-1] with gains gains[...]; gains <= 0 count as not relevant.
struct QrelsView {
  const int32_t* offsets = nullptr;
  const int32_t* docs = nullptr;
  const float* gains = nullptr;
};

// Pooling of the kept vectors: mean (fp64 sum / count) or element-wise max.
enum class PoolMode : int { Mean = 0, Max = 1 };

// An MLP keep/drop policy (src/policy/network.ts, type 'mlp'): per-vector features
// [x, m, x*m, cos(x, m), |x|, t / max(T_d - 1, 1)] with m the document mean, `layers` ReLU layers
// (layerW[0]: (3*dim+3) x hidden, the others hidden x hidden, row-major input x output; layerB[l]:
// hidden), then the keep-logit head headW (hidden) + headB.
struct MlpPolicyView {
  int32_t dim = 0;
  int32_t hidden = 0;
  int32_t layers = 0;
  const float* const* layerW = nullptr;
  const float* const* layerB = nullptr;
  const float* headW = nullptr;
  float headB = 0;
};

// Which vectors inference keeps (src/policy/infer.ts): logit > log(threshold / (1 - threshold)),
// the topK most probable, or the max(1, ceil(ratio * T_d - 1e-9)) most probable (ties to the lower
// position); a non-empty document that keeps nothing keeps its most probable vector (the first).
enum class SelectMode : int { Threshold = 0, TopK = 1, Ratio = 2 };
struct SelectSpec {
  SelectMode mode = SelectMode::Threshold;
  double threshold = 0.5;  // in (0, 1)
  int32_t topK = 1;        // >= 1
  double ratio = 1;        // in (0, 1]
};

// What a backend reports about itself (the addon's info()).
struct BackendInfo {
  std::string name;    // "cpu" or "cuda"
  std::string simd;    // cpu: "avx512" | "avx2" | "sse2"; cuda: the device name
  int threads = 0;     // cpu threads in the pool (cuda: host threads used, usually 1)
  std::string detail;  // free text (compiler flags, device memory, ...)
};

// Each backend namespace declares exactly these functions.
#define REINPOOL_DECLARE_KERNELS                                                                   \
  /* Checks that the backend can run here (cpu: always; cuda: a device answers). Safe to call */  \
  /* repeatedly; the first failure is remembered and returned again. */                            \
  Status init();                                                                                   \
  /* Describes the backend: SIMD level or device, threads. */                                      \
  BackendInfo info();                                                                               \
  /* Pools G masks per document. masks is document-major: mask g of document d is the T_d bytes */ \
  /* at groups*offsets[d] + g*T_d, non-zero = keep. out is (count*groups) x dim, row d*groups+g: */ \
  /* mean or max of the kept rows (only those rows are read), L2-normalised when `normalize`; a */  \
  /* mask that keeps nothing gives a zero vector (and a zero vector stays zero). */                  \
  Status poolMasked(const RaggedView& docs, const uint8_t* masks, int32_t groups, PoolMode mode,  \
                    bool normalize, float* out, int threads);                                      \
  /* Dot-product top-k of every query row against every key row, tiled with the top-k fused: */    \
  /* memory never grows with rows x keys. Output width kk = min(k, keys.rows); ids/scores are */   \
  /* queries.rows x kk, best first; equal scores rank the lower key index first. */                 \
  Status scoreTopK(const MatrixView& queries, const MatrixView& keys, int32_t k, int32_t* ids,    \
                   float* scores, int threads);                                                    \
  /* trec_eval ndcg_cut@k per query: ranked is queries x width (best first, -1 = empty slot); */    \
  /* gain = judged value (<= 0: not relevant), discount log2(rank + 1); 0 with no relevant doc. */   \
  Status ndcgAtK(const int32_t* ranked, int64_t queries, int32_t width, const QrelsView& qrels,   \
                 int32_t k, double* out, int threads);                                             \
  /* trec_eval recall_k per query: relevant documents in the first k / relevant documents; 0 */      \
  /* with no relevant document. Same inputs as ndcgAtK. */                                           \
  Status recallAtK(const int32_t* ranked, int64_t queries, int32_t width, const QrelsView& qrels, \
                   int32_t k, double* out, int threads);                                           \
  /* ColBERT MaxSim top-k: score(q, d) = sum over q's vectors of the max over d's vectors of the */ \
  /* dot product (an empty document scores -Infinity, an empty query 0 against any non-empty */     \
  /* document); tiled, top-k fused. Output width kk = min(k, docs.count), queries.count x kk. */    \
  Status maxSimTopK(const RaggedView& queries, const RaggedView& docs, int32_t k, int32_t* ids,   \
                    float* scores, int threads);                                                   \
  /* The fused ReinPool reward: pool G masks per document (as poolMasked), search queries with */   \
  /* each pooled vector (top-k, ties to the lower index), and score the ranking by binary */        \
  /* NDCG@k where query q is relevant iff queryOwner[q] == docIndex[d] (docIndex == nullptr */       \
  /* means docIndex[d] = d). out has count*groups rewards, index d*groups+g; 0 when document d */  \
  /* owns no query. */                                                                              \
  Status inverseRetrievalReward(const RaggedView& docs, const uint8_t* masks, int32_t groups,     \
                                PoolMode mode, bool normalize, const MatrixView& queries,          \
                                const int32_t* queryOwner, const int32_t* docIndex, int32_t k,     \
                                float* out, int threads);                                         \
  /* The forward reward: for batch document d, mask g (pooled as poolMasked into v) and every */   \
  /* query q with queryOwner[q] == docIndex[d] (docIndex == nullptr: d), s = <queries[q], v>, */    \
  /* rank = 1 + #{j < k : competitorScores[q*k + j] > s} (a tie goes to the document; k = */       \
  /* competitorScores.dim, competitorScores.rows == queries.rows), gain 1/log2(rank + 1) if */     \
  /* rank <= k else 0. out[d*groups + g] = mean gain over d's queries, 0 when d owns none. */       \
  Status forwardRetrievalReward(const RaggedView& docs, const uint8_t* masks, int32_t groups,     \
                                PoolMode mode, bool normalize, const MatrixView& queries,          \
                                const int32_t* queryOwner, const MatrixView& competitorScores,     \
                                const int32_t* docIndex, float* out, int threads);           \
  /* Policy inference fused with selection and pooling: the MLP's keep-logit of every vector */    \
  /* (logits, total floats), the selected masks (masks, total bytes, groups = 1 layout) and the */   \
  /* pooled vectors (out, count x dim, as poolMasked with those masks). */                           \
  Status mlpCompress(const RaggedView& docs, const MlpPolicyView& policy, const SelectSpec& select, \
                     PoolMode mode, bool normalize, float* out, float* logits, uint8_t* masks,     \
                     int threads);

namespace cpu {
REINPOOL_DECLARE_KERNELS
// Threads a call uses by default: the pool size (REINPOOL_THREADS, else hardware_concurrency),
// or less after setDefaultThreads.
int poolThreads();
// The SIMD level chosen at run time: "avx512", "avx2" or "sse2" (REINPOOL_SIMD caps it).
const char* simdLevel();
// Caps the SIMD level at `level` ("avx512" | "avx2" | "sse2") and returns the level now used (the
// best the CPU supports at or below the cap). For tests and benchmarks; do not call while a kernel
// runs.
const char* setSimdLevel(const char* level);
// Sets the default number of threads per call (0 = all pool threads); returns the count now used.
int setDefaultThreads(int n);
// Machine-limit probes for the benchmarks (probe.cpp), at the SIMD level and on the threads the
// kernels use (threads: as for the kernels). Each runs `reps` timed repetitions; rates are per rep.
struct ProbeResult {
  double median = 0;  // median rate over the reps
  double best = 0;    // highest rate
  int reps = 0;
  int threads = 0;
  std::string simd;
};
// fp32 FMA peak in GFLOP/s (an FMA is 2): independent register-resident FMA chains on every thread,
// about `seconds` of wall time in all.
Status probeFmaPeak(double seconds, int reps, int threads, ProbeResult* out);
// Read bandwidth in GB/s: fills a buffer of `bytes` (first touch on the same threads), then sums it
// with vector loads `passes` times (after one untimed pass), 1 MiB chunks handed out to the threads.
Status probeReadBandwidth(int64_t bytes, int passes, int threads, ProbeResult* out);
}  // namespace cpu

namespace cuda {
// Implemented in native/kernels/cuda/ (only linked into reinpool_cuda.node).
REINPOOL_DECLARE_KERNELS
}  // namespace cuda

// The function table the addon calls through; cpu::backend() / cuda::backend() return one.
struct Backend {
  const char* name;
  Status (*init)();
  BackendInfo (*info)();
  Status (*poolMasked)(const RaggedView&, const uint8_t*, int32_t, PoolMode, bool, float*, int);
  Status (*scoreTopK)(const MatrixView&, const MatrixView&, int32_t, int32_t*, float*, int);
  Status (*ndcgAtK)(const int32_t*, int64_t, int32_t, const QrelsView&, int32_t, double*, int);
  Status (*recallAtK)(const int32_t*, int64_t, int32_t, const QrelsView&, int32_t, double*, int);
  Status (*maxSimTopK)(const RaggedView&, const RaggedView&, int32_t, int32_t*, float*, int);
  Status (*inverseRetrievalReward)(const RaggedView&, const uint8_t*, int32_t, PoolMode, bool,
                                   const MatrixView&, const int32_t*, const int32_t*, int32_t,
                                   float*, int);
  Status (*forwardRetrievalReward)(const RaggedView&, const uint8_t*, int32_t, PoolMode, bool,
                                   const MatrixView&, const int32_t*, const MatrixView&,
                                   const int32_t*, float*, int);
  Status (*mlpCompress)(const RaggedView&, const MlpPolicyView&, const SelectSpec&, PoolMode, bool,
                        float*, float*, uint8_t*, int);
};

// Builds the table for a backend namespace: REINPOOL_BACKEND_TABLE(cpu).
#define REINPOOL_BACKEND_TABLE(ns)                                                          \
  ::reinpool::Backend {                                                                     \
    #ns, &::reinpool::ns::init, &::reinpool::ns::info, &::reinpool::ns::poolMasked,        \
        &::reinpool::ns::scoreTopK, &::reinpool::ns::ndcgAtK, &::reinpool::ns::recallAtK,   \
        &::reinpool::ns::maxSimTopK, &::reinpool::ns::inverseRetrievalReward,               \
        &::reinpool::ns::forwardRetrievalReward, &::reinpool::ns::mlpCompress               \
  }

namespace cpu {
// The CPU backend's function table.
const Backend& backend();
}  // namespace cpu

namespace cuda {
// The CUDA backend's function table (native/kernels/cuda/, reinpool_cuda.node only).
const Backend& backend();
}  // namespace cuda

}  // namespace reinpool

#endif  // REINPOOL_KERNELS_H
