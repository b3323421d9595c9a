// NEON dot product of q2_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of q2_K_scalar.cc in the same order.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q2_K/q2_K.h"

namespace edgellm::quant::q2k::EDGELLM_NEON_NS {
namespace {

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ2K* x = static_cast<const BlockQ2K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const uint8x16_t two_bits = vdupq_n_u8(3);
  float32x4_t acc_lo = vdupq_n_f32(0.0f), acc_hi = vdupq_n_f32(0.0f);  // 8 lanes
  for (int64_t i = 0; i < nb; ++i) {
    const uint8x16_t sc = vld1q_u8(x[i].scales);
    // Min terms, lane k: groups 2k and 2k + 1, the high nibble of each group's byte times the
    // group's activation sum.
    const uint8x16_t mins = vshrq_n_u8(sc, 4);
    const int16x8_t m_lo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(mins)));
    const int16x8_t m_hi = vreinterpretq_s16_u16(vmovl_high_u8(mins));
    const int16x8_t bs_lo = vld1q_s16(y[i].bsums);
    const int16x8_t bs_hi = vld1q_s16(y[i].bsums + 8);
    const int32x4_t msum_lo = vpaddq_s32(vmull_s16(vget_low_s16(m_lo), vget_low_s16(bs_lo)),
                                         vmull_high_s16(m_lo, bs_lo));
    const int32x4_t msum_hi = vpaddq_s32(vmull_s16(vget_low_s16(m_hi), vget_low_s16(bs_hi)),
                                         vmull_high_s16(m_hi, bs_hi));

    // Chunk 4h + j (values 128h + 32j ..): bits 2j..2j+1 of qs[32h + l]; groups 8h + 2j and
    // 8h + 2j + 1, each scaled by the low nibble of its byte.
    const int8_t* a = y[i].qs;
    int32x4_t lanes_lo = vdupq_n_s32(0), lanes_hi = vdupq_n_s32(0);
    for (int h = 0; h < 2; ++h) {
      uint8x16_t q0 = vld1q_u8(x[i].qs + 32 * h);
      uint8x16_t q1 = vld1q_u8(x[i].qs + 32 * h + 16);
      for (int j = 0; j < 4; ++j, a += 32) {
        const int g = 8 * h + 2 * j;
        neon_simd::AccumulateChunk32(vreinterpretq_s8_u8(vandq_u8(q0, two_bits)),
                                     vreinterpretq_s8_u8(vandq_u8(q1, two_bits)), a,
                                     x[i].scales[g] & 0xF, x[i].scales[g + 1] & 0xF, &lanes_lo,
                                     &lanes_hi);
        q0 = vshrq_n_u8(q0, 2);
        q1 = vshrq_n_u8(q1, 2);
      }
    }
    const float dall = y[i].d * neon_simd::HalfToFloat(x[i].d);
    const float dmin = y[i].d * neon_simd::HalfToFloat(x[i].dmin);
    // First the min terms, then the scaled sums, into the same lanes (q2_K_scalar.cc).
    neon_simd::FmaLanes8(msum_lo, msum_hi, -dmin, &acc_lo, &acc_hi);
    neon_simd::FmaLanes8(lanes_lo, lanes_hi, dall, &acc_lo, &acc_hi);
  }
  *s = neon_simd::HalvingSum8(acc_lo, acc_hi);
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot});

}  // namespace edgellm::quant::q2k::EDGELLM_NEON_NS

#endif  // __aarch64__
