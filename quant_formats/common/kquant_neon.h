// AArch64 NEON helpers of the vec_dot kernels of the 256-weight super-block formats (q2_K ..
// q6_K, iq4_xs): ggml's x86 float steps of a super-block dot product around a per-block integer
// part (SuperBlockDot; common/lane_sums.h), products of int16 pairs, and the kernel of q4_K and
// q5_K, which differ only in q5_K's fifth bits. Builds on neon_simd.h; same rules: every helper
// has internal linkage, so the plain and the +dotprod copies are never merged.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_KQUANT_NEON_H_
#define EDGELLM_QUANT_FORMATS_COMMON_KQUANT_NEON_H_

#if defined(__aarch64__)

#include <arm_neon.h>

#include <cmath>
#include <cstdint>

#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::neon_simd {
namespace {

inline int8x16_t S8(uint8x16_t v) { return vreinterpretq_s8_u8(v); }
inline int16x8_t S16(uint16x8_t v) { return vreinterpretq_s16_u16(v); }

// Lane k: a[2k] * b[2k] + a[2k + 1] * b[2k + 1], the products widened to int32.
inline int32x4_t PairProducts(int16x8_t a, int16x8_t b) {
  return vpaddq_s32(vmull_s16(vget_low_s16(a), vget_low_s16(b)), vmull_high_s16(a, b));
}

// *s = dot(x, y) of n values, x a row of Block, y of q8_K, with the bits of ggml's x86 kernels
// (the scalar kernels' order, common/kquant_scalar.h): block_sums(x[i], y[i], lanes, mins) adds
// the block's 8 integer lanes to lanes[0] (0..3) and lanes[1] (4..7), both zero on entry, and
// unless kMin is kNone sets its min lanes (mins[0..1] for kLanes8, else mins[0]); per block the
// min term -(d_y * dmin_x) * mins as kMin says (k_quants.h), then one FMA per lane of d_y * d_x.
template <MinTerm kMin, class Block, class BlockSums>
inline void SuperBlockDot(int64_t n, float* s, const void* vx, const void* vy,
                          BlockSums block_sums) {
  const auto* x = static_cast<const Block*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  float32x4_t acc_lo = vdupq_n_f32(0.0f), acc_hi = vdupq_n_f32(0.0f);  // 8 lanes
  float32x4_t acc_m = vdupq_n_f32(0.0f);                               // kLanes4
  float summs = 0;                                                     // kSum
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int32x4_t lanes[2] = {vdupq_n_s32(0), vdupq_n_s32(0)};
    int32x4_t mins[2] = {vdupq_n_s32(0), vdupq_n_s32(0)};
    block_sums(x[i], y[i], lanes, mins);
    if constexpr (kMin != MinTerm::kNone) {
      const float dmin = -y[i].d * HalfToFloat(x[i].dmin);
      if constexpr (kMin == MinTerm::kLanes8) {
        FmaLanes8(mins[0], mins[1], dmin, &acc_lo, &acc_hi);
      } else if constexpr (kMin == MinTerm::kLanes4) {
        acc_m = vfmaq_n_f32(acc_m, vcvtq_f32_s32(mins[0]), dmin);
      } else {
        summs = std::fma(dmin, static_cast<float>(vaddvq_s32(mins[0])), summs);
      }
    }
    FmaLanes8(lanes[0], lanes[1], y[i].d * HalfToFloat(x[i].d), &acc_lo, &acc_hi);
  }
  float sum = HalvingSum8(acc_lo, acc_hi);
  // (m0 + m2) + (m1 + m3), as the scalar kernel.
  if constexpr (kMin == MinTerm::kLanes4) {
    sum += vpadds_f32(vadd_f32(vget_low_f32(acc_m), vget_high_f32(acc_m)));
  }
  if constexpr (kMin == MinTerm::kSum) sum += summs;
  *s = sum;
}

// A vec_dot kernel that a kernel set can name: SuperBlockDot with a default-constructed BlockSums
// functor, whose members hold the kernel's constants.
template <MinTerm kMin, class Block, class BlockSums>
void VecDotOf(int64_t n, float* s, const void* vx, const void* vy) {
  SuperBlockDot<kMin, Block>(n, s, vx, vy, BlockSums{});
}

// vec_dot of q4_K (kFifthBit false) or q5_K with q8_K: sub-block 2p in the low nibbles of
// qs[32p..32p+31], 2p + 1 in the high ones (q5_K: bit j of qh[l] is the fifth bit of weight l of
// sub-block j); min lane k the mins of sub-blocks 2k, 2k + 1 times their activation sums (two
// q8_K group sums each, added in int16 as ggml does).
template <MinTerm kMin, class Block, bool kFifthBit>
void VecDotK4(int64_t n, float* s, const void* vx, const void* vy) {
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  const uint8x16_t bit0 = vdupq_n_u8(1);
  const uint8x16_t bit1 = vdupq_n_u8(2);
  const auto block_sums = [&](const Block& b, const BlockQ8_K& y, int32x4_t* lanes,
                              int32x4_t* mins) {
    uint8_t sm[16];  // scales 0..7, then mins 0..7
    UnpackScalesMinsK4(b.scales, sm);
    const int16x8_t pair_sums = vpaddq_s16(vld1q_s16(y.bsums), vld1q_s16(y.bsums + 8));
    mins[0] = PairProducts(pair_sums, S16(vmovl_u8(vld1_u8(sm + 8))));
    // q5_K's fifth bits, shifted down by 2 per pair of sub-blocks.
    uint8x16_t h0, h1;
    if constexpr (kFifthBit) {
      h0 = vld1q_u8(b.qh);
      h1 = vld1q_u8(b.qh + 16);
    }
    const uint8_t* q = b.qs;
    const int8_t* a = y.qs;
    for (int p = 0; p < 4; ++p, q += 32, a += 64) {
      const uint8x16_t q0 = vld1q_u8(q);
      const uint8x16_t q1 = vld1q_u8(q + 16);
      uint8x16_t lo0 = vandq_u8(q0, low4), lo1 = vandq_u8(q1, low4);
      uint8x16_t hi0 = vshrq_n_u8(q0, 4), hi1 = vshrq_n_u8(q1, 4);
      if constexpr (kFifthBit) {
        lo0 = vorrq_u8(lo0, vshlq_n_u8(vandq_u8(h0, bit0), 4));
        lo1 = vorrq_u8(lo1, vshlq_n_u8(vandq_u8(h1, bit0), 4));
        hi0 = vorrq_u8(hi0, vshlq_n_u8(vandq_u8(h0, bit1), 3));
        hi1 = vorrq_u8(hi1, vshlq_n_u8(vandq_u8(h1, bit1), 3));
        h0 = vshrq_n_u8(h0, 2);
        h1 = vshrq_n_u8(h1, 2);
      }
      AccumulateChunk32(S8(lo0), S8(lo1), a, sm[2 * p], sm[2 * p], &lanes[0], &lanes[1]);
      AccumulateChunk32(S8(hi0), S8(hi1), a + 32, sm[2 * p + 1], sm[2 * p + 1], &lanes[0],
                        &lanes[1]);
    }
  };
  SuperBlockDot<kMin, Block>(n, s, vx, vy, block_sums);
}

}  // namespace
}  // namespace edgellm::quant::neon_simd

#endif  // __aarch64__
#endif  // EDGELLM_QUANT_FORMATS_COMMON_KQUANT_NEON_H_
