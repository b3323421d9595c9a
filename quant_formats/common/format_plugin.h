// One way to declare a quant-format plugin: each per-ISA kernel library ends with its
// EDGELLM_KERNEL_SET (KernelEntry rows: the kernels, the CPU features they need, their caps), and
// plugin.cc holds the format's FormatDescriptor and
//     EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::<format>)
// which builds the ABI tables (EdgeQuantFormatV1 with its parallel EdgeQuantKernelCapsV1 table,
// EdgePluginV1) from the sets the build links in and exports the entry point. See README "Adding
// a quant format" and format_plugin.bzl.
//
// The per-ISA kernels are internal to their library; <format>.h declares the block layout and the
// scalar reference functions, whose bits every SIMD kernel gives (tests/golden checks each entry
// against ../shared/golden/quants).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_FORMAT_PLUGIN_H_
#define EDGELLM_QUANT_FORMATS_COMMON_FORMAT_PLUGIN_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <vector>

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

// The kernel entries one per-ISA kernel library offers, best first. Each library defines its own
// (EDGELLM_KERNEL_SET at the end of <format>_<isa>.cc) in the namespace of its ISA: scalar, avx2,
// avx512, or the NEON build's (neon, neon_dotprod, neon_fp16: EDGELLM_NEON_NS).
struct KernelSet {
  const KernelEntry* entries;
  size_t n;
};

#if defined(__aarch64__)
// The CPU features of the NEON build being compiled (see common/neon_simd.h): its entries
// require them all.
#if defined(__ARM_FEATURE_DOTPROD)
inline constexpr uint64_t kNeonBuildFeatures = kNeonDotprodFeatures;
#elif defined(__ARM_FEATURE_FP16_VECTOR_ARITHMETIC)
inline constexpr uint64_t kNeonBuildFeatures = kNeonFp16Features;
#else
inline constexpr uint64_t kNeonBuildFeatures = kNeonFeatures;
#endif
#endif

// The ABI tables of one format plugin, built from its descriptor and the kernel sets of the
// libraries linked into it (once, at first use).
class FormatPlugin {
 public:
  FormatPlugin(const FormatDescriptor& d, std::initializer_list<const KernelSet*> sets) {
    for (const KernelSet* set : sets) {
      for (size_t i = 0; i < set->n; ++i) {
        const KernelEntry& e = set->entries[i];
        kernels_.push_back({e.isa, e.required_cpu_features, e.vec_dot, e.vec_dot_batch,
                            e.from_float, e.to_float});
        caps_.push_back({e.flags});
      }
    }
    format_ = {d.type_id,        d.name,          d.block_size,  d.type_size,
               d.vec_dot_type,   d.to_float,      d.from_float_ref, kernels_.data(),
               kernels_.size(),  caps_.data(),    sizeof(EdgeQuantKernelCapsV1)};
    plugin_ = {EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, d.name, "1.0.0", 0, nullptr,
               &format_, nullptr};
  }
  FormatPlugin(const FormatPlugin&) = delete;
  FormatPlugin& operator=(const FormatPlugin&) = delete;

  const EdgePluginV1* plugin() const { return &plugin_; }

 private:
  std::vector<EdgeQuantKernelsV1> kernels_;
  std::vector<EdgeQuantKernelCapsV1> caps_;
  EdgeQuantFormatV1 format_;
  EdgePluginV1 plugin_;
};

}  // namespace edgellm::quant

// Defines `kKernels`, the KernelSet of the library being compiled, in the current namespace (the
// ISA's, inside the format's), from KernelEntry initializers, best first.
#define EDGELLM_KERNEL_SET(...)                                                    \
  extern const ::edgellm::quant::KernelSet kKernels;                              \
  constexpr ::edgellm::quant::KernelEntry kEntries[] = {__VA_ARGS__};             \
  const ::edgellm::quant::KernelSet kKernels = {kEntries, std::size(kEntries)}

// The plugin's entry point over `format_ns::kDescriptor` (a FormatDescriptor) and the kernel sets
// the build links in, best first: format_plugin.bzl defines EDGELLM_FORMAT_KERNEL_SETS for the
// target CPU (e.g. &avx512::kKernels,&avx2::kKernels,&scalar::kKernels), so the plugin offers
// exactly the kernels it was built with. Use once, at global scope, in the format's plugin.cc.
#define EDGELLM_QUANT_FORMAT_PLUGIN(format_ns)                                        \
  namespace format_ns {                                                              \
  namespace scalar { extern const ::edgellm::quant::KernelSet kKernels; }            \
  namespace avx2 { extern const ::edgellm::quant::KernelSet kKernels; }              \
  namespace avx512 { extern const ::edgellm::quant::KernelSet kKernels; }            \
  namespace neon { extern const ::edgellm::quant::KernelSet kKernels; }              \
  namespace neon_dotprod { extern const ::edgellm::quant::KernelSet kKernels; }      \
  namespace neon_fp16 { extern const ::edgellm::quant::KernelSet kKernels; }         \
  const EdgePluginV1* Plugin() {                                                     \
    static const ::edgellm::quant::FormatPlugin format_plugin(                        \
        kDescriptor, {EDGELLM_FORMAT_KERNEL_SETS});                                  \
    return format_plugin.plugin();                                                   \
  }                                                                                  \
  }                                                                                  \
  EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { return format_ns::Plugin(); }

#endif  // EDGELLM_QUANT_FORMATS_COMMON_FORMAT_PLUGIN_H_
