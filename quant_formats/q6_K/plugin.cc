// The q6_K quant-format plugin: ggml's Q6_K (GGUF type 14), dotted against q8_K activations.
#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q6_K/q6_K.h"

namespace edgellm::quant::q6k {
namespace {

// Best first: the host takes the first entry whose ISA and CPU features match.
const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512,
     EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW | EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ |
         EDGE_CPU_AVX512VNNI,
     VecDotAvx512Vnni, VecDotBatchAvx512Vnni, nullptr, nullptr},
    {EDGE_ISA_AVX512, EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW | EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ,
     VecDotAvx512, VecDotBatchAvx512, nullptr, nullptr},
    {EDGE_ISA_AVX2, EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C, VecDotAvx2, VecDotBatchAvx2,
     nullptr, nullptr},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON | EDGE_CPU_DOTPROD, neon_dotprod::VecDot,
     neon_dotprod::VecDotBatch, nullptr, nullptr},
    {EDGE_ISA_NEON, EDGE_CPU_NEON, neon::VecDot, nullptr, nullptr, nullptr},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, nullptr},
};

const EdgeQuantFormatV1 kFormat = {
    kTypeQ6_K,        "q6_K",    kQK_K,
    sizeof(BlockQ6K), kTypeQ8_K, ToFloat,
    FromFloatRef,     kKernels,  sizeof(kKernels) / sizeof(kKernels[0]),
};

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "q6_K", "1.0.0", 0, nullptr, &kFormat,
};

}  // namespace
}  // namespace edgellm::quant::q6k

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::q6k::kPlugin;
}
