#include "core/quant_format.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "core/plugin/abi_compat.h"

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

std::string QuantFormatProblem(const EdgeQuantFormatV1& f, uint32_t abi_minor) {
  if (f.name == nullptr || f.name[0] == '\0') return "quant_format has no name";
  if (f.block_size <= 0 || f.type_size == 0) return "block size or bytes per block is zero";
  if (f.to_float == nullptr || f.from_float_ref == nullptr) {
    return "to_float or from_float_ref missing";
  }
  constexpr size_t kMaxKernels = 256;
  if (f.n_kernels > kMaxKernels) {
    return absl::StrFormat("%u kernel entries, more than the %u a table may hold", f.n_kernels,
                           kMaxKernels);
  }
  if (f.n_kernels > 0 && f.kernels == nullptr) return "kernel table missing";
  bool any_vec_dot = false, scalar_vec_dot = false;
  for (size_t i = 0; i < f.n_kernels; ++i) {
    const EdgeQuantKernelsV1& k = f.kernels[i];
    if (k.vec_dot_batch != nullptr && k.vec_dot == nullptr) {
      return absl::StrFormat("kernel entry %u (%s) has vec_dot_batch without vec_dot", i,
                             IsaName(k.isa));
    }
    any_vec_dot |= k.vec_dot != nullptr;
    scalar_vec_dot |= k.vec_dot != nullptr && k.isa == EDGE_ISA_SCALAR &&
                      k.required_cpu_features == 0;
  }
  if (any_vec_dot && !scalar_vec_dot) {
    return "vec_dot kernels but no scalar entry (EDGE_ISA_SCALAR, no CPU features) with a "
           "vec_dot: every backend falls back to it; add one";
  }
  if (abi_minor >= 1 && f.kernel_caps != nullptr &&
      f.kernel_caps_stride < sizeof(EdgeQuantKernelCapsV1::flags)) {
    return absl::StrFormat("kernel_caps_stride %u is shorter than a caps entry (at least %u)",
                           f.kernel_caps_stride, sizeof(EdgeQuantKernelCapsV1::flags));
  }
  return "";
}

QuantFormat::QuantFormat(const EdgeQuantFormatV1* plugin_desc, uint32_t abi_minor,
                         const void* (*get_proc)(const char*))
    : desc_(CopyDeclared(plugin_desc, DeclaredBytes(abi_minor, kQuantFormatBytes))),
      caps_(plugin_desc->n_kernels),
      abi_minor_(abi_minor),
      get_proc_(get_proc) {
  if (desc_.kernel_caps != nullptr) {
    const auto* from = reinterpret_cast<const char*>(desc_.kernel_caps);
    for (size_t i = 0; i < caps_.size(); ++i) {
      caps_[i] = CopyDeclared(reinterpret_cast<const EdgeQuantKernelCapsV1*>(
                                  from + i * desc_.kernel_caps_stride),
                              desc_.kernel_caps_stride);
    }
  }
  desc_.kernel_caps = caps_.data();
  desc_.kernel_caps_stride = sizeof(EdgeQuantKernelCapsV1);
}

const void* QuantFormat::GetProcAddress(const char* name) const {
  return get_proc_ != nullptr ? get_proc_(name) : nullptr;
}

TypeLayout QuantFormat::layout() const {
  return TypeLayout{desc_.type_id, desc_.name, desc_.block_size, desc_.type_size};
}

absl::Status QuantFormat::CheckRowLength(int64_t n) const {
  if (n <= 0 || n % desc_.block_size != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("row of %d elements does not fit format %s: rows must be a positive "
                        "multiple of its block size %d",
                        n, desc_.name, desc_.block_size));
  }
  return absl::OkStatus();
}

std::vector<const EdgeQuantKernelsV1*> QuantFormat::kernels() const {
  std::vector<const EdgeQuantKernelsV1*> out;
  for (size_t i = 0; i < desc_.n_kernels; ++i) out.push_back(&desc_.kernels[i]);
  return out;
}

std::vector<EdgeIsa> QuantFormat::vec_dot_isas() const {
  std::vector<EdgeIsa> out;
  for (size_t i = 0; i < desc_.n_kernels; ++i) {
    const EdgeQuantKernelsV1& k = desc_.kernels[i];
    if (k.vec_dot != nullptr && std::find(out.begin(), out.end(), k.isa) == out.end()) {
      out.push_back(k.isa);
    }
  }
  return out;
}

}  // namespace edgellm
