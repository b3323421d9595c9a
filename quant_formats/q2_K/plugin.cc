// The q2_K quant-format plugin: ggml's Q2_K, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q2_K/q2_K.h"

namespace edgellm::quant::q2k {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q2_K, "q2_K", kQK_K, sizeof(BlockQ2K),
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
}  // namespace edgellm::quant::q2k

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q2k::kDescriptor, edgellm::quant::q2k::kKernels)
