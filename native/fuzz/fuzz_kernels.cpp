// libFuzzer target for the CPU kernels (native/kernels/kernels.h), built by scripts/fuzz-native.sh
// with clang -fsanitize=fuzzer,address,undefined.
//
// The Node-API argument checks live in native/addon/ and need a Node runtime, so they are covered
// by the bad-input jest tests (test/kernels/badinput.test.ts) and by the ASan build (npm run
// test:asan). Here the fuzzer drives the C++ entry points directly: it builds shapes, offsets,
// masks, ranked lists, qrels, owners and k from the input bytes, applies the SAME preconditions the
// addon enforces (mirrored in `addonAccepts*` below; inputs the addon would reject are skipped),
// calls the kernel with a bounded thread count, and asserts the outputs are well-formed:
//   - the kernel returns Ok (a precondition the addon checks must never be needed twice),
//   - top-k ids are in range, distinct per row, and the width is min(k, n),
//   - with bounded finite inputs every score / pooled value / metric is finite, metrics in [0, 1],
//   - pooled vectors are unit-norm or zero when normalised.
// ASan/UBSan catch any out-of-bounds read or write, overflow or misaligned access on the way.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "../kernels/kernels.h"

using namespace reinpool;

#define CHECK(cond)                                                                          \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "fuzz_kernels: check failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

