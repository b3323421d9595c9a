// The q4_0 quant-format plugin: ggml's Q4_0 (GGUF type 2) with Q8_0 activations.
#include <iterator>

#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {
namespace {

#if defined(__x86_64__)
constexpr uint64_t kAvx2Features = EDGE_CPU_AVX2 | EDGE_CPU_FMA | EDGE_CPU_F16C;
// The AVX-512 files are compiled with the AVX2 set and DQ enabled too, so they are required.
constexpr uint64_t kAvx512Features =
    kAvx2Features | EDGE_CPU_AVX512F | EDGE_CPU_AVX512BW | EDGE_CPU_AVX512VL | EDGE_CPU_AVX512DQ;
#endif

const EdgeQuantKernelsV1 kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Features | EDGE_CPU_AVX512VNNI, VecDotAvx512Vnni,
     VecDotBatchAvx512Vnni, nullptr, ToFloatAvx512},
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr, ToFloatAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, ToFloatAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, EDGE_CPU_NEON | EDGE_CPU_DOTPROD, neon_dotprod::VecDot, nullptr, nullptr,
     neon::ToFloat},
    {EDGE_ISA_NEON, EDGE_CPU_NEON, neon::VecDot, nullptr, nullptr, neon::ToFloat},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, nullptr, nullptr, ToFloat},
};

const EdgeQuantFormatV1 kFormat = {
    /*type_id=*/kTypeQ4_0,
    /*name=*/"q4_0",
    /*block_size=*/kBlockSize,
    /*type_size=*/sizeof(BlockQ4_0),
    /*vec_dot_type=*/kTypeQ8_0,
    /*to_float=*/ToFloat,
    /*from_float_ref=*/FromFloatRef,
    /*kernels=*/kKernels,
    /*n_kernels=*/std::size(kKernels),
};

const EdgePluginV1 kPlugin = {
    /*abi_version=*/EDGELLM_PLUGIN_ABI_VERSION,
    /*kind=*/EDGE_PLUGIN_QUANT_FORMAT,
    /*name=*/"q4_0",
    /*version=*/"1.0.0",
    /*required_cpu_features=*/0,
    /*backend=*/nullptr,
    /*quant_format=*/&kFormat,
};

}  // namespace
}  // namespace edgellm::quant::q4_0

EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) {
  return &edgellm::quant::q4_0::kPlugin;
}
