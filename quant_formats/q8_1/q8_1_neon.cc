// NEON activation quantizer of q8_1 (plain ARMv8-A).
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1::EDGELLM_NEON_NS {
namespace {

void QuantizeRowAct(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_1*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    int sum;
    const float d = neon_simd::QuantizeQ8BlockNeon<true>(x + b * kQK8_0, out[b].qs, &sum);
    out[b].d = neon_simd::FloatToHalf(d);
    out[b].s = neon_simd::FloatToHalf(static_cast<float>(sum) * d);
  }
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, nullptr, nullptr, QuantizeRowAct});

}  // namespace edgellm::quant::q8_1::EDGELLM_NEON_NS

#endif  // __aarch64__
