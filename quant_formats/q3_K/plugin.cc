// The q3_K quant-format plugin: ggml's Q3_K, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q3_K/q3_K.h"

namespace edgellm::quant::q3k {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q3_K, "q3_K", kQK_K, sizeof(BlockQ3K),
                                          EDGE_GGML_TYPE_Q8_K, ToFloat, FromFloatRef};

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
}  // namespace edgellm::quant::q3k

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q3k::kDescriptor, edgellm::quant::q3k::kKernels)
