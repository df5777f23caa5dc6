// Top-k helpers and panel packing (baseline code).
#include <algorithm>
#include <limits>
#include <cstring>
#include <numeric>

#include "internal.h"

namespace reinpool {
namespace cpu {
namespace detail {

namespace {
struct Entry {
  float s;
  int32_t id;
};
inline bool entryBetter(const Entry& a, const Entry& b) { return better(a.s, a.id, b.s, b.id); }
}  // namespace

void drainSorted(Heap& h, int32_t* outIds, float* outScores) {
  Entry tmp[64];
  std::vector<Entry> big;
  Entry* e = tmp;
  if (h.n > 64) {
    big.resize(h.n);
    e = big.data();
  }
  for (int32_t i = 0; i < h.n; ++i) e[i] = {h.s[i], h.id[i]};
  std::sort(e, e + h.n, entryBetter);
  for (int32_t i = 0; i < h.n; ++i) {
    outIds[i] = e[i].id;
    outScores[i] = e[i].s;
  }
  h.n = 0;
}

void mergeSorted(const Heap* heaps, int sets, int32_t kk, int32_t* outIds, float* outScores) {
  std::vector<Entry> e;
  for (int i = 0; i < sets; ++i)
    for (int32_t j = 0; j < heaps[i].n; ++j) e.push_back({heaps[i].s[j], heaps[i].id[j]});
  const size_t take = std::min<size_t>((size_t)kk, e.size());
  std::partial_sort(e.begin(), e.begin() + take, e.end(), entryBetter);
  for (size_t i = 0; i < take; ++i) {
    outIds[i] = e[i].id;
    outScores[i] = e[i].s;
  }
  for (size_t i = take; i < (size_t)kk; ++i) {  // defensive: callers offer at least kk entries
    outIds[i] = -1;
    outScores[i] = -std::numeric_limits<float>::infinity();
  }
}

void packPanels(const float* src, int64_t n, int dim, int nr, float* dst, int64_t padRow) {
  const int64_t panels = (n + nr - 1) / nr;
  for (int64_t p = 0; p < panels; ++p) {
    float* out = dst + p * (int64_t)dim * nr;
    for (int j = 0; j < nr; ++j) {
      int64_t row = p * nr + j;
      if (row >= n) row = padRow;
      if (row < 0) {
        for (int t = 0; t < dim; ++t) out[(int64_t)t * nr + j] = 0.0f;
      } else {
        const float* r = src + row * (int64_t)dim;
        for (int t = 0; t < dim; ++t) out[(int64_t)t * nr + j] = r[t];
      }
    }
  }
}

}  // namespace detail
}  // namespace cpu
}  // namespace reinpool
