// NEON dot product of q4_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K::EDGELLM_NEON_NS {

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  float sumf = 0;
  for (int64_t i = 0; i < nb; ++i) {
    uint8_t sm[16];  // scales 0..7, then mins 0..7
    UnpackScalesMinsK4(x[i].scales, sm);
    // Min term: min j times the sum of the 32 activations of sub-block j (two q8_K group sums;
    // each pair fits int16).
    const int16x8_t pair_sums = vpaddq_s16(vld1q_s16(y[i].bsums), vld1q_s16(y[i].bsums + 8));
    const int16x8_t mins = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(sm + 8)));
    const int32x4_t mprod = vmlal_high_s16(vmull_s16(vget_low_s16(pair_sums), vget_low_s16(mins)),
                                           pair_sums, mins);
    const int32_t summ = vaddvq_s32(mprod);

    // Each 32 bytes of qs hold sub-block 2c (low nibbles) and 2c + 1 (high nibbles).
    const uint8_t* q = x[i].qs;
    const int8_t* a = y[i].qs;
    int32x4_t sumv = vdupq_n_s32(0);
    for (int c = 0; c < 4; ++c, q += 32, a += 64) {
      const uint8x16_t q0 = vld1q_u8(q);
      const uint8x16_t q1 = vld1q_u8(q + 16);
      const int32x4_t lo = neon_simd::DotI8x32(
          vdupq_n_s32(0), vreinterpretq_s8_u8(vandq_u8(q0, low4)),
          vreinterpretq_s8_u8(vandq_u8(q1, low4)), vld1q_s8(a), vld1q_s8(a + 16));
      const int32x4_t hi = neon_simd::DotI8x32(
          vdupq_n_s32(0), vreinterpretq_s8_u8(vshrq_n_u8(q0, 4)),
          vreinterpretq_s8_u8(vshrq_n_u8(q1, 4)), vld1q_s8(a + 32), vld1q_s8(a + 48));
      sumv = vmlaq_n_s32(sumv, lo, sm[2 * c]);
      sumv = vmlaq_n_s32(sumv, hi, sm[2 * c + 1]);
    }
    const float d = y[i].d * neon_simd::HalfToFloat(x[i].d);
    const float dmin = y[i].d * neon_simd::HalfToFloat(x[i].dmin);
    sumf += d * static_cast<float>(vaddvq_s32(sumv)) - dmin * static_cast<float>(summ);
  }
  *s = sumf;
}

}  // namespace edgellm::quant::q4_K::EDGELLM_NEON_NS

#endif  // __aarch64__
