// The avx512 build of the SIMD hot loops (compile flags set per file in CMakeLists.txt/binding.gyp).
#define REINPOOL_ISA_NS avx512
#define REINPOOL_ISA_NAME "avx512"
#define REINPOOL_ISA_GETTER isaOpsAvx512
#if !defined(__AVX512F__)
#error "isa_avx512.cpp must be compiled with -mavx512f -mavx2 -mfma"
#endif
#include "isa_impl.inc"
