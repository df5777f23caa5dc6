// The avx2 build of the machine-limit probes' SIMD loops (see probe_isa.h).
#define REINPOOL_PROBE_NS probe_avx2
#define REINPOOL_PROBE_NAME "avx2"
#define REINPOOL_PROBE_GETTER probeOpsAvx2
#if !defined(__AVX2__) || !defined(__FMA__)
#error "probe_avx2.cpp must be compiled with -mavx2 -mfma"
#endif
#include "probe_impl.inc"
