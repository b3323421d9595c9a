// QuantFormat: the core's view of one quant-format plugin (one GGUF tensor type).
//
// Wraps the plugin's EdgeQuantFormatV1 table (core/plugin/edgellm_plugin.h). Block layouts and
// numerics are ggml's (ggml-common.h, ggml-quants.c); the core never interprets the bytes.
#ifndef EDGELLM_CORE_QUANT_FORMAT_H_
#define EDGELLM_CORE_QUANT_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/plugin/edgellm_plugin.h"
#include "core/tensor.h"

namespace edgellm {

// Lower-case ISA name: "scalar", "avx2", "avx512", "neon".
const char* IsaName(EdgeIsa isa);

class QuantFormat {
 public:
  // `desc` must outlive this object (it lives in the plugin library).
  explicit QuantFormat(const EdgeQuantFormatV1* desc) : desc_(desc) {}

  uint32_t type_id() const { return desc_->type_id; }
  const char* name() const { return desc_->name; }
  int64_t block_size() const { return desc_->block_size; }
  size_t type_size() const { return desc_->type_size; }
  uint32_t vec_dot_type() const { return desc_->vec_dot_type; }
  const EdgeQuantFormatV1* desc() const { return desc_; }
  TypeLayout layout() const;

  // Bytes of a row of n elements. n must be a multiple of block_size() (see CheckRowLength).
  size_t RowBytes(int64_t n) const {
    return static_cast<size_t>(n / desc_->block_size) * desc_->type_size;
  }
  // InvalidArgument naming the format when n is not a positive multiple of the block size.
  absl::Status CheckRowLength(int64_t n) const;

  // Dequantize n elements (n / block_size blocks at x) into n floats.
  void ToFloat(const void* x, float* y, int64_t n) const { desc_->to_float(x, y, n); }
  // Reference quantizer (bit-exact with ggml's quantize_row_<type>_ref).
  void FromFloatRef(const float* x, void* y, int64_t n) const {
    desc_->from_float_ref(x, y, n);
  }

  // The best kernel entry for `isa` whose features `cpu_features` covers, or nullptr.
  const EdgeQuantKernelsV1* FindKernels(EdgeIsa isa, uint64_t cpu_features) const;
  // Every kernel entry, best first.
  std::vector<const EdgeQuantKernelsV1*> kernels() const;
  // ISAs with a vec_dot kernel, without repeats, in table order.
  std::vector<EdgeIsa> vec_dot_isas() const;

 private:
  const EdgeQuantFormatV1* desc_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_QUANT_FORMAT_H_
