// The public C++ API (reinpool_cuda.h): host <-> device transfers, error mapping, the corpus handle.
#include "common.cuh"
#include "corpus.cuh"
#include <algorithm>
#include <mutex>
#include <string>
#include <cstdlib>

namespace reinpool {
namespace cuda {
namespace detail {

namespace {
std::once_flag gInitOnce;
cudaError_t gInitError = cudaSuccess;
std::string gInitReason;
int gSMs = 132;
std::string gDesc;

bool isUnavailable(cudaError_t e) {
  switch (e) {
    case cudaErrorNoDevice: case cudaErrorInsufficientDriver: case cudaErrorInitializationError:
    case cudaErrorMemoryAllocation: case cudaErrorDevicesUnavailable: case cudaErrorStubLibrary:
    case cudaErrorCallRequiresNewerDriver: case cudaErrorSystemDriverMismatch:
    case cudaErrorCompatNotSupportedOnDevice: case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion: case cudaErrorInvalidDevice: case cudaErrorSystemNotReady:
    case cudaErrorDeviceUninitialized: case cudaErrorInvalidPtx: case cudaErrorJitCompilerNotFound:
      return true;
    default:
      return false;
  }
}
}  // namespace

int numSMs() { return gSMs; }

cudaError_t ensureInit() {
  std::call_once(gInitOnce, [] {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e == cudaSuccess && n == 0) e = cudaErrorNoDevice;
    if (e == cudaSuccess) e = cudaSetDevice(0);
    if (e == cudaSuccess) e = cudaFree(nullptr);  // creates the context
    cudaDeviceProp prop{};
    if (e == cudaSuccess) e = cudaGetDeviceProperties(&prop, 0);
    if (e == cudaSuccess && prop.major < 8) {
      gInitReason = "device " + std::string(prop.name) + " is sm_" + std::to_string(prop.major * 10 + prop.minor) +
                    "; reinpool's CUDA kernels need sm_80 or newer";
      e = cudaErrorNoKernelImageForDevice;
    }
    if (e == cudaSuccess) {
      gSMs = prop.multiProcessorCount;
      char buf[256];
      snprintf(buf, sizeof buf, "%s (sm_%d%d, %d SMs, %.1f GiB)", prop.name, prop.major, prop.minor,
               prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0);
      gDesc = buf;
      cudaMemPool_t pool;
      if (cudaDeviceGetDefaultMemPool(&pool, 0) == cudaSuccess) {
        uint64_t thr = UINT64_MAX;  // keep freed scratch memory for the next call
        cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &thr);
      }
    }
    gInitError = e;
    cudaGetLastError();
  });
  return gInitError;
}

Status toStatus(cudaError_t e, const char* where) {
  Status st;
  if (e == cudaSuccess) return st;
  cudaGetLastError();  // clear a non-sticky error so later calls can proceed
  const std::string what = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) {
    st.code = ErrorCode::OutOfMemory;
    st.message = std::string("cuda unavailable: out of memory on the device (in ") + where + ")";
  } else if (isUnavailable(e)) {
    st.code = ErrorCode::Unavailable;
    st.message = "cuda unavailable: " + (gInitReason.empty() || e != gInitError ? what : gInitReason) +
                 " (in " + where + ")";
  } else {
    st.code = ErrorCode::Internal;
    st.message = std::string("cuda error in ") + where + ": " + what;
  }
  return st;
}

cudaError_t corpusPadded(Corpus* c, Precision p, const void** out) {
  std::lock_guard<std::mutex> lock(c->mu);
  const int idx = (int)p;
  if (!c->Qpad[idx]) {
    const int dp = paddedDim(c->dim, p);
    const size_t bytes = (size_t)std::max(1, c->numQueries) * dp * (p == Precision::Bf16 ? 2 : 4);
    void* ptr = nullptr;
    RP_TRY(cudaMalloc(&ptr, bytes));
    cudaError_t e = launchPad(c->Q, c->numQueries, c->dim, p == Precision::Bf16 ? PadType::Bf16 : PadType::F32, ptr, dp, cudaStreamPerThread);
    if (e == cudaSuccess) e = cudaStreamSynchronize(cudaStreamPerThread);
    if (e != cudaSuccess) { cudaFree(ptr); return e; }
    c->Qpad[idx] = ptr;
    c->bytes += (int64_t)bytes;
  }
  *out = c->Qpad[idx];
  return cudaSuccess;
}

