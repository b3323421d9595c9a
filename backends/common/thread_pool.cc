#include "backends/common/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgellm::backends {
namespace {

constexpr int kSpinIterations = 20000;

inline void CpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 0) {
    n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  n_threads_ = n_threads;
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { Worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    absl::MutexLock lock(&mu_);
    stop_.store(true);
  }
  for (std::thread& t : workers_) t.join();
}

bool ThreadPool::HasWork(WaitArg* arg) {
  return arg->pool->stop_.load() || arg->pool->generation_.load() != arg->seen;
}

void ThreadPool::RunChunk(int index) {
  const int64_t units = (n_ + grain_ - 1) / grain_;
  const int64_t begin = std::min(n_, units * index / n_threads_ * grain_);
  const int64_t end = std::min(n_, units * (index + 1) / n_threads_ * grain_);
  if (begin < end) (*fn_)(begin, end, index);
}

void ThreadPool::Worker(int index) {
  WaitArg arg{this, 0};
  while (true) {
    for (int i = 0; i < kSpinIterations && !HasWork(&arg); ++i) CpuRelax();
    if (!HasWork(&arg)) {
      mu_.LockWhen(absl::Condition(&ThreadPool::HasWork, &arg));
      mu_.Unlock();
    }
    if (stop_.load()) return;
    arg.seen = generation_.load(std::memory_order_acquire);
    RunChunk(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t, int)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n_threads_ == 1 || n <= grain) {
    fn(0, n, 0);
    return;
  }
  fn_ = &fn;
  n_ = n;
  grain_ = grain;
  pending_.store(n_threads_ - 1, std::memory_order_relaxed);
  {
    // Under the mutex so that sleeping workers re-check their condition.
    absl::MutexLock lock(&mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  RunChunk(0);
  for (int i = 0; pending_.load(std::memory_order_acquire) != 0; ++i) {
    if (i < kSpinIterations) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

}  // namespace edgellm::backends
