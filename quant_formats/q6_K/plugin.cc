// The q6_K quant-format plugin: ggml's Q6_K, dotted against q8_K activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q6_K/q6_K.h"

namespace edgellm::quant::q6k {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q6_K, "q6_K", kQK_K, sizeof(BlockQ6K),
                                          EDGE_GGML_TYPE_Q8_K, ToFloat, FromFloatRef};

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
    {EDGE_ISA_NEON, kNeonDotprodFeatures, neon_dotprod::VecDot, neon_dotprod::VecDotBatch, nullptr,
     nullptr, kBatchMatchesVecDot},
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar},
};

}  // namespace
}  // namespace edgellm::quant::q6k

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q6k::kDescriptor, edgellm::quant::q6k::kKernels)
