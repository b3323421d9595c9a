#include "tools/bench/read_bandwidth.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/cpu_features.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::bench {
namespace {

constexpr size_t kPage = 4096;
constexpr size_t kMinBytes = size_t{1} << 20;
// Every kernel reads 256 bytes per iteration; slices are multiples of this.
constexpr size_t kStep = 256;

__attribute__((target("avx512f"))) uint64_t SumAvx512(const uint8_t* p, size_t n) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < n; i += kStep) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512(p + i + 64));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512(p + i + 128));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512(p + i + 192));
  }
  return _mm512_reduce_add_epi64(
      _mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
}

__attribute__((target("avx2"))) uint64_t SumAvx2(const uint8_t* p, size_t n) {
  __m256i a[8];
  for (__m256i& x : a) x = _mm256_setzero_si256();
  for (size_t i = 0; i < n; i += kStep) {
    for (int k = 0; k < 8; ++k) {
      a[k] = _mm256_add_epi64(a[k], _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i) + k));
    }
  }
  __m256i s = _mm256_setzero_si256();
  for (const __m256i& x : a) s = _mm256_add_epi64(s, x);
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), s);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

uint64_t SumScalar(const uint8_t* p, size_t n) {
  uint64_t a[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i += 32) {
    for (int k = 0; k < 4; ++k) {
      uint64_t v;
      std::memcpy(&v, p + i + 8 * k, 8);
      a[k] += v;
    }
  }
  return a[0] + a[1] + a[2] + a[3];
}

using SumFn = uint64_t (*)(const uint8_t*, size_t);

struct Kernel {
  const char* name;
  SumFn fn;
};

Kernel BestKernel() {
  const uint64_t cpu = DetectCpuFeatures();
  if ((cpu & EDGE_CPU_AVX512F) != 0) return {"avx512", SumAvx512};
  if ((cpu & EDGE_CPU_AVX2) != 0) return {"avx2", SumAvx2};
  return {"scalar", SumScalar};
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReadBandwidthProbe>> ReadBandwidthProbe::Create(size_t bytes) {
  bytes = bytes / kPage * kPage;
  if (bytes < kMinBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("read-bandwidth probe buffer of ", bytes, " bytes: at least 1 MiB"));
  }
  auto* data = static_cast<uint8_t*>(std::aligned_alloc(kPage, bytes));
  if (data == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate the read-bandwidth probe's ",
                                                     bytes >> 20, " MiB: use a smaller one"));
  }
  // Distinct contents on every page: a hypervisor that merges identical pages (KSM) would
  // otherwise back the whole buffer with one cached page and report cache bandwidth.
  for (size_t i = 0; i + 8 <= bytes; i += 8) {
    const uint64_t v = (i + 1) * 0x9E3779B97F4A7C15ull;
    std::memcpy(data + i, &v, 8);
  }
  return std::unique_ptr<ReadBandwidthProbe>(new ReadBandwidthProbe(data, bytes));
}

ReadBandwidthProbe::~ReadBandwidthProbe() { std::free(data_); }

const char* ReadBandwidthProbe::kernel() const { return BestKernel().name; }

absl::StatusOr<ReadBandwidth> ReadBandwidthProbe::Measure(int n_threads, int trials, int passes) {
  if (n_threads <= 0 || trials <= 0 || passes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("read-bandwidth probe: threads ", n_threads,
                                                   ", trials ", trials, ", passes ", passes,
                                                   ": each must be positive"));
  }
  const Kernel kernel = BestKernel();
  const size_t slice = bytes_ / n_threads / kStep * kStep;
  using Clock = std::chrono::steady_clock;
  std::atomic<uint64_t> sink{0};  // keeps the sums live
  double best_seconds = 0;
  for (int trial = 0; trial < trials; ++trial) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<Clock::time_point> end(n_threads);
    auto run = [&](int t) {
      uint64_t sum = 0;
      for (int p = 0; p < passes; ++p) sum += kernel.fn(data_ + t * slice, slice);
      end[t] = Clock::now();
      sink += sum;
    };
    std::vector<std::thread> workers;
    try {
      for (int t = 1; t < n_threads; ++t) {
        workers.emplace_back([&, t] {
          ++ready;
          while (!go.load(std::memory_order_acquire)) {
          }
          run(t);
        });
      }
    } catch (const std::system_error& e) {
      go = true;
      for (std::thread& w : workers) w.join();
      return absl::InternalError(
          absl::StrCat("read-bandwidth probe: cannot start a thread: ", e.what()));
    }
    while (ready.load() < n_threads - 1) {
    }
    const Clock::time_point start = Clock::now();
    go.store(true, std::memory_order_release);
    run(0);
    for (std::thread& w : workers) w.join();
    const double seconds =
        std::chrono::duration<double>(*std::max_element(end.begin(), end.end()) - start).count();
    if (trial == 0 || seconds < best_seconds) best_seconds = seconds;
  }
  ReadBandwidth r;
  r.n_threads = n_threads;
  r.buffer_bytes = slice * n_threads;
  r.kernel = kernel.name;
  r.gb_per_second = static_cast<double>(r.buffer_bytes) * passes / best_seconds / 1e9;
  return r;
}

}  // namespace edgellm::bench
