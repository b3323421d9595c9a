// State shared by the ops of one backend instance: its ISA, the CPU features kernels are
// chosen with (and the choices), the last error, the thread pool, and scratch buffers that only
// grow (so the per-token path allocates nothing once warmed up).
#ifndef EDGELLM_BACKENDS_COMMON_BACKEND_CONTEXT_H_
#define EDGELLM_BACKENDS_COMMON_BACKEND_CONTEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "backends/common/kernel_selection.h"
#include "backends/common/thread_pool.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

struct BackendContext {
  BackendContext(EdgeIsa isa_in, const EdgeBackendOptionsV1& options)
      : isa(isa_in),
        cpu_features(options.cpu_features),
        kernels(isa_in, options.cpu_features),
        pool(options.n_threads),
        per_thread(static_cast<size_t>(pool.n_threads())) {}

  // Records why an op fails (EdgeBackendV1::last_error) and returns its non-zero status.
  int Fail(std::string why) {
    last_error = std::move(why);
    return 1;
  }

  EdgeIsa isa;
  uint64_t cpu_features;
  KernelCache kernels;  // each format's kernels for this ISA and CPU, chosen once
  std::string last_error;
  ThreadPool pool;
  std::vector<uint8_t> activations;  // activations quantized to the vec_dot type
  // Attention scratch for the query heads of one work item (they share a KV head).
  struct PerThread {
    std::vector<uint8_t> query;      // the query heads quantized for q.k
    std::vector<double> query_wide;  // the same, widened to double (F16 q.k)
    std::vector<double> keys_wide;   // a tile of key heads, transposed and widened (F16 q.k)
    std::vector<float> accum;        // the heads' attention outputs being accumulated
    std::vector<float> values;       // one dequantized V head (or one query as floats)
    std::vector<float> scores;       // q.k of each query head with every cache row
    std::vector<float> softmax;      // running maximum and sum of each query head
  };
  std::vector<PerThread> per_thread;
};

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_BACKEND_CONTEXT_H_
