// Plugin entry of the q8_K quant format (GGUF type 15): the activation format of the k-quants.
// It has no dot product (vec_dot NULL everywhere); its kernel entries carry the activation
// quantizer per ISA, all bit-exact with quantize_row_q8_K_ref.
#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q8_K/q8_K.h"

namespace edgellm::quant::q8_K {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kAvx2Features = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
// Everything the AVX-512 library is compiled for (it uses FMA and F16C too), VNNI aside.
constexpr uint64_t kAvx512Features = kAvx2Features | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW |
                                     EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
#endif

const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Features, nullptr, nullptr, QuantizeRowAvx512, nullptr},
    {EDGE_ISA_AVX2, kAvx2Features, nullptr, nullptr, QuantizeRowAvx2, nullptr},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON, nullptr, nullptr, neon::QuantizeRow, nullptr},
#endif
    {EDGE_ISA_SCALAR, 0, nullptr, nullptr, QuantizeRowRef, nullptr},
};

const EdgeQuantFormatV1 kFormat = {
    kTypeQ8_K,
    "q8_K",
    kQK_K,
    sizeof(BlockQ8_K),
    kTypeQ8_K,  // ggml lists q8_K as its own vec_dot_type
    DequantizeRow,
    QuantizeRowRef,
    kKernels,
    sizeof(kKernels) / sizeof(kKernels[0]),
};

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "q8_K", "1.0.0", 0, nullptr, &kFormat,
};

}  // namespace
}  // namespace edgellm::quant::q8_K

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::q8_K::kPlugin;
}
