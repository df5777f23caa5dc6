// Internal helpers of the CPU backend shared by the generic (baseline-compiled) translation units:
// the thread pool, the bounded top-k heap, scratch buffers and the chosen SIMD table.
#ifndef REINPOOL_CPU_INTERNAL_H
#define REINPOOL_CPU_INTERNAL_H

#include <cstdint>
#include <functional>
#include <limits>
#include <new>
#include <vector>

#include "../kernels.h"
#include "isa.h"

namespace reinpool {
namespace cpu {
namespace detail {

// The SIMD table in use (chosen once: the best the CPU supports, capped by REINPOOL_SIMD).
const IsaOps& ops();
// Forces a SIMD level ("avx512" | "avx2" | "sse2"); falls back to the best supported one below
// it. Returns the level now in use. For tests and benchmarks; not thread-safe against running
// kernels.
const char* setSimdLevel(const char* level);

// Threads a kernel call uses: `requested` if > 0, else the default, capped at the pool size.
int resolveThreads(int requested);
// Sets the default thread count (0 = all pool threads); returns the new default.
int setDefaultThreads(int n);

// Runs fn(task, worker) for task in [0, tasks) on `threads` threads (the caller is worker 0;
// worker < threads). Tasks are handed out dynamically. The pool serves one call at a time: a call
// made while it is busy (another thread's kernel) or from inside a pool task runs serially on the
// calling thread. The first exception thrown by fn is rethrown.
void parallelFor(int64_t tasks, int threads, const std::function<void(int64_t, int)>& fn);

// Converts any exception escaping `body` into a Status.
Status guard(const char* fn, const std::function<Status()>& body);

// ---- top-k -------------------------------------------------------------------------------------
// Total order used everywhere: higher score first, then lower id; NaN ranks below everything.
inline bool better(float as, int32_t ai, float bs, int32_t bi) {
  const bool an = as != as, bn = bs != bs;
  if (an != bn) return bn;
  if (!an && as != bs) return as > bs;
  return ai < bi;
}

// A bounded min-heap (the worst kept entry at the root) over caller-owned storage.
struct Heap {
  float* s;
  int32_t* id;
  int32_t n;
  int32_t cap;

  float threshold() const {
    // Scores below this can never enter (the root); -inf while not full or when the root is NaN.
    if (n < cap) return -std::numeric_limits<float>::infinity();
    const float r = s[0];
    return r != r ? -std::numeric_limits<float>::infinity() : r;
  }
  bool full() const { return n >= cap; }

  void push(float sc, int32_t i) {
    if (n < cap) {
      int32_t pos = n++;
      while (pos > 0) {
        const int32_t par = (pos - 1) >> 1;
        if (!better(s[par], id[par], sc, i)) break;  // parent is worse than or equal: move it down
        s[pos] = s[par];
        id[pos] = id[par];
        pos = par;
      }
      s[pos] = sc;
      id[pos] = i;
      return;
    }
    if (!better(sc, i, s[0], id[0])) return;
    siftDown(sc, i);
  }

  void siftDown(float sc, int32_t i) {
    int32_t pos = 0;
    for (;;) {
      int32_t ch = 2 * pos + 1;
      if (ch >= n) break;
      // pick the worse child
      if (ch + 1 < n && better(s[ch], id[ch], s[ch + 1], id[ch + 1])) ++ch;
      if (!better(sc, i, s[ch], id[ch])) break;  // new is worse than or equal to worst child: stop
      s[pos] = s[ch];
      id[pos] = id[ch];
      pos = ch;
    }
    s[pos] = sc;
    id[pos] = i;
  }
};

// Sorts the heap's entries best first into outIds/outScores (h.n entries) and empties it.
void drainSorted(Heap& h, int32_t* outIds, float* outScores);
// Merges `sets` heaps (each with h[i].n entries) into the best kk, best first.
void mergeSorted(const Heap* heaps, int sets, int32_t kk, int32_t* outIds, float* outScores);

// ---- packing -----------------------------------------------------------------------------------
// Packs rows [0, n) of src (row-major, stride dim) into panels of nr (layout in isa.h). Rows past
// n in the last panel are filled with row `padRow` (a copy of a real row) or zeros if padRow < 0.
void packPanels(const float* src, int64_t n, int dim, int nr, float* dst, int64_t padRow);

// Uninitialised float/int storage that does not zero itself (std::vector would).
template <class T>
struct Buffer {
  T* p = nullptr;
  size_t n = 0;
  Buffer() = default;
  explicit Buffer(size_t count) { reset(count); }
  ~Buffer() { ::operator delete(p, std::align_val_t(64)); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void reset(size_t count) {
    if (count <= n && p) return;
    ::operator delete(p, std::align_val_t(64));
    p = nullptr;
    n = 0;
    p = static_cast<T*>(::operator new(sizeof(T) * (count ? count : 1), std::align_val_t(64)));
    n = count;
  }
  T* data() { return p; }
  T& operator[](size_t i) { return p[i]; }
};

// Pooling of one document's G masks (shared by poolMasked and mlpCompress): fp32 compensated
// sums (IsaOps::sumMasked), an fp64 epilogue. acc is scratch for 2 x dim floats, idx for the
// document's length.
void poolDocument(const RaggedView& docs, int64_t d, const uint8_t* masks, int32_t groups,
                  PoolMode mode, bool normalize, float* out, float* acc, int32_t* idx);

// Splits the documents into runs [runs[i], runs[i+1]) of consecutive documents with about equal
// vector counts (at least one document each, about 32 runs per thread), for dynamic hand-out.
std::vector<int64_t> documentRuns(const RaggedView& docs, int threads);

}  // namespace detail
}  // namespace cpu
}  // namespace reinpool

#endif
