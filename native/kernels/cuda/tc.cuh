// Tensor-core building blocks (mma.sync, sm_80+): bf16 m16n8k16 and tf32 m16n8k8 with fp32
// accumulation, cp.async tile loads, used by scoreTopK and maxSimTopK.
//
// Fragment layouts (PTX ISA, "Matrix Fragments for mma.m16n8k16 / m16n8k8"), g = lane / 4,
// t = lane % 4: accumulator c0,c1 = (row g, cols 2t, 2t+1), c2,c3 = (row g + 8, same cols).
#pragma once
#include "common.cuh"

namespace reinpool {
namespace cuda {
namespace detail {

__device__ __forceinline__ void cpAsync16(void* smem, const void* gmem, bool valid) {
  const unsigned s = (unsigned)__cvta_generic_to_shared(smem);
  const int n = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem), "r"(n));
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cpAsyncWait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

// Loads rows [row0, row0 + R) of a rows x dp matrix (elemBytes each) into shared memory with a row
// stride of dp * elemBytes + 16 bytes; rows past `rows` are zero-filled.
__device__ __forceinline__ void loadTileAsync(char* smem, const char* g, int64_t row0, int R,
                                              int64_t rows, int rowBytes, int tid, int nthreads) {
  const int cpr = rowBytes / 16;
  const int sstride = rowBytes + 16;
  for (int idx = tid; idx < R * cpr; idx += nthreads) {
    const int r = idx / cpr, c = idx - r * cpr;
    const bool ok = row0 + r < rows;
    const char* src = ok ? g + (row0 + r) * (int64_t)rowBytes + c * 16 : g;
    cpAsync16(smem + r * sstride + c * 16, src, ok);
  }
}

__device__ __forceinline__ uint32_t toTf32(float x) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
  return r;
}

__device__ __forceinline__ void mmaBf16(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}
__device__ __forceinline__ void mmaTf32(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// One warp computes a (MF*16) x (NF*8) block: rows ar0.. of As, cols bn0.. of Bs, full depth dp.
// As/Bs are shared tiles with row stride sstride bytes. BF16: elements are bf16; else fp32 (tf32).
template <bool BF16, int MF, int NF>
__device__ __forceinline__ void warpTileMma(float (&acc)[MF][NF][4], const char* As, const char* Bs,
                                            int sstride, int ar0, int bn0, int dp, int lane) {
  const int g = lane >> 2, t = lane & 3;
  if (BF16) {
    for (int k0 = 0; k0 < dp; k0 += 16) {
      uint32_t a[MF][4], b[NF][2];
#pragma unroll
      for (int i = 0; i < MF; ++i) {
        const char* p0 = As + (ar0 + i * 16 + g) * sstride + (k0 + 2 * t) * 2;
        const char* p1 = p0 + 8 * sstride;
        a[i][0] = *reinterpret_cast<const uint32_t*>(p0);
        a[i][1] = *reinterpret_cast<const uint32_t*>(p1);
        a[i][2] = *reinterpret_cast<const uint32_t*>(p0 + 16);
        a[i][3] = *reinterpret_cast<const uint32_t*>(p1 + 16);
      }
#pragma unroll
      for (int j = 0; j < NF; ++j) {
        const char* p = Bs + (bn0 + j * 8 + g) * sstride + (k0 + 2 * t) * 2;
        b[j][0] = *reinterpret_cast<const uint32_t*>(p);
        b[j][1] = *reinterpret_cast<const uint32_t*>(p + 16);
      }
#pragma unroll
      for (int i = 0; i < MF; ++i)
#pragma unroll
        for (int j = 0; j < NF; ++j) mmaBf16(acc[i][j], a[i], b[j]);
    }
  } else {
    for (int k0 = 0; k0 < dp; k0 += 8) {
      uint32_t a[MF][4], b[NF][2];
#pragma unroll
      for (int i = 0; i < MF; ++i) {
        const float* p0 = reinterpret_cast<const float*>(As + (ar0 + i * 16 + g) * sstride) + k0 + t;
        const float* p1 = reinterpret_cast<const float*>(reinterpret_cast<const char*>(p0) + 8 * sstride);
        a[i][0] = toTf32(p0[0]);
        a[i][1] = toTf32(p1[0]);
        a[i][2] = toTf32(p0[4]);
        a[i][3] = toTf32(p1[4]);
      }
#pragma unroll
      for (int j = 0; j < NF; ++j) {
        const float* p = reinterpret_cast<const float*>(Bs + (bn0 + j * 8 + g) * sstride) + k0 + t;
        b[j][0] = toTf32(p[0]);
        b[j][1] = toTf32(p[4]);
      }
#pragma unroll
      for (int i = 0; i < MF; ++i)
#pragma unroll
        for (int j = 0; j < NF; ++j) mmaTf32(acc[i][j], a[i], b[j]);
    }
  }
}

// ldmatrix x4: four 8x8 b16 matrices; lane l gives the row address of matrix l / 8, row l % 8.
__device__ __forceinline__ void ldmatrixX4(uint32_t (&r)[4], const void* smemRow) {
  const unsigned a = (unsigned)__cvta_generic_to_shared(smemRow);
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(a));
}

// bf16 A fragments of a warp's 32 rows x (16 * KS) columns, kept in registers (A is fixed for the
// whole block in maxSimTopK).
template <int KS>
__device__ __forceinline__ void loadAFragsBf16(uint32_t (&a)[2][KS][4], const char* As, int sstride,
                                               int ar0, int lane) {
  const int g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int ks = 0; ks < KS; ++ks) {
      const char* p0 = As + (ar0 + i * 16 + g) * sstride + (ks * 16 + 2 * t) * 2;
      const char* p1 = p0 + 8 * sstride;
      a[i][ks][0] = *reinterpret_cast<const uint32_t*>(p0);
      a[i][ks][1] = *reinterpret_cast<const uint32_t*>(p1);
      a[i][ks][2] = *reinterpret_cast<const uint32_t*>(p0 + 16);
      a[i][ks][3] = *reinterpret_cast<const uint32_t*>(p1 + 16);
    }
}

// 32 x 32 warp tile with A from registers and B ([n][k] bf16 in shared memory) through ldmatrix.
template <int KS>
__device__ __forceinline__ void warpTileMmaAregBf16(float (&acc)[2][4][4], const uint32_t (&a)[2][KS][4],
                                                    const char* Bs, int sstride, int bn0, int lane) {
  const int mi = lane >> 3, r = lane & 7;
#pragma unroll
  for (int ks = 0; ks < KS; ++ks) {
    uint32_t b[4][2];
#pragma unroll
    for (int jj = 0; jj < 2; ++jj) {  // n-fragments 2jj and 2jj+1
      uint32_t q[4];
      const char* p = Bs + (bn0 + (2 * jj + (mi >> 1)) * 8 + r) * sstride + (ks * 16 + (mi & 1) * 8) * 2;
      ldmatrixX4(q, p);
      b[2 * jj][0] = q[0]; b[2 * jj][1] = q[1];
      b[2 * jj + 1][0] = q[2]; b[2 * jj + 1][1] = q[3];
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 4; ++j) mmaBf16(acc[i][j], a[i][ks], b[j]);
  }
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
