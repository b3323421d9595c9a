// The bf16 quant-format plugin: descriptor table and entry point.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/bf16/bf16.h"

namespace edgellm::quant::bf16 {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_BF16, "bf16", 1, sizeof(uint16_t),
                                          EDGE_GGML_TYPE_BF16, ToFloat, FromFloat};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Bf16Features, VecDotAvx512Bf16, VecDotBatchAvx512Bf16, FromFloatAvx512,
     ToFloatAvx512},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, FromFloatAvx512,
     ToFloatAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, FromFloatAvx2, ToFloatAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot, neon::VecDotBatch, neon::FromFloat, neon::ToFloat},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, VecDotBatchScalar, FromFloat, ToFloat},
};

}  // namespace
}  // namespace edgellm::quant::bf16

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::bf16::kDescriptor, edgellm::quant::bf16::kKernels)
