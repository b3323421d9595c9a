// The f16 quant-format plugin: descriptor table and entry point.
#include <iterator>

#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kAvx2 = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
// The AVX-512 files are compiled with the AVX2 set and DQ enabled too, so they are required.
constexpr uint64_t kAvx512 =
    kAvx2 | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW | EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
#endif

const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512, VecDotAvx512, VecDotBatchAvx512, FromFloatAvx512,
     ToFloatAvx512},
    {EDGE_ISA_AVX2, kAvx2, VecDotAvx2, VecDotBatchAvx2, FromFloatAvx2, ToFloatAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON | EDGE_CPU_FP16, neon_fp16::VecDot, neon_fp16::VecDotBatch,
     neon::FromFloat, neon::ToFloat},
    {EDGE_ISA_NEON, EDGE_CPU_NEON, neon::VecDot, neon::VecDotBatch, neon::FromFloat,
     neon::ToFloat},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, VecDotBatchScalar, FromFloat, ToFloat},
};

const EdgeQuantFormatV1 kFormat = {
    kTypeF16, "f16",     1,        sizeof(uint16_t),    kTypeF16,
    ToFloat,  FromFloat, kKernels, std::size(kKernels),
};

const EdgePluginV1 kPlugin = {
    EDGELLM_PLUGIN_ABI_VERSION, EDGE_PLUGIN_QUANT_FORMAT, "f16", "1.0.0", 0, nullptr, &kFormat,
};

}  // namespace
}  // namespace edgellm::quant::f16

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::f16::kPlugin;
}