cudaError_t corpusRewardDevice(Corpus* c, const int64_t* docRow, const int32_t* docLen,
                               const int64_t* maskStart, const uint8_t* masks, int batch,
                               int groups, int avgLen, PoolMode mode, bool normalize,
                               const int32_t* rowOwner, const int32_t* relCount, int k,
                               Precision precision, float* rewards, Arena& ws) {
  const int m = batch * groups;
  if (m == 0) return cudaSuccess;
  if (precision != Precision::Fp32 && !tensorCoreFits(c->dim, precision)) precision = Precision::Fp32;
  const int dp = paddedDim(c->dim, precision);
  PoolBatch pb{c->V, c->dim, docRow, docLen, maskStart, masks, batch, groups, avgLen};
  ScoreOperands op{};
  op.m = m; op.n = c->numQueries; op.dim = c->dim; op.dp = dp; op.precision = precision;
  op.B = c->Q;
  if (precision == Precision::Fp32) {
    float* P;
    RP_TRY(ws.alloc(&P, (size_t)m * c->dim));
    RP_TRY(launchPool(pb, mode, normalize, P, PadType::None, nullptr, 0, ws));
    op.A = P;
  } else {
    const bool bf16 = precision == Precision::Bf16;
    char* Pp;
    RP_TRY(ws.alloc(&Pp, (size_t)m * dp * (bf16 ? 2 : 4)));
    RP_TRY(launchPool(pb, mode, normalize, nullptr, bf16 ? PadType::Bf16 : PadType::F32, Pp, dp, ws));
    op.Ap = Pp;
    RP_TRY(corpusPadded(c, precision, &op.Bp));
  }
  RewardEpi epi{c->owner, rowOwner, relCount, groups, rewards};
  return launchScoreTopK(op, std::min(k, c->numQueries), nullptr, nullptr, &epi, ws);
}

}  // namespace detail

using namespace detail;

