// NEON dot product of q6_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of the scalar kernel (common/kquant_neon.h's
// SuperBlockDot) in the same order. The batched kernel (prefill, sdot build only) rebuilds each
// block's quants once for 3 tokens; without sdot the products dominate and plain NEON calls VecDot
// per pair.
#if defined(__aarch64__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_neon.h"
#include "quant_formats/common/kquant_tiles.h"
#include "quant_formats/q6_K/q6_K.h"

namespace edgellm::quant::q6k::EDGELLM_NEON_NS {
namespace {

using neon_simd::PairProducts;
using neon_simd::S8;

// The quants of runs 4h..4h + 3 of 32 weights of a block (half h): w[2c] holds weights 0..15 of
// run 4h + c, w[2c + 1] weights 16..31. Values l, l + 32, l + 64, l + 96 (l < 32) of the half take
// bits 0-1, 2-3, 4-5, 6-7 of qh[l] as their bits 4-5 (layout in q6_K.h); the + 32 offset stays in.
inline void UnpackHalf(const BlockQ6K& x, int h, int8x16_t w[8]) {
  const uint8x16_t low4 = vdupq_n_u8(0x0F);
  const uint8x16_t two_bits = vdupq_n_u8(3);
  const uint8x16_t bits45 = vdupq_n_u8(0x30);
  const uint8_t* ql = x.ql + 64 * h;
  const uint8_t* qh = x.qh + 32 * h;
  const uint8x16_t h0 = vld1q_u8(qh);
  const uint8x16_t h1 = vld1q_u8(qh + 16);
  const uint8x16_t l0 = vld1q_u8(ql);
  const uint8x16_t l1 = vld1q_u8(ql + 16);
  const uint8x16_t l2 = vld1q_u8(ql + 32);
  const uint8x16_t l3 = vld1q_u8(ql + 48);
  w[0] = S8(vorrq_u8(vandq_u8(l0, low4), vshlq_n_u8(vandq_u8(h0, two_bits), 4)));
  w[1] = S8(vorrq_u8(vandq_u8(l1, low4), vshlq_n_u8(vandq_u8(h1, two_bits), 4)));
  w[2] = S8(vorrq_u8(vandq_u8(l2, low4), vandq_u8(vshlq_n_u8(h0, 2), bits45)));
  w[3] = S8(vorrq_u8(vandq_u8(l3, low4), vandq_u8(vshlq_n_u8(h1, 2), bits45)));
  w[4] = S8(vorrq_u8(vshrq_n_u8(l0, 4), vandq_u8(h0, bits45)));
  w[5] = S8(vorrq_u8(vshrq_n_u8(l1, 4), vandq_u8(h1, bits45)));
  w[6] = S8(vorrq_u8(vshrq_n_u8(l2, 4), vandq_u8(vshrq_n_u8(h0, 2), bits45)));
  w[7] = S8(vorrq_u8(vshrq_n_u8(l3, 4), vandq_u8(vshrq_n_u8(h1, 2), bits45)));
}

#if defined(__ARM_FEATURE_DOTPROD)
// Run r of 32 weights (w[2r], w[2r + 1]) against activations a[32r..32r + 31]: LaneSums256's
// lanes 0..3 (*lo) += scale of group 2r * (sums of 4 products), lanes 4..7 (*hi) the same with
// group 2r + 1; sc32[g / 4] lane g % 4 holds the scale of group g.
template <int kRun>
inline void AccumulateRun(const int8x16_t* w, const int32x4_t* sc32, const int8_t* a, int32x4_t* lo,
                          int32x4_t* hi) {
  const int32x4_t zero = vdupq_n_s32(0);
  const int8_t* ar = a + 32 * kRun;
  *lo = vmlaq_laneq_s32(*lo, neon_simd::DotI8(zero, w[2 * kRun], vld1q_s8(ar)), sc32[kRun / 2],
                        (2 * kRun) % 4);
  *hi = vmlaq_laneq_s32(*hi, neon_simd::DotI8(zero, w[2 * kRun + 1], vld1q_s8(ar + 16)),
                        sc32[kRun / 2], (2 * kRun + 1) % 4);
}

constexpr int kTileTokens = 3;

// One weight row x kTokens token rows at y[t * y_stride] into s[t * s_stride]: VecDot of each
// pair, bit for bit (the same exact int32 lanes, the same float steps per lane). The block's
// quants and scales are unpacked once, then each token's lanes are summed in one chain.
template <int kTokens>
void Tile(int64_t nb, const BlockQ6K* x, const char* y, size_t y_stride, float* s,
          size_t s_stride) {
  const BlockQ8_K* yt[kTokens];
  float32x4_t acc_lo[kTokens], acc_hi[kTokens];
#pragma GCC unroll 3
  for (int t = 0; t < kTokens; ++t) {
    yt[t] = reinterpret_cast<const BlockQ8_K*>(y + t * y_stride);
    acc_lo[t] = vdupq_n_f32(0.0f);
    acc_hi[t] = vdupq_n_f32(0.0f);
  }
  const int16x8_t m32 = vdupq_n_s16(-32);
  for (int64_t i = 0; i < nb; ++i) {
    int8x16_t w[16];
    UnpackHalf(x[i], 0, w);
    UnpackHalf(x[i], 1, w + 8);
    const int8x16_t sc8 = vld1q_s8(x[i].scales);
    const int16x8_t sc16_lo = vmovl_s8(vget_low_s8(sc8));
    const int16x8_t sc16_hi = vmovl_high_s8(sc8);
    const int32x4_t sc32[4] = {vmovl_s16(vget_low_s16(sc16_lo)), vmovl_high_s16(sc16_lo),
                               vmovl_s16(vget_low_s16(sc16_hi)), vmovl_high_s16(sc16_hi)};
    // -32 * scale (fits int16) for the offset term.
    const int16x8_t m32_lo = vmulq_s16(sc16_lo, m32);
    const int16x8_t m32_hi = vmulq_s16(sc16_hi, m32);
    const float dx = neon_simd::HalfToFloat(x[i].d);
#pragma GCC unroll 3
    for (int t = 0; t < kTokens; ++t) {
      // The lanes start at VecDot's final -32 * (scale * bsum of groups 2k, 2k + 1) term: the
      // int32 lanes are exact sums, so the order of the additions does not matter.
      int32x4_t lo = PairProducts(m32_lo, vld1q_s16(yt[t][i].bsums));
      int32x4_t hi = PairProducts(m32_hi, vld1q_s16(yt[t][i].bsums + 8));
      const int8_t* a = yt[t][i].qs;
      AccumulateRun<0>(w, sc32, a, &lo, &hi);
      AccumulateRun<1>(w, sc32, a, &lo, &hi);
      AccumulateRun<2>(w, sc32, a, &lo, &hi);
      AccumulateRun<3>(w, sc32, a, &lo, &hi);
      AccumulateRun<4>(w, sc32, a, &lo, &hi);
      AccumulateRun<5>(w, sc32, a, &lo, &hi);
      AccumulateRun<6>(w, sc32, a, &lo, &hi);
      AccumulateRun<7>(w, sc32, a, &lo, &hi);
      neon_simd::FmaLanes8(lo, hi, yt[t][i].d * dx, &acc_lo[t], &acc_hi[t]);
    }
  }
#pragma GCC unroll 3
  for (int t = 0; t < kTokens; ++t) s[t * s_stride] = neon_simd::HalvingSum8(acc_lo[t], acc_hi[t]);
}
#endif  // __ARM_FEATURE_DOTPROD

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto block_sums = [](const BlockQ6K& b, const BlockQ8_K& y, int32x4_t* lanes, int32x4_t*) {
    const int8_t* sc = b.scales;
    const int8_t* a = y.qs;
    for (int h = 0; h < 2; ++h, a += 128, sc += 8) {
      int8x16_t w[8];
      UnpackHalf(b, h, w);
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) {
        neon_simd::AccumulateChunk32(w[2 * c], w[2 * c + 1], a + 32 * c, sc[2 * c], sc[2 * c + 1],
                                     &lanes[0], &lanes[1]);
      }
    }
    // The -32 offset, taken out through the q8_K group sums: groups 2k, 2k+1 from lane k.
    const int8x16_t sc8 = vld1q_s8(b.scales);
    const int32x4_t off_lo = PairProducts(vmovl_s8(vget_low_s8(sc8)), vld1q_s16(y.bsums));
    const int32x4_t off_hi = PairProducts(vmovl_high_s8(sc8), vld1q_s16(y.bsums + 8));
    lanes[0] = vmlsq_n_s32(lanes[0], off_lo, 32);
    lanes[1] = vmlsq_n_s32(lanes[1], off_hi, 32);
  };
  neon_simd::SuperBlockDot<MinTerm::kNone, BlockQ6K>(n, s, vx, vy, block_sums);
}

#if defined(__ARM_FEATURE_DOTPROD)
void VecDotBatch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                 size_t x_stride, const void* vy, size_t y_stride) {
  const char* x = static_cast<const char*>(vx);
  const char* y = static_cast<const char*>(vy);
  ForEachTile<kTileTokens, 1>(nx, ny, [&](int64_t i, int64_t t0, auto tokens) {
    Tile<decltype(tokens)::value>(n / kQK_K, reinterpret_cast<const BlockQ6K*>(x + i * x_stride),
                                  y + t0 * y_stride, y_stride, s + t0 * s_stride + i, s_stride);
  });
}
#endif  // __ARM_FEATURE_DOTPROD

}  // namespace

#if defined(__ARM_FEATURE_DOTPROD)
EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot, VecDotBatch, nullptr, nullptr,
                    kBatchMatchesVecDot});
#else
EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot});
#endif

}  // namespace edgellm::quant::q6k::EDGELLM_NEON_NS

#endif  // __aarch64__
