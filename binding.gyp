# node-gyp build of the same CPU addon as CMakeLists.txt (cmake-js is the primary build).
#   npx node-gyp rebuild   -> build/Release/reinpool_cpu.node
# package.json has "gypfile": false, so npm never runs this on consumers' installs. .ci/run builds
# it offline (--nodedir: Node's own headers) in build-gyp/ and load-checks the result.
# Sources come from the one list, native/sources.txt (node native/sources.js <group>...).
# The SIMD hot loops are compiled per ISA in their own static libraries (per-file flags);
# dispatch is at run time. No -march=native.
{
  "variables": {
    "reinpool_cflags": ["-O3", "-fno-math-errno", "-std=c++17", "-fPIC", "-fexceptions"]
  },
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["<@(reinpool_cflags)"]
  },
  "targets": [
    {
      "target_name": "reinpool_isa_avx2",
      "type": "static_library",
      "sources": ["<!@(node native/sources.js cpu_avx2)"],
      "cflags_cc": ["-mavx2", "-mfma"]
    },
    {
      "target_name": "reinpool_isa_avx512",
      "type": "static_library",
      "sources": ["<!@(node native/sources.js cpu_avx512)"],
      "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx2", "-mfma",
                    "-mprefer-vector-width=512"]
    },
    {
      "target_name": "reinpool_cpu",
      "sources": ["<!@(node native/sources.js cpu addon)"],
      "dependencies": [
        "reinpool_isa_avx2",
        "reinpool_isa_avx512",
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "ldflags": ["-pthread", "-static-libstdc++", "-static-libgcc"]
    }
  ]
}