namespace {
template <class F>
Status run(const char* where, F&& body) {
  cudaError_t e = ensureInit();
  if (e != cudaSuccess) return toStatus(e, where);
  cudaStream_t s = cudaStreamPerThread;
  {
    Arena ws(s);
    e = body(ws);
    if (e == cudaSuccess) e = cudaStreamSynchronize(s);
  }
  if (e != cudaSuccess) { cudaStreamSynchronize(s); return toStatus(e, where); }
  return Status::Ok();
}
Status invalid(const char* where, const std::string& msg) {
  return Status::Error(ErrorCode::InvalidArgument, std::string(where) + ": " + msg);
}
constexpr int64_t kMaxI32 = 0x7fffffff;
template <class T>
cudaError_t download(T* host, const T* dev, size_t count, cudaStream_t s) {
  if (count == 0) return cudaSuccess;
  return cudaMemcpyAsync(host, dev, count * sizeof(T), cudaMemcpyDeviceToHost, s);
}
// Host-side description of a batch of documents to pool.
struct BatchHost {
  std::vector<int64_t> docRow, maskStart;
  std::vector<int32_t> docLen;
  int64_t maskBytes = 0;
  int avgLen = 0;
};
BatchHost describeBatch(const int32_t* offsets, const int32_t* docs, int batch, int groups) {
  BatchHost h;
  h.docRow.resize(batch); h.maskStart.resize(batch); h.docLen.resize(batch);
  int64_t rows = 0;
  for (int b = 0; b < batch; ++b) {
    const int d = docs ? docs[b] : b;
    h.docRow[b] = offsets[d];
    h.docLen[b] = offsets[d + 1] - offsets[d];
    h.maskStart[b] = (int64_t)groups * rows;
    rows += h.docLen[b];
  }
  h.maskBytes = rows * groups;
  h.avgLen = batch ? (int)(rows / batch) : 0;
  return h;
}
// A batch's pooling inputs on the device: its masks and describeBatch's arrays. Every pooling
// path (corpusPoolMasked and both rewards) uploads exactly these.
struct BatchDevice {
  const uint8_t* masks;
  const int64_t *docRow, *maskStart;
  const int32_t* docLen;
};
cudaError_t uploadBatch(Arena& ws, const BatchHost& h, const uint8_t* masks, BatchDevice* out) {
  uint8_t* M; int64_t *dRow, *dMask; int32_t* dLen;
  RP_TRY(ws.upload(&M, masks, (size_t)h.maskBytes));
  RP_TRY(ws.upload(&dRow, h.docRow.data(), h.docRow.size()));
  RP_TRY(ws.upload(&dMask, h.maskStart.data(), h.maskStart.size()));
  RP_TRY(ws.upload(&dLen, h.docLen.data(), h.docLen.size()));
  *out = BatchDevice{M, dRow, dMask, dLen};
  return cudaSuccess;
}
// Uploads an fp32 matrix and, for a tensor-core precision, its padded copy.
cudaError_t uploadOperand(Arena& ws, const float* host, int64_t rows, int dim, Precision p, int dp,
                          const float** dev, const void** padded) {
  float* d;
  RP_TRY(ws.upload(&d, host, (size_t)rows * dim));
  *dev = d;
  *padded = nullptr;
  if (p != Precision::Fp32) {
    const bool bf16 = p == Precision::Bf16;
    char* pp;
    RP_TRY(ws.alloc(&pp, (size_t)std::max<int64_t>(1, rows) * dp * (bf16 ? 2 : 4)));
    RP_TRY(launchPad(d, (int)rows, dim, bf16 ? PadType::Bf16 : PadType::F32, pp, dp, ws.stream()));
    *padded = pp;
  }
  return cudaSuccess;
}
Precision effective(int dim, Precision p) { return tensorCoreFits(dim, p) ? p : Precision::Fp32; }

// The body both rewards on a corpus share. For each batch document, perDoc(own, &x, &y) derives two
// int32 facts from the id it owns queries by (docIndex, else its corpus index, else its position:
// batchDocs null means the batch is the whole corpus in order); they go to the device with the
// batch's pooling inputs, and device(batch, avgLen, x, y, rewards, ws) writes batch * groups rewards.
template <class PerDoc, class Device>
Status batchRewards(Corpus* c, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                       int32_t groups, const int32_t* docIndex, float* rewards, const char* where,
                       PerDoc&& perDoc, Device&& device) {
  if ((int64_t)batch * groups > kMaxI32) return invalid(where, "batch * groups too large");
  return run(where, [&](Arena& ws) -> cudaError_t {
    const BatchHost h = describeBatch(c->offsets.data(), batchDocs, batch, groups);
    std::vector<int32_t> x(batch), y(batch);
    for (int b = 0; b < batch; ++b) perDoc(docIndex ? docIndex[b] : (batchDocs ? batchDocs[b] : b), &x[b], &y[b]);
    BatchDevice d; int32_t *dX, *dY; float* R;
    RP_TRY(uploadBatch(ws, h, masks, &d));
    RP_TRY(ws.upload(&dX, x.data(), x.size()));
    RP_TRY(ws.upload(&dY, y.data(), y.size()));
    RP_TRY(ws.alloc(&R, (size_t)batch * groups));
    RP_TRY(device(d, h.avgLen, dX, dY, R, ws));
    return download(rewards, R, (size_t)batch * groups, ws.stream());
  });
}

// The inverse reward on a corpus: per batch document its owner id and how many queries it owns.
Status rewardOnCorpus(Corpus* c, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                      int32_t groups, PoolMode mode, bool normalize, const int32_t* docIndex,
                      int32_t k, Precision precision, float* rewards, const char* where) {
  if (c->numQueries < 1) return invalid(where, "the corpus has no query matrix");
  return batchRewards(
      c, batchDocs, batch, masks, groups, docIndex, rewards, where,
      [&](int32_t own, int32_t* rowOwner, int32_t* relCount) {
        *rowOwner = own;
        auto it = c->ownerCount.find(own);
        *relCount = it == c->ownerCount.end() ? 0 : it->second;
      },
      [&](const BatchDevice& d, int avgLen, const int32_t* dOwn, const int32_t* dRel, float* R, Arena& ws) {
        return corpusRewardDevice(c, d.docRow, d.docLen, d.maskStart, d.masks, batch, groups, avgLen, mode,
                                  normalize, dOwn, dRel, k, precision, R, ws);
      });
}

// The forward reward on a corpus: per batch document its own queries, a range of the owner-sorted
// query list.
Status forwardOnCorpus(Corpus* c, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                       int32_t groups, PoolMode mode, bool normalize, const int32_t* docIndex,
                       float* rewards, const char* where) {
  if (!c->C) return invalid(where, "the corpus has no competitor scores");
  return batchRewards(
      c, batchDocs, batch, masks, groups, docIndex, rewards, where,
      [&](int32_t own, int32_t* qStart, int32_t* qCount) {
        const auto range = std::equal_range(c->sortedOwner.begin(), c->sortedOwner.end(), own);
        *qStart = (int32_t)(range.first - c->sortedOwner.begin());
        *qCount = (int32_t)(range.second - range.first);
      },
      [&](const BatchDevice& d, int avgLen, const int32_t* dStart, const int32_t* dCount, float* R, Arena& ws) {
        return corpusForwardDevice(c, d.docRow, d.docLen, d.maskStart, d.masks, batch, groups, avgLen, mode,
                                   normalize, dStart, dCount, R, ws);
      });
}

Status rankedEval(const char* where, bool ndcg, const int32_t* ranked, int64_t queries, int32_t width,
                  const QrelsView& qr, int32_t k, double* out) {
  if (queries < 0 || queries > kMaxI32 || width < 1 || k < 1) return invalid(where, "width and k must be >= 1");
  return run(where, [&](Arena& ws) -> cudaError_t {
    const int64_t nj = qr.offsets[queries];
    int32_t *R, *O, *D; float* G; double* out_d;
    RP_TRY(ws.upload(&R, ranked, (size_t)queries * width));
    RP_TRY(ws.upload(&O, qr.offsets, (size_t)queries + 1));
    RP_TRY(ws.upload(&D, qr.docs, (size_t)nj));
    RP_TRY(ws.upload(&G, qr.gains, (size_t)nj));
    RP_TRY(ws.alloc(&out_d, (size_t)queries));
    RP_TRY(launchRankedEval(ndcg, R, (int)queries, width, O, D, G, k, out_d, ws.stream()));
    return download(out, out_d, (size_t)queries, ws.stream());
  });
}
}  // namespace

