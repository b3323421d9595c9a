// A fixed pool of worker threads for a backend instance. ParallelFor cuts [0, n) into chunks that
// the calling thread and the workers claim one at a time until none is left, so a worker the OS
// has descheduled (or one still waking up) delays nobody: the others take its share.
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
  // returns when all are done. thread_index < n_threads() is unique among concurrent calls (it
  // indexes per-thread scratch); which thread runs which chunk is not fixed, so fn's results
  // must not depend on it. Chunks are `grain` items or a multiple of it (the last one shorter),
  // about kChunksPerThread per thread; n <= grain runs inline on the caller. Chunk c covers
  // items before chunk c + 1, and chunks are claimed in order, so a caller that wants the
  // costliest items started first orders its items that way.
  // Not reentrant: one ParallelFor at a time per pool.
  void ParallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t, int)>& fn);

  // Chunks per thread a ParallelFor aims at: enough to even out unequal chunks and a late
  // thread, few enough that claiming (one atomic operation per chunk) stays cheap.
  static constexpr int64_t kChunksPerThread = 4;

 private:
  // The job word: generation (bits 40..63), next chunk to claim (bits 20..39), chunk count
  // (bits 0..19). One atomic word, so a claim names its job: a worker that wakes after its job
  // is over cannot take a chunk of the next one with the old job's chunk count.
  static constexpr int kChunkBits = 20;
  static constexpr uint64_t kChunkMask = (uint64_t{1} << kChunkBits) - 1;

  struct WaitArg {
    ThreadPool* pool;
    uint64_t seen_generation;
  };
  static bool HasWork(WaitArg* arg);
  void Worker(int index);
  // Claims and runs chunks of the current job until none is left.
  void RunChunks(int thread_index);

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  absl::Mutex mu_;  // only for sleeping workers; the job itself is published through job_
  std::atomic<uint64_t> job_{0};
  std::atomic<int64_t> done_chunks_{0};
  std::atomic<bool> stop_{false};
  // The current job, written before job_ publishes it and stable until its chunks are done.
  const std::function<void(int64_t, int64_t, int)>* fn_ = nullptr;
  int64_t n_ = 0;
  int64_t chunk_ = 1;
};

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_THREAD_POOL_H_
