// NEON kernels of q4_0, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with the dot-product extension into neon_dotprod (the dequantizer in the plain build only).
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0::EDGELLM_NEON_NS {
namespace {

using neon_simd::HalfToFloat;

// The block's codes minus 8: weights 0..15 in *w0, 16..31 in *w1.
inline void Weights(const BlockQ4_0& b, int8x16_t* w0, int8x16_t* w1) {
  uint8x16_t lo, hi;
  neon_simd::UnpackNibbles(b.qs, &lo, &hi);
  *w0 = vsubq_s8(vreinterpretq_s8_u8(lo), vdupq_n_s8(8));
  *w1 = vsubq_s8(vreinterpretq_s8_u8(hi), vdupq_n_s8(8));
}

// The order of q4_0.h: one 8-lane accumulator, one fused multiply-add per lane and block.
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ4_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  float32x4_t lo = vdupq_n_f32(0.0f);
  float32x4_t hi = vdupq_n_f32(0.0f);
  for (int64_t b = 0; b < n / kBlockSize; ++b) {
    int8x16_t w0, w1;
    Weights(bx[b], &w0, &w1);
    neon_simd::AccumulateBlock32(w0, w1, by[b].qs, HalfToFloat(bx[b].d) * HalfToFloat(by[b].d),
                                 &lo, &hi);
  }
  *s = neon_simd::HalvingSum8(lo, hi);
}

void ToFloat(const void* x, float* y, int64_t n) {
  const auto* bx = static_cast<const BlockQ4_0*>(x);
  for (int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    int8x16_t w0, w1;
    Weights(bx[b], &w0, &w1);
    const float d = HalfToFloat(bx[b].d);
    neon_simd::StoreScaled(w0, d, y);
    neon_simd::StoreScaled(w1, d, y + 16);
  }
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot, nullptr, nullptr, ToFloat});

}  // namespace edgellm::quant::q4_0::EDGELLM_NEON_NS

#endif  // __aarch64__
