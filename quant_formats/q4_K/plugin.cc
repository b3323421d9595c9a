// Plugin entry of the q4_K quant format (GGUF type 12); activations are q8_K.
#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kAvx2Features = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
// Everything the AVX-512 library is compiled for (it uses FMA and F16C too), VNNI aside.
constexpr uint64_t kAvx512Features = kAvx2Features | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW |
                                     EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
#endif

const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Features | EDGE_CPU_AVX512VNNI, VecDotAvx512Vnni,
     VecDotBatchAvx512Vnni, nullptr, nullptr},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr, nullptr},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, nullptr},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON | EDGE_CPU_DOTPROD, neon_dotprod::VecDot, nullptr, nullptr,
     nullptr},
    {EDGE_ISA_NEON, EDGE_CPU_NEON, neon::VecDot, nullptr, nullptr, nullptr},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, nullptr},
};

const EdgeQuantFormatV1 kFormat = {
    kTypeQ4_K,
    "q4_K",
    kQK_K,
    sizeof(BlockQ4_K),
    kTypeQ8_K,
    DequantizeRow,
    QuantizeRowRef,
    kKernels,
    sizeof(kKernels) / sizeof(kKernels[0]),
};

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "q4_K", "1.0.0", 0, nullptr, &kFormat,
};

}  // namespace
}  // namespace edgellm::quant::q4_K

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::q4_K::kPlugin;
}
