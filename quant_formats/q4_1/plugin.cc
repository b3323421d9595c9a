// The q4_1 quant-format plugin: ggml's Q4_1 with Q8_1 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_1/q4_1.h"

namespace edgellm::quant::q4_1 {
namespace {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q4_1, "q4_1", kBlockSize, sizeof(BlockQ4_1),
    EDGE_GGML_TYPE_Q8_1, ToFloat, FromFloatRef,
};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, nullptr, nullptr, ToFloatAvx512},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, nullptr, nullptr, ToFloatAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, nullptr, nullptr, ToFloatAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonDotprodFeatures, neon_dotprod::VecDot, nullptr, nullptr, neon::ToFloat},
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot, nullptr, nullptr, neon::ToFloat},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, ToFloat},
};

}  // namespace
}  // namespace edgellm::quant::q4_1

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q4_1::kDescriptor, edgellm::quant::q4_1::kKernels)
