// Plugin entry of the q5_K quant format; activations are q8_K.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q5_K, "q5_K", kQK_K, sizeof(BlockQ5_K),
                                          EDGE_GGML_TYPE_Q8_K, DequantizeRow, QuantizeRowRef};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonDotprodFeatures, neon_dotprod::VecDot},
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar},
};

}  // namespace
}  // namespace edgellm::quant::q5_K

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q5_K::kDescriptor, edgellm::quant::q5_K::kKernels)
