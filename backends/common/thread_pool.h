// A fixed pool of worker threads for a backend instance. ParallelFor splits [0, n) into one
// contiguous chunk per thread; the calling thread runs chunk 0, so n_threads == 1 spawns nothing.
// Workers spin briefly before sleeping: decode issues a few hundred short parallel ops per token,
// and a futex wake-up per op would cost a noticeable share of the token time.
#ifndef EDGELLM_BACKENDS_COMMON_THREAD_POOL_H_
#define EDGELLM_BACKENDS_COMMON_THREAD_POOL_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace edgellm::backends {

class ThreadPool {
 public:
  // n_threads <= 0: one per available core.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int n_threads() const { return n_threads_; }

  // Calls fn(begin, end, thread_index) on disjoint chunks covering [0, n), in parallel, and
  // returns when all are done. Chunk boundaries are multiples of `grain` (except the end).
  // Not reentrant: one ParallelFor at a time per pool.
  void ParallelFor(int64_t n, int64_t grain,
                   const std::function<void(int64_t, int64_t, int)>& fn);

 private:
  struct WaitArg {
    ThreadPool* pool;
    uint64_t seen;
  };
  static bool HasWork(WaitArg* arg);
  void Worker(int index);
  void RunChunk(int index);

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  absl::Mutex mu_;  // only for sleeping workers; the job itself is published by generation_
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(int64_t, int64_t, int)>* fn_ = nullptr;
  int64_t n_ = 0;
  int64_t grain_ = 1;
};

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_THREAD_POOL_H_
