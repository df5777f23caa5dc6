// Machine-limit probes for the benchmarks: the fp32 FMA peak and the read bandwidth, measured at
// the SIMD level (detail::ops(), whose table holds the probe loops) and on the thread pool the kernels use, so a kernel's GFLOP/s or
// GB/s can be reported as a share of what this machine does in the same run. Not kernels: nothing
// here is part of the Kernels contract, and the cuda backend has no counterpart.
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "internal.h"

namespace reinpool {
namespace cpu {
namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double medianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

volatile float gSink = 0.f;  // keeps every probe result alive

void finish(ProbeResult* out, const std::vector<double>& rates, int threads, const IsaOps& ops) {
  out->median = medianOf(rates);
  out->best = *std::max_element(rates.begin(), rates.end());
  out->reps = (int)rates.size();
  out->threads = threads;
  out->simd = ops.name;
}

}  // namespace

Status probeFmaPeak(double seconds, int reps, int threads, ProbeResult* out) {
  if (!(seconds > 0 && seconds <= 60) || reps < 1 || reps > 1000 || !out)
    return Status::Error(ErrorCode::InvalidArgument,
                         "probeFmaPeak: seconds must be in (0, 60], reps in [1, 1000]");
  return detail::guard("probeFmaPeak", [&]() -> Status {
    const IsaOps& ops = detail::ops();  // the level the kernels run at (REINPOOL_SIMD, _setSimd)
    const int t = detail::resolveThreads(threads);
    // Calibrate on one thread: iterations per second of one chain set.
    int64_t iters = 1 << 14;
    double dt = 0;
    for (;;) {
      const double t0 = now();
      gSink = gSink + ops.fmaChains(iters);
      dt = now() - t0;
      if (dt > 0.01 || iters > ((int64_t)1 << 40)) break;
      iters *= 4;
    }
    const double perSecond = (double)iters / std::max(dt, 1e-9);
    // Each rep: t x 8 tasks of equal work, about seconds / reps of wall time on t free threads.
    const int64_t tasks = (int64_t)t * 8;
    const int64_t perTask = std::max<int64_t>(1, (int64_t)(perSecond * seconds / reps / 8));
    std::vector<float> sums((size_t)tasks, 0.f);
    std::vector<double> rates;
    for (int r = 0; r < reps; ++r) {
      const double t0 = now();
      detail::parallelFor(tasks, t, [&](int64_t task, int) { sums[(size_t)task] = ops.fmaChains(perTask); });
      const double wall = now() - t0;
      for (float s : sums) gSink = gSink + s;
      rates.push_back((double)ops.flopsPerFmaIter * (double)perTask * (double)tasks / wall / 1e9);
    }
    finish(out, rates, t, ops);
    return Status::Ok();
  });
}

Status probeReadBandwidth(int64_t bytes, int passes, int threads, ProbeResult* out) {
  constexpr int64_t kChunk = (int64_t)1 << 18;  // floats per task: 1 MiB
  if (bytes < kChunk * 4 || bytes > ((int64_t)1 << 36) || passes < 1 || passes > 1000 || !out)
    return Status::Error(ErrorCode::InvalidArgument,
                         "probeReadBandwidth: bytes must be in [1 MiB, 64 GiB], passes in [1, 1000]");
  return detail::guard("probeReadBandwidth", [&]() -> Status {
    const IsaOps& ops = detail::ops();  // the level the kernels run at (REINPOOL_SIMD, _setSimd)
    const int t = detail::resolveThreads(threads);
    const int64_t tasks = bytes / (kChunk * 4);
    const int64_t n = tasks * kChunk;
    detail::Buffer<float> buf((size_t)n);
    float* x = buf.data();
    // First touch on the same threads and chunks that read it.
    detail::parallelFor(tasks, t, [&](int64_t task, int) {
      float* p = x + task * kChunk;
      for (int64_t i = 0; i < kChunk; ++i) p[i] = (float)((i & 7) - 3) * 0.25f;
    });
    std::vector<float> sums((size_t)tasks, 0.f);
    std::vector<double> rates;
    for (int r = 0; r <= passes; ++r) {  // pass 0 warms the TLB and the pool: not counted
      const double t0 = now();
      detail::parallelFor(tasks, t, [&](int64_t task, int) {
        sums[(size_t)task] = ops.readSum(x + task * kChunk, kChunk);
      });
      const double wall = now() - t0;
      for (float s : sums) gSink = gSink + s;
      if (r > 0) rates.push_back((double)n * 4 / wall / 1e9);
    }
    finish(out, rates, t, ops);
    return Status::Ok();
  });
}

}  // namespace cpu
}  // namespace reinpool
