// The q8_0 quant-format plugin: descriptor table and entry point.
#include <iterator>

#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kAvx2 = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
// The AVX-512 files are compiled with the AVX2 set and DQ enabled too, so they are required.
constexpr uint64_t kAvx512 =
    kAvx2 | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW | EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
#endif

// Every entry, NEON included, quantizes activations like ggml's x86 CPU path (QuantizeRowAct
// semantics), so all of them feed the dot products the same bytes.
const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512 | EDGE_CPU_AVX512VNNI, VecDotAvx512Vnni, VecDotBatchAvx512Vnni,
     QuantizeRowActAvx512, DequantizeRowAvx512},
    {EDGE_ISA_AVX512, kAvx512, VecDotAvx512, VecDotBatchAvx512, QuantizeRowActAvx512,
     DequantizeRowAvx512},
    {EDGE_ISA_AVX2, kAvx2, VecDotAvx2, VecDotBatchAvx2, QuantizeRowActAvx2, DequantizeRowAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON | EDGE_CPU_DOTPROD, neon_dotprod::VecDot, nullptr,
     neon::QuantizeRowAct, neon::DequantizeRow},
    {EDGE_ISA_NEON, EDGE_CPU_NEON, neon::VecDot, nullptr, neon::QuantizeRowAct,
     neon::DequantizeRow},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, QuantizeRowAct, DequantizeRow},
};

const EdgeQuantFormatV1 kFormat = {
    kTypeQ8_0,     "q8_0",         kQK8_0,   sizeof(BlockQ8_0),   kTypeQ8_0,
    DequantizeRow, QuantizeRowRef, kKernels, std::size(kKernels),
};

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "q8_0", "1.0.0", 0, nullptr, &kFormat,
};

}  // namespace
}  // namespace edgellm::quant::q8_0

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::q8_0::kPlugin;
}
