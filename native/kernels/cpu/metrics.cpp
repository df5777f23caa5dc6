// ndcgAtK / recallAtK with trec_eval semantics (ndcg_cut, recall_k), as the TypeScript reference:
// a document judged twice keeps its last gain; gains <= 0 are not relevant; -1 slots are empty but
// still take a rank.
#include <algorithm>
#include <cmath>
#include <vector>

#include "internal.h"

namespace reinpool {
namespace cpu {

namespace {

struct Judged {
  int32_t doc;
  int64_t pos;
  float gain;
};

// Query q's judgements, one per document (the last one wins), sorted by document id.
void judgedOf(const QrelsView& qr, int64_t q, std::vector<Judged>& out) {
  out.clear();
  for (int64_t i = qr.offsets[q]; i < qr.offsets[q + 1]; ++i) out.push_back({qr.docs[i], i, qr.gains[i]});
  std::sort(out.begin(), out.end(), [](const Judged& a, const Judged& b) {
    return a.doc != b.doc ? a.doc < b.doc : a.pos < b.pos;
  });
  size_t w = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (w > 0 && out[w - 1].doc == out[i].doc)
      out[w - 1] = out[i];
    else
      out[w++] = out[i];
  }
  out.resize(w);
}

float gainOf(const std::vector<Judged>& j, int32_t doc) {
  auto it = std::lower_bound(j.begin(), j.end(), doc,
                             [](const Judged& a, int32_t d) { return a.doc < d; });
  return it != j.end() && it->doc == doc ? it->gain : 0.0f;
}

inline double discount(int64_t rank) { return 1.0 / std::log2((double)rank + 1.0); }

template <class Row>
Status perQuery(const char* fn, const int32_t* ranked, int64_t queries, int32_t width,
                const QrelsView& qrels, int32_t k, double* out, int threads, Row row) {
  if (width < 1 || k < 1 || queries < 0)
    return Status::Error(ErrorCode::InvalidArgument, std::string(fn) + ": width and k must be >= 1");
  return detail::guard(fn, [&]() -> Status {
    const int nt = detail::resolveThreads(threads);
    const int64_t chunk = 256;
    detail::parallelFor((queries + chunk - 1) / chunk, nt, [&](int64_t c, int) {
      std::vector<Judged> j;
      std::vector<double> ideal;
      const int64_t q1 = std::min<int64_t>(queries, (c + 1) * chunk);
      for (int64_t q = c * chunk; q < q1; ++q) {
        judgedOf(qrels, q, j);
        out[q] = row(ranked + q * width, j, ideal);
      }
    });
    return Status::Ok();
  });
}

}  // namespace

Status ndcgAtK(const int32_t* ranked, int64_t queries, int32_t width, const QrelsView& qrels,
               int32_t k, double* out, int threads) {
  const int64_t depth = std::min<int64_t>(k, width);
  return perQuery("ndcgAtK", ranked, queries, width, qrels, k, out, threads,
                  [&](const int32_t* r, const std::vector<Judged>& j, std::vector<double>& ideal) {
                    ideal.clear();
                    for (const Judged& e : j)
                      if (e.gain > 0) ideal.push_back(e.gain);
                    std::sort(ideal.begin(), ideal.end(), [](double a, double b) { return a > b; });
                    double idcg = 0;
                    for (int64_t i = 0; i < std::min<int64_t>(k, (int64_t)ideal.size()); ++i)
                      idcg += ideal[i] * discount(i + 1);
                    if (idcg == 0) return 0.0;
                    double dcg = 0;
                    for (int64_t i = 0; i < depth; ++i) {
                      if (r[i] < 0) continue;
                      const double g = gainOf(j, r[i]);
                      if (g > 0) dcg += g * discount(i + 1);
                    }
                    return dcg / idcg;
                  });
}

Status recallAtK(const int32_t* ranked, int64_t queries, int32_t width, const QrelsView& qrels,
                 int32_t k, double* out, int threads) {
  const int64_t depth = std::min<int64_t>(k, width);
  return perQuery("recallAtK", ranked, queries, width, qrels, k, out, threads,
                  [&](const int32_t* r, const std::vector<Judged>& j, std::vector<double>&) {
                    int64_t relevant = 0;
                    for (const Judged& e : j)
                      if (e.gain > 0) ++relevant;
                    if (relevant == 0) return 0.0;
                    int64_t found = 0;
                    for (int64_t i = 0; i < depth; ++i)
                      if (r[i] >= 0 && gainOf(j, r[i]) > 0) ++found;
                    return (double)found / (double)relevant;
                  });
}

}  // namespace cpu
}  // namespace reinpool
