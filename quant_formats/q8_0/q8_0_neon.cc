// NEON kernels of q8_0: the dot product and dequantization of common/block32_neon.h and the
// quantizer of q8_quantize.h, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon
// and with the dot-product extension into neon_dotprod (which only the dot product uses).
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/block32_neon.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0::EDGELLM_NEON_NS {
namespace {

void QuantizeRowAct(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = neon_simd::QuantizeQ8BlockNeon<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = neon_simd::FloatToHalf(d);
  }
}

using F = neon_simd::Bytes;

}  // namespace

// The order of q8_0.h: one 8-lane accumulator, one fused multiply-add per lane and block.
EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, neon_simd::VecDot<F>, nullptr,
                    QuantizeRowAct, neon_simd::Dequantize<F>});

}  // namespace edgellm::quant::q8_0::EDGELLM_NEON_NS

#endif  // __aarch64__
