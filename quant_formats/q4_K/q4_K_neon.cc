// NEON dot product of q4_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of q4_K_scalar.cc in the same order.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K::EDGELLM_NEON_NS {
namespace {

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  float32x4_t acc_lo = vdupq_n_f32(0.0f), acc_hi = vdupq_n_f32(0.0f);  // 8 lanes
  float32x4_t acc_m = vdupq_n_f32(0.0f);                                // 4 lanes of min terms
  for (int64_t i = 0; i < nb; ++i) {
    uint8_t sm[16];  // scales 0..7, then mins 0..7
    UnpackScalesMinsK4(x[i].scales, sm);
    // Min term, lane k: mins of sub-blocks 2k, 2k+1 times their activation sums (two q8_K group
    // sums each, added in int16 as ggml does).
    const int16x8_t pair_sums = vpaddq_s16(vld1q_s16(y[i].bsums), vld1q_s16(y[i].bsums + 8));
    const int16x8_t mins = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(sm + 8)));
    const int32x4_t prod = vpaddq_s32(vmull_s16(vget_low_s16(pair_sums), vget_low_s16(mins)),
                                      vmull_high_s16(pair_sums, mins));

    // Sub-block 2p in the low nibbles of qs[32p..32p+31], 2p + 1 in the high ones.
    const uint8_t* q = x[i].qs;
    const int8_t* a = y[i].qs;
    int32x4_t lanes_lo = vdupq_n_s32(0), lanes_hi = vdupq_n_s32(0);
    for (int p = 0; p < 4; ++p, q += 32, a += 64) {
      const uint8x16_t q0 = vld1q_u8(q);
      const uint8x16_t q1 = vld1q_u8(q + 16);
      neon_simd::AccumulateChunk32(vreinterpretq_s8_u8(vandq_u8(q0, low4)),
                                   vreinterpretq_s8_u8(vandq_u8(q1, low4)), a, sm[2 * p],
                                   sm[2 * p], &lanes_lo, &lanes_hi);
      neon_simd::AccumulateChunk32(vreinterpretq_s8_u8(vshrq_n_u8(q0, 4)),
                                   vreinterpretq_s8_u8(vshrq_n_u8(q1, 4)), a + 32, sm[2 * p + 1],
                                   sm[2 * p + 1], &lanes_lo, &lanes_hi);
    }
    const float d = y[i].d * neon_simd::HalfToFloat(x[i].d);
    const float dmin = -y[i].d * neon_simd::HalfToFloat(x[i].dmin);
    acc_m = vfmaq_n_f32(acc_m, vcvtq_f32_s32(prod), dmin);
    neon_simd::FmaLanes8(lanes_lo, lanes_hi, d, &acc_lo, &acc_hi);
  }
  // (m0 + m2) + (m1 + m3), as q4_K_scalar.cc.
  const float sum_m = vpadds_f32(vadd_f32(vget_low_f32(acc_m), vget_high_f32(acc_m)));
  *s = neon_simd::HalvingSum8(acc_lo, acc_hi) + sum_m;
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot});

}  // namespace edgellm::quant::q4_K::EDGELLM_NEON_NS

#endif  // __aarch64__
