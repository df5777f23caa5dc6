// Internal: the SIMD loops of the machine-limit probes (probe.cpp). probe_impl.inc is compiled once
// per ISA (probe_sse2.cpp, probe_avx2.cpp, probe_avx512.cpp, with the same per-file flags as the
// kernels' isa_*.cpp), each into its own namespace; the ODR rule of isa.h applies (nothing here but
// a plain struct of function pointers).
#ifndef REINPOOL_CPU_PROBE_ISA_H
#define REINPOOL_CPU_PROBE_ISA_H

#include <cstdint>

namespace reinpool {
namespace cpu {

struct ProbeOps {
  const char* name;  // "avx512" | "avx2" | "sse2", as IsaOps::name
  // fp32 FLOP done by one fmaChains iteration: chains x lanes x 2 (an FMA, or mul + add on sse2).
  int64_t flopsPerIter;
  // Runs `iters` rounds of independent register-resident FMA chains (a = a * b + c on every
  // accumulator) and returns their sum, so the work cannot be optimised away.
  float (*fmaChains)(int64_t iters);
  // Sum of x[0..n) read with vector loads and several accumulators (n a multiple of 64).
  float (*readSum)(const float* x, int64_t n);
};

const ProbeOps* probeOpsSse2();
const ProbeOps* probeOpsAvx2();    // only call when the CPU has AVX2 + FMA
const ProbeOps* probeOpsAvx512();  // only call when the CPU has AVX-512F

}  // namespace cpu
}  // namespace reinpool

#endif
