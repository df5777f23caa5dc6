// The avx512 build of the machine-limit probes' SIMD loops (see probe_isa.h).
#define REINPOOL_PROBE_NS probe_avx512
#define REINPOOL_PROBE_NAME "avx512"
#define REINPOOL_PROBE_GETTER probeOpsAvx512
#if !defined(__AVX512F__)
#error "probe_avx512.cpp must be compiled with -mavx512f -mavx2 -mfma"
#endif
#include "probe_impl.inc"
