// reinpool_cuda_check: standalone parity checks and benchmarks for the CUDA kernels (llm.c style).
//
//   reinpool_cuda_check [--seed N] [--quick]     parity: every kernel vs a plain fp64 CPU reference
//                                                 on random inputs over many shapes; PASS/FAIL per
//                                                 case; exit 1 on any failure
//   reinpool_cuda_check --bench [--reps N]        timings (cudaEvent, median of N) at the issue's
//                                                 shapes; lines "BENCH <key> <ms> <note>"
//
// Tolerances (error relative to the natural scale of each output, see each check):
//   fp32 paths 1e-5; tf32 2e-3; bf16 1.6e-2 (operands rounded to 8 bits of mantissa, fp32 sums).
// Top-k ids must equal the reference's except where the reference scores of the two ids differ by
// less than the tolerance (a near tie); integer-valued inputs (exact in every precision) with
// duplicated rows check that exact ties rank the lower index first with no slack at all.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../common.cuh"
#include "../corpus.cuh"
#include "../reinpool_cuda.h"

using namespace reinpool;
using reinpool::cuda::Precision;

static std::mt19937_64 rng;
static int gFails = 0, gPasses = 0;

static const char* precName(Precision p) {
  return p == Precision::Bf16 ? "bf16" : p == Precision::Tf32 ? "tf32" : "fp32";
}
static double tolFor(Precision p) {
  return p == Precision::Bf16 ? 1.6e-2 : p == Precision::Tf32 ? 2e-3 : 1e-5;
}
static void report(bool ok, const std::string& name, const std::string& detail) {
  (ok ? gPasses : gFails)++;
  printf("%s %-58s %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
  fflush(stdout);
}
static bool statusOk(const Status& st, const std::string& name) {
  if (st.ok()) return true;
  report(false, name, "status " + std::to_string((int)st.code) + ": " + st.message);
  return false;
}

// ---- random inputs ----------------------------------------------------------------------------------
struct Ragged {
  int dim = 0;
  std::vector<float> v;
  std::vector<int32_t> off;
  int count() const { return (int)off.size() - 1; }
  RaggedView view() const { return RaggedView{v.data(), off.data(), (int64_t)count(), dim}; }
};
static float randn() { static std::normal_distribution<float> n(0.f, 1.f); return n(rng); }
static int randint(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
static Ragged makeRagged(const std::vector<int>& lens, int dim, bool integer = false) {
  Ragged r;
  r.dim = dim;
  r.off.push_back(0);
  for (int l : lens) r.off.push_back(r.off.back() + l);
  r.v.resize((size_t)r.off.back() * dim);
  for (auto& x : r.v) x = integer ? (float)randint(-3, 3) : randn();
  return r;
}
static std::vector<float> randMat(int rows, int dim, bool integer = false) {
  std::vector<float> m((size_t)rows * dim);
  for (auto& x : m) x = integer ? (float)randint(-3, 3) : randn();
  return m;
}
// kind: 0 random p, 1 keep nothing, 2 keep everything
static std::vector<uint8_t> makeMasks(const Ragged& r, int G, int kind, double p) {
  std::vector<uint8_t> m((size_t)r.off.back() * G);
  std::bernoulli_distribution b(p);
  for (auto& x : m) x = kind == 1 ? 0 : kind == 2 ? (uint8_t)randint(1, 255) : (b(rng) ? (uint8_t)randint(1, 255) : 0);
  return m;
}

// ---- references (fp64) --------------------------------------------------------------------------------
static std::vector<double> refPool(const Ragged& r, const std::vector<uint8_t>& masks, int G, PoolMode mode, bool norm) {
  const int D = r.dim;
  std::vector<double> out((size_t)r.count() * G * D, 0.0);
  for (int d = 0; d < r.count(); ++d) {
    const int a = r.off[d], T = r.off[d + 1] - a;
    for (int g = 0; g < G; ++g) {
      const uint8_t* m = masks.data() + (size_t)G * a + (size_t)g * T;
      double* o = out.data() + ((size_t)d * G + g) * D;
      std::vector<double> acc(D, mode == PoolMode::Max ? -INFINITY : 0.0);
      int kept = 0;
      for (int t = 0; t < T; ++t) {
        if (!m[t]) continue;
        ++kept;
        for (int c = 0; c < D; ++c) {
          const double x = r.v[(size_t)(a + t) * D + c];
          acc[c] = mode == PoolMode::Max ? std::max(acc[c], x) : acc[c] + x;
        }
      }
      if (!kept) continue;
      double n2 = 0;
      for (int c = 0; c < D; ++c) { if (mode == PoolMode::Mean) acc[c] /= kept; n2 += acc[c] * acc[c]; }
      const double s = norm && n2 > 0 ? 1.0 / std::sqrt(n2) : 1.0;
      for (int c = 0; c < D; ++c) o[c] = acc[c] * s;
    }
  }
  return out;
}
static double dotd(const float* a, const float* b, int D) {
  double s = 0;
  for (int c = 0; c < D; ++c) s += (double)a[c] * b[c];
  return s;
}
static double normd(const float* a, int D) { return std::sqrt(dotd(a, a, D)); }
// reference top-k order of a score row: score desc, id asc
static std::vector<int> refOrder(const std::vector<double>& s, int k) {
  std::vector<int> idx(s.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), [&](int a, int b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
  idx.resize(k);
  return idx;
}
// Checks one row of GPU top-k against reference scores. Returns false on a real mismatch.
// exact: ids must match exactly (integer inputs). tolAbs: allowed score error / near-tie width.
struct TopKStats { double maxErr = 0; int nearTies = 0; int bad = 0; std::string first; };
static void checkTopKRow(const std::vector<double>& ref, const int32_t* ids, const float* sc, int k,
                         double tolAbs, bool exact, double scale, TopKStats& st, int row) {
  const std::vector<int> want = refOrder(ref, k);
  for (int r = 0; r < k; ++r) {
    const int id = ids[r];
    auto fail = [&](const char* why) {
      if (st.bad++ == 0) {
        char buf[256];
        snprintf(buf, sizeof buf, "row %d rank %d: %s (gpu id %d score %.7g, ref id %d score %.7g)", row, r, why, id, sc[r], want[r], ref[want[r]]);
        st.first = buf;
      }
    };
    if (id < 0 || id >= (int)ref.size()) { fail("id out of range"); continue; }
    const double err = std::isinf(ref[id]) && ref[id] == sc[r] ? 0.0 : std::fabs((double)sc[r] - ref[id]);
    st.maxErr = std::max(st.maxErr, err / scale);
    if (!(err <= tolAbs)) fail("score error");
    if (id != want[r]) {
      if (exact) fail("id differs (exact inputs)");
      else if (std::fabs(ref[id] - ref[want[r]]) <= 2 * tolAbs) st.nearTies++;
      else fail("id differs beyond a near tie");
    }
  }
}

// ---- checks -----------------------------------------------------------------------------------------------
static void checkPool(const std::vector<int>& lens, int dim, int G, int kind, double p, PoolMode mode, bool norm) {
  const Ragged r = makeRagged(lens, dim);
  const auto masks = makeMasks(r, G, kind, p);
  std::vector<float> out((size_t)r.count() * G * dim, NAN);
  char name[160];
  snprintf(name, sizeof name, "poolMasked docs=%d dim=%d G=%d %s %s%s", r.count(), dim, G,
           kind == 1 ? "keep-none" : kind == 2 ? "keep-all" : ("p=" + std::to_string(p).substr(0, 4)).c_str(),
           mode == PoolMode::Max ? "max" : "mean", norm ? " norm" : "");
  if (!statusOk(cuda::poolMasked(r.view(), masks.data(), G, mode, norm, out.data(), 0), name)) return;
  const auto ref = refPool(r, masks, G, mode, norm);
  double worst = 0; bool ok = true;
  for (size_t row = 0; row < out.size() / dim; ++row) {
    double rmax = 0, emax = 0;
    for (int c = 0; c < dim; ++c) rmax = std::max(rmax, std::fabs(ref[row * dim + c]));
    for (int c = 0; c < dim; ++c) {
      const double e = std::fabs(out[row * dim + c] - ref[row * dim + c]);
      if (!(e == e) || std::isnan(out[row * dim + c])) ok = false;
      emax = std::max(emax, e);
    }
    if (rmax == 0) { if (emax != 0) ok = false; continue; }
    worst = std::max(worst, emax / rmax);
  }
  ok = ok && worst <= 1e-5;
  char det[64]; snprintf(det, sizeof det, "max rel err %.2e", worst);
  report(ok, name, det);
}

static void checkScore(int m, int n, int dim, int k, Precision prec, bool integer, int dupEvery) {
  auto A = randMat(m, dim, integer), B = randMat(n, dim, integer);
  if (dupEvery > 0)  // duplicate key rows: exact ties
    for (int j = dupEvery; j < n; j += dupEvery) std::copy(B.begin() + (size_t)(j - dupEvery) * dim, B.begin() + (size_t)(j - dupEvery + 1) * dim, B.begin() + (size_t)j * dim);
  const int kk = std::min(k, n);
  std::vector<int32_t> ids((size_t)m * kk, -7);
  std::vector<float> sc((size_t)m * kk, NAN);
  char name[160];
  snprintf(name, sizeof name, "scoreTopK m=%d n=%d dim=%d k=%d %s%s", m, n, dim, k, precName(prec), integer ? " exact-ties" : "");
  if (!statusOk(cuda::scoreTopKEx(MatrixView{A.data(), m, dim}, MatrixView{B.data(), n, dim}, k, ids.data(), sc.data(), prec), name)) return;
  double bmax = 0;
  for (int j = 0; j < n; ++j) bmax = std::max(bmax, normd(&B[(size_t)j * dim], dim));
  TopKStats st;
  std::vector<double> ref(n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) ref[j] = dotd(&A[(size_t)i * dim], &B[(size_t)j * dim], dim);
    const double scale = std::max(1e-30, normd(&A[(size_t)i * dim], dim) * bmax);
    checkTopKRow(ref, &ids[(size_t)i * kk], &sc[(size_t)i * kk], kk, integer ? 0.0 : tolFor(prec) * scale, integer, scale, st, i);
  }
  char det[300]; snprintf(det, sizeof det, "max rel err %.2e, near ties %d %s", st.maxErr, st.nearTies, st.first.c_str());
  report(st.bad == 0, name, det);
}

struct QrelsHost { std::vector<int32_t> off, docs; std::vector<float> gains; };
static double refRanked(bool ndcg, const int32_t* r, int width, const QrelsHost& q, int qi, int k) {
  // last judgement of a document wins
  std::vector<std::pair<int, float>> j;
  for (int i = q.off[qi]; i < q.off[qi + 1]; ++i) {
    bool later = false;
    for (int i2 = i + 1; i2 < q.off[qi + 1]; ++i2) later |= q.docs[i2] == q.docs[i];
    if (!later) j.push_back({q.docs[i], q.gains[i]});
  }
  auto gainOf = [&](int d) { for (auto& e : j) if (e.first == d) return (double)e.second; return 0.0; };
  std::vector<double> pos;
  for (auto& e : j) if (e.second > 0) pos.push_back(e.second);
  if (pos.empty()) return 0;
  const int depth = std::min(k, width);
  if (!ndcg) {
    int found = 0;
    for (int i = 0; i < depth; ++i) if (r[i] >= 0 && gainOf(r[i]) > 0) ++found;
    return (double)found / pos.size();
  }
  std::sort(pos.rbegin(), pos.rend());
  double idcg = 0, dcg = 0;
  for (int i = 0; i < std::min<int>(k, pos.size()); ++i) idcg += pos[i] / std::log2(i + 2.0);
  for (int i = 0; i < depth; ++i) { if (r[i] < 0) continue; const double g = gainOf(r[i]); if (g > 0) dcg += g / std::log2(i + 2.0); }
  return dcg / idcg;
}
static void checkRanked(int queries, int width, int k, int ndocs) {
  std::vector<int32_t> ranked((size_t)queries * width);
  for (auto& x : ranked) x = randint(0, 9) == 0 ? -1 : randint(0, ndocs - 1);
  QrelsHost q;
  q.off.push_back(0);
  for (int i = 0; i < queries; ++i) {
    const int nj = randint(0, 6);
    for (int j = 0; j < nj; ++j) { q.docs.push_back(randint(0, ndocs - 1)); q.gains.push_back((float)randint(-1, 3)); }
    q.off.push_back((int)q.docs.size());
  }
  QrelsView qv{q.off.data(), q.docs.data(), q.gains.data()};
  for (int which = 0; which < 2; ++which) {
    std::vector<double> out(queries, NAN);
    char name[160];
    snprintf(name, sizeof name, "%s queries=%d width=%d k=%d", which ? "recallAtK" : "ndcgAtK", queries, width, k);
    const Status st = which ? cuda::recallAtK(ranked.data(), queries, width, qv, k, out.data(), 0)
                            : cuda::ndcgAtK(ranked.data(), queries, width, qv, k, out.data(), 0);
    if (!statusOk(st, name)) continue;
    double worst = 0;
    for (int i = 0; i < queries; ++i) worst = std::max(worst, std::fabs(out[i] - refRanked(!which, &ranked[(size_t)i * width], width, q, i, k)));
    char det[64]; snprintf(det, sizeof det, "max abs err %.2e", worst);
    report(worst <= 1e-12, name, det);
  }
}

static void checkMaxSim(const std::vector<int>& qlens, const std::vector<int>& dlens, int dim, int k, Precision prec, bool integer) {
  Ragged Q = makeRagged(qlens, dim, integer), D = makeRagged(dlens, dim, integer);
  if (integer && D.count() >= 4) {  // duplicate document 0 into document 2 (same length needed)
    // make docs 0 and 2 identical when they have equal length
    if (dlens[0] == dlens[2]) std::copy(D.v.begin(), D.v.begin() + (size_t)dlens[0] * dim, D.v.begin() + (size_t)D.off[2] * dim);
  }
  const int nd = D.count(), nq = Q.count(), kk = std::min(k, nd);
  std::vector<int32_t> ids((size_t)nq * kk, -7);
  std::vector<float> sc((size_t)nq * kk, NAN);
  char name[160];
  snprintf(name, sizeof name, "maxSimTopK q=%d d=%d dim=%d k=%d %s%s", nq, nd, dim, k, precName(prec), integer ? " exact-ties" : "");
  if (!statusOk(cuda::maxSimTopKEx(Q.view(), D.view(), k, ids.data(), sc.data(), prec), name)) return;
  double dmax = 0;
  for (int t = 0; t < D.off.back(); ++t) dmax = std::max(dmax, normd(&D.v[(size_t)t * dim], dim));
  TopKStats st;
  std::vector<double> ref(nd);
  for (int q = 0; q < nq; ++q) {
    double scale = 0;
    for (int t = Q.off[q]; t < Q.off[q + 1]; ++t) scale += normd(&Q.v[(size_t)t * dim], dim) * dmax;
    scale = std::max(scale, 1e-30);
    for (int d = 0; d < nd; ++d) {
      if (D.off[d + 1] == D.off[d]) { ref[d] = -INFINITY; continue; }
      double s = 0;
      for (int t = Q.off[q]; t < Q.off[q + 1]; ++t) {
        double best = -INFINITY;
        for (int u = D.off[d]; u < D.off[d + 1]; ++u) best = std::max(best, dotd(&Q.v[(size_t)t * dim], &D.v[(size_t)u * dim], dim));
        s += best;
      }
      ref[d] = s;
    }
    checkTopKRow(ref, &ids[(size_t)q * kk], &sc[(size_t)q * kk], kk, integer ? 0.0 : tolFor(prec) * scale, integer, scale, st, q);
  }
  char det[300]; snprintf(det, sizeof det, "max rel err %.2e, near ties %d %s", st.maxErr, st.nearTies, st.first.c_str());
  report(st.bad == 0, name, det);
}

// The inputs both reward checks share, drawn in this order (the forward check draws its competitor
// scores between makeRewardCase and drawOwners): a random ragged batch of B documents, its G masks
// per document, the nq x dim query matrix, then the query owners.
struct RewardCase {
  Ragged r;
  int B = 0, G = 0, nq = 0;
  std::vector<uint8_t> masks;
  std::vector<float> Qm;
  std::vector<int32_t> owner, docIndex, rowOwner;  // rowOwner[b]: the id batch document b owns queries by
  bool withDocIndex = false;
  std::vector<float> out;  // the kernel's rewards, B * G, NaN until written
  MatrixView queries() const { return MatrixView{Qm.data(), nq, r.dim}; }
  const int32_t* docIndexArg() const { return withDocIndex ? docIndex.data() : nullptr; }
};
static RewardCase makeRewardCase(const std::vector<int>& lens, int dim, int G, int nq, int maskKind) {
  RewardCase c;
  c.r = makeRagged(lens, dim);
  c.B = c.r.count(); c.G = G; c.nq = nq;
  c.masks = makeMasks(c.r, G, maskKind, 0.5);
  c.Qm = randMat(nq, dim);
  c.out.assign((size_t)c.B * G, NAN);
  return c;
}
// Owners in [0, B + 2]: some are not in the batch and some documents own nothing. With docIndex the
// documents are named 1000 + b (so the ids differ from the positions), and the owners likewise.
static void drawOwners(RewardCase& c, bool withDocIndex) {
  c.withDocIndex = withDocIndex;
  c.owner.resize(c.nq); c.docIndex.resize(c.B); c.rowOwner.resize(c.B);
  for (auto& o : c.owner) o = (withDocIndex ? 1000 : 0) + randint(0, c.B + 2);
  for (int b = 0; b < c.B; ++b) c.docIndex[b] = 1000 + b;
  for (int b = 0; b < c.B; ++b) c.rowOwner[b] = withDocIndex ? c.docIndex[b] : b;
}
// Runs call(corpus, batchDocs) on a corpus that holds the batch as every other document, with random
// distractors in between (and the competitor scores when comp is given), so that the batch indices
// differ from the corpus ones. Without docIndex the owners move to corpus numbering first.
template <class Call>
static Status onCorpus(RewardCase& c, const MatrixView* comp, Call&& call) {
  const int dim = c.r.dim;
  std::vector<int> all;
  for (int b = 0; b < c.B; ++b) { all.push_back(randint(0, 40)); all.push_back(c.r.off[b + 1] - c.r.off[b]); }
  Ragged corpusDocs = makeRagged(all, dim);
  for (int b = 0; b < c.B; ++b) std::copy(c.r.v.begin() + (size_t)c.r.off[b] * dim, c.r.v.begin() + (size_t)c.r.off[b + 1] * dim, corpusDocs.v.begin() + (size_t)corpusDocs.off[2 * b + 1] * dim);
  std::vector<int32_t> batchDocs(c.B);
  for (int b = 0; b < c.B; ++b) batchDocs[b] = 2 * b + 1;
  if (!c.withDocIndex) {
    for (auto& o : c.owner) o = 2 * o + 1;
    for (int b = 0; b < c.B; ++b) c.rowOwner[b] = 2 * b + 1;
  }
  cuda::Corpus* corp = nullptr;
  Status st = cuda::corpusCreate(corpusDocs.view(), c.queries(), c.owner.data(), &corp);
  if (st.ok() && comp) st = cuda::corpusSetCompetitors(corp, *comp);
  if (st.ok()) st = call(corp, batchDocs.data());
  cuda::corpusDestroy(corp);
  return st;
}
// Compares the kernel's rewards with the reference's; a row off by more than 1e-6 passes only
// where the reference marks it ambiguous (a near tie an fp32 rounding may break either way).
static void reportRewards(const char* name, const RewardCase& c, const std::vector<double>& rew, const std::vector<char>& amb) {
  int bad = 0, tieExplained = 0; double worst = 0; std::string first;
  for (int i = 0; i < c.B * c.G; ++i) {
    const double e = std::fabs(c.out[i] - rew[i]);
    if (e <= 1e-6) { worst = std::max(worst, e); continue; }
    if (amb[i]) { tieExplained++; continue; }
    if (bad++ == 0) first = "row " + std::to_string(i) + ": gpu " + std::to_string(c.out[i]) + " ref " + std::to_string(rew[i]);
  }
  char det[300]; snprintf(det, sizeof det, "max abs err %.1e, near-tie rows %d %s", worst, tieExplained, first.c_str());
  report(bad == 0, name, det);
}

// reward reference; also says whether the row's ranking has a near tie inside the top k + 1
static void refReward(const std::vector<double>& pooled, int rows, int G, int dim, const std::vector<float>& Qm, int nq,
                      const std::vector<int32_t>& owner, const std::vector<int32_t>& rowOwner, int k, double tolRel,
                      std::vector<double>& rew, std::vector<char>& ambiguous) {
  rew.assign(rows, 0); ambiguous.assign(rows, 0);
  const int depth = std::min(k, nq);
  double qmax = 0;
  for (int q = 0; q < nq; ++q) qmax = std::max(qmax, normd(&Qm[(size_t)q * dim], dim));
  std::vector<double> s(nq);
  for (int r = 0; r < rows; ++r) {
    const double* p = &pooled[(size_t)r * dim];
    double pn = 0;
    for (int c = 0; c < dim; ++c) pn += p[c] * p[c];
    for (int q = 0; q < nq; ++q) { double a = 0; for (int c = 0; c < dim; ++c) a += p[c] * Qm[(size_t)q * dim + c]; s[q] = a; }
    const auto order = refOrder(s, std::min(nq, depth + 1));
    const double tol = 2 * tolRel * std::sqrt(pn) * qmax;
    for (size_t i = 0; i + 1 < order.size(); ++i) if (s[order[i]] - s[order[i + 1]] <= tol && tol > 0) ambiguous[r] = 1;
    const int own = rowOwner[r / G];
    int rel = 0;
    for (int q = 0; q < nq; ++q) rel += owner[q] == own;
    double dcg = 0, idcg = 0;
    for (int i = 0; i < depth; ++i) if (owner[order[i]] == own) dcg += 1 / std::log2(i + 2.0);
    for (int i = 0; i < std::min(rel, depth); ++i) idcg += 1 / std::log2(i + 2.0);
    rew[r] = idcg > 0 ? dcg / idcg : 0;
  }
}
static void checkReward(const std::vector<int>& lens, int dim, int G, int nq, int k, int maskKind, Precision prec,
                        bool withDocIndex, bool viaCorpus) {
  RewardCase c = makeRewardCase(lens, dim, G, nq, maskKind);
  drawOwners(c, withDocIndex);
  char name[160];
  snprintf(name, sizeof name, "%s B=%d dim=%d G=%d Q=%d k=%d %s%s%s", viaCorpus ? "corpusReward" : "inverseRetrievalReward", c.B, dim, G, nq, k,
           precName(prec), maskKind == 1 ? " keep-none" : "", withDocIndex ? " docIndex" : "");
  const Status st =
      !viaCorpus ? cuda::inverseRetrievalRewardEx(c.r.view(), c.masks.data(), G, PoolMode::Mean, true, c.queries(), c.owner.data(),
                                                  c.docIndexArg(), k, c.out.data(), prec)
                 : onCorpus(c, nullptr, [&](cuda::Corpus* corp, const int32_t* batchDocs) {
                     return cuda::corpusReward(corp, batchDocs, c.B, c.masks.data(), G, PoolMode::Mean, true, c.docIndexArg(), k,
                                               prec, c.out.data());
                   });
  if (!statusOk(st, name)) return;
  const auto pooled = refPool(c.r, c.masks, G, PoolMode::Mean, true);
  std::vector<double> rew; std::vector<char> amb;
  refReward(pooled, c.B * G, G, dim, c.Qm, nq, c.owner, c.rowOwner, k, tolFor(prec), rew, amb);
  reportRewards(name, c, rew, amb);
}

// forward reward reference (fp64 dot products of the fp64 pooled vectors); a row is ambiguous when
// some own query's score lies within the tolerance of one of its competitor scores (an fp32
// rounding there may move the rank)
static void refForward(const std::vector<double>& pooled, int rows, int G, int dim, const std::vector<float>& Qm, int nq,
                       const std::vector<int32_t>& owner, const std::vector<float>& comp, int k,
                       const std::vector<int32_t>& rowOwner, std::vector<double>& rew, std::vector<char>& ambiguous) {
  rew.assign(rows, 0); ambiguous.assign(rows, 0);
  for (int r = 0; r < rows; ++r) {
    const double* p = &pooled[(size_t)r * dim];
    double sum = 0; int n = 0;
    for (int q = 0; q < nq; ++q) {
      if (owner[q] != rowOwner[r / G]) continue;
      ++n;
      double s = 0, scale = 0;
      for (int c = 0; c < dim; ++c) { s += p[c] * Qm[(size_t)q * dim + c]; scale += std::fabs(p[c] * Qm[(size_t)q * dim + c]); }
      int rank = 1;
      for (int j = 0; j < k; ++j) {
        const double bar = comp[(size_t)q * k + j];
        rank += bar > s;
        if (std::fabs(bar - s) <= 1e-5 * (scale + 1e-30)) ambiguous[r] = 1;
      }
      if (rank <= k) sum += 1 / std::log2(rank + 1.0);
    }
    rew[r] = n ? sum / n : 0;
  }
}
// competitor scores like the trainer's: per query the k best of some random scores, descending,
// -Infinity where there are fewer than k
static std::vector<float> makeCompetitors(int nq, int k, double scale) {
  std::vector<float> c((size_t)nq * k);
  for (int q = 0; q < nq; ++q) {
    const int have = randint(0, k + 2);
    for (int j = 0; j < k; ++j) c[(size_t)q * k + j] = j < have ? (float)(randn() * scale) : -INFINITY;
    std::sort(c.begin() + (size_t)q * k, c.begin() + (size_t)q * k + std::min(have, k), [](float a, float b) { return a > b; });
  }
  return c;
}
static void checkForward(const std::vector<int>& lens, int dim, int G, int nq, int k, PoolMode mode, bool norm,
                         int maskKind, bool withDocIndex, bool viaCorpus) {
  RewardCase c = makeRewardCase(lens, dim, G, nq, maskKind);
  // pooled unit vectors give scores ~ N(0, 1); unnormalised ones are larger
  const auto comp = makeCompetitors(nq, k, norm ? 1.0 : std::sqrt((double)dim));
  drawOwners(c, withDocIndex);
  char name[160];
  snprintf(name, sizeof name, "%s B=%d dim=%d G=%d Q=%d k=%d %s%s%s%s", viaCorpus ? "corpusForwardReward" : "forwardRetrievalReward",
           c.B, dim, G, nq, k, mode == PoolMode::Max ? "max" : "mean", norm ? " norm" : "", maskKind == 1 ? " keep-none" : "",
           withDocIndex ? " docIndex" : "");
  const MatrixView cv{comp.data(), nq, k};
  const Status st =
      !viaCorpus ? cuda::forwardRetrievalReward(c.r.view(), c.masks.data(), G, mode, norm, c.queries(), c.owner.data(), cv,
                                                c.docIndexArg(), c.out.data(), 0)
                 : onCorpus(c, &cv, [&](cuda::Corpus* corp, const int32_t* batchDocs) {
                     return cuda::corpusForwardReward(corp, batchDocs, c.B, c.masks.data(), G, mode, norm, c.docIndexArg(),
                                                      c.out.data());
                   });
  if (!statusOk(st, name)) return;
  const auto pooled = refPool(c.r, c.masks, G, mode, norm);
  std::vector<double> rew; std::vector<char> amb;
  refForward(pooled, c.B * G, G, dim, c.Qm, nq, c.owner, comp, k, c.rowOwner, rew, amb);
  reportRewards(name, c, rew, amb);
}

static std::vector<int> lensMix(int n, int lo, int hi, std::vector<int> force = {}) {
  std::vector<int> l(n);
  for (auto& x : l) x = randint(lo, hi);
  for (size_t i = 0; i < force.size() && i < l.size(); ++i) l[i] = force[i];
  std::shuffle(l.begin(), l.end(), rng);
  return l;
}

// mlpCompress reference: the MLP on the explicit (3 dim + 3)-wide feature row in fp64, the
// selection on the reference logits, refPool of that selection. The device's keep-probabilities
// must agree within 1e-5; a document whose selection differs is excused only at a near-tie (a
// probability within 1e-5 of the threshold, or of the probability at the k-th / (k+1)-th place);
// other documents' pooled vectors must agree within 1e-5 of their scale.
struct MlpHost {
  int dim, hidden, layers;
  std::vector<std::vector<float>> W, b;
  std::vector<float> headW;
  float headB;
  std::vector<const float*> wp, bp;
  MlpPolicyView view() {
    wp.clear(); bp.clear();
    for (int l = 0; l < layers; ++l) { wp.push_back(W[l].data()); bp.push_back(b[l].data()); }
    MlpPolicyView v;
    v.dim = dim; v.hidden = hidden; v.layers = layers; v.layerW = wp.data(); v.layerB = bp.data();
    v.headW = headW.data(); v.headB = headB;
    return v;
  }
};
static MlpHost makeMlp(int dim, int hidden, int layers) {
  MlpHost m{dim, hidden, layers, {}, {}, {}, 0.f, {}, {}};
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (int l = 0; l < layers; ++l) {
    const int in = l == 0 ? 3 * dim + 3 : hidden;
    const float lim = std::sqrt(6.f / (float)(in + hidden));
    std::vector<float> w((size_t)in * hidden), bb(hidden);
    for (auto& x : w) x = u(rng) * lim;
    for (auto& x : bb) x = u(rng) * 0.1f;
    m.W.push_back(w); m.b.push_back(bb);
  }
  m.headW.resize(hidden);
  for (auto& x : m.headW) x = u(rng) * 0.87f;
  m.headB = u(rng) * 0.25f;
  return m;
}
static std::vector<double> refMlpLogits(const Ragged& r, const MlpHost& m) {
  const int D = r.dim, H = m.hidden;
  std::vector<double> z(r.off.back(), 0.0), f(3 * D + 3), h(H), g(H), mean(D);
  for (int d = 0; d < r.count(); ++d) {
    const int a = r.off[d], n = r.off[d + 1] - a;
    if (!n) continue;
    std::fill(mean.begin(), mean.end(), 0.0);
    for (int i = 0; i < n; ++i) for (int t = 0; t < D; ++t) mean[t] += r.v[(size_t)(a + i) * D + t];
    double mn = 0;
    for (int t = 0; t < D; ++t) { mean[t] /= n; mn += mean[t] * mean[t]; }
    mn = std::sqrt(mn);
    for (int i = 0; i < n; ++i) {
      const float* x = r.v.data() + (size_t)(a + i) * D;
      double xx = 0, xm = 0;
      for (int t = 0; t < D; ++t) { f[t] = x[t]; f[D + t] = mean[t]; f[2 * D + t] = x[t] * mean[t]; xx += (double)x[t] * x[t]; xm += x[t] * mean[t]; }
      f[3 * D] = xm / (std::sqrt(xx) * mn + 1e-6); f[3 * D + 1] = std::sqrt(xx); f[3 * D + 2] = (double)i / std::max(n - 1, 1);
      const std::vector<double>* in = &f;
      for (int l = 0; l < m.layers; ++l) {
        const int w = l == 0 ? 3 * D + 3 : H;
        for (int j = 0; j < H; ++j) {
          double s = m.b[l][j];
          for (int t = 0; t < w; ++t) s += (*in)[t] * m.W[l][(size_t)t * H + j];
          h[j] = s > 0 ? s : 0;
        }
        g = h; in = &g;
      }
      double s = m.headB;
      for (int j = 0; j < H; ++j) s += (*in)[j] * m.headW[j];
      z[a + i] = s;
    }
  }
  return z;
}
static void refSelect(const std::vector<double>& z, int a, int n, const SelectSpec& sel, std::vector<uint8_t>& mask) {
  if (!n) return;
  if (sel.mode == SelectMode::Threshold) {
    const double zt = std::log(sel.threshold / (1 - sel.threshold));
    bool any = false;
    for (int t = 0; t < n; ++t) if ((double)(float)z[a + t] > zt) { mask[a + t] = 1; any = true; }
    if (any) return;
    int best = 0;
    for (int t = 1; t < n; ++t) if (z[a + t] > z[a + best]) best = t;
    mask[a + best] = 1;
    return;
  }
  int k = sel.mode == SelectMode::TopK ? std::min(n, sel.topK) : std::max(1, std::min(n, (int)std::ceil(sel.ratio * n - 1e-9)));
  std::vector<int> o(n);
  std::iota(o.begin(), o.end(), 0);
  std::stable_sort(o.begin(), o.end(), [&](int x, int y) { return z[a + x] > z[a + y]; });
  for (int i = 0; i < k; ++i) mask[a + o[i]] = 1;
}
static void checkMlp(const std::vector<int>& lens, int dim, int hidden, int layers, SelectSpec sel, PoolMode mode, bool norm) {
  const Ragged r = makeRagged(lens, dim);
  MlpHost m = makeMlp(dim, hidden, layers);
  const int64_t total = r.off.back();
  std::vector<float> out((size_t)r.count() * dim, NAN), z((size_t)total, NAN);
  std::vector<uint8_t> mk((size_t)total, 7);
  char name[160];
  snprintf(name, sizeof name, "mlpCompress docs=%d dim=%d hidden=%d layers=%d sel=%d %s%s", r.count(), dim, hidden, layers,
           (int)sel.mode, mode == PoolMode::Max ? "max" : "mean", norm ? " norm" : "");
  if (!statusOk(cuda::mlpCompress(r.view(), m.view(), sel, mode, norm, out.data(), z.data(), mk.data(), 0), name)) return;
  const auto rz = refMlpLogits(r, m);
  auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
  double worstP = 0;
  for (int64_t i = 0; i < total; ++i) worstP = std::max(worstP, std::isnan(z[i]) ? 1.0 : std::fabs(sig(z[i]) - sig(rz[i])));
  std::vector<uint8_t> rmask((size_t)total, 0);
  for (int d = 0; d < r.count(); ++d) refSelect(rz, r.off[d], r.off[d + 1] - r.off[d], sel, rmask);
  const auto ref = refPool(r, rmask, 1, mode, norm);
  int excused = 0; bool ok = worstP <= 1e-5; double worstV = 0;
  for (int d = 0; d < r.count(); ++d) {
    const int a = r.off[d], n = r.off[d + 1] - a;
    bool same = true;
    for (int t = 0; t < n; ++t) same = same && ((mk[a + t] != 0) == (rmask[a + t] != 0));
    if (!same) {
      std::vector<double> p(n);
      for (int t = 0; t < n; ++t) p[t] = sig(rz[a + t]);
      std::vector<double> s = p;
      std::sort(s.begin(), s.end(), std::greater<double>());
      bool tie = n > 1 && s[0] - s[1] <= 1e-5;
      if (sel.mode == SelectMode::Threshold) for (double x : p) tie = tie || std::fabs(x - sel.threshold) <= 1e-5;
      else {
        const int k = sel.mode == SelectMode::TopK ? std::min(n, sel.topK) : std::max(1, std::min(n, (int)std::ceil(sel.ratio * n - 1e-9)));
        tie = k < n && s[k - 1] - s[k] <= 1e-5;
      }
      if (tie) ++excused; else ok = false;
      continue;
    }
    double rmax = 0, emax = 0;
    for (int c = 0; c < dim; ++c) { rmax = std::max(rmax, std::fabs(ref[(size_t)d * dim + c])); emax = std::max(emax, std::fabs(out[(size_t)d * dim + c] - ref[(size_t)d * dim + c])); }
    if (std::isnan(emax)) ok = false;
    if (rmax > 0) worstV = std::max(worstV, emax / rmax); else if (emax != 0) ok = false;
  }
  ok = ok && worstV <= 1e-5;
  char det[96]; snprintf(det, sizeof det, "max prob err %.2e, pooled rel err %.2e, %d near-tie docs", worstP, worstV, excused);
  report(ok, name, det);
}

static int runChecks(bool quick) {
  const Precision precs[] = {Precision::Fp32, Precision::Tf32, Precision::Bf16};
  // poolMasked: ragged docs incl. length 0, 1 and 3000; dims 1..130; G 1..64; masks none/all/random
  for (int dim : {1, 3, 17, 100, 128, 130}) {
    checkPool(lensMix(12, 1, 60, {0, 1, 3000}), dim, 1, 0, 0.5, PoolMode::Mean, true);
    checkPool(lensMix(9, 1, 200, {1, 3000}), dim, 8, 0, 0.3, PoolMode::Max, false);
  }
  checkPool(lensMix(10, 1, 300, {1, 3000}), 128, 64, 0, 0.5, PoolMode::Mean, true);
  checkPool(lensMix(10, 1, 300, {1}), 130, 64, 0, 0.05, PoolMode::Max, true);
  checkPool(lensMix(10, 1, 300, {1}), 17, 17, 0, 0.5, PoolMode::Mean, false);
  checkPool(lensMix(10, 1, 300, {1, 3000}), 128, 8, 1, 0, PoolMode::Mean, true);
  checkPool(lensMix(10, 1, 300, {1, 3000}), 128, 8, 2, 1, PoolMode::Max, true);
  checkPool(lensMix(10, 1, 300, {1}), 100, 3, 2, 1, PoolMode::Mean, true);
  checkPool(lensMix(10, 1, 2500, {1, 0}), 64, 2, 0, 0.1, PoolMode::Max, true);
  checkPool(lensMix(10, 1, 2500, {1}), 128, 5, 0, 0.9, PoolMode::Mean, false);
  checkPool(lensMix(7, 1, 2500, {2049}), 130, 12, 0, 0.02, PoolMode::Mean, true);
  checkPool(lensMix(300, 1030, 1030), 128, 8, 0, 0.5, PoolMode::Mean, true);
  checkPool(lensMix(1, 0, 0), 128, 4, 0, 0.5, PoolMode::Mean, true);
  // scoreTopK: k > n, tiny dims, ragged tiles, k up to 32 fused, k > 32 sorted
  for (Precision p : precs) {
    if (quick && p != Precision::Fp32) continue;
    checkScore(1, 1, 1, 1, p, false, 0);
    checkScore(5, 3, 3, 10, p, false, 0);
    checkScore(300, 1000, 17, 5, p, false, 0);
    checkScore(130, 2000, 128, 3, p, false, 0);
    checkScore(257, 4099, 100, 16, p, false, 0);
    checkScore(64, 700, 130, 32, p, false, 0);
    checkScore(33, 500, 128, 100, p, false, 0);
    checkScore(200, 5000, 128, 1, p, false, 0);
    checkScore(129, 1500, 128, 8, p, true, 7);
    checkScore(70, 300, 17, 50, p, true, 5);
  }
  checkRanked(1, 1, 1, 3);
  checkRanked(500, 10, 3, 50);
  checkRanked(300, 5, 10, 20);
  checkRanked(200, 40, 40, 100);
  // maxSimTopK: empty query, empty doc, long queries (> 128 tokens), doc lengths 1 and 3000
  for (Precision p : precs) {
    if (quick && p != Precision::Fp32) continue;
    checkMaxSim(lensMix(6, 1, 40, {0, 1, 200}), lensMix(40, 1, 80, {0, 1, 3000}), 128, 5, p, false);
    checkMaxSim(lensMix(5, 1, 33, {1}), lensMix(30, 1, 70, {0, 1}), 17, 3, p, false);
    checkMaxSim(lensMix(4, 1, 20), lensMix(20, 1, 50), 3, 30, p, false);
    checkMaxSim(lensMix(4, 1, 20), lensMix(50, 1, 30), 130, 40, p, false);
    checkMaxSim(lensMix(3, 1, 10), lensMix(8, 1, 9), 100, 20, p, false);
    checkMaxSim({7, 3, 12}, {5, 9, 5, 4, 0, 6}, 17, 6, p, true);
    checkMaxSim({32, 32}, {20, 11, 20, 7, 3}, 128, 5, p, true);
  }
  // the fused reward (plain and via the corpus handle)
  for (Precision p : precs) {
    if (quick && p != Precision::Fp32) continue;
    checkReward(lensMix(5, 1, 40, {1}), 17, 1, 30, 3, 0, p, false, false);
    checkReward(lensMix(16, 1, 300, {1, 3000}), 128, 64, 200, 3, 0, p, false, false);
    checkReward(lensMix(8, 1, 100), 130, 8, 50, 10, 0, p, true, false);
    checkReward(lensMix(8, 1, 100), 100, 4, 100, 40, 0, p, false, false);
    checkReward(lensMix(8, 1, 100), 128, 8, 60, 3, 1, p, false, false);
    checkReward(lensMix(12, 1, 200), 128, 8, 300, 3, 0, p, false, true);
    checkReward(lensMix(6, 1, 50), 3, 5, 40, 5, 0, p, true, true);
  }
  // the forward reward (plain and via the corpus handle): empty documents, docs owning nothing,
  // k > 32 (several strides of the competitor count), dims not a multiple of 32, many queries per doc
  checkForward(lensMix(6, 1, 40, {0, 1}), 17, 1, 20, 3, PoolMode::Mean, true, 0, false, false);
  checkForward(lensMix(16, 1, 300, {1, 3000}), 128, 64, 200, 3, PoolMode::Mean, true, 0, false, false);
  checkForward(lensMix(8, 1, 100), 130, 8, 50, 10, PoolMode::Max, true, 0, true, false);
  checkForward(lensMix(8, 1, 100), 100, 4, 400, 40, PoolMode::Mean, false, 0, false, false);
  checkForward(lensMix(8, 1, 100), 128, 8, 60, 3, PoolMode::Mean, true, 1, false, false);
  checkForward(lensMix(3, 1, 50), 64, 5, 300, 5, PoolMode::Max, false, 0, false, false);
  checkForward(lensMix(12, 1, 200), 128, 8, 300, 3, PoolMode::Mean, true, 0, false, true);
  checkForward(lensMix(6, 1, 50), 3, 5, 40, 5, PoolMode::Max, true, 0, true, true);
  checkForward({0, 0, 5}, 32, 2, 0, 2, PoolMode::Mean, true, 0, false, false);
  // mlpCompress: ragged docs incl. length 0, 1 and 3000; dims 1..130; hidden not a multiple of 32;
  // 1-3 layers; every select rule; mean and max
  {
    SelectSpec thr, thr9, top, rat;
    thr9.threshold = 0.9;
    top.mode = SelectMode::TopK; top.topK = 5;
    rat.mode = SelectMode::Ratio; rat.ratio = 0.25;
    checkMlp(lensMix(20, 1, 60, {0, 1, 3000}), 100, 64, 1, thr, PoolMode::Mean, true);
    checkMlp(lensMix(20, 1, 60, {0, 1}), 128, 64, 2, thr9, PoolMode::Max, true);
    checkMlp(lensMix(20, 1, 60, {0, 1}), 17, 33, 3, top, PoolMode::Mean, false);
    checkMlp(lensMix(20, 1, 300, {1, 3000}), 130, 64, 1, rat, PoolMode::Max, false);
    checkMlp(lensMix(12, 1, 40, {1}), 1, 8, 1, rat, PoolMode::Mean, true);
    checkMlp(lensMix(300, 1, 80), 100, 64, 1, top, PoolMode::Mean, true);
  }
  printf("%d passed, %d failed\n", gPasses, gFails);
  return gFails ? 1 : 0;
}

// ---- benchmarks -------------------------------------------------------------------------------------------
#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); exit(2); } } while (0)

template <class F>
static double medianMs(int reps, F&& f) {
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a)); CK(cudaEventCreate(&b));
  for (int i = 0; i < 3; ++i) f(i);
  CK(cudaStreamSynchronize(cudaStreamPerThread));
  std::vector<float> t;
  for (int i = 0; i < reps; ++i) {
    CK(cudaEventRecord(a, cudaStreamPerThread));
    f(i);
    CK(cudaEventRecord(b, cudaStreamPerThread));
    CK(cudaEventSynchronize(b));
    float ms; CK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms);
  }
  std::sort(t.begin(), t.end());
  cudaEventDestroy(a); cudaEventDestroy(b);
  return t[t.size() / 2];
}

