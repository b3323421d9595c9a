// A streaming-read probe: the memory read bandwidth this machine gives n threads, measured the way
// decode uses memory. Each thread sums its own contiguous slice of one buffer much larger than the
// last-level cache with the widest integer loads the CPU has (AVX-512, else AVX2, else 64-bit
// scalar; several independent accumulators, so the adds never limit the loads). The figure is
// the best of several trials, each a few full passes over the buffer, in GB/s (1e9 bytes/s):
// the denominator of `edgellm bench`'s bandwidth_fraction.
#ifndef EDGELLM_TOOLS_BENCH_READ_BANDWIDTH_H_
#define EDGELLM_TOOLS_BENCH_READ_BANDWIDTH_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"

namespace edgellm::bench {

struct ReadBandwidth {
  double gb_per_second = 0;  // best trial
  int n_threads = 0;
  size_t buffer_bytes = 0;
  const char* kernel = "";  // "avx512", "avx2" or "scalar"
};

class ReadBandwidthProbe {
 public:
  // Allocates `bytes` (rounded down to a multiple of 4 KiB, at least 1 MiB) and writes every page
  // with distinct contents, so that timing never includes page faults and no two pages can be
  // merged by the host (which would turn the probe into a cache benchmark). InvalidArgument for
  // less than 1 MiB; ResourceExhausted when the memory is not there.
  static absl::StatusOr<std::unique_ptr<ReadBandwidthProbe>> Create(size_t bytes);
  ~ReadBandwidthProbe();
  ReadBandwidthProbe(const ReadBandwidthProbe&) = delete;
  ReadBandwidthProbe& operator=(const ReadBandwidthProbe&) = delete;

  // Best of `trials` timings of `passes` passes over the buffer by n_threads threads (each its
  // own slice, all started together; a trial lasts until the last one finishes). InvalidArgument
  // when a count is not positive; Internal when a thread cannot be started.
  absl::StatusOr<ReadBandwidth> Measure(int n_threads, int trials = 5, int passes = 2);

  const char* kernel() const;
  size_t size() const { return bytes_; }

 private:
  ReadBandwidthProbe(uint8_t* data, size_t bytes) : data_(data), bytes_(bytes) {}

  uint8_t* data_;
  size_t bytes_;
};

}  // namespace edgellm::bench

#endif  // EDGELLM_TOOLS_BENCH_READ_BANDWIDTH_H_
