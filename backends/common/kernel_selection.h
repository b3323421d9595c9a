// Kernel selection: which of a quant format's kernel entries a backend of one ISA runs, with the
// scalar fallback that lets a new format run on every backend without a change to any backend.
// Chosen once per format and backend instance (KernelCache), not per call.
#ifndef EDGELLM_BACKENDS_COMMON_KERNEL_SELECTION_H_
#define EDGELLM_BACKENDS_COMMON_KERNEL_SELECTION_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// One format's kernels as a backend of one ISA on one CPU runs them.
struct FormatKernels {
  // The first entry for the ISA whose features the CPU has and that has a vec_dot, else the
  // scalar one; nullptr when the format has no vec_dot at all.
  EdgeVecDotFn vec_dot = nullptr;
  // The vec_dot_batch of the entry vec_dot came from (both agree on the numerics), or nullptr.
  EdgeVecDotBatchFn vec_dot_batch = nullptr;
  // EDGE_KERNEL_* flags of that entry.
  uint32_t flags = 0;
  // Activation quantizer (bit-exact with ggml's CPU path for the ISA), else from_float_ref.
  EdgeFromFloatFn from_float = nullptr;
  // Dequantizer for the ISA, else the format's to_float.
  EdgeToFloatFn to_float = nullptr;
};

// `f` is a host copy of a descriptor (kernel_caps filled; core/quant_format.h).
FormatKernels SelectKernels(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features);

// SelectKernels' answers for one backend instance, by descriptor. The host's descriptors live as
// long as the registry, which outlives every backend instance. Not thread-safe: the ops of one
// instance run one at a time.
class KernelCache {
 public:
  KernelCache(EdgeIsa isa, uint64_t cpu_features) : isa_(isa), cpu_features_(cpu_features) {}
  const FormatKernels& Get(const EdgeQuantFormatV1* f);

 private:
  EdgeIsa isa_;
  uint64_t cpu_features_;
  std::vector<std::pair<const EdgeQuantFormatV1*, FormatKernels>> entries_;  // a model has few
};

// Bytes of a row of n elements of format f (n a multiple of its block size).
inline size_t RowBytes(const EdgeQuantFormatV1* f, int64_t n) {
  return static_cast<size_t>(n / f->block_size) * f->type_size;
}

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_KERNEL_SELECTION_H_
