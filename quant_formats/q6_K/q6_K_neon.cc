// NEON dot product of q6_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of q6_K_scalar.cc in the same order.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q6_K/q6_K.h"

namespace edgellm::quant::q6k::EDGELLM_NEON_NS {
namespace {

inline int8x16_t S8(uint8x16_t v) { return vreinterpretq_s8_u8(v); }

}  // namespace

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ6K* x = static_cast<const BlockQ6K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  const uint8x16_t two_bits = vdupq_n_u8(3);
  const uint8x16_t bits45 = vdupq_n_u8(0x30);
  float32x4_t acc_lo = vdupq_n_f32(0.0f), acc_hi = vdupq_n_f32(0.0f);  // 8 lanes
  for (int64_t i = 0; i < nb; ++i) {
    const int8_t* sc = x[i].scales;
    const int8_t* a = y[i].qs;
    int32x4_t lanes_lo = vdupq_n_s32(0), lanes_hi = vdupq_n_s32(0);
    for (int h = 0; h < 2; ++h, a += 128, sc += 8) {
      const uint8_t* ql = x[i].ql + 64 * h;
      const uint8_t* qh = x[i].qh + 32 * h;
      const uint8x16_t h0 = vld1q_u8(qh);
      const uint8x16_t h1 = vld1q_u8(qh + 16);
      const uint8x16_t l0 = vld1q_u8(ql);
      const uint8x16_t l1 = vld1q_u8(ql + 16);
      const uint8x16_t l2 = vld1q_u8(ql + 32);
      const uint8x16_t l3 = vld1q_u8(ql + 48);
      // Values l, l + 32, l + 64, l + 96 (l < 32) take bits 0-1, 2-3, 4-5, 6-7 of qh[l] as
      // their bits 4-5 (layout in q6_K.h); the + 32 offset stays in.
      neon_simd::AccumulateChunk32(
          S8(vorrq_u8(vandq_u8(l0, low4), vshlq_n_u8(vandq_u8(h0, two_bits), 4))),
          S8(vorrq_u8(vandq_u8(l1, low4), vshlq_n_u8(vandq_u8(h1, two_bits), 4))), a, sc[0],
          sc[1], &lanes_lo, &lanes_hi);
      neon_simd::AccumulateChunk32(
          S8(vorrq_u8(vandq_u8(l2, low4), vandq_u8(vshlq_n_u8(h0, 2), bits45))),
          S8(vorrq_u8(vandq_u8(l3, low4), vandq_u8(vshlq_n_u8(h1, 2), bits45))), a + 32, sc[2],
          sc[3], &lanes_lo, &lanes_hi);
      neon_simd::AccumulateChunk32(S8(vorrq_u8(vshrq_n_u8(l0, 4), vandq_u8(h0, bits45))),
                                   S8(vorrq_u8(vshrq_n_u8(l1, 4), vandq_u8(h1, bits45))), a + 64,
                                   sc[4], sc[5], &lanes_lo, &lanes_hi);
      neon_simd::AccumulateChunk32(
          S8(vorrq_u8(vshrq_n_u8(l2, 4), vandq_u8(vshrq_n_u8(h0, 2), bits45))),
          S8(vorrq_u8(vshrq_n_u8(l3, 4), vandq_u8(vshrq_n_u8(h1, 2), bits45))), a + 96, sc[6],
          sc[7], &lanes_lo, &lanes_hi);
    }
    // The -32 offset, taken out through the q8_K group sums: groups 2k, 2k+1 from lane k.
    const int8x16_t sc8 = vld1q_s8(x[i].scales);
    const int16x8_t sc_lo = vmovl_s8(vget_low_s8(sc8));
    const int16x8_t sc_hi = vmovl_high_s8(sc8);
    const int16x8_t bs_lo = vld1q_s16(y[i].bsums);
    const int16x8_t bs_hi = vld1q_s16(y[i].bsums + 8);
    const int32x4_t off_lo = vpaddq_s32(vmull_s16(vget_low_s16(sc_lo), vget_low_s16(bs_lo)),
                                        vmull_high_s16(sc_lo, bs_lo));
    const int32x4_t off_hi = vpaddq_s32(vmull_s16(vget_low_s16(sc_hi), vget_low_s16(bs_hi)),
                                        vmull_high_s16(sc_hi, bs_hi));
    lanes_lo = vmlsq_n_s32(lanes_lo, off_lo, 32);
    lanes_hi = vmlsq_n_s32(lanes_hi, off_hi, 32);
    const float d = y[i].d * neon_simd::HalfToFloat(x[i].d);
    neon_simd::FmaLanes8(lanes_lo, lanes_hi, d, &acc_lo, &acc_hi);
  }
  *s = neon_simd::HalvingSum8(acc_lo, acc_hi);
}

}  // namespace edgellm::quant::q6k::EDGELLM_NEON_NS

#endif  // __aarch64__
