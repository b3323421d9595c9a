// The f32 quant-format plugin: descriptor table and entry point. f32 needs no conversion, so the
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32 {
namespace {

constexpr FormatDescriptor kDescriptor = {EDGE_GGML_TYPE_F32, "f32", 1, sizeof(float),
                                          EDGE_GGML_TYPE_F32, ToFloat, FromFloat};

constexpr KernelEntry kKernels[] = {
#if defined(__x86_64__)
    {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512},
    {EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2},
#endif
#if defined(__aarch64__)
    {EDGE_ISA_NEON, kNeonFeatures, neon::VecDot, neon::VecDotBatch},
#endif
    {EDGE_ISA_SCALAR, 0, VecDotScalar, VecDotBatchScalar},
};

}  // namespace
}  // namespace edgellm::quant::f32

EDGELLM_QUANT_FORMAT_PLUGIN(edgellm::quant::f32::kDescriptor, edgellm::quant::f32::kKernels)
