// The q8_0 quant-format plugin: descriptor table and entry point.
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q8_0, "q8_0", kQK8_0, sizeof(BlockQ8_0),
                                          EDGE_GGML_TYPE_Q8_0, DequantizeRow, QuantizeRowRef};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, VecDotBatchAvx512Vnni,
     QuantizeRowActAvx512, DequantizeRowAvx512, kBatchMatchesVecDot},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, QuantizeRowActAvx512,
     DequantizeRowAvx512, kBatchMatchesVecDot},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, QuantizeRowActAvx2,
     DequantizeRowAvx2, kBatchMatchesVecDot},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonDotprodFeatures, neon_dotprod::VecDot, nullptr, neon::QuantizeRowAct,
     neon::DequantizeRow},
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot, nullptr, neon::QuantizeRowAct,
     neon::DequantizeRow},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, QuantizeRowAct, DequantizeRow},
};

}  // namespace
}  // namespace edgellm::quant::q8_0

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q8_0::kDescriptor, edgellm::quant::q8_0::kKernels)
