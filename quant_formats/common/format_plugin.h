// One way to declare a quant-format plugin: a FormatDescriptor (what the format is), a table of
// KernelEntry (its kernels per ISA, best first, each with its caps), and
//     EDGELLM_QUANT_FORMAT_PLUGIN(kDescriptor, kKernels)
// which builds the ABI tables (EdgeQuantFormatV1 with its parallel EdgeQuantKernelCapsV1 table,
// EdgePluginV1) and exports the entry point. See README "Adding a quant format".
#ifndef EDGELLM_QUANT_FORMATS_COMMON_FORMAT_PLUGIN_H_
#define EDGELLM_QUANT_FORMATS_COMMON_FORMAT_PLUGIN_H_

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "core/plugin/edgellm_plugin.h"

namespace edgellm::quant {

// The CPU features each per-ISA kernel library is compiled for (format_plugin.bzl's copts): an
// entry requires all of them, since the compiler may use any of them anywhere in the library.
inline constexpr uint64_t kAvx2Features = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
inline constexpr uint64_t kAvx512Features = kAvx2Features | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW |
                                            EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
// Entries that also use VNNI (vpdpbusd) or BF16 (vdpbf16ps) instructions.
inline constexpr uint64_t kAvx512VnniFeatures = kAvx512Features | EDGE_CPU_AVX512VNNI;
inline constexpr uint64_t kAvx512Bf16Features = kAvx512Features | EDGE_CPU_AVX512BF16;
inline constexpr uint64_t kNeonFeatures = EDGE_CPU_NEON;
inline constexpr uint64_t kNeonDotprodFeatures = EDGE_CPU_NEON | EDGE_CPU_DOTPROD;
inline constexpr uint64_t kNeonFp16Features = EDGE_CPU_NEON | EDGE_CPU_FP16;

// vec_dot_batch gives vec_dot's bits for every pair (EDGE_KERNEL_BATCH_MATCHES_VEC_DOT).
inline constexpr uint32_t kBatchMatchesVecDot = EDGE_KERNEL_BATCH_MATCHES_VEC_DOT;

// What the format is (EdgeQuantFormatV1's scalar fields; the plugin's name is the format's).
struct FormatDescriptor {
  uint32_t type_id;               // EDGE_GGML_TYPE_*
  const char* name;               // ggml's spelling: "q4_K"
  int64_t block_size;             // weights per block
  size_t type_size;               // bytes per block
  uint32_t vec_dot_type;          // EDGE_GGML_TYPE_* of the activations
  EdgeToFloatFn to_float;         // bit-exact with ggml's dequantize_row_<type>
  EdgeFromFloatFn from_float_ref; // bit-exact with ggml's quantize_row_<type>_ref
};

// One kernel entry: EdgeQuantKernelsV1's fields, then its EdgeQuantKernelCapsV1 flags.
struct KernelEntry {
  EdgeIsa isa;
  uint64_t required_cpu_features;
  EdgeVecDotFn vec_dot = nullptr;
  EdgeVecDotBatchFn vec_dot_batch = nullptr;
  EdgeFromFloatFn from_float = nullptr;
  EdgeToFloatFn to_float = nullptr;
  uint32_t flags = 0;  // EDGE_KERNEL_* (kBatchMatchesVecDot)
};

// The ABI tables of one format plugin, built from its declaration (once, at first use).
template <size_t N>
class FormatPlugin {
 public:
  FormatPlugin(const FormatDescriptor& d, const KernelEntry (&entries)[N]) {
    for (size_t i = 0; i < N; ++i) {
      const KernelEntry& e = entries[i];
      kernels_[i] = {e.isa, e.required_cpu_features, e.vec_dot, e.vec_dot_batch, e.from_float,
                     e.to_float};
      caps_[i] = {e.flags};
    }
    format_ = {d.type_id,  d.name,     d.block_size, d.type_size, d.vec_dot_type,
               d.to_float, d.from_float_ref, kernels_, N,        caps_,
               sizeof(EdgeQuantKernelCapsV1)};
    plugin_ = {EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, d.name, "1.0.0", 0, nullptr,
               &format_, nullptr};
  }
  FormatPlugin(const FormatPlugin&) = delete;
  FormatPlugin& operator=(const FormatPlugin&) = delete;

  const EdgePluginV1* plugin() const { return &plugin_; }

 private:
  EdgeQuantKernelsV1 kernels_[N];
  EdgeQuantKernelCapsV1 caps_[N];
  EdgeQuantFormatV1 format_;
  EdgePluginV1 plugin_;
};

}  // namespace edgellm::quant

// The plugin's entry point over `descriptor` (a FormatDescriptor) and `entries` (a KernelEntry
// array); use once, at namespace scope, in the format's plugin.cc.
#define EDGELLM_QUANT_FORMAT_PLUGIN(descriptor, entries)                                     \
  EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {                         \
    static const ::edgellm::quant::FormatPlugin<std::size(entries)> format_plugin(descriptor, \
                                                                                  entries);   \
    return format_plugin.plugin();                                                          \
  }

#endif  // EDGELLM_QUANT_FORMATS_COMMON_FORMAT_PLUGIN_H_
