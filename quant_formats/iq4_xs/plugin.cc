// The iq4_xs quant-format plugin: ggml's IQ4_XS, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

namespace edgellm::quant::iq4xs {
namespace {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_IQ4_XS, "iq4_xs", kQK_K, sizeof(BlockIQ4XS),
    EDGE_GGML_TYPE_Q8_K, ToFloat, FromFloatRef,
};

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
}  // namespace edgellm::quant::iq4xs

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::iq4xs::kDescriptor, edgellm::quant::iq4xs::kKernels)