Precision defaultPrecision() {
  static const Precision p = [] {
    const char* v = std::getenv("REINPOOL_CUDA_PRECISION");
    if (!v) return Precision::Fp32;
    const std::string s(v);
    return s == "bf16" ? Precision::Bf16 : s == "tf32" ? Precision::Tf32 : Precision::Fp32;
  }();
  return p;
}

// ---- kernels.h ------------------------------------------------------------------------------------

Status init() { return toStatus(ensureInit(), "init"); }

BackendInfo info() {
  BackendInfo bi;
  bi.name = "cuda";
  bi.threads = 1;
  const Status st = init();
  bi.simd = st.ok() ? gDesc : "unavailable";
  const Precision p = defaultPrecision();
  bi.detail = st.ok() ? std::string("precision ") + (p == Precision::Bf16 ? "bf16" : p == Precision::Tf32 ? "tf32" : "fp32") +
                            "; built for sm_80/86/89/90 + compute_90 PTX"
                      : st.message;
  return bi;
}

Status poolMasked(const RaggedView& docs, const uint8_t* masks, int32_t groups, PoolMode mode,
                  bool normalize, float* out, int /*threads*/) {
  if (docs.dim < 1 || groups < 1 || docs.count < 0) return invalid("poolMasked", "dim and groups must be >= 1");
  if (docs.count * groups > kMaxI32 || docs.total() > kMaxI32) return invalid("poolMasked", "too many documents or rows for the CUDA backend");
  const int count = (int)docs.count, dim = docs.dim;
  return run("poolMasked", [&](Arena& ws) -> cudaError_t {
    cudaStream_t s = ws.stream();
    const BatchHost h = describeBatch(docs.offsets, nullptr, count, groups);
    const int64_t total = docs.total();
    float *V, *O; uint8_t* M; int64_t *dRow, *dMask; int32_t* dLen;
    RP_TRY(ws.upload(&V, docs.vectors, (size_t)total * dim));
    RP_TRY(ws.upload(&M, masks, (size_t)h.maskBytes));
    RP_TRY(ws.upload(&dRow, h.docRow.data(), h.docRow.size()));
    RP_TRY(ws.upload(&dMask, h.maskStart.data(), h.maskStart.size()));
    RP_TRY(ws.upload(&dLen, h.docLen.data(), h.docLen.size()));
    RP_TRY(ws.alloc(&O, (size_t)count * groups * dim));
    PoolBatch pb{V, dim, dRow, dLen, dMask, M, count, groups, h.avgLen};
    RP_TRY(launchPool(pb, mode, normalize, O, PadType::None, nullptr, 0, ws));
    return download(out, O, (size_t)count * groups * dim, s);
  });
}