namespace {

struct Ragged {
  std::vector<float> vectors;
  std::vector<int32_t> offsets;
  RaggedView view(int32_t dim) const {
    RaggedView v;
    v.vectors = vectors.data();
    v.offsets = offsets.data();
    v.count = (int64_t)offsets.size() - 1;
    v.dim = dim;
    return v;
  }
};

// Values are either bounded (|x| <= 4, so no overflow: outputs must be finite) or raw bit patterns
// (NaN, Inf, denormals: outputs may be non-finite but ids must still be valid).
float nextFloat(FuzzedDataProvider& p, bool raw) {
  if (raw) {
    uint32_t bits = p.ConsumeIntegral<uint32_t>();
    float f;
    static_assert(sizeof f == sizeof bits, "float is 32-bit");
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  return (float)(p.ConsumeIntegralInRange<int16_t>(-4096, 4096)) / 1024.0f;
}

Ragged makeRagged(FuzzedDataProvider& p, int32_t dim, int maxCount, int maxLen, bool raw) {
  Ragged r;
  const int count = p.ConsumeIntegralInRange<int>(0, maxCount);
  r.offsets.push_back(0);
  for (int i = 0; i < count; ++i) r.offsets.push_back(r.offsets.back() + p.ConsumeIntegralInRange<int>(0, maxLen));
  r.vectors.resize((size_t)r.offsets.back() * dim);
  for (auto& x : r.vectors) x = nextFloat(p, raw);
  return r;
}

void checkTopK(const std::vector<int32_t>& ids, const std::vector<float>& scores, int64_t rows, int64_t kk,
               int64_t n, bool finite) {
  for (int64_t r = 0; r < rows; ++r) {
    std::set<int32_t> seen;
    for (int64_t j = 0; j < kk; ++j) {
      const int32_t id = ids[(size_t)(r * kk + j)];
      CHECK(id >= 0 && id < n);
      CHECK(seen.insert(id).second);
      if (finite) CHECK(std::isfinite(scores[(size_t)(r * kk + j)]) || std::isinf(scores[(size_t)(r * kk + j)]));
    }
  }
}

enum class PoolOp { Pool, InverseReward, ForwardReward };

// forwardRetrievalReward: the addon allows 0 query rows, requires competitorScores.rows ==
// queries.rows and k = competitorScores.dim >= 1, and refuses NaN competitor scores (+-Infinity
// allowed); owners and docIndex are any int32. Gains are discrete, so even NaN or infinite
// vectors must give rewards in [0, 1].
void fuzzForward(FuzzedDataProvider& p, bool raw, const RaggedView& docs, const std::vector<uint8_t>& masks,
                 int32_t groups, PoolMode mode, bool normalize, int threads) {
  const int32_t dim = docs.dim;
  const int64_t count = docs.count;
  const int64_t qrows = p.ConsumeIntegralInRange<int64_t>(0, 40);
  const int32_t k = p.ConsumeIntegralInRange<int32_t>(1, 12);
  std::vector<float> q((size_t)(qrows * dim)), comp((size_t)(qrows * k));
  for (auto& x : q) x = nextFloat(p, raw);
  for (auto& c : comp) {
    const int kind = p.ConsumeIntegralInRange<int>(0, 7);
    c = kind == 0 ? -INFINITY : kind == 1 ? INFINITY : nextFloat(p, false);
    if (raw && kind == 2) c = nextFloat(p, true);
    if (std::isnan(c)) c = 0.0f;  // the addon refuses NaN
  }
  std::vector<int32_t> owner((size_t)qrows);
  for (auto& o : owner) o = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(-2, (int32_t)count + 1) : p.ConsumeIntegral<int32_t>();
  std::vector<int32_t> docIndex((size_t)count);
  for (auto& x : docIndex) x = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(-2, (int32_t)count + 1) : p.ConsumeIntegral<int32_t>();
  const bool useIndex = p.ConsumeBool();
  std::vector<float> out((size_t)(count * groups), -7.0f);
  Status s = cpu::forwardRetrievalReward(docs, masks.data(), groups, mode, normalize, MatrixView{q.data(), qrows, dim},
                                         owner.data(), MatrixView{comp.data(), qrows, k},
                                         useIndex ? docIndex.data() : nullptr, out.data(), threads);
  CHECK(s.ok());
  for (int64_t d = 0; d < count; ++d) {
    bool owns = false;
    const int32_t own = useIndex ? docIndex[(size_t)d] : (int32_t)d;
    for (int32_t o : owner) owns |= o == own;
    for (int32_t g = 0; g < groups; ++g) {
      const float r = out[(size_t)(d * groups + g)];
      CHECK(std::isfinite(r) && r >= 0.0f && r <= 1.0f + 1e-6f);
      if (!owns) CHECK(r == 0.0f);
    }
  }
}

void fuzzPool(FuzzedDataProvider& p, bool raw, PoolOp op) {
  const int32_t dim = p.ConsumeIntegralInRange<int32_t>(1, 40);
  const int32_t groups = p.ConsumeIntegralInRange<int32_t>(1, 5);
  Ragged d = makeRagged(p, dim, 12, 24, raw);
  const int64_t count = (int64_t)d.offsets.size() - 1, total = d.offsets.back();
  std::vector<uint8_t> masks((size_t)(groups * total));
  for (auto& m : masks) m = p.ConsumeIntegral<uint8_t>() & (p.ConsumeBool() ? 1 : 0xff);
  const PoolMode mode = p.ConsumeBool() ? PoolMode::Max : PoolMode::Mean;
  const bool normalize = p.ConsumeBool();
  const int threads = p.ConsumeIntegralInRange<int>(1, 3);
  if (op == PoolOp::Pool) {
    std::vector<float> out((size_t)(count * groups * dim), -7.0f);
    Status s = cpu::poolMasked(d.view(dim), masks.data(), groups, mode, normalize, out.data(), threads);
    CHECK(s.ok());
    if (raw) return;
    for (int64_t row = 0; row < count * groups; ++row) {
      double n2 = 0;
      for (int32_t c = 0; c < dim; ++c) {
        const float x = out[(size_t)(row * dim + c)];
        CHECK(std::isfinite(x));
        n2 += (double)x * x;
      }
      if (normalize) CHECK(n2 == 0 || std::fabs(n2 - 1.0) < 1e-3);
    }
    return;
  }
  if (op == PoolOp::ForwardReward) {
    fuzzForward(p, raw, d.view(dim), masks, groups, mode, normalize, threads);
    return;
  }
  // inverseRetrievalReward: the addon requires >= 1 query row; owners and docIndex are any int32.
  const int64_t qrows = p.ConsumeIntegralInRange<int64_t>(1, 40);
  std::vector<float> q((size_t)(qrows * dim));
  for (auto& x : q) x = nextFloat(p, raw);
  std::vector<int32_t> owner((size_t)qrows);
  for (auto& o : owner) o = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(-2, (int32_t)count + 1) : p.ConsumeIntegral<int32_t>();
  std::vector<int32_t> docIndex((size_t)count);
  for (auto& x : docIndex) x = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(-2, (int32_t)count + 1) : p.ConsumeIntegral<int32_t>();
  const bool useIndex = p.ConsumeBool();
  const int32_t k = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(1, 50) : p.ConsumeIntegralInRange<int32_t>(1, INT32_MAX);
  MatrixView qm;
  qm.data = q.data();
  qm.rows = qrows;
  qm.dim = dim;
  std::vector<float> out((size_t)(count * groups), -7.0f);
  Status s = cpu::inverseRetrievalReward(d.view(dim), masks.data(), groups, mode, normalize, qm, owner.data(),
                                         useIndex ? docIndex.data() : nullptr, k, out.data(), threads);
  CHECK(s.ok());
  for (float r : out) {
    if (!raw) CHECK(std::isfinite(r));
    if (std::isfinite(r)) CHECK(r >= -1e-6f && r <= 1.0f + 1e-5f);
  }
}

void fuzzScore(FuzzedDataProvider& p, bool raw) {
  const int32_t dim = p.ConsumeIntegralInRange<int32_t>(1, 40);
  const int64_t qr = p.ConsumeIntegralInRange<int64_t>(0, 20), kr = p.ConsumeIntegralInRange<int64_t>(0, 60);
  std::vector<float> q((size_t)(qr * dim)), keys((size_t)(kr * dim));
  for (auto& x : q) x = nextFloat(p, raw);
  for (auto& x : keys) x = nextFloat(p, raw);
  const int32_t k = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(1, 70) : p.ConsumeIntegralInRange<int32_t>(1, INT32_MAX);
  const int64_t kk = std::min<int64_t>(k, kr);
  std::vector<int32_t> ids((size_t)(qr * kk), -5);
  std::vector<float> scores((size_t)(qr * kk));
  MatrixView qv{q.data(), qr, dim}, kv{keys.data(), kr, dim};
  Status s = cpu::scoreTopK(qv, kv, k, ids.data(), scores.data(), p.ConsumeIntegralInRange<int>(1, 3));
  CHECK(s.ok());
  checkTopK(ids, scores, qr, kk, kr, !raw);
}

void fuzzMaxSim(FuzzedDataProvider& p, bool raw) {
  const int32_t dim = p.ConsumeIntegralInRange<int32_t>(1, 24);
  Ragged q = makeRagged(p, dim, 6, 8, raw);
  Ragged d = makeRagged(p, dim, 12, 16, raw);
  const int64_t n = (int64_t)d.offsets.size() - 1, qn = (int64_t)q.offsets.size() - 1;
  const int32_t k = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(1, 20) : p.ConsumeIntegralInRange<int32_t>(1, INT32_MAX);
  const int64_t kk = std::min<int64_t>(k, n);
  std::vector<int32_t> ids((size_t)(qn * kk), -5);
  std::vector<float> scores((size_t)(qn * kk));
  Status s = cpu::maxSimTopK(q.view(dim), d.view(dim), k, ids.data(), scores.data(), p.ConsumeIntegralInRange<int>(1, 3));
  CHECK(s.ok());
  checkTopK(ids, scores, qn, kk, n, !raw);  // empty documents score -Infinity: allowed
}

void fuzzMetrics(FuzzedDataProvider& p, bool ndcg) {
  // The addon requires width >= 1, ranked entries >= -1, qrels offsets monotone from 0 with one row
  // per query, qrels docs >= 0; gains are any float; ranked ids may exceed every judged id.
  const int32_t width = p.ConsumeIntegralInRange<int32_t>(1, 12);
  const int64_t queries = p.ConsumeIntegralInRange<int64_t>(0, 10);
  std::vector<int32_t> ranked((size_t)(queries * width));
  for (auto& r : ranked) r = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(-1, 15) : p.ConsumeIntegralInRange<int32_t>(-1, INT32_MAX);
  std::vector<int32_t> off{0};
  for (int64_t i = 0; i < queries; ++i) off.push_back(off.back() + p.ConsumeIntegralInRange<int32_t>(0, 6));
  std::vector<int32_t> docs((size_t)off.back());
  std::vector<float> gains((size_t)off.back());
  for (auto& d : docs) d = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(0, 15) : p.ConsumeIntegralInRange<int32_t>(0, INT32_MAX);
  const bool rawGain = p.ConsumeBool();
  for (auto& g : gains) g = rawGain ? nextFloat(p, true) : (float)p.ConsumeIntegralInRange<int>(-1, 3);
  const int32_t k = p.ConsumeBool() ? p.ConsumeIntegralInRange<int32_t>(1, 15) : p.ConsumeIntegralInRange<int32_t>(1, INT32_MAX);
  QrelsView qv{off.data(), docs.data(), gains.data()};
  std::vector<double> out((size_t)queries, -7.0);
  const int threads = p.ConsumeIntegralInRange<int>(1, 3);
  Status s = ndcg ? cpu::ndcgAtK(ranked.data(), queries, width, qv, k, out.data(), threads)
                  : cpu::recallAtK(ranked.data(), queries, width, qv, k, out.data(), threads);
  CHECK(s.ok());
  for (int64_t q = 0; q < queries; ++q) {
    const double v = out[(size_t)q];
    if (rawGain) continue;
    CHECK(std::isfinite(v));
    // A ranked row that repeats a document counts it again, on both backends (the TS reference
    // too): recall and NDCG can then exceed 1. The addon does not reject repeats (reported); the
    // [0, 1] bound is asserted for rows without repeats.
    std::set<int32_t> seen;
    bool repeats = false;
    for (int32_t i = 0; i < width; ++i) {
      const int32_t id = ranked[(size_t)(q * width + i)];
      if (id >= 0 && !seen.insert(id).second) repeats = true;
    }
    const double hi = repeats ? (double)width : 1.0 + 1e-9;
    if (!(v >= 0.0 && v <= hi)) {
      std::fprintf(stderr, "fuzz_kernels: %s = %.17g (width %d, k %d)\n", ndcg ? "ndcg" : "recall", v, width, k);
      std::abort();
    }
  }
}

// mlpCompress: the addon requires policy.dim == docs.dim, hidden and layers >= 1, finite weights
// of the stated shapes and a valid selection rule; the vectors may be anything. Every non-empty
// document keeps at least one vector (exactly min(T_d, topK) / max(1, ceil(ratio T_d)) with a
// budget), an empty one keeps nothing and pools to zero; bounded inputs give finite logits and
// unit-norm (normalised) pooled vectors.
void fuzzMlp(FuzzedDataProvider& p, bool raw) {
  const int32_t dim = p.ConsumeIntegralInRange<int32_t>(1, 24);
  const int32_t hidden = p.ConsumeIntegralInRange<int32_t>(1, 40);
  const int32_t layers = p.ConsumeIntegralInRange<int32_t>(1, 3);
  const Ragged r = makeRagged(p, dim, 8, 40, raw);
  const RaggedView docs = r.view(dim);
  std::vector<std::vector<float>> W((size_t)layers), B((size_t)layers);
  std::vector<const float*> wp, bp;
  for (int32_t l = 0; l < layers; ++l) {
    W[l].resize((size_t)(l == 0 ? 3 * dim + 3 : hidden) * hidden);
    B[l].resize((size_t)hidden);
    for (auto& x : W[l]) x = nextFloat(p, false) * 0.25f;
    for (auto& x : B[l]) x = nextFloat(p, false) * 0.25f;
    wp.push_back(W[l].data());
    bp.push_back(B[l].data());
  }
  std::vector<float> hw((size_t)hidden);
  for (auto& x : hw) x = nextFloat(p, false);
  MlpPolicyView pol;
  pol.dim = dim;
  pol.hidden = hidden;
  pol.layers = layers;
  pol.layerW = wp.data();
  pol.layerB = bp.data();
  pol.headW = hw.data();
  pol.headB = nextFloat(p, false);
  SelectSpec sel;
  sel.mode = (SelectMode)p.ConsumeIntegralInRange<int>(0, 2);
  sel.threshold = p.ConsumeIntegralInRange<int>(1, 999) / 1000.0;
  sel.topK = p.ConsumeIntegralInRange<int32_t>(1, 50);
  sel.ratio = p.ConsumeIntegralInRange<int>(1, 1000) / 1000.0;
  const PoolMode mode = p.ConsumeBool() ? PoolMode::Max : PoolMode::Mean;
  const bool normalize = p.ConsumeBool();
  const int threads = p.ConsumeIntegralInRange<int>(1, 3);
  const int64_t count = docs.count, total = docs.total();
  std::vector<float> out((size_t)(count * dim), -7.f), z((size_t)total, -7.f);
  std::vector<uint8_t> m((size_t)total, 9);
  CHECK(cpu::mlpCompress(docs, pol, sel, mode, normalize, out.data(), z.data(), m.data(), threads).ok());
  for (int64_t d = 0; d < count; ++d) {
    const int64_t a = r.offsets[(size_t)d], n = r.offsets[(size_t)d + 1] - a;
    int64_t kept = 0;
    for (int64_t t = 0; t < n; ++t) {
      CHECK(m[(size_t)(a + t)] <= 1);
      kept += m[(size_t)(a + t)];
      if (!raw) CHECK(std::isfinite(z[(size_t)(a + t)]));
    }
    if (n == 0) {
      CHECK(kept == 0);
      for (int32_t c = 0; c < dim; ++c) CHECK(out[(size_t)(d * dim + c)] == 0.f);
      continue;
    }
    CHECK(kept >= 1);
    if (sel.mode == SelectMode::TopK) CHECK(kept == std::min<int64_t>(n, sel.topK));
    if (sel.mode == SelectMode::Ratio) CHECK(kept == std::max<int64_t>(1, std::min<int64_t>(n, (int64_t)std::ceil(sel.ratio * n - 1e-9))));
    if (!raw && normalize) {
      double n2 = 0;
      for (int32_t c = 0; c < dim; ++c) n2 += (double)out[(size_t)(d * dim + c)] * out[(size_t)(d * dim + c)];
      CHECK(n2 == 0 || std::fabs(n2 - 1) < 1e-4);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  CHECK(cpu::init().ok());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider p(data, size);
  const int op = p.ConsumeIntegralInRange<int>(0, 7);
  const bool raw = p.ConsumeIntegralInRange<int>(0, 3) == 0;
  static const char* levels[] = {"avx512", "avx2", "sse2"};
  cpu::setSimdLevel(levels[p.ConsumeIntegralInRange<int>(0, 2)]);
  switch (op) {
    case 0: fuzzPool(p, raw, PoolOp::Pool); break;
    case 1: fuzzPool(p, raw, PoolOp::InverseReward); break;
    case 7: fuzzPool(p, raw, PoolOp::ForwardReward); break;
    case 2: fuzzScore(p, raw); break;
    case 3: fuzzMaxSim(p, raw); break;
    case 4: fuzzMetrics(p, true); break;
    case 5: fuzzMetrics(p, false); break;
    case 6: {
      if (p.ConsumeBool()) {
        fuzzMlp(p, raw);
        break;
      }
      // cheap re-checks the kernels promise (dims, k): invalid values must come back as a Status
      std::vector<float> buf(64, 0.f);
      std::vector<int32_t> ids(64);
      MatrixView qv{buf.data(), 2, p.ConsumeIntegralInRange<int32_t>(-3, 0)};
      MatrixView kv{buf.data(), 2, qv.dim};
      Status s = cpu::scoreTopK(qv, kv, p.ConsumeIntegralInRange<int32_t>(INT32_MIN, 0), ids.data(), buf.data(), 1);
      CHECK(!s.ok());
      break;
    }
  }
  return 0;
}
