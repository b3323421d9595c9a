// QuantFormat: the core's view of one quant-format plugin (one GGUF tensor type).
//
// Holds the host's copy of the plugin's EdgeQuantFormatV1 table (core/plugin/edgellm_plugin.h),
// with every field of this host's ABI version filled in whatever minor version the plugin was
// built for; backends get this copy. Block layouts and numerics are ggml's (ggml-common.h,
// ggml-quants.c); the core never interprets the bytes.
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

// Why a quant-format descriptor cannot be used (checked when its plugin loads), or "" when it
// is complete: name, sizes, required functions, kernel table shape, a scalar vec_dot entry when
// any entry has a vec_dot, vec_dot_batch only beside a vec_dot, caps stride. `abi_minor` says
// which fields the plugin declares.
std::string QuantFormatProblem(const EdgeQuantFormatV1& plugin_desc, uint32_t abi_minor);

class QuantFormat {
 public:
  // `plugin_desc` (and the kernel table it points to) must outlive this object: it lives in the
  // plugin library. `abi_minor`: the plugin's ABI minor version, which says what it declares.
  // `get_proc`: the plugin's get_proc_address, or nullptr.
  QuantFormat(const EdgeQuantFormatV1* plugin_desc, uint32_t abi_minor,
              const void* (*get_proc)(const char*));
  QuantFormat(const QuantFormat&) = delete;
  QuantFormat& operator=(const QuantFormat&) = delete;

  uint32_t type_id() const { return desc_.type_id; }
  const char* name() const { return desc_.name; }
  int64_t block_size() const { return desc_.block_size; }
  size_t type_size() const { return desc_.type_size; }
  uint32_t vec_dot_type() const { return desc_.vec_dot_type; }
  uint32_t abi_minor() const { return abi_minor_; }
  // The host's copy, what backends get: kernel_caps always filled (zero flags where the plugin
  // declares none), with this host's stride.
  const EdgeQuantFormatV1* desc() const { return &desc_; }
  TypeLayout layout() const;

  // Bytes of a row of n elements. n must be a multiple of block_size() (see CheckRowLength).
  size_t RowBytes(int64_t n) const {
    return static_cast<size_t>(n / desc_.block_size) * desc_.type_size;
  }
  // InvalidArgument naming the format when n is not a positive multiple of the block size.
  absl::Status CheckRowLength(int64_t n) const;

  // Dequantize n elements (n / block_size blocks at x) into n floats.
  void ToFloat(const void* x, float* y, int64_t n) const { desc_.to_float(x, y, n); }
  // Reference quantizer (bit-exact with ggml's quantize_row_<type>_ref).
  void FromFloatRef(const float* x, void* y, int64_t n) const { desc_.from_float_ref(x, y, n); }

  // Every kernel entry, best first.
  std::vector<const EdgeQuantKernelsV1*> kernels() const;
  // EDGE_KERNEL_* flags of kernel entry i (0 when the plugin declares none).
  uint32_t kernel_flags(size_t i) const { return caps_[i].flags; }
  // ISAs with a vec_dot kernel, without repeats, in table order.
  std::vector<EdgeIsa> vec_dot_isas() const;
  // The plugin's optional function `name` (EdgePluginV1::get_proc_address), or nullptr when
  // the plugin does not know it or predates ABI 1.1.
  const void* GetProcAddress(const char* name) const;

 private:
  EdgeQuantFormatV1 desc_;
  std::vector<EdgeQuantKernelCapsV1> caps_;
  uint32_t abi_minor_;
  const void* (*get_proc_)(const char*);
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_QUANT_FORMAT_H_
