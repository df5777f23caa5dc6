// mlpCompress: the MLP policy's forward pass fused with selection and pooling (one call compresses
// a chunk of documents; src/policy/network.ts and src/policy/infer.ts define the arithmetic).
//
// The first layer is rewritten per document so that its cost per vector is dim x hidden instead
// of (3 dim + 3) x hidden: with m the document mean,
//   [x, m, x*m] . W0 = x . (Wx + diag(m) Wxm) + m . Wm,
// so each document packs W'_d = Wx + diag(m) Wxm as key panels once (dim x hidden) and folds
// b0 + m . Wm into a per-document bias; the three scalar features (cos, |x|, position) are added
// per vector. The products use the SIMD micro-kernel of scoreTopK (IsaOps::gemmTile, dispatched at
// run time) in fp32 FMA; the mean, norms and cosines are fp64. Work is split into runs of
// consecutive documents of about equal vector counts, handed out dynamically, so ragged lengths
// keep every thread busy. Pooling is poolMasked's own per-document code (poolDocument).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "internal.h"

namespace reinpool {
namespace cpu {

namespace {

// Per-worker scratch.
struct MlpScratch {
  detail::Buffer<float> panel0;  // layer 0 of this document, packed: npanels x dim x NR
  detail::Buffer<float> mean;    // dim
  detail::Buffer<double> meanD;  // dim
  detail::Buffer<float> biasF;   // b0 + m . Wm (summed in fp64), padded to ldc
  detail::Buffer<float> tile;    // MR x ldc
  detail::Buffer<float> h;       // MR x hidden
  detail::Buffer<float> acc;     // 2 x dim (pooling)
  detail::Buffer<int32_t> idx;   // maxLen (pooling, top-k order)
};

// Keeps the vectors of one document (mask bytes, all zero on entry) from its logits z.
void selectDocument(const float* z, int64_t n, const SelectSpec& sel, double zThr, uint8_t* mask,
                    int32_t* order) {
  if (n == 0) return;
  if (sel.mode == SelectMode::Threshold) {
    bool any = false;
    for (int64_t t = 0; t < n; ++t)
      if ((double)z[t] > zThr) {
        mask[t] = 1;
        any = true;
      }
    if (any) return;
    int64_t best = 0;
    for (int64_t t = 1; t < n; ++t)
      if (z[t] > z[best]) best = t;
    mask[best] = 1;
    return;
  }
  int64_t k;
  if (sel.mode == SelectMode::TopK) {
    k = std::min<int64_t>(n, sel.topK);
  } else {
    k = (int64_t)std::ceil(sel.ratio * (double)n - 1e-9);
    k = std::max<int64_t>(1, std::min<int64_t>(n, k));
  }
  for (int64_t t = 0; t < n; ++t) order[t] = (int32_t)t;
  // higher logit first, then the lower position; a NaN logit ranks below every number
  std::partial_sort(order, order + k, order + n,
                    [z](int32_t a, int32_t b) { return detail::better(z[a], a, z[b], b); });
  for (int64_t i = 0; i < k; ++i) mask[order[i]] = 1;
}

}  // namespace

Status mlpCompress(const RaggedView& docs, const MlpPolicyView& p, const SelectSpec& sel,
                   PoolMode mode, bool normalize, float* out, float* logits, uint8_t* masks,
                   int threads) {
  if (docs.dim < 1 || p.dim != docs.dim || p.hidden < 1 || p.layers < 1 || !p.layerW ||
      !p.layerB || !p.headW || docs.count < 0)
    return Status::Error(ErrorCode::InvalidArgument,
                         "mlpCompress: policy.dim must equal docs.dim; hidden and layers >= 1");
  if ((sel.mode == SelectMode::Threshold && !(sel.threshold > 0 && sel.threshold < 1)) ||
      (sel.mode == SelectMode::TopK && sel.topK < 1) ||
      (sel.mode == SelectMode::Ratio && !(sel.ratio > 0 && sel.ratio <= 1)))
    return Status::Error(ErrorCode::InvalidArgument, "mlpCompress: bad threshold, topK or ratio");
  return detail::guard("mlpCompress", [&]() -> Status {
    const int64_t B = docs.count;
    if (B == 0) return Status::Ok();
    const int D = docs.dim, H = p.hidden, L = p.layers;
    const int nt = detail::resolveThreads(threads);
    const IsaOps& o = detail::ops();
    const int MR = o.mr, NR = o.nr;
    const int64_t np = (H + NR - 1) / NR, ldc = np * NR;
    const int64_t total = docs.total();
    if (total > 0) std::memset(masks, 0, (size_t)total);
    const double zThr = std::log(sel.threshold / (1.0 - sel.threshold));

    // layers 1..L-1 packed once (key j = output unit j, component t = W[t][j])
    std::vector<detail::Buffer<float>> packed((size_t)L);
    {
      std::vector<float> wt((size_t)H * H);
      for (int l = 1; l < L; ++l) {
        const float* W = p.layerW[l];
        for (int j = 0; j < H; ++j)
          for (int t = 0; t < H; ++t) wt[(size_t)j * H + t] = W[(size_t)t * H + j];
        packed[l].reset((size_t)(ldc * H));
        detail::packPanels(wt.data(), H, H, NR, packed[l].data(), -1);
      }
    }
    const float* W0 = p.layerW[0];
    const float* const Wm = W0 + (size_t)D * H;
    // Wx and Wxm with rows padded to ldc columns (zeros), so that a document's panels are built
    // by branch-free, vectorisable loops; the three scalar-feature rows likewise
    std::vector<float> wxPad((size_t)D * ldc, 0.f), wxmPad((size_t)D * ldc, 0.f), wmPad((size_t)D * ldc, 0.f),
        wFeat((size_t)3 * ldc, 0.f);
    for (int t = 0; t < D; ++t)
      for (int j = 0; j < H; ++j) {
        wxPad[(size_t)t * ldc + j] = W0[(size_t)t * H + j];
        wmPad[(size_t)t * ldc + j] = Wm[(size_t)t * H + j];
        wxmPad[(size_t)t * ldc + j] = W0[(size_t)(2 * D + t) * H + j];
      }
    std::vector<double> b0Pad((size_t)ldc, 0.0);
    for (int j = 0; j < H; ++j) b0Pad[j] = (double)p.layerB[0][j];
    for (int f = 0; f < 3; ++f)
      for (int j = 0; j < H; ++j) wFeat[(size_t)f * ldc + j] = W0[(size_t)(3 * D + f) * H + j];
    const float* wCos = wFeat.data();
    const float* wNorm = wCos + ldc;
    const float* wPos = wNorm + ldc;

    int64_t maxLen = 0;
    for (int64_t d = 0; d < B; ++d) maxLen = std::max<int64_t>(maxLen, docs.offsets[d + 1] - docs.offsets[d]);
    std::vector<MlpScratch> scratch((size_t)nt);
    for (auto& s : scratch) {
      s.panel0.reset((size_t)(ldc * D));
      s.mean.reset((size_t)D);
      s.meanD.reset((size_t)D);
      s.biasF.reset((size_t)ldc);
      s.tile.reset((size_t)(MR * ldc));
      s.h.reset((size_t)MR * H);
      s.acc.reset((size_t)2 * D);
      s.idx.reset((size_t)std::max<int64_t>(1, maxLen));
    }

    const std::vector<int64_t> runs = detail::documentRuns(docs, nt);

    detail::parallelFor((int64_t)runs.size() - 1, nt, [&](int64_t task, int w) {
      MlpScratch& s = scratch[(size_t)w];
      for (int64_t d = runs[task]; d < runs[task + 1]; ++d) {
        const int64_t start = docs.offsets[d];
        const int64_t n = docs.offsets[d + 1] - start;
        if (n > 0) {
          const float* X = docs.vectors + start * D;
          // masked mean (fp64), its norm, and the document's layer 0
          // column sums in blocks of 8 held in registers over the rows (fp64)
          double* md = s.meanD.data();
          int t0 = 0;
          for (; t0 + 8 <= D; t0 += 8) {
            double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (int64_t i = 0; i < n; ++i)
              for (int u = 0; u < 8; ++u) a[u] += (double)X[i * D + t0 + u];
            for (int u = 0; u < 8; ++u) md[t0 + u] = a[u];
          }
          for (; t0 < D; ++t0) {
            double a = 0;
            for (int64_t i = 0; i < n; ++i) a += (double)X[i * D + t0];
            md[t0] = a;
          }
          double mn2 = 0;
          for (int t = 0; t < D; ++t) {
            md[t] /= (double)n;
            s.mean[t] = (float)md[t];
            mn2 += md[t] * md[t];
          }
          const double mNorm = std::sqrt(mn2);
          // b0 + m . Wm in blocks of 8 outputs held in registers over the inputs (fp64; ldc % 8 == 0)
          float* bf = s.biasF.data();
          for (int64_t j0 = 0; j0 < ldc; j0 += 8) {
            double a[8];
            for (int u = 0; u < 8; ++u) a[u] = b0Pad[j0 + u];
            for (int t = 0; t < D; ++t) {
              const float* row = wmPad.data() + (size_t)t * ldc + j0;
              const double mt = md[t];
              for (int u = 0; u < 8; ++u) a[u] += mt * (double)row[u];
            }
            for (int u = 0; u < 8; ++u) bf[j0 + u] = (float)a[u];
          }
          float* P0 = s.panel0.data();
          for (int64_t pp = 0; pp < np; ++pp)
            for (int t = 0; t < D; ++t) {
              float* __restrict dst = P0 + (pp * D + t) * NR;
              const float* __restrict wx = wxPad.data() + (size_t)t * ldc + pp * NR;
              const float* __restrict wxm = wxmPad.data() + (size_t)t * ldc + pp * NR;
              const float mt = s.mean[t];
              for (int jj = 0; jj < NR; ++jj) dst[jj] = wx[jj] + mt * wxm[jj];
            }
          const double posDen = (double)std::max<int64_t>(n - 1, 1);
          float* z = logits + start;
          for (int64_t i0 = 0; i0 < n; i0 += MR) {
            const int rows = (int)std::min<int64_t>(MR, n - i0);
            float* c = s.tile.data();
            float* h = s.h.data();
            o.gemmTile(X + i0 * D, rows, D, P0, np, c, ldc);
            for (int r = 0; r < rows; ++r) {
              const float* x = X + (i0 + r) * D;
              // |x|^2 and <x, m> in fp64, four partial sums each (no serial dependency chain)
              double xx[4] = {0, 0, 0, 0}, xm[4] = {0, 0, 0, 0};
              int t = 0;
              for (; t + 4 <= D; t += 4)
                for (int u = 0; u < 4; ++u) {
                  const double v = (double)x[t + u];
                  xx[u] += v * v;
                  xm[u] += v * md[t + u];
                }
              for (; t < D; ++t) {
                xx[0] += (double)x[t] * x[t];
                xm[0] += (double)x[t] * md[t];
              }
              const double xNorm = std::sqrt((xx[0] + xx[1]) + (xx[2] + xx[3]));
              const double cosv = ((xm[0] + xm[1]) + (xm[2] + xm[3])) / (xNorm * mNorm + 1e-6);
              const float fc = (float)cosv, fn = (float)xNorm, fp = (float)((double)(i0 + r) / posDen);
              const float* __restrict cr = c + r * ldc;
              float* __restrict hr = h + r * H;
              for (int j = 0; j < H; ++j) {
                const float v = cr[j] + fc * wCos[j] + fn * wNorm[j] + fp * wPos[j] + bf[j];
                hr[j] = v > 0.f ? v : 0.f;
              }
            }
            for (int l = 1; l < L; ++l) {
              o.gemmTile(h, rows, H, packed[l].data(), np, c, ldc);
              const float* b = p.layerB[l];
              for (int r = 0; r < rows; ++r)
                for (int j = 0; j < H; ++j) {
                  const float v = c[r * ldc + j] + b[j];
                  h[r * H + j] = v > 0 ? v : 0.f;
                }
            }
            for (int r = 0; r < rows; ++r) {
              const float* hr = h + r * H;
              double zz[4] = {0, 0, 0, 0};
              int j = 0;
              for (; j + 4 <= H; j += 4)
                for (int u = 0; u < 4; ++u) zz[u] += (double)hr[j + u] * p.headW[j + u];
              for (; j < H; ++j) zz[0] += (double)hr[j] * p.headW[j];
              z[i0 + r] = (float)((double)p.headB + ((zz[0] + zz[1]) + (zz[2] + zz[3])));
            }
          }
          selectDocument(z, n, sel, zThr, masks + start, s.idx.data());
        }
        detail::poolDocument(docs, d, masks, 1, mode, normalize, out, s.acc.data(), s.idx.data());
      }
    });
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