// A device-resident uniform corpus (sets x B docs of T rows) and device masks, rotated per rep.
struct BenchBatch {
  cuda::Corpus* corpus = nullptr;
  int B, G, T, D, Q, sets;
  std::vector<int64_t*> docRow, maskStart; std::vector<int32_t*> docLen, rowOwner, relCount;
  std::vector<uint8_t*> masks;
  double keptRows = 0, uniqueRows = 0;  // per set
};
// fast uniform [-1, 1) fill for the large benchmark inputs (xorshift; the values do not matter)
static void fastFill(std::vector<float>& v, uint64_t seed) {
  uint64_t x = seed | 1;
  for (auto& f : v) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; f = (float)((x >> 40) * (1.0 / (1 << 23))) - 1.f; }
}
static BenchBatch makeBench(int B, int G, int T, int D, int Q, int sets, double p) {
  BenchBatch bb; bb.B = B; bb.G = G; bb.T = T; bb.D = D; bb.Q = Q; bb.sets = sets;
  const int docs = B * sets;
  std::vector<float> V((size_t)docs * T * D);
  fastFill(V, rng());
  std::vector<int32_t> off(docs + 1);
  for (int d = 0; d <= docs; ++d) off[d] = d * T;
  std::vector<float> Qm = randMat(Q, D);
  std::vector<int32_t> owner(Q);
  for (int q = 0; q < Q; ++q) owner[q] = randint(0, docs - 1);
  Status st = cuda::corpusCreate(RaggedView{V.data(), off.data(), docs, D}, MatrixView{Qm.data(), Q, D}, owner.data(), &bb.corpus);
  if (!st.ok()) { printf("corpusCreate: %s\n", st.message.c_str()); exit(2); }
  std::vector<int> cnt(docs, 0);
  for (int q = 0; q < Q; ++q) cnt[owner[q]]++;
  for (int s = 0; s < sets; ++s) {
    std::vector<int64_t> row(B), ms(B); std::vector<int32_t> len(B, T), own(B), rel(B);
    for (int b = 0; b < B; ++b) { const int d = s * B + b; row[b] = (int64_t)d * T; ms[b] = (int64_t)b * G * T; own[b] = d; rel[b] = cnt[d]; }
    std::vector<uint8_t> m((size_t)B * G * T);
    uint64_t x = rng() | 1;
    for (auto& y : m) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; y = (x >> 11) * (1.0 / 9007199254740992.0) < p; }
    if (s == 0) {
      for (int b = 0; b < B; ++b)
        for (int t = 0; t < T; ++t) {
          bool any = false;
          for (int g = 0; g < G; ++g) { const bool k = m[(size_t)b * G * T + (size_t)g * T + t]; bb.keptRows += k; any |= k; }
          bb.uniqueRows += any;
        }
    }
    int64_t *dRow, *dMs; int32_t *dLen, *dOwn, *dRel; uint8_t* dM;
    CK(cudaMalloc(&dRow, B * 8)); CK(cudaMalloc(&dMs, B * 8)); CK(cudaMalloc(&dLen, B * 4));
    CK(cudaMalloc(&dOwn, B * 4)); CK(cudaMalloc(&dRel, B * 4)); CK(cudaMalloc(&dM, m.size()));
    CK(cudaMemcpy(dRow, row.data(), B * 8, cudaMemcpyHostToDevice)); CK(cudaMemcpy(dMs, ms.data(), B * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dLen, len.data(), B * 4, cudaMemcpyHostToDevice)); CK(cudaMemcpy(dOwn, own.data(), B * 4, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dRel, rel.data(), B * 4, cudaMemcpyHostToDevice)); CK(cudaMemcpy(dM, m.data(), m.size(), cudaMemcpyHostToDevice));
    bb.docRow.push_back(dRow); bb.maskStart.push_back(dMs); bb.docLen.push_back(dLen); bb.rowOwner.push_back(dOwn);
    bb.relCount.push_back(dRel); bb.masks.push_back(dM);
  }
  return bb;
}
static void freeBench(BenchBatch& bb) {
  for (int s = 0; s < bb.sets; ++s) {
    cudaFree(bb.docRow[s]); cudaFree(bb.maskStart[s]); cudaFree(bb.docLen[s]); cudaFree(bb.rowOwner[s]);
    cudaFree(bb.relCount[s]); cudaFree(bb.masks[s]);
  }
  cuda::corpusDestroy(bb.corpus);
}

