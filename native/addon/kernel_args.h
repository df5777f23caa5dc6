// Argument checks of the kernel entry points, one per argument, shared by the stateless kernels
// (kernels.cpp) and the CUDA corpus handle (corpus.cpp) so that both accept and reject the same
// values with the same messages. Built from the primitive checks of args.h; each function takes
// the argument object `a`, runs in the order of src/kernels/validate.ts, registers every typed
// array it accepts as an input of `job` (so it is rechecked and kept alive) and throws before any
// kernel touches memory.
#ifndef REINPOOL_ADDON_KERNEL_ARGS_H
#define REINPOOL_ADDON_KERNEL_ARGS_H

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "job.h"

namespace reinpool {
namespace addon {

// What every pooling call takes besides its documents: groups, masks (groups x rows bytes, rows =
// the vectors of the documents pooled; `rowsWhat` names them in the message), mode, normalize.
// MaskView is what the kernels take, as plain values: a Job's `run` captures it by value (the
// masks typed array itself stays registered as an input of the job).
struct MaskView {
  const uint8_t* masks = nullptr;
  int32_t groups = 1;
  PoolMode mode = PoolMode::Mean;
  bool normalize = true;
};
struct MaskArgs {
  MaskView view;
  Typed<uint8_t> masks;
};
MaskArgs checkMasks(Napi::Env env, const std::string& fn, Napi::Object a, int64_t rows,
                    const std::string& rowsWhat, Job& job);

// poolMasked's arguments: docs (a MultiVectorSet) and its masks. PoolView is the plain part, for
// `run` to capture by value, as MaskView.
struct PoolView {
  RaggedView docs;
  MaskView m;
  int64_t pooledRows() const { return docs.count * m.groups; }  // one per document and mask
};
struct PoolArgs {
  SetArg docs;
  MaskArgs m;
  PoolView view() const { return {docs.view, m.view}; }
};
PoolArgs checkPool(Napi::Env env, const std::string& fn, Napi::Value v, Job& job);

// queries (Q x dim DenseMatrix) and queryOwner (Q entries, any int32 ids).
struct QueryArgs {
  MatrixArg queries;
  Typed<int32_t> owner;
};
QueryArgs checkQueries(Napi::Env env, const std::string& fn, Napi::Object a, int32_t dim, Job& job);

// docIndex: undefined (data null) or an Int32Array with one entry per document; `countWhat`
// names them ("documents", "batch documents").
Typed<int32_t> checkDocIndex(Napi::Env env, const std::string& fn, Napi::Object a, int64_t count,
                             const std::string& countWhat, Job& job);

// The inverse reward's NDCG cut-off k: undefined means 3.
int32_t checkRewardK(Napi::Env env, const std::string& fn, Napi::Object a);

// competitorScores: a DenseMatrix with one row per query (rows == queries) and k = dim columns;
// -Infinity pads rows with fewer than k competitors, so only NaN is refused (always, even without
// REINPOOL_VALIDATE_FINITE: a NaN bar would silently rank the document above it).
MatrixArg checkCompetitorScores(Napi::Env env, const std::string& fn, Napi::Value v, int64_t queries,
                                Job& job);

// mlpCompress's policy: an object {dim, hidden, layers, layerWeights, layerBiases, headWeights,
// headBias} whose arrays have the shapes kernels.h's MlpPolicyView says (policy.dim must equal
// docDim; every weight finite). The pointer tables live in `w` (shared so that a Job's `run` can
// capture them by value); every array is registered as an input of `job`.
struct MlpArgs {
  MlpPolicyView view;
  std::shared_ptr<std::vector<const float*>> w, b;
};
MlpArgs checkMlpPolicy(Napi::Env env, const std::string& fn, Napi::Value v, int32_t docDim, Job& job);

// select ('threshold' default | 'topk' | 'ratio') with threshold (default 0.5), topK, ratio.
SelectSpec checkSelect(Napi::Env env, const std::string& fn, Napi::Object a);

}  // namespace addon
}  // namespace reinpool

#endif
