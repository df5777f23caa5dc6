// Internal: the table of SIMD hot loops. isa_impl.inc is compiled three times (isa_sse2.cpp,
// isa_avx2.cpp, isa_avx512.cpp) with different per-file target flags, each into its own namespace;
// dispatch.cpp picks one table at run time with __builtin_cpu_supports.
//
// ODR rule for the ISA translation units: they define nothing outside their own namespace and use
// no inline functions or templates from shared headers (no <algorithm>, <vector>, <cmath>, no
// kernels.h), so the linker can never merge an AVX-512 copy of a shared function into code that a
// baseline CPU runs. This header holds only a plain struct of function pointers.
#ifndef REINPOOL_CPU_ISA_H
#define REINPOOL_CPU_ISA_H

#include <cstdint>

namespace reinpool {
namespace cpu {

struct IsaOps {
  const char* name;  // "avx512" | "avx2" | "sse2"
  int mr;            // query rows per micro-kernel call
  int nr;            // keys per packed panel

  // Scores c[r * ldc + j] = <q_r, key j> for r < rows (rows <= mr; q_r = q + r * dim) and
  // j < npanels * nr, where the keys are packed in panels of nr: panel p holds
  // panels[(p * dim + t) * nr + j] = component t of key p * nr + j. fp32 FMA accumulation.
  void (*gemmTile)(const float* q, int rows, int dim, const float* panels, int64_t npanels,
                   float* c, int64_t ldc);
  // The narrow form below: panels of nrNarrow keys, up to mrNarrow rows (few-query searches).
  int mrNarrow;
  int nrNarrow;
  // One panel (nr keys, or nrNarrow for the Narrow form) against rows <= mr (mrNarrow) rows of q:
  // writes all mr (mrNarrow) rows of scores to c[r * nr + j] (rows past `rows` repeat the last
  // one) and returns a bit mask of the rows r < rows with some c[r * nr + j] >= thr[j] (NaN
  // compares false). The same fp32 sums as gemmTile.
  uint32_t (*scoreTileFilter)(const float* q, int rows, int dim, const float* panel,
                              const float* thr, float* c);
  uint32_t (*scoreTileFilterNarrow)(const float* q, int rows, int dim, const float* panel,
                                    const float* thr, float* c);
  // colmax[j] = max over i < rows (rows >= 1) of <a_i, key j> for j < npanels * nr, a_i = a + i *
  // dim; NaN scores are ignored (-inf if every score of a key is NaN). The same fp32 sums as
  // gemmTile.
  void (*maxTile)(const float* a, int64_t rows, int dim, const float* panels, int64_t npanels,
                  float* colmax);
  // Writes to idx the positions j < n with c[j] >= thr[j] (ordered) and returns how many.
  int64_t (*filterGEVec)(const float* c, const float* thr, int64_t n, int32_t* idx);
  // Adds rows[i * dim + t] for every i < n with mask[i] != 0, in increasing i, into the fp32 pair
  // (sum[t], comp[t]) with compensated (TwoSum) summation: sum + comp is the exact running sum up
  // to about 2^-46 relative per addition. Returns the count. idx is scratch for n indices.
  int64_t (*sumMasked)(const float* rows, int64_t n, int dim, const uint8_t* mask, float* sum,
                       float* comp, int32_t* idx);
  // acc[t] = max(acc[t], rows[i * dim + t]) over every kept row (acc starts at -inf; NaN ignored);
  // returns the number of kept rows. idx is scratch for n indices.
  int64_t (*maxMasked)(const float* rows, int64_t n, int dim, const uint8_t* mask, float* acc,
                       int32_t* idx);

  // Machine-limit probes (probe.cpp), at the same vector width and FMA use as the loops above, so
  // the FMA peak is the one the micro-kernels can reach.
  // fp32 FLOP done by one fmaChains iteration: chains x lanes x 2 (an FMA, or mul + add on sse2).
  int64_t flopsPerFmaIter;
  // Runs `iters` rounds of independent register-resident FMA chains (a = a * b + c on every
  // accumulator) and returns their sum, so the work cannot be optimised away.
  float (*fmaChains)(int64_t iters);
  // Sum of x[0..n) read with vector loads and several accumulators (n a multiple of 64).
  float (*readSum)(const float* x, int64_t n);
};

const IsaOps* isaOpsSse2();
const IsaOps* isaOpsAvx2();    // only call when the CPU has AVX2 + FMA
const IsaOps* isaOpsAvx512();  // only call when the CPU has AVX-512F

}  // namespace cpu
}  // namespace reinpool

#endif
