// The iq4_nl quant-format plugin: ggml's IQ4_NL with Q8_0 activations.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {
namespace {

constexpr FormatDescriptor kDescriptor = {
    EDGE_GGML_TYPE_IQ4_NL, "iq4_nl", kBlockSize, sizeof(BlockIQ4_NL),
    EDGE_GGML_TYPE_Q8_0, ToFloat, FromFloatRef,
};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, VecDotBatchAvx512Vnni, nullptr,
     ToFloatAvx512},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr, ToFloatAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, ToFloatAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonDotprodFeatures, neon_dotprod::VecDot, neon_dotprod::VecDotBatch, nullptr,
     neon::ToFloat},
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot, neon::VecDotBatch, nullptr, neon::ToFloat},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, VecDotBatchScalar, nullptr, ToFloat},
};

}  // namespace
}  // namespace edgellm::quant::iq4_nl

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::iq4_nl::kDescriptor, edgellm::quant::iq4_nl::kKernels)
