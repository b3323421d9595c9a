// NEON dot product of q5_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of q5_K_scalar.cc in the same order.
#if defined(__aarch64__)

#include <cmath>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K::EDGELLM_NEON_NS {
namespace {

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ5_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  const uint8x16_t bit0 = vdupq_n_u8(1);
  const uint8x16_t bit1 = vdupq_n_u8(2);
  float32x4_t acc_lo = vdupq_n_f32(0.0f), acc_hi = vdupq_n_f32(0.0f);  // 8 lanes
  float summs = 0;                                                      // the min terms
  for (int64_t i = 0; i < nb; ++i) {
    uint8_t sm[16];  // scales 0..7, then mins 0..7
    UnpackScalesMinsK4(x[i].scales, sm);
    // Min term: min j times the sum of the activations of sub-block j (two q8_K group sums,
    // added in int16 as ggml does).
    const int16x8_t pair_sums = vpaddq_s16(vld1q_s16(y[i].bsums), vld1q_s16(y[i].bsums + 8));
    const int16x8_t mins = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(sm + 8)));
    const int32_t summ = vaddvq_s32(vmlal_high_s16(
        vmull_s16(vget_low_s16(pair_sums), vget_low_s16(mins)), pair_sums, mins));

    // Fifth bits: bit j of qh[l] for weight l of sub-block j; shifted down by 2 per pair.
    uint8x16_t h0 = vld1q_u8(x[i].qh);
    uint8x16_t h1 = vld1q_u8(x[i].qh + 16);
    const uint8_t* q = x[i].qs;
    const int8_t* a = y[i].qs;
    int32x4_t lanes_lo = vdupq_n_s32(0), lanes_hi = vdupq_n_s32(0);
    for (int p = 0; p < 4; ++p, q += 32, a += 64) {
      const uint8x16_t q0 = vld1q_u8(q);
      const uint8x16_t q1 = vld1q_u8(q + 16);
      const uint8x16_t lo0 = vorrq_u8(vandq_u8(q0, low4), vshlq_n_u8(vandq_u8(h0, bit0), 4));
      const uint8x16_t lo1 = vorrq_u8(vandq_u8(q1, low4), vshlq_n_u8(vandq_u8(h1, bit0), 4));
      const uint8x16_t hi0 = vorrq_u8(vshrq_n_u8(q0, 4), vshlq_n_u8(vandq_u8(h0, bit1), 3));
      const uint8x16_t hi1 = vorrq_u8(vshrq_n_u8(q1, 4), vshlq_n_u8(vandq_u8(h1, bit1), 3));
      h0 = vshrq_n_u8(h0, 2);
      h1 = vshrq_n_u8(h1, 2);
      neon_simd::AccumulateChunk32(vreinterpretq_s8_u8(lo0), vreinterpretq_s8_u8(lo1), a,
                                   sm[2 * p], sm[2 * p], &lanes_lo, &lanes_hi);
      neon_simd::AccumulateChunk32(vreinterpretq_s8_u8(hi0), vreinterpretq_s8_u8(hi1), a + 32,
                                   sm[2 * p + 1], sm[2 * p + 1], &lanes_lo, &lanes_hi);
    }
    const float d = y[i].d * neon_simd::HalfToFloat(x[i].d);
    const float dmin = -y[i].d * neon_simd::HalfToFloat(x[i].dmin);
    summs = std::fma(dmin, static_cast<float>(summ), summs);
    neon_simd::FmaLanes8(lanes_lo, lanes_hi, d, &acc_lo, &acc_hi);
  }
  *s = neon_simd::HalvingSum8(acc_lo, acc_hi) + summs;
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot});

}  // namespace edgellm::quant::q5_K::EDGELLM_NEON_NS

#endif  // __aarch64__
