#include "backends/common/thread_pool.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace edgellm::backends {
namespace {

constexpr int kSpinIterations = 20000;
constexpr int kGenerationShift = 40;

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
  return arg->pool->stop_.load() ||
         (arg->pool->job_.load() >> kGenerationShift) != arg->seen_generation;
}

void ThreadPool::RunChunks(int thread_index) {
  uint64_t job = job_.load(std::memory_order_acquire);
  while (true) {
    const uint64_t next = (job >> kChunkBits) & kChunkMask;
    if (next >= (job & kChunkMask)) return;
    if (!job_.compare_exchange_weak(job, job + (uint64_t{1} << kChunkBits),
                                    std::memory_order_acq_rel, std::memory_order_acquire)) {
      continue;
    }
    // Chunk `next` of this job is ours and not done, so its parameters are still in place.
    const int64_t begin = static_cast<int64_t>(next) * chunk_;
    (*fn_)(begin, std::min(n_, begin + chunk_), thread_index);
    done_chunks_.fetch_add(1, std::memory_order_acq_rel);
    job = job_.load(std::memory_order_acquire);
  }
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
    arg.seen_generation = job_.load(std::memory_order_acquire) >> kGenerationShift;
    RunChunks(index);
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
  const int64_t units = (n + grain - 1) / grain;
  int64_t units_per_chunk =
      std::max<int64_t>(1, units / (static_cast<int64_t>(n_threads_) * kChunksPerThread));
  while ((units + units_per_chunk - 1) / units_per_chunk > static_cast<int64_t>(kChunkMask)) {
    units_per_chunk *= 2;
  }
  const int64_t chunk = units_per_chunk * grain;
  const auto n_chunks = static_cast<uint64_t>((n + chunk - 1) / chunk);
  fn_ = &fn;
  n_ = n;
  chunk_ = chunk;
  done_chunks_.store(0, std::memory_order_relaxed);
  {
    // Under the mutex so that sleeping workers re-check their condition.
    absl::MutexLock lock(&mu_);
    const uint64_t generation = (job_.load() >> kGenerationShift) + 1;
    job_.store(generation << kGenerationShift | n_chunks, std::memory_order_release);
  }
  RunChunks(0);
  for (int i = 0; done_chunks_.load(std::memory_order_acquire) != static_cast<int64_t>(n_chunks);
       ++i) {
    if (i < kSpinIterations) {
      CpuRelax();
    } else {
      std::this_thread::yield();
    }
  }
}

}  // namespace edgellm::backends
