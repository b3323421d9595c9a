// The q8_1 quant-format plugin: descriptor table and entry point. q8_1 has no dot product of its
// own (it is only ever the vec_dot_type of q4_1 / q5_1), so every entry's vec_dot is NULL and
// vec_dot_type names q8_1 itself, as ggml's type traits do.
#include <iterator>

#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1 {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kAvx2 = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
// The AVX-512 files are compiled with the AVX2 set and DQ enabled too, so they are required.
constexpr uint64_t kAvx512 =
    kAvx2 | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW | EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
#endif

// Every x86 entry quantizes activations like ggml's x86 CPU path (QuantizeRowAct semantics).
const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512, nullptr, nullptr, QuantizeRowActAvx512, nullptr},
    {EDGE_ISA_AVX2, kAvx2, nullptr, nullptr, QuantizeRowActAvx2, nullptr},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON, nullptr, nullptr, neon::QuantizeRowAct, nullptr},
#endif
    {EDGE_ISA_SCALAR, 0, nullptr, nullptr, QuantizeRowAct, nullptr},
};

const EdgeQuantFormatV1 kFormat = {
    kTypeQ8_1,     "q8_1",         kQK8_0,   sizeof(BlockQ8_1),   kTypeQ8_1,
    DequantizeRow, QuantizeRowRef, kKernels, std::size(kKernels),
};

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "q8_1", "1.0.0", 0, nullptr, &kFormat,
};

}  // namespace
}  // namespace edgellm::quant::q8_1

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::q8_1::kPlugin;
}
