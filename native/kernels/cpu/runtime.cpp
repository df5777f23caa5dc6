// CPU backend runtime: SIMD dispatch, the thread pool, init/info and the backend table.
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include "internal.h"

namespace reinpool {
namespace cpu {
namespace detail {

namespace {

int levelRank(const char* s) {
  if (!s) return 99;
  if (!std::strcmp(s, "avx512")) return 2;
  if (!std::strcmp(s, "avx2")) return 1;
  if (!std::strcmp(s, "sse2") || !std::strcmp(s, "baseline") || !std::strcmp(s, "none")) return 0;
  return 99;  // unknown: no cap
}

const IsaOps* bestOps(int cap) {
#if defined(__x86_64__) || defined(_M_X64)
  __builtin_cpu_init();
  if (cap >= 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
      __builtin_cpu_supports("fma"))
    return isaOpsAvx512();
  if (cap >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return isaOpsAvx2();
#endif
  (void)cap;
  return isaOpsSse2();
}

std::atomic<const IsaOps*> gOps{nullptr};

}  // namespace

const IsaOps& ops() {
  const IsaOps* o = gOps.load(std::memory_order_acquire);
  if (!o) {
    o = bestOps(levelRank(std::getenv("REINPOOL_SIMD")));
    gOps.store(o, std::memory_order_release);
  }
  return *o;
}

const char* setSimdLevel(const char* level) {
  const IsaOps* o = bestOps(levelRank(level));
  gOps.store(o, std::memory_order_release);
  return o->name;
}

// ---- thread pool --------------------------------------------------------------------------------

namespace {

class Pool {
 public:
  explicit Pool(int size) : size_(size < 1 ? 1 : size) {
    for (int i = 1; i < size_; ++i) {
      try {
        workers_.emplace_back([this, i] { loop(i); });
      } catch (...) {
        size_ = i;  // could not start more threads: run with what we have
        break;
      }
    }
  }
  int size() const { return size_; }

  void run(int64_t tasks, int threads, const std::function<void(int64_t, int)>& fn) {
    if (threads > size_) threads = size_;
    if (tasks < (int64_t)threads) threads = (int)tasks;
    if (threads <= 1 || tInPool) {
      for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
      return;
    }
    // Another call (e.g. an async worker) owns the pool: run this one on the calling thread
    // rather than waiting behind it (results do not depend on the thread count).
    std::unique_lock<std::mutex> call(callMutex_, std::try_to_lock);
    if (!call.owns_lock()) {
      for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
      return;
    }
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &fn;
      tasks_ = tasks;
      next_.store(0);
      helpers_ = threads - 1;
      running_ = threads - 1;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    tInPool = true;
    work(0);
    tInPool = false;
    std::unique_lock<std::mutex> lk(m_);
    done_.wait(lk, [this] { return running_ == 0; });
    job_ = nullptr;
    std::exception_ptr err = error_;
    error_ = nullptr;
    lk.unlock();
    if (err) std::rethrow_exception(err);
  }

 private:
  void work(int worker) {
    for (;;) {
      const int64_t t = next_.fetch_add(1);
      if (t >= tasks_) break;
      try {
        (*job_)(t, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lk(m_);
        if (!error_) error_ = std::current_exception();
        next_.store(tasks_);
      }
    }
  }

  void loop(int index) {
    tInPool = true;
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return generation_ != seen; });
        seen = generation_;
        if (index > helpers_) continue;
      }
      work(index);
      {
        std::lock_guard<std::mutex> lk(m_);
        if (--running_ == 0) done_.notify_all();
      }
    }
  }

  static thread_local bool tInPool;
  int size_;
  std::vector<std::thread> workers_;
  std::mutex callMutex_;
  std::mutex m_;
  std::condition_variable cv_, done_;
  const std::function<void(int64_t, int)>* job_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> next_{0};
  int helpers_ = 0;
  int running_ = 0;
  uint64_t generation_ = 0;
  std::exception_ptr error_;
};

thread_local bool Pool::tInPool = false;

int envThreads() {
  const char* e = std::getenv("REINPOOL_THREADS");
  if (e && *e) {
    char* end = nullptr;
    long v = std::strtol(e, &end, 10);
    if (end && *end == '\0' && v >= 1 && v <= 1024) return (int)v;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? (int)hc : 1;
}

Pool& pool() {
  // Leaked on purpose: worker threads may still wait on it during process exit.
  static Pool* p = new Pool(envThreads());
  return *p;
}

std::atomic<int> gDefaultThreads{0};

}  // namespace

int resolveThreads(int requested) {
  const int size = pool().size();
  int t = requested > 0 ? requested : gDefaultThreads.load();
  if (t <= 0 || t > size) t = size;
  return t;
}

int setDefaultThreads(int n) {
  gDefaultThreads.store(n < 0 ? 0 : n);
  return resolveThreads(0);
}

void parallelFor(int64_t tasks, int threads, const std::function<void(int64_t, int)>& fn) {
  if (tasks <= 0) return;
  pool().run(tasks, threads, fn);
}

Status guard(const char* fn, const std::function<Status()>& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Status::Error(ErrorCode::OutOfMemory, std::string(fn) + ": out of memory");
  } catch (const std::exception& e) {
    return Status::Error(ErrorCode::Internal, std::string(fn) + ": " + e.what());
  } catch (...) {
    return Status::Error(ErrorCode::Internal, std::string(fn) + ": unknown error");
  }
}

}  // namespace detail

Status init() { return Status::Ok(); }

int poolThreads() { return detail::resolveThreads(0); }

const char* simdLevel() { return detail::ops().name; }

const char* setSimdLevel(const char* level) { return detail::setSimdLevel(level); }

int setDefaultThreads(int n) { return detail::setDefaultThreads(n); }

BackendInfo info() {
  BackendInfo b;
  b.name = "cpu";
  b.simd = detail::ops().name;
  b.threads = detail::resolveThreads(0);
  b.detail = std::string("micro-kernel ") + std::to_string(detail::ops().mr) + "x" +
             std::to_string(detail::ops().nr) + ", fp32 FMA";
  return b;
}

const Backend& backend() {
  static const Backend table = REINPOOL_BACKEND_TABLE(cpu);
  return table;
}

}  // namespace cpu
}  // namespace reinpool
