// NEON kernels of q5_0, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with the dot-product extension into neon_dotprod (the dequantizer in the plain build only).
#if defined(__aarch64__)

#include <cstdint>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q5_0/q5_0.h"

namespace edgellm::quant::q5_0::EDGELLM_NEON_NS {
namespace {

using neon_simd::HalfToFloat;

// The block's 5-bit codes minus 16: weights 0..15 in *w0, 16..31 in *w1.
inline void Weights(const BlockQ5_0& b, int8x16_t* w0, int8x16_t* w1) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  uint8x16_t lo, hi, hb_lo, hb_hi;
  neon_simd::UnpackNibbles(b.qs, &lo, &hi);
  neon_simd::HighBitsX10(qh, &hb_lo, &hb_hi);
  *w0 = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, hb_lo)), vdupq_n_s8(16));
  *w1 = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(hi, hb_hi)), vdupq_n_s8(16));
}

// The order of q5_0.h: one 8-lane accumulator, one fused multiply-add per lane and block.
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ5_0*>(x);
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
  const auto* bx = static_cast<const BlockQ5_0*>(x);
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

}  // namespace edgellm::quant::q5_0::EDGELLM_NEON_NS

#endif  // __aarch64__
