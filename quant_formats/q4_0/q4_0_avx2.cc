// Q4_0 kernels for AVX2 + FMA + F16C: one block per step, codes unpacked in registers.
#if defined(__x86_64__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/gemm_tiles.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {
namespace {

// --- Batched dot (prefill GEMM) ---
//
// A tile is kRows weight rows x kTokens tokens with one 8-lane vec_dot accumulator per pair, in
// vec_dot's operations. Per block, the codes and the row scale are unpacked once for all tokens
// of the tile, and each token's quants, scale and sum(8 * a) made once for all rows.
//
// The loops over rows and tokens are unrolled in full (#pragma GCC unroll) so that the
// accumulators stay in registers.
constexpr int kGemmRows = 3;
constexpr int kGemmTokens = 4;

// The dot products of kRows rows at x with kTokens tokens at y, into s[j * s_stride + i].
struct GemmKernel {
  template <int kRows, int kTokens>
  static void Tile(int64_t nb, const uint8_t* x, size_t x_stride, const uint8_t* y, size_t y_stride,
                   [[maybe_unused]] int ny, float* s, size_t s_stride) {
    const BlockQ4_0* bx[kRows];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) bx[r] = reinterpret_cast<const BlockQ4_0*>(x + r * x_stride);
    const BlockQ8_0* by[kTokens];
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) by[t] = reinterpret_cast<const BlockQ8_0*>(y + t * y_stride);
    const __m256i eight = _mm256_set1_epi8(8);
    const __m256i ones16 = _mm256_set1_epi16(1);
    __m256 acc[kRows][kTokens];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < nb; ++b) {
      __m256i a[kTokens];
      __m256i a8[kTokens];
      __m256 dy[kTokens];
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) {
        a[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(by[t][b].qs));
        a8[t] = _mm256_maddubs_epi16(eight, a[t]);
        dy[t] = x86::HalfToFloat8(by[t][b].d);
      }
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r) {
        const __m256i q = x86::UnpackNibbles32(bx[r][b].qs);
        const __m256 dx = x86::HalfToFloat8(bx[r][b].d);
#pragma GCC unroll 8
        for (int t = 0; t < kTokens; ++t) {
          // vec_dot's sum((q - 8) * a) = sum(q * a) - sum(8 * a) in int16, then int32.
          const __m256i p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(q, a[t]), a8[t]);
          const __m256i sum = _mm256_madd_epi16(p16, ones16);
          acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dx, dy[t]), _mm256_cvtepi32_ps(sum), acc[r][t]);
        }
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) s[t * s_stride + r] = x86::HsumPs(acc[r][t]);
    }
  }
};

void ToFloatAvx2(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d));
    const __m256i q = _mm256_sub_epi8(x86::UnpackNibbles32(x[i].qs), _mm256_set1_epi8(8));
    const __m128i lo = _mm256_castsi256_si128(q);
    const __m128i hi = _mm256_extracti128_si256(q, 1);
    const __m128i parts[4] = {lo, _mm_unpackhi_epi64(lo, lo), hi, _mm_unpackhi_epi64(hi, hi)};
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]));
      _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(v, d));
    }
  }
}

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i q = x86::UnpackNibbles32(x[i].qs);
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    // sum((q - 8) * a) = sum(q * a) - sum(8 * a): keeps maddubs' unsigned operand unsigned.
    const __m256i p16 =
        _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(eight, a));
    const __m256i p32 = _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p32), acc);
  }
  *s = x86::HsumPs(acc);
}

// Batched dot products (prefill GEMM): each block of a row is used for up to 4 tokens, each
// block of a token for up to 3 rows.
void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                     size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmKernel, kGemmRows, kGemmTokens, 1>(n / kBlockSize, nx, ny, s, s_stride, x,
                                                      x_stride, y, y_stride);
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, ToFloatAvx2,
                    kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q4_0

#endif  // __x86_64__
