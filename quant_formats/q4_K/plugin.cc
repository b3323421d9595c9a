// Plugin entry of the q4_K quant format; activations are q8_K.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q4_K, "q4_K", kQK_K, sizeof(BlockQ4_K),
                                          EDGE_GGML_TYPE_Q8_K, DequantizeRow, QuantizeRowRef};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, VecDotBatchAvx512Vnni, nullptr,
     nullptr, kBatchMatchesVecDot},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr, nullptr,
     kBatchMatchesVecDot},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, nullptr,
     kBatchMatchesVecDot},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonDotprodFeatures, neon_dotprod::VecDot},
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar},
};

}  // namespace
}  // namespace edgellm::quant::q4_K

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q4_K::kDescriptor, edgellm::quant::q4_K::kKernels)
