// NEON kernels of q8_0, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with the dot-product extension into neon_dotprod. The quantizer and dequantizer have no use for
// sdot and exist in the plain build only.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0::EDGELLM_NEON_NS {
namespace {

using neon_simd::HalfToFloat;

// The order of q8_0.h: one 8-lane accumulator, one fused multiply-add per lane and block.
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ8_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  float32x4_t lo = vdupq_n_f32(0.0f);
  float32x4_t hi = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    neon_simd::AccumulateBlock32(vld1q_s8(bx[b].qs), vld1q_s8(bx[b].qs + 16), by[b].qs,
                                 HalfToFloat(bx[b].d) * HalfToFloat(by[b].d), &lo, &hi);
  }
  *s = neon_simd::HalvingSum8(lo, hi);
}

void QuantizeRowAct(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = neon_simd::QuantizeQ8BlockNeon<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = neon_simd::FloatToHalf(d);
  }
}

void DequantizeRow(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = HalfToFloat(in[b].d);
    neon_simd::StoreScaled(vld1q_s8(in[b].qs), d, y + b * kQK8_0);
    neon_simd::StoreScaled(vld1q_s8(in[b].qs + 16), d, y + b * kQK8_0 + 16);
  }
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot, nullptr, QuantizeRowAct,
                    DequantizeRow});

}  // namespace edgellm::quant::q8_0::EDGELLM_NEON_NS

#endif  // __aarch64__
