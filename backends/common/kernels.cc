#include "backends/common/kernels.h"

#include <initializer_list>

namespace edgellm::backends {
namespace {

// The first entry for `isa` the CPU can run that has `member`, else the scalar one that has it.
template <typename Fn>
Fn Find(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features,
        Fn EdgeQuantKernelsV1::*member) {
  for (EdgeIsa want : {isa, EDGE_ISA_SCALAR}) {
    for (size_t i = 0; i < f->n_kernels; ++i) {
      const EdgeQuantKernelsV1& k = f->kernels[i];
      if (k.isa == want && (k.required_cpu_features & ~cpu_features) == 0 && k.*member) {
        return k.*member;
      }
    }
  }
  return nullptr;
}

}  // namespace

EdgeVecDotFn FindVecDot(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features) {
  return Find(f, isa, cpu_features, &EdgeQuantKernelsV1::vec_dot);
}

EdgeVecDotBatchFn FindVecDotBatch(const EdgeQuantFormatV1* f, EdgeIsa isa,
                                  uint64_t cpu_features) {
  // Only from the entry whose vec_dot is used, so both agree on the numerics.
  const EdgeVecDotFn dot = FindVecDot(f, isa, cpu_features);
  for (size_t i = 0; i < f->n_kernels; ++i) {
    const EdgeQuantKernelsV1& k = f->kernels[i];
    if (k.vec_dot == dot && (k.required_cpu_features & ~cpu_features) == 0) {
      return k.vec_dot_batch;
    }
  }
  return nullptr;
}

EdgeFromFloatFn FindFromFloat(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features) {
  EdgeFromFloatFn fn = Find(f, isa, cpu_features, &EdgeQuantKernelsV1::from_float);
  return fn ? fn : f->from_float_ref;
}

EdgeToFloatFn FindToFloat(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features) {
  EdgeToFloatFn fn = Find(f, isa, cpu_features, &EdgeQuantKernelsV1::to_float);
  return fn ? fn : f->to_float;
}

}  // namespace edgellm::backends
