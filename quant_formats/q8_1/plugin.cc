// The q8_1 quant-format plugin: descriptor table and entry point. q8_1 has no dot product of its
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1 {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_Q8_1, "q8_1", kQK8_0, sizeof(BlockQ8_1),
                                          EDGE_GGML_TYPE_Q8_1, DequantizeRow, QuantizeRowRef};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Features, nullptr, nullptr, QuantizeRowActAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, nullptr, nullptr, QuantizeRowActAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonFeatures, nullptr, nullptr, neon::QuantizeRowAct},
#endif
    {EDGE_ISA_SCALAR, 0, nullptr, nullptr, QuantizeRowAct},
};

}  // namespace
}  // namespace edgellm::quant::q8_1

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::q8_1::kDescriptor, edgellm::quant::q8_1::kKernels)
