// NEON dot product of q6_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q6_K/q6_K.h"

namespace edgellm::quant::q6k::EDGELLM_NEON_NS {
namespace {

inline int32x4_t Dot16(uint8x16_t q, const int8_t* a) {
  return neon_simd::DotI8(vdupq_n_s32(0), vreinterpretq_s8_u8(q), vld1q_s8(a));
}

}  // namespace

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ6K* x = static_cast<const BlockQ6K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  const uint8x16_t bits45 = vdupq_n_u8(0x30);
  float sumf = 0;
  for (int64_t i = 0; i < nb; ++i) {
    const int8x16_t sc8 = vld1q_s8(x[i].scales);
    const int16x8_t sc_lo = vmovl_s8(vget_low_s8(sc8));
    const int16x8_t sc_hi = vmovl_high_s8(sc8);
    // The codes are stored + 32: take 32 * sum over groups of scale * (group sum of activations)
    // off at the end instead of subtracting 32 from every code.
    const int16x8_t bs_lo = vld1q_s16(y[i].bsums);
    const int16x8_t bs_hi = vld1q_s16(y[i].bsums + 8);
    int32x4_t offset = vmull_s16(vget_low_s16(sc_lo), vget_low_s16(bs_lo));
    offset = vmlal_high_s16(offset, sc_lo, bs_lo);
    offset = vmlal_s16(offset, vget_low_s16(sc_hi), vget_low_s16(bs_hi));
    offset = vmlal_high_s16(offset, sc_hi, bs_hi);
    // Scales of groups 4k..4k+3 in scales[k].
    const int32x4_t scales[4] = {vmovl_s16(vget_low_s16(sc_lo)), vmovl_high_s16(sc_lo),
                                 vmovl_s16(vget_low_s16(sc_hi)), vmovl_high_s16(sc_hi)};

    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* a = y[i].qs;
    int32x4_t isum = vdupq_n_s32(0);
    for (int h = 0; h < 2; ++h, ql += 64, qh += 32, a += 128) {
      const uint8x16_t h0 = vld1q_u8(qh);
      const uint8x16_t h1 = vld1q_u8(qh + 16);
      const uint8x16_t l0 = vld1q_u8(ql);
      const uint8x16_t l1 = vld1q_u8(ql + 16);
      const uint8x16_t l2 = vld1q_u8(ql + 32);
      const uint8x16_t l3 = vld1q_u8(ql + 48);
      // Weights l, l + 32, l + 64, l + 96 (l < 32) take bits 0-1, 2-3, 4-5, 6-7 of qh[l] as
      // their bits 4-5 (layout in q6_K.h).
      const int32x4_t first = neon_simd::Sum4(
          Dot16(vorrq_u8(vandq_u8(l0, low4), vshlq_n_u8(vandq_u8(h0, vdupq_n_u8(3)), 4)), a),
          Dot16(vorrq_u8(vandq_u8(l1, low4), vshlq_n_u8(vandq_u8(h1, vdupq_n_u8(3)), 4)), a + 16),
          Dot16(vorrq_u8(vandq_u8(l2, low4), vandq_u8(vshlq_n_u8(h0, 2), bits45)), a + 32),
          Dot16(vorrq_u8(vandq_u8(l3, low4), vandq_u8(vshlq_n_u8(h1, 2), bits45)), a + 48));
      const int32x4_t second = neon_simd::Sum4(
          Dot16(vorrq_u8(vshrq_n_u8(l0, 4), vandq_u8(h0, bits45)), a + 64),
          Dot16(vorrq_u8(vshrq_n_u8(l1, 4), vandq_u8(h1, bits45)), a + 80),
          Dot16(vorrq_u8(vshrq_n_u8(l2, 4), vandq_u8(vshrq_n_u8(h0, 2), bits45)), a + 96),
          Dot16(vorrq_u8(vshrq_n_u8(l3, 4), vandq_u8(vshrq_n_u8(h1, 2), bits45)), a + 112));
      isum = vmlaq_s32(isum, first, scales[2 * h]);
      isum = vmlaq_s32(isum, second, scales[2 * h + 1]);
    }
    const int32_t sumi = vaddvq_s32(isum) - 32 * vaddvq_s32(offset);
    sumf += y[i].d * neon_simd::HalfToFloat(x[i].d) * static_cast<float>(sumi);
  }
  *s = sumf;
}

}  // namespace edgellm::quant::q6k::EDGELLM_NEON_NS

#endif  // __aarch64__
