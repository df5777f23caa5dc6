// The fp32 SIMT tile shared by scoreTopK and maxSimTopK: a 128 x 128 block of dot products of rows
// of A with rows of B (both row-major, dim contiguous), k-chunks of 16 double-buffered through
// registers into shared memory, 8 x 8 outputs per thread (256 threads). acc[i][j] is row
// (i < 4 ? ty*4+i : 64+ty*4+i-4), column (j < 4 ? tx*4+j : 64+tx*4+j-4), tx = tid % 16, ty = tid / 16.
#pragma once
#include "common.cuh"

namespace reinpool {
namespace cuda {
namespace detail {

constexpr int SBM = 128, SBN = 128, SBK = 16, SLD = SBM + 4, SSLD = SBN + 2;
constexpr size_t kSimtSmemMain = (size_t)(2 * SBK * SLD * 2) * sizeof(float);

template <bool VEC>
__device__ __forceinline__ float4 load4(const float* __restrict__ X, int row, int rowsEnd,
                                        int k, int dim) {
  float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
  if (row >= rowsEnd) return v;
  const float* p = X + (int64_t)row * dim + k;
  if (VEC) {
    if (k < dim) v = __ldg(reinterpret_cast<const float4*>(p));
  } else {
    if (k < dim) v.x = __ldg(p);
    if (k + 1 < dim) v.y = __ldg(p + 1);
    if (k + 2 < dim) v.z = __ldg(p + 2);
    if (k + 3 < dim) v.w = __ldg(p + 3);
  }
  return v;
}

// As, Bs: 2 * SBK * SLD floats each. Rows of A from aRow0 (valid below aEnd), of B from bRow0
// (valid below bEnd); invalid rows read as zeros. Ends with a __syncthreads().
template <bool VEC>
__device__ __forceinline__ void simtMainloop(const float* __restrict__ A, int aRow0, int aEnd,
                                             const float* __restrict__ B, int bRow0, int bEnd,
                                             int dim, float* As, float* Bs, float (&acc)[8][8]) {
  const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
  const int lr = tid >> 2, kq = (tid & 3) * 4;
  const int nk = (dim + SBK - 1) / SBK;
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.f;
  float4 ra[2], rb[2];
  auto gload = [&](int k0) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      ra[h] = load4<VEC>(A, aRow0 + lr + h * 64, aEnd, k0 + kq, dim);
      rb[h] = load4<VEC>(B, bRow0 + lr + h * 64, bEnd, k0 + kq, dim);
    }
  };
  auto sstore = [&](int buf) {
    float* An = As + buf * SBK * SLD;
    float* Bn = Bs + buf * SBK * SLD;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      An[(kq + 0) * SLD + lr + h * 64] = ra[h].x; An[(kq + 1) * SLD + lr + h * 64] = ra[h].y;
      An[(kq + 2) * SLD + lr + h * 64] = ra[h].z; An[(kq + 3) * SLD + lr + h * 64] = ra[h].w;
      Bn[(kq + 0) * SLD + lr + h * 64] = rb[h].x; Bn[(kq + 1) * SLD + lr + h * 64] = rb[h].y;
      Bn[(kq + 2) * SLD + lr + h * 64] = rb[h].z; Bn[(kq + 3) * SLD + lr + h * 64] = rb[h].w;
    }
  };
  gload(0);
  sstore(0);
  __syncthreads();
  for (int kc = 0; kc < nk; ++kc) {
    const int buf = kc & 1;
    if (kc + 1 < nk) gload((kc + 1) * SBK);
    const float* Ab = As + buf * SBK * SLD;
    const float* Bb = Bs + buf * SBK * SLD;
#pragma unroll
    for (int kk = 0; kk < SBK; ++kk) {
      const float4 a0 = *reinterpret_cast<const float4*>(Ab + kk * SLD + ty * 4);
      const float4 a1 = *reinterpret_cast<const float4*>(Ab + kk * SLD + 64 + ty * 4);
      const float4 b0 = *reinterpret_cast<const float4*>(Bb + kk * SLD + tx * 4);
      const float4 b1 = *reinterpret_cast<const float4*>(Bb + kk * SLD + 64 + tx * 4);
      const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (kc + 1 < nk) sstore(buf ^ 1);
    __syncthreads();
  }
}

}  // namespace detail
}  // namespace cuda
}  // namespace reinpool
