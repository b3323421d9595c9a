#include "core/quant_format.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace edgellm {

const char* IsaName(EdgeIsa isa) {
  switch (isa) {
    case EDGE_ISA_SCALAR: return "scalar";
    case EDGE_ISA_AVX2: return "avx2";
    case EDGE_ISA_AVX512: return "avx512";
    case EDGE_ISA_NEON: return "neon";
  }
  return "unknown";
}

TypeLayout QuantFormat::layout() const {
  return TypeLayout{desc_->type_id, desc_->name, desc_->block_size, desc_->type_size};
}

absl::Status QuantFormat::CheckRowLength(int64_t n) const {
  if (n <= 0 || n % desc_->block_size != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("row of %d elements does not fit format %s: rows must be a positive "
                        "multiple of its block size %d",
                        n, desc_->name, desc_->block_size));
  }
  return absl::OkStatus();
}

const EdgeQuantKernelsV1* QuantFormat::FindKernels(EdgeIsa isa, uint64_t cpu_features) const {
  for (size_t i = 0; i < desc_->n_kernels; ++i) {
    const EdgeQuantKernelsV1& k = desc_->kernels[i];
    if (k.isa == isa && (k.required_cpu_features & ~cpu_features) == 0) return &k;
  }
  return nullptr;
}

std::vector<const EdgeQuantKernelsV1*> QuantFormat::kernels() const {
  std::vector<const EdgeQuantKernelsV1*> out;
  for (size_t i = 0; i < desc_->n_kernels; ++i) out.push_back(&desc_->kernels[i]);
  return out;
}

std::vector<EdgeIsa> QuantFormat::vec_dot_isas() const {
  std::vector<EdgeIsa> out;
  for (size_t i = 0; i < desc_->n_kernels; ++i) {
    const EdgeQuantKernelsV1& k = desc_->kernels[i];
    if (k.vec_dot != nullptr && std::find(out.begin(), out.end(), k.isa) == out.end()) {
      out.push_back(k.isa);
    }
  }
  return out;
}

}  // namespace edgellm
