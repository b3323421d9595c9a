// q6_K x q8_K dot product, AVX2: 6-bit quants rebuilt in registers as unsigned bytes, multiplied
// with maddubs, scaled per group of 16 with madd; the -32 offset comes out once per block
// through the q8_K group sums; the float steps are common/kquant_x86.h's SuperBlockDot. The
// batched kernel (prefill) rebuilds each block's quants and scales once for up to 8 tokens.
#include <algorithm>
#include <cstddef>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q6_K/q6_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_tiles.h"
#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q6k {
namespace {

// Scales of groups 8h..8h+7 (half h of the block) as int16, in both 128-bit lanes.
inline __m256i HalfScales(const BlockQ6K& b, int h) {
  return _mm256_broadcastsi128_si256(
      _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b.scales + 8 * h))));
}

// Weights 0-31, 32-63, 64-95, 96-127 of half h as unsigned bytes, the high bits on bits 4-5.
inline void HalfQuants(const BlockQ6K& b, int h, __m256i q[4]) {
  const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.ql + 64 * h));
  const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.ql + 64 * h + 32));
  const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h));
  x86::Q6Quants(l0, l1, hb, _mm256_set1_epi8(0x0F), _mm256_set1_epi8(0x30), q);
}

// The 16 scales as int16.
inline __m256i Scales16(const BlockQ6K& b) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales)));
}

struct BlockSums {
  __m256i operator()(const BlockQ6K& b, const BlockQ8_K& y, __m256i*) const {
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i scales = HalfScales(b, h);
      __m256i q[4];
      HalfQuants(b, h, q);
      for (int c = 0; c < 4; ++c) {
        const __m256i yv =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs + 128 * h + 32 * c));
        const __m256i p = _mm256_maddubs_epi16(q[c], yv);  // <= 2 * 63 * 127: no saturation
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(x86::ScalePair(scales, c), p));
      }
    }
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums));
    return _mm256_sub_epi32(sumi, _mm256_slli_epi32(_mm256_madd_epi16(Scales16(b), bsums), 5));
  }
};

constexpr int kTileTokens = 8;

// One weight row x kTokens token rows at y[t * y_stride]: out[t] gets vec_dot's 8-lane fp32
// accumulator for (x, token t), lane for lane.
template <int kTokens>
void Tile(int64_t nb, const BlockQ6K* x, const char* y, size_t y_stride, __m256 out[kTokens]) {
  const BlockQ8_K* yt[kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) {
    yt[t] = reinterpret_cast<const BlockQ8_K*>(y + t * y_stride);
    out[t] = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < nb; ++i) {
    const __m256i minus32_scales =  // |.| <= 4096
        _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16(Scales16(x[i]), 5));
    const __m256 dx = _mm256_set1_ps(x86::HalfToFloat(x[i].d));
    // Each token's lanes start at vec_dot's final -32 * (scale * bsum) term: the int32 lanes
    // are exact sums, so the order of the additions does not matter.
    __m256i isum[kTokens];
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      isum[t] = _mm256_madd_epi16(
          minus32_scales, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yt[t][i].bsums)));
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m256i scales = HalfScales(x[i], h);
      __m256i q[4];
      HalfQuants(x[i], h, q);
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) {
        const __m256i run_scales = x86::ScalePair(scales, c);
#pragma GCC unroll 8
        for (int t = 0; t < kTokens; ++t) {
          const __m256i act =
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yt[t][i].qs + 128 * h + 32 * c));
          const __m256i p = _mm256_maddubs_epi16(q[c], act);  // <= 2 * 63 * 128: exact
          isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(p, run_scales));
          // Keeps GCC from re-associating the sums into a tree that holds every product live
          // until the end (spills); costs no instruction.
          asm("" : "+x"(isum[t]));
        }
      }
    }
    // vec_dot's float steps per pair: d = d_y * d_x, then one FMA per lane.
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      const __m256 d = _mm256_mul_ps(_mm256_set1_ps(yt[t][i].d), dx);
      out[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum[t]), out[t]);
    }
  }
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                     size_t x_stride, const void* vy, size_t y_stride) {
  const char* x = static_cast<const char*>(vx);
  const char* y = static_cast<const char*>(vy);
  ForEachTile<kTileTokens, 1>(nx, ny, [&](int64_t i, int64_t t0, auto tokens) {
    constexpr int kTokens = decltype(tokens)::value;
    __m256 acc[kTokens];
    Tile<kTokens>(n / kQK_K, reinterpret_cast<const BlockQ6K*>(x + i * x_stride), y + t0 * y_stride,
                  y_stride, acc);
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) s[(t0 + t) * s_stride + i] = x86::HsumPs(acc[t]);
  });
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features,
                    x86::VecDotOf<MinTerm::kNone, BlockQ6K, BlockSums>, VecDotBatchAvx2, nullptr,
                    nullptr, kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q6k

#endif  // __x86_64__
