// The avx2 build of the SIMD hot loops (compile flags set per file in CMakeLists.txt/binding.gyp).
#define REINPOOL_ISA_NS avx2
#define REINPOOL_ISA_NAME "avx2"
#define REINPOOL_ISA_GETTER isaOpsAvx2
#if !defined(__AVX2__) || !defined(__FMA__)
#error "isa_avx2.cpp must be compiled with -mavx2 -mfma"
#endif
#include "isa_impl.inc"
