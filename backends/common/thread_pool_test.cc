#include "backends/common/thread_pool.h"

#include <atomic>
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"

namespace edgellm::backends {
namespace {

// Every item is visited exactly once, chunk starts are multiples of the grain, and thread
// indices stay below n_threads, for many job shapes in a row (a worker that wakes late must not
// run a chunk of the next job twice or with the previous job's bounds).
TEST(ThreadPoolTest, CoversEveryItemOnceInGrainAlignedChunks) {
  for (int n_threads : {1, 2, 3, 8}) {
    ThreadPool pool(n_threads);
    EXPECT_EQ(pool.n_threads(), n_threads);
    for (int round = 0; round < 200; ++round) {
      const int64_t n = 1 + (round * 37) % 1000;
      const int64_t grain = 1 + round % 17;
      std::vector<std::atomic<int>> hits(n);
      std::atomic<bool> misaligned{false}, bad_thread{false};
      pool.ParallelFor(n, grain, [&](int64_t begin, int64_t end, int thread) {
        if (begin % grain != 0 || end <= begin || end > n) misaligned = true;
        if (thread < 0 || thread >= n_threads) bad_thread = true;
        for (int64_t i = begin; i < end; ++i) hits[i].fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 1) << "item " << i << " n=" << n;
      EXPECT_FALSE(misaligned.load()) << "n=" << n << " grain=" << grain;
      EXPECT_FALSE(bad_thread.load());
    }
  }
}

// n <= grain runs on the calling thread as one chunk: small ops pay no hand-off.
TEST(ThreadPoolTest, SmallJobRunsInlineAsOneChunk) {
  ThreadPool pool(4);
  int calls = 0;
  pool.ParallelFor(100, 100, [&](int64_t begin, int64_t end, int thread) {
    ++calls;
    EXPECT_EQ(begin, 0);
    EXPECT_EQ(end, 100);
    EXPECT_EQ(thread, 0);
  });
  EXPECT_EQ(calls, 1);
}

// Large jobs are cut into several chunks per thread, so a slow thread's share is picked up by
// the others instead of one chunk per thread.
TEST(ThreadPoolTest, LargeJobIsCutIntoSeveralChunksPerThread) {
  ThreadPool pool(2);
  std::atomic<int> chunks{0};
  pool.ParallelFor(1 << 16, 1, [&](int64_t, int64_t, int) { chunks.fetch_add(1); });
  EXPECT_GE(chunks.load(), 2 * ThreadPool::kChunksPerThread);
}

// Two pools run jobs side by side (each backend instance has its own).
TEST(ThreadPoolTest, IndependentPoolsRunConcurrently) {
  ThreadPool a(2), b(2);
  std::atomic<int64_t> sum_a{0}, sum_b{0};
  std::thread other([&] {
    for (int r = 0; r < 100; ++r) {
      b.ParallelFor(1000, 7, [&](int64_t begin, int64_t end, int) {
        for (int64_t i = begin; i < end; ++i) sum_b += i;
      });
    }
  });
  for (int r = 0; r < 100; ++r) {
    a.ParallelFor(1000, 5, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) sum_a += i;
    });
  }
  other.join();
  EXPECT_EQ(sum_a.load(), 100 * 999 * 1000 / 2);
  EXPECT_EQ(sum_b.load(), 100 * 999 * 1000 / 2);
}

}  // namespace
}  // namespace edgellm::backends