Status scoreTopKEx(const MatrixView& queries, const MatrixView& keys, int32_t k, int32_t* ids,
                   float* scores, Precision precision) {
  if (queries.dim < 1 || keys.dim != queries.dim || k < 1 || queries.rows < 0 || keys.rows < 0)
    return invalid("scoreTopK", "dims must match and k must be >= 1");
  if (queries.rows > kMaxI32 || keys.rows > kMaxI32) return invalid("scoreTopK", "too many rows for the CUDA backend");
  const int kk = (int)std::min<int64_t>(k, keys.rows);
  return run("scoreTopK", [&](Arena& ws) -> cudaError_t {
    const int dim = queries.dim;
    const Precision p = effective(dim, precision);
    ScoreOperands op{};
    op.m = (int)queries.rows; op.n = (int)keys.rows; op.dim = dim; op.dp = paddedDim(dim, p); op.precision = p;
    RP_TRY(uploadOperand(ws, queries.data, op.m, dim, p, op.dp, &op.A, &op.Ap));
    RP_TRY(uploadOperand(ws, keys.data, op.n, dim, p, op.dp, &op.B, &op.Bp));
    int32_t* I; float* S;
    RP_TRY(ws.alloc(&I, (size_t)op.m * kk));
    RP_TRY(ws.alloc(&S, (size_t)op.m * kk));
    RP_TRY(launchScoreTopK(op, kk, I, S, nullptr, ws));
    RP_TRY(download(ids, I, (size_t)op.m * kk, ws.stream()));
    return download(scores, S, (size_t)op.m * kk, ws.stream());
  });
}
Status scoreTopK(const MatrixView& queries, const MatrixView& keys, int32_t k, int32_t* ids,
                 float* scores, int /*threads*/) {
  return scoreTopKEx(queries, keys, k, ids, scores, defaultPrecision());
}

Status ndcgAtK(const int32_t* ranked, int64_t queries, int32_t width, const QrelsView& qrels,
               int32_t k, double* out, int /*threads*/) {
  return rankedEval("ndcgAtK", true, ranked, queries, width, qrels, k, out);
}
Status recallAtK(const int32_t* ranked, int64_t queries, int32_t width, const QrelsView& qrels,
                 int32_t k, double* out, int /*threads*/) {
  return rankedEval("recallAtK", false, ranked, queries, width, qrels, k, out);
}

Status maxSimTopKEx(const RaggedView& queries, const RaggedView& docs, int32_t k, int32_t* ids,
                    float* scores, Precision precision) {
  if (queries.dim < 1 || docs.dim != queries.dim || k < 1 || queries.count < 0 || docs.count < 0)
    return invalid("maxSimTopK", "dims must match and k must be >= 1");
  if (queries.count > kMaxI32 || docs.count > kMaxI32) return invalid("maxSimTopK", "too many items for the CUDA backend");
  const int kk = (int)std::min<int64_t>(k, docs.count);
  if (kk > 32 && docs.count > 65535) return invalid("maxSimTopK", "k > 32 needs at most 65535 documents on the CUDA backend");
  return run("maxSimTopK", [&](Arena& ws) -> cudaError_t {
    const int dim = docs.dim;
    const Precision p = effective(dim, precision);
    MaxSimOperands op{};
    op.qCount = (int)queries.count; op.dCount = (int)docs.count; op.dim = dim; op.dp = paddedDim(dim, p);
    op.precision = p; op.qOffsetsHost = queries.offsets; op.dOffsetsHost = docs.offsets;
    RP_TRY(uploadOperand(ws, queries.vectors, queries.total(), dim, p, op.dp, &op.Q, &op.Qp));
    RP_TRY(uploadOperand(ws, docs.vectors, docs.total(), dim, p, op.dp, &op.D, &op.Dp));
    int32_t* dOff;
    RP_TRY(ws.upload(&dOff, docs.offsets, (size_t)docs.count + 1));
    op.dOffsetsDev = dOff;
    int32_t* I; float* S;
    RP_TRY(ws.alloc(&I, (size_t)op.qCount * kk));
    RP_TRY(ws.alloc(&S, (size_t)op.qCount * kk));
    RP_TRY(launchMaxSimTopK(op, kk, I, S, ws));
    RP_TRY(download(ids, I, (size_t)op.qCount * kk, ws.stream()));
    return download(scores, S, (size_t)op.qCount * kk, ws.stream());
  });
}
Status maxSimTopK(const RaggedView& queries, const RaggedView& docs, int32_t k, int32_t* ids,
                  float* scores, int /*threads*/) {
  return maxSimTopKEx(queries, docs, k, ids, scores, defaultPrecision());
}

