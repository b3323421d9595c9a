// The iq4_nl quant-format plugin: ggml's IQ4_NL (GGUF type 20) with Q8_0 activations.
#include <iterator>

#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kAvx2Features = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
// The AVX-512 files are compiled with the AVX2 set and DQ enabled too, so they are required.
constexpr uint64_t kAvx512Features =
    kAvx2Features | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW | EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
#endif

const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Features | EDGE_CPU_AVX512VNNI, VecDotAvx512Vnni,
     VecDotBatchAvx512Vnni, nullptr, ToFloatAvx512},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr, ToFloatAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, ToFloatAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON | EDGE_CPU_DOTPROD, neon_dotprod::VecDot,
     neon_dotprod::VecDotBatch, nullptr, neon::ToFloat},
    {EDGE_ISA_NEON, EDGE_CPU_NEON, neon::VecDot, neon::VecDotBatch, nullptr, neon::ToFloat},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, VecDotBatchScalar, nullptr, ToFloat},
};

const EdgeQuantFormatV1 kFormat = {
    /*type_id=*/kTypeIQ4_NL,
    /*name=*/"iq4_nl",
    /*block_size=*/kBlockSize,
    /*type_size=*/sizeof(BlockIQ4_NL),
    /*vec_dot_type=*/kTypeQ8_0,
    /*to_float=*/ToFloat,
    /*from_float_ref=*/FromFloatRef,
    /*kernels=*/kKernels,
    /*n_kernels=*/std::size(kKernels),
};

const EdgePluginV1 kPlugin = {
    /*abi_version=*/EDGELLM_PLUGIN_ABI_VERSION,
    /*kind=*/EDGE_PLUGIN_QUANT_FORMAT,
    /*name=*/"iq4_nl",
    /*version=*/"1.0.0",
    /*required_cpu_features=*/0,
    /*backend=*/nullptr,
    /*quant_format=*/&kFormat,
};

}  // namespace
}  // namespace edgellm::quant::iq4_nl

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::iq4_nl::kPlugin;
}
