// The sse2 build of the SIMD hot loops (compile flags set per file in CMakeLists.txt/binding.gyp).
#define REINPOOL_ISA_NS sse2
#define REINPOOL_ISA_NAME "sse2"
#define REINPOOL_ISA_GETTER isaOpsSse2
#include "isa_impl.inc"