Status inverseRetrievalRewardEx(const RaggedView& docs, const uint8_t* masks, int32_t groups,
                                PoolMode mode, bool normalize, const MatrixView& queries,
                                const int32_t* queryOwner, const int32_t* docIndex, int32_t k,
                                float* out, Precision precision) {
  if (docs.dim < 1 || queries.dim != docs.dim || groups < 1 || k < 1 || queries.rows < 1)
    return invalid("inverseRetrievalReward", "bad dims, groups, k or empty queries");
  if (docs.count == 0) return Status::Ok();
  Corpus* c = nullptr;
  Status st = corpusCreate(docs, queries, queryOwner, &c);
  if (!st.ok()) return st;
  st = rewardOnCorpus(c, nullptr, (int)docs.count, masks, groups, mode, normalize, docIndex, k,
                      precision, out, "inverseRetrievalReward");
  corpusDestroy(c);
  return st;
}
Status inverseRetrievalReward(const RaggedView& docs, const uint8_t* masks, int32_t groups,
                              PoolMode mode, bool normalize, const MatrixView& queries,
                              const int32_t* queryOwner, const int32_t* docIndex, int32_t k,
                              float* out, int /*threads*/) {
  return inverseRetrievalRewardEx(docs, masks, groups, mode, normalize, queries, queryOwner,
                                  docIndex, k, out, defaultPrecision());
}

Status forwardRetrievalReward(const RaggedView& docs, const uint8_t* masks, int32_t groups,
                              PoolMode mode, bool normalize, const MatrixView& queries,
                              const int32_t* queryOwner, const MatrixView& competitorScores,
                              const int32_t* docIndex, float* out, int /*threads*/) {
  if (docs.dim < 1 || queries.dim != docs.dim || groups < 1 || queries.rows < 0 ||
      competitorScores.rows != queries.rows || competitorScores.dim < 1)
    return invalid("forwardRetrievalReward", "bad dims or groups, or competitorScores.rows != queries.rows");
  if (docs.count == 0) return Status::Ok();
  if (docs.count * groups > kMaxI32) return invalid("forwardRetrievalReward", "too many documents for the CUDA backend");
  Corpus* c = nullptr;
  Status st = corpusCreate(docs, queries, queryOwner, &c);
  if (st.ok()) st = corpusSetCompetitors(c, competitorScores);
  if (st.ok())
    st = forwardOnCorpus(c, nullptr, (int)docs.count, masks, groups, mode, normalize, docIndex, out,
                         "forwardRetrievalReward");
  corpusDestroy(c);
  return st;
}

const Backend& backend() {
  static const Backend table = REINPOOL_BACKEND_TABLE(cuda);
  return table;
}

// ---- the corpus handle ---------------------------------------------------------------------------

