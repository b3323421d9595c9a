#include "backends/common/kernel_selection.h"

#include <initializer_list>

namespace edgellm::backends {
namespace {

bool Runs(const EdgeQuantKernelsV1& k, EdgeIsa isa, uint64_t cpu_features) {
  return k.isa == isa && (k.required_cpu_features & ~cpu_features) == 0;
}

// Index of the first entry for `isa` the CPU runs that has `member`, else of the scalar one
// that has it; n_kernels when none has it.
template <typename Fn>
size_t Find(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features,
            Fn EdgeQuantKernelsV1::*member) {
  for (EdgeIsa want : {isa, EDGE_ISA_SCALAR}) {
    for (size_t i = 0; i < f->n_kernels; ++i) {
      if (Runs(f->kernels[i], want, cpu_features) && f->kernels[i].*member) return i;
    }
  }
  return f->n_kernels;
}

}  // namespace

FormatKernels SelectKernels(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features) {
  FormatKernels k;
  if (size_t i = Find(f, isa, cpu_features, &EdgeQuantKernelsV1::vec_dot); i < f->n_kernels) {
    k.vec_dot = f->kernels[i].vec_dot;
    k.vec_dot_batch = f->kernels[i].vec_dot_batch;
    const auto* caps = reinterpret_cast<const char*>(f->kernel_caps);
    k.flags = caps != nullptr
                  ? reinterpret_cast<const EdgeQuantKernelCapsV1*>(caps + i * f->kernel_caps_stride)
                        ->flags
                  : 0;
  }
  size_t i = Find(f, isa, cpu_features, &EdgeQuantKernelsV1::from_float);
  k.from_float = i < f->n_kernels ? f->kernels[i].from_float : f->from_float_ref;
  i = Find(f, isa, cpu_features, &EdgeQuantKernelsV1::to_float);
  k.to_float = i < f->n_kernels ? f->kernels[i].to_float : f->to_float;
  return k;
}

const FormatKernels& KernelCache::Get(const EdgeQuantFormatV1* f) {
  for (const auto& [desc, kernels] : entries_) {
    if (desc == f) return kernels;
  }
  entries_.emplace_back(f, SelectKernels(f, isa_, cpu_features_));
  return entries_.back().second;
}

}  // namespace edgellm::backends
