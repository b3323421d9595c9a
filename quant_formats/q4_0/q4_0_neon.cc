// NEON kernels of q4_0, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with the dot-product extension into neon_dotprod (the dequantizer in the plain build only).
#if defined(__aarch64__)

#include <cstdint>

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

inline float32x4_t AccumulateBlock(const BlockQ4_0& bx, const BlockQ8_0& by, float32x4_t acc) {
  int8x16_t w0, w1;
  Weights(bx, &w0, &w1);
  const int32x4_t p =
      neon_simd::DotI8x32(vdupq_n_s32(0), w0, w1, vld1q_s8(by.qs), vld1q_s8(by.qs + 16));
  return vfmaq_n_f32(acc, vcvtq_f32_s32(p), HalfToFloat(bx.d) * HalfToFloat(by.d));
}

}  // namespace

void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ4_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  const int64_t nb = n / kBlockSize;
  float32x4_t acc0 = vdupq_n_f32(0.0f);
  float32x4_t acc1 = vdupq_n_f32(0.0f);
  int64_t b = 0;
  for (; b + 1 < nb; b += 2) {
    acc0 = AccumulateBlock(bx[b], by[b], acc0);
    acc1 = AccumulateBlock(bx[b + 1], by[b + 1], acc1);
  }
  if (b < nb) acc0 = AccumulateBlock(bx[b], by[b], acc0);
  *s = vaddvq_f32(vaddq_f32(acc0, acc1));
}

#if !defined(__ARM_FEATURE_DOTPROD)

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

#endif  // !__ARM_FEATURE_DOTPROD

}  // namespace edgellm::quant::q4_0::EDGELLM_NEON_NS

#endif  // __aarch64__
