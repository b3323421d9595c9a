// q6_K x q8_K dot product, AVX2: 6-bit quants rebuilt in registers as unsigned bytes, multiplied
// with maddubs, scaled per group of 16 with madd; the -32 offset comes out once per block
// through the q8_K group sums. The batched kernel (prefill) rebuilds each block's quants and
// scales once for up to 8 tokens.
#include <algorithm>
#include <cstddef>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q6_K/q6_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q6k {
namespace {

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockQ6K* x = static_cast<const BlockQ6K*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i m30 = _mm256_set1_epi8(0x30);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    const int8_t* q8 = y[i].qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h, q8 += 128) {
      const __m256i scales = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[i].scales + 8 * h))));
      const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].ql + 64 * h));
      const __m256i l1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].ql + 64 * h + 32));
      const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * h));
      // Weights 0-31, 32-63, 64-95, 96-127 of this half; the high bits land on bits 4-5.
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, m4),
                          _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30)),
          _mm256_or_si256(_mm256_and_si256(l1, m4),
                          _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                          _mm256_and_si256(hb, m30)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                          _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30)),
      };
      for (int c = 0; c < 4; ++c) {
        const __m256i yv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32 * c));
        const __m256i p = _mm256_maddubs_epi16(q[c], yv);  // <= 2 * 63 * 127: no saturation
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(x86::ScalePair(scales, c), p));
      }
    }
    const __m256i sc16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].bsums));
    sumi = _mm256_sub_epi32(sumi, _mm256_slli_epi32(_mm256_madd_epi16(sc16, bsums), 5));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  *s = x86::HsumPs(acc);
}

constexpr int kTileTokens = 8;

// One weight row x kTokens token rows at y[t * y_stride]: out[t] gets VecDotAvx2's 8-lane fp32
// accumulator for (x, token t), lane for lane.
template <int kTokens>
void Tile(int64_t nb, const BlockQ6K* x, const char* y, size_t y_stride, __m256 out[kTokens]) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  const __m256i m30 = _mm256_set1_epi8(0x30);
  const BlockQ8_K* yt[kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) {
    yt[t] = reinterpret_cast<const BlockQ8_K*>(y + t * y_stride);
    out[t] = _mm256_setzero_ps();
  }
  for (int64_t i = 0; i < nb; ++i) {
    const __m256i sc16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales)));
    const __m256i minus32_scales =  // |.| <= 4096
        _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_slli_epi16(sc16, 5));
    const __m256 dx = _mm256_set1_ps(x86::HalfToFloat(x[i].d));
    // Each token's lanes start at VecDotAvx2's final -32 * (scale * bsum) term: the int32 lanes
    // are exact sums, so the order of the additions does not matter.
    __m256i isum[kTokens];
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      isum[t] = _mm256_madd_epi16(
          minus32_scales,
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yt[t][i].bsums)));
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m256i scales = _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[i].scales + 8 * h))));
      const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].ql + 64 * h));
      const __m256i l1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].ql + 64 * h + 32));
      const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qh + 32 * h));
      const __m256i q[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, m4),
                          _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30)),
          _mm256_or_si256(_mm256_and_si256(l1, m4),
                          _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                          _mm256_and_si256(hb, m30)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                          _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30)),
      };
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) {
        const __m256i run_scales = x86::ScalePair(scales, c);
#pragma GCC unroll 8
        for (int t = 0; t < kTokens; ++t) {
          const __m256i act = _mm256_loadu_si256(
              reinterpret_cast<const __m256i*>(yt[t][i].qs + 128 * h + 32 * c));
          const __m256i p = _mm256_maddubs_epi16(q[c], act);  // <= 2 * 63 * 128: exact
          isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(p, run_scales));
          // Keeps GCC from re-associating the sums into a tree that holds every product live
          // until the end (spills); costs no instruction.
          asm("" : "+x"(isum[t]));
        }
      }
    }
    // VecDotAvx2's float steps per pair: d = d_y * d_x, then one FMA per lane.
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      const __m256 d = _mm256_mul_ps(_mm256_set1_ps(yt[t][i].d), dx);
      out[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum[t]), out[t]);
    }
  }
}

template <int kTokens>
void StoreTile(int64_t nb, const char* x, const char* y, size_t y_stride, float* s,
               size_t s_stride) {
  __m256 acc[kTokens];
  Tile<kTokens>(nb, reinterpret_cast<const BlockQ6K*>(x), y, y_stride, acc);
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) s[t * s_stride] = x86::HsumPs(acc[t]);
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                     const void* vx, size_t x_stride, const void* vy, size_t y_stride) {
  const int64_t nb = n / kQK_K;
  const char* x = static_cast<const char*>(vx);
  const char* y = static_cast<const char*>(vy);
  for (int64_t t0 = 0; t0 < ny; t0 += kTileTokens) {
    const int nt = static_cast<int>(std::min<int64_t>(kTileTokens, ny - t0));
    const char* yt = y + t0 * y_stride;
    for (int64_t i = 0; i < nx; ++i) {
      const char* xi = x + i * x_stride;
      float* st = s + t0 * s_stride + i;
      switch (nt) {
        case 1: StoreTile<1>(nb, xi, yt, y_stride, st, s_stride); break;
        case 2: StoreTile<2>(nb, xi, yt, y_stride, st, s_stride); break;
        case 3: StoreTile<3>(nb, xi, yt, y_stride, st, s_stride); break;
        case 4: StoreTile<4>(nb, xi, yt, y_stride, st, s_stride); break;
        case 5: StoreTile<5>(nb, xi, yt, y_stride, st, s_stride); break;
        case 6: StoreTile<6>(nb, xi, yt, y_stride, st, s_stride); break;
        case 7: StoreTile<7>(nb, xi, yt, y_stride, st, s_stride); break;
        default: StoreTile<8>(nb, xi, yt, y_stride, st, s_stride); break;
      }
    }
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, nullptr,
                    kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q6k

#endif  // __x86_64__