static int runBench(int reps) {
  using namespace reinpool::cuda::detail;
  Status st = cuda::init();
  if (!st.ok()) { printf("%s\n", st.message.c_str()); return 2; }
  printf("device: %s\n", cuda::info().simd.c_str());
  cudaStream_t s = cudaStreamPerThread;
  // device-to-device copy bandwidth (read + write bytes)
  {
    const size_t bytes = (size_t)1 << 30;
    void *a, *b;
    CK(cudaMalloc(&a, bytes)); CK(cudaMalloc(&b, bytes)); CK(cudaMemset(a, 1, bytes));
    const double ms = medianMs(reps, [&](int) { CK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice, s)); });
    printf("BENCH copy_d2d_1GiB %.4f %.0f GB/s (read+write)\n", ms, 2.0 * bytes / ms / 1e6);
    cudaFree(a); cudaFree(b);
  }
  // poolMasked and the fused reward at the issue's shapes
  struct Shape { int B, G, Q; };
  for (Shape sh : {Shape{64, 8, 5000}, Shape{256, 16, 20000}, Shape{256, 1, 5000}}) {
    const int T = 1030, D = 128;
    BenchBatch bb = makeBench(sh.B, sh.G, T, D, sh.Q, 4, 0.5);
    cuda::Corpus* c = bb.corpus;
    float* P; CK(cudaMalloc(&P, (size_t)sh.B * sh.G * D * 4));
    const double msPool = medianMs(reps, [&](int i) {
      const int k = i % bb.sets;
      Arena ws(s);
      PoolBatch pb{c->V, D, bb.docRow[k], bb.docLen[k], bb.maskStart[k], bb.masks[k], sh.B, sh.G, T};
      CK(launchPool(pb, PoolMode::Mean, true, P, PadType::None, nullptr, 0, ws));
    });
    const double kept = bb.keptRows * D * 4, uniq = bb.uniqueRows * D * 4;
    printf("BENCH pool_B%d_G%d_T%d_D%d %.4f kept-row bytes %.1f MB -> %.0f GB/s; unique rows read %.1f MB -> %.0f GB/s\n",
           sh.B, sh.G, T, D, msPool, kept / 1e6, kept / msPool / 1e6, uniq / 1e6, uniq / msPool / 1e6);
    // copy of the same (unique) bytes, for the ratio
    {
      void *a, *b; const size_t bytes = (size_t)uniq;
      CK(cudaMalloc(&a, bytes * 4)); CK(cudaMalloc(&b, bytes)); CK(cudaMemset(a, 1, bytes * 4));
      const double ms = medianMs(reps, [&](int i) { CK(cudaMemcpyAsync(b, (char*)a + (i % 4) * bytes, bytes, cudaMemcpyDeviceToDevice, s)); });
      printf("BENCH copy_d2d_B%d_G%d %.4f %.0f GB/s (read+write) for %.1f MB\n", sh.B, sh.G, ms, 2.0 * bytes / ms / 1e6, bytes / 1e6);
      cudaFree(a); cudaFree(b);
    }
    if (sh.G > 1) {
      float* R; CK(cudaMalloc(&R, (size_t)sh.B * sh.G * 4));
      for (Precision p : {Precision::Fp32, Precision::Tf32, Precision::Bf16}) {
        const double ms = medianMs(reps, [&](int i) {
          const int k = i % bb.sets;
          Arena ws(s);
          CK(corpusRewardDevice(c, bb.docRow[k], bb.docLen[k], bb.maskStart[k], bb.masks[k], sh.B, sh.G, T, PoolMode::Mean, true,
                                bb.rowOwner[k], bb.relCount[k], 3, p, R, ws));
        });
        printf("BENCH reward_B%d_G%d_Q%d_%s %.4f device-resident corpus and masks, k=3\n", sh.B, sh.G, sh.Q, precName(p), ms);
      }
      // end to end through the public API: host masks -> device -> rewards -> host
      {
        std::vector<uint8_t> hm((size_t)sh.B * sh.G * T);
        for (size_t i = 0; i < hm.size(); ++i) hm[i] = (uint8_t)((i * 2654435761u >> 7) & 1);
        std::vector<int32_t> docs(sh.B); std::iota(docs.begin(), docs.end(), 0);
        std::vector<float> out((size_t)sh.B * sh.G);
        auto t0 = std::chrono::steady_clock::now();
        std::vector<double> t;
        for (int i = 0; i < reps + 3; ++i) {
          auto a = std::chrono::steady_clock::now();
          Status r = cuda::corpusReward(c, docs.data(), sh.B, hm.data(), sh.G, PoolMode::Mean, true, nullptr, 3, Precision::Fp32, out.data());
          if (!r.ok()) { printf("corpusReward: %s\n", r.message.c_str()); break; }
          if (i >= 3) t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
        }
        (void)t0;
        std::sort(t.begin(), t.end());
        if (!t.empty()) printf("BENCH reward_host_B%d_G%d_Q%d_fp32 %.4f corpusReward() from pageable host masks (%.1f MB) incl. copies\n", sh.B, sh.G, sh.Q, t[t.size() / 2], hm.size() / 1e6);
      }
      cudaFree(R);
    }
    cudaFree(P);
    freeBench(bb);
  }
  // scoreTopK alone: 4096 x 20000 x 128, k = 3
  {
    const int m = 4096, n = 20000, D = 128;
    std::vector<float> A((size_t)m * D), B((size_t)n * D);
    fastFill(A, rng()); fastFill(B, rng());
    float *dA, *dB; CK(cudaMalloc(&dA, A.size() * 4)); CK(cudaMalloc(&dB, B.size() * 4));
    CK(cudaMemcpy(dA, A.data(), A.size() * 4, cudaMemcpyHostToDevice)); CK(cudaMemcpy(dB, B.data(), B.size() * 4, cudaMemcpyHostToDevice));
    void *pA, *pB; CK(cudaMalloc(&pA, A.size() * 4)); CK(cudaMalloc(&pB, B.size() * 4));
    int32_t* I; float* S; CK(cudaMalloc(&I, m * 3 * 4)); CK(cudaMalloc(&S, m * 3 * 4));
    for (Precision p : {Precision::Fp32, Precision::Tf32, Precision::Bf16}) {
      const PadType pt = p == Precision::Bf16 ? PadType::Bf16 : PadType::F32;
      if (p != Precision::Fp32) { CK(launchPad(dA, m, D, pt, pA, D, s)); CK(launchPad(dB, n, D, pt, pB, D, s)); }
      ScoreOperands op{dA, pA, dB, pB, m, n, D, D, p};
      const double ms = medianMs(reps, [&](int) { Arena ws(s); CK(launchScoreTopK(op, 3, I, S, nullptr, ws)); });
      printf("BENCH scoreTopK_4096x20000x128_k3_%s %.4f %.1f TFLOP/s\n", precName(p), ms, 2.0 * m * n * D / ms / 1e9);
    }
    cudaFree(dA); cudaFree(dB); cudaFree(pA); cudaFree(pB); cudaFree(I); cudaFree(S);
  }
  // maxSimTopK: 256 queries x 32 tokens vs 1024 docs x 1030 tokens, D = 128, k = 10
  {
    const int nq = 256, lq = 32, nd = 1024, ld = 1030, D = 128, k = 10;
    std::vector<int32_t> qo(nq + 1), dof(nd + 1);
    for (int i = 0; i <= nq; ++i) qo[i] = i * lq;
    for (int i = 0; i <= nd; ++i) dof[i] = i * ld;
    std::vector<float> Qv((size_t)nq * lq * D), Dv((size_t)nd * ld * D);
    fastFill(Qv, rng()); fastFill(Dv, rng());
    float *dQ, *dD; void *pQ, *pD; int32_t* dOff;
    CK(cudaMalloc(&dQ, Qv.size() * 4)); CK(cudaMalloc(&dD, Dv.size() * 4));
    CK(cudaMalloc(&pQ, Qv.size() * 4)); CK(cudaMalloc(&pD, Dv.size() * 4)); CK(cudaMalloc(&dOff, dof.size() * 4));
    CK(cudaMemcpy(dQ, Qv.data(), Qv.size() * 4, cudaMemcpyHostToDevice)); CK(cudaMemcpy(dD, Dv.data(), Dv.size() * 4, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dOff, dof.data(), dof.size() * 4, cudaMemcpyHostToDevice));
    int32_t* I; float* S; CK(cudaMalloc(&I, nq * k * 4)); CK(cudaMalloc(&S, nq * k * 4));
    const double flop = 2.0 * nq * lq * (double)nd * ld * D;
    for (Precision p : {Precision::Bf16, Precision::Tf32, Precision::Fp32}) {
      const PadType pt = p == Precision::Bf16 ? PadType::Bf16 : PadType::F32;
      if (p != Precision::Fp32) { CK(launchPad(dQ, nq * lq, D, pt, pQ, D, s)); CK(launchPad(dD, nd * ld, D, pt, pD, D, s)); }
      MaxSimOperands op{dQ, pQ, qo.data(), nq, dD, pD, dOff, dof.data(), nd, D, D, p};
      const double ms = medianMs(p == Precision::Fp32 ? std::max(3, reps / 4) : reps, [&](int) { Arena ws(s); CK(launchMaxSimTopK(op, k, I, S, ws)); });
      printf("BENCH maxsim_256x32_vs_1024x1030_%s %.4f %.1f TFLOP/s\n", precName(p), ms, flop / ms / 1e9);
    }
    cudaFree(dQ); cudaFree(dD); cudaFree(pQ); cudaFree(pD); cudaFree(dOff); cudaFree(I); cudaFree(S);
  }
  return 0;
}

int main(int argc, char** argv) {
  bool bench = false, quick = false;
  int reps = 20;
  uint64_t seed = (uint64_t)std::chrono::steady_clock::now().time_since_epoch().count();
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--bench")) bench = true;
    else if (!strcmp(argv[i], "--quick")) quick = true;
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], nullptr, 10);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else { printf("usage: %s [--bench] [--reps N] [--seed N] [--quick]\n", argv[0]); return 2; }
  }
  rng.seed(seed);
  Status st = cuda::init();
  printf("reinpool_cuda_check seed=%llu device: %s\n", (unsigned long long)seed, st.ok() ? cuda::info().simd.c_str() : st.message.c_str());
  if (!st.ok()) { printf("FAIL cuda unavailable\n"); return 2; }
  return bench ? runBench(reps) : runChecks(quick);
}
