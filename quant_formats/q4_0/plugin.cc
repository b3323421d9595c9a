// The q4_0 quant-format plugin: ggml's Q4_0 with Q8_0 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {
namespace {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_Q4_0, "q4_0", kBlockSize, sizeof(BlockQ4_0),
    EDGE_GGML_TYPE_Q8_0, ToFloat, FromFloatRef,
};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, VecDotBatchAvx512Vnni, nullptr,
     ToFloatAvx512, kBatchMatchesVecDot},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr, ToFloatAvx512,
     kBatchMatchesVecDot},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, ToFloatAvx2,
     kBatchMatchesVecDot},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonDotprodFeatures, neon_dotprod::VecDot, nullptr, nullptr, neon::ToFloat},
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot, nullptr, nullptr, neon::ToFloat},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, ToFloat},
};

}  // namespace
}  // namespace edgellm::quant::q4_0

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q4_0::kDescriptor, edgellm::quant::q4_0::kKernels)
