// The sse2 build of the machine-limit probes' SIMD loops (see probe_isa.h).
#define REINPOOL_PROBE_NS probe_sse2
#define REINPOOL_PROBE_NAME "sse2"
#define REINPOOL_PROBE_GETTER probeOpsSse2
#include "probe_impl.inc"