Status corpusCreate(const RaggedView& docs, const MatrixView& queries, const int32_t* queryOwner,
                    Corpus** out) {
  *out = nullptr;
  if (docs.count < 0 || docs.dim < 1 || queries.rows < 0 || (queries.rows > 0 && queries.dim != docs.dim))
    return invalid("corpusCreate", "bad count/dim or queries.dim != docs.dim");
  if (docs.count > kMaxI32 || docs.total() > kMaxI32 || queries.rows > kMaxI32)
    return invalid("corpusCreate", "too many rows for the CUDA backend");
  cudaError_t e = ensureInit();
  if (e != cudaSuccess) return toStatus(e, "corpusCreate");
  Corpus* c = new Corpus();
  const int dim = docs.dim, nq = (int)queries.rows;
  const int64_t total = docs.total();
  c->count = (int)docs.count; c->dim = dim; c->numQueries = nq;
  c->offsets.assign(docs.offsets, docs.offsets + docs.count + 1);
  for (int q = 0; q < nq; ++q) c->ownerCount[queryOwner[q]]++;
  const size_t vbytes = (size_t)std::max<int64_t>(1, total) * dim * sizeof(float);
  const size_t qbytes = (size_t)std::max(1, nq) * dim * sizeof(float);
  e = cudaMalloc(&c->V, vbytes);
  if (e == cudaSuccess) e = cudaMalloc(&c->Q, qbytes);
  if (e == cudaSuccess) e = cudaMalloc(&c->owner, (size_t)std::max(1, nq) * sizeof(int32_t));
  if (e == cudaSuccess && total > 0) e = cudaMemcpy(c->V, docs.vectors, (size_t)total * dim * sizeof(float), cudaMemcpyHostToDevice);
  if (e == cudaSuccess && nq > 0) e = cudaMemcpy(c->Q, queries.data, (size_t)nq * dim * sizeof(float), cudaMemcpyHostToDevice);
  if (e == cudaSuccess && nq > 0) e = cudaMemcpy(c->owner, queryOwner, (size_t)nq * sizeof(int32_t), cudaMemcpyHostToDevice);
  if (e != cudaSuccess) {
    Status st = toStatus(e, "corpusCreate");
    corpusDestroy(c);
    return st;
  }
  c->bytes = (int64_t)(vbytes + qbytes + std::max(1, nq) * sizeof(int32_t));
  *out = c;
  return Status::Ok();
}

Status corpusSetCompetitors(Corpus* c, const MatrixView& comp) {
  if (!c) return invalid("corpusSetCompetitors", "null corpus");
  if (c->C) return invalid("corpusSetCompetitors", "the corpus already has competitor scores");
  if (comp.rows != c->numQueries || comp.dim < 1)
    return invalid("corpusSetCompetitors", "competitorScores must have one row per query and k >= 1 columns");
  if ((int64_t)c->numQueries * comp.dim > ((int64_t)1 << 40)) return invalid("corpusSetCompetitors", "competitorScores is too large");
  cudaError_t e = ensureInit();
  if (e != cudaSuccess) return toStatus(e, "corpusSetCompetitors");
  // Group the queries by owner once: a stable sort of the indices (sized by the query count, never
  // by the owner values, which are arbitrary int32 ids).
  const int nq = c->numQueries;
  std::vector<int32_t> order(nq), owners(nq);
  if (nq > 0) {
    e = cudaMemcpy(owners.data(), c->owner, (size_t)nq * sizeof(int32_t), cudaMemcpyDeviceToHost);
    if (e != cudaSuccess) return toStatus(e, "corpusSetCompetitors");
  }
  for (int q = 0; q < nq; ++q) order[q] = q;
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return owners[a] < owners[b]; });
  std::vector<int32_t> sorted(nq);
  for (int i = 0; i < nq; ++i) sorted[i] = owners[order[i]];
  const size_t cbytes = (size_t)std::max(1, nq) * comp.dim * sizeof(float);
  const size_t obytes = (size_t)std::max(1, nq) * sizeof(int32_t);
  float* C = nullptr;
  int32_t* byOwner = nullptr;
  e = cudaMalloc(&C, cbytes);
  if (e == cudaSuccess) e = cudaMalloc(&byOwner, obytes);
  if (e == cudaSuccess && nq > 0) e = cudaMemcpy(C, comp.data, (size_t)nq * comp.dim * sizeof(float), cudaMemcpyHostToDevice);
  if (e == cudaSuccess && nq > 0) e = cudaMemcpy(byOwner, order.data(), obytes, cudaMemcpyHostToDevice);
  if (e != cudaSuccess) {
    Status st = toStatus(e, "corpusSetCompetitors");
    cudaFree(C); cudaFree(byOwner); cudaGetLastError();
    return st;
  }
  c->C = C;
  c->byOwner = byOwner;
  c->compK = comp.dim;
  c->sortedOwner = std::move(sorted);
  c->bytes += (int64_t)(cbytes + obytes);
  return Status::Ok();
}

void corpusDestroy(Corpus* c) {
  if (!c) return;
  cudaFree(c->V); cudaFree(c->Q); cudaFree(c->owner); cudaFree(c->C); cudaFree(c->byOwner);
  for (void* p : c->Qpad) cudaFree(p);
  cudaGetLastError();
  delete c;
}
int64_t corpusCount(const Corpus* c) { return c ? c->count : 0; }
int32_t corpusDim(const Corpus* c) { return c ? c->dim : 0; }
int64_t corpusDeviceBytes(const Corpus* c) { return c ? c->bytes : 0; }

