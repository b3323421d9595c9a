// Plugin entry of the q8_K quant format: the activation format of the k-quants.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q8_K/q8_K.h"

namespace edgellm::quant::q8_K {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q8_K, "q8_K", kQK_K, sizeof(BlockQ8_K),
                                          EDGE_GGML_TYPE_Q8_K, DequantizeRow, QuantizeRowRef};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Features, nullptr, nullptr, QuantizeRowAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, nullptr, nullptr, QuantizeRowAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonFeatures, nullptr, nullptr, neon::QuantizeRow},
#endif
    {EDGE_ISA_SCALAR, 0, nullptr, nullptr, QuantizeRowRef},
};

}  // namespace
}  // namespace edgellm::quant::q8_K

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q8_K::kDescriptor, edgellm::quant::q8_K::kKernels)