Status corpusPoolMasked(Corpus* c, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                        int32_t groups, PoolMode mode, bool normalize, float* out) {
  if (!c) return invalid("corpusPoolMasked", "null corpus");
  if (batch < 0 || groups < 1 || (int64_t)batch * groups > kMaxI32) return invalid("corpusPoolMasked", "bad batch/groups");
  for (int b = 0; b < batch; ++b)
    if (batchDocs[b] < 0 || batchDocs[b] >= c->count) return invalid("corpusPoolMasked", "batchDocs[" + std::to_string(b) + "] out of range");
  return run("corpusPoolMasked", [&](Arena& ws) -> cudaError_t {
    const BatchHost h = describeBatch(c->offsets.data(), batchDocs, batch, groups);
    BatchDevice d; float* O;
    RP_TRY(uploadBatch(ws, h, masks, &d));
    RP_TRY(ws.alloc(&O, (size_t)batch * groups * c->dim));
    PoolBatch pb{c->V, c->dim, d.docRow, d.docLen, d.maskStart, d.masks, batch, groups, h.avgLen};
    RP_TRY(launchPool(pb, mode, normalize, O, PadType::None, nullptr, 0, ws));
    return download(out, O, (size_t)batch * groups * c->dim, ws.stream());
  });
}

Status corpusReward(Corpus* c, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                    int32_t groups, PoolMode mode, bool normalize, const int32_t* docIndex,
                    int32_t k, Precision precision, float* rewards) {
  if (!c) return invalid("corpusReward", "null corpus");
  if (k < 1 || batch < 0 || groups < 1) return invalid("corpusReward", "k and groups must be >= 1");
  for (int b = 0; b < batch; ++b)
    if (batchDocs[b] < 0 || batchDocs[b] >= c->count) return invalid("corpusReward", "batchDocs[" + std::to_string(b) + "] out of range");
  return rewardOnCorpus(c, batchDocs, batch, masks, groups, mode, normalize, docIndex, k, precision,
                        rewards, "corpusReward");
}

Status corpusForwardReward(Corpus* c, const int32_t* batchDocs, int32_t batch, const uint8_t* masks,
                           int32_t groups, PoolMode mode, bool normalize, const int32_t* docIndex,
                           float* rewards) {
  if (!c) return invalid("corpusForwardReward", "null corpus");
  if (batch < 0 || groups < 1) return invalid("corpusForwardReward", "groups must be >= 1");
  for (int b = 0; b < batch; ++b)
    if (batchDocs[b] < 0 || batchDocs[b] >= c->count) return invalid("corpusForwardReward", "batchDocs[" + std::to_string(b) + "] out of range");
  return forwardOnCorpus(c, batchDocs, batch, masks, groups, mode, normalize, docIndex, rewards,
                         "corpusForwardReward");
}

Status corpusQueryTopK(Corpus* c, const float* vectors, int32_t m, int32_t k, Precision precision,
                       int32_t* ids, float* scores) {
  if (!c) return invalid("corpusQueryTopK", "null corpus");
  if (m < 0 || k < 1) return invalid("corpusQueryTopK", "k must be >= 1");
  const int kk = std::min(k, c->numQueries);
  return run("corpusQueryTopK", [&](Arena& ws) -> cudaError_t {
    const Precision p = effective(c->dim, precision);
    ScoreOperands op{};
    op.m = m; op.n = c->numQueries; op.dim = c->dim; op.dp = paddedDim(c->dim, p); op.precision = p;
    RP_TRY(uploadOperand(ws, vectors, m, c->dim, p, op.dp, &op.A, &op.Ap));
    op.B = c->Q;
    if (p != Precision::Fp32) RP_TRY(corpusPadded(c, p, &op.Bp));
    int32_t* I; float* S;
    RP_TRY(ws.alloc(&I, (size_t)m * kk));
    RP_TRY(ws.alloc(&S, (size_t)m * kk));
    RP_TRY(launchScoreTopK(op, kk, I, S, nullptr, ws));
    RP_TRY(download(ids, I, (size_t)m * kk, ws.stream()));
    return download(scores, S, (size_t)m * kk, ws.stream());
  });
}

}  // namespace cuda
}  // namespace reinpool
