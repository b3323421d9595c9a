// AVX2 kernels of q8_0 (build with -mavx2 -mfma -mf16c). fp16 scales go through F16C
// (x86::HalfToFloat, _cvtss_sh), never through fp16.h, whose external-linkage inline functions
// must not be compiled with ISA flags.
#if defined(__x86_64__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/gemm_tiles.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {
namespace {

// acc + (dx * dy) * (8 partial sums of qx * qy) for one pair of blocks.
inline __m256 AccumulateBlock(const BlockQ8_0& bx, const BlockQ8_0& by, __m256 acc) {
  const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx.qs));
  const __m256i qy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(by.qs));
  // maddubs wants unsigned x signed: move the sign of qx onto qy.
  const __m256i p = x86::DotU8I8(_mm256_sign_epi8(qx, qx), _mm256_sign_epi8(qy, qx));
  const __m256 d = _mm256_set1_ps(x86::HalfToFloat(bx.d) * x86::HalfToFloat(by.d));
  return _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc);
}

// --- Batched dot (prefill GEMM) ---
//
// A tile is kRows weight rows x kTokens tokens with one 8-lane vec_dot accumulator per pair, in
// vec_dot's operations. Per block, |qx| and the row scale are made once for all tokens of the
// tile, and each token's quants and scale loaded once for all rows.
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
    const BlockQ8_0* bx[kRows];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) bx[r] = reinterpret_cast<const BlockQ8_0*>(x + r * x_stride);
    const BlockQ8_0* by[kTokens];
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) by[t] = reinterpret_cast<const BlockQ8_0*>(y + t * y_stride);
    const __m256i ones16 = _mm256_set1_epi16(1);
    __m256 acc[kRows][kTokens];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < nb; ++b) {
      __m256i qy[kTokens];
      __m256 dy[kTokens];
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) {
        qy[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(by[t][b].qs));
        dy[t] = x86::HalfToFloat8(by[t][b].d);
      }
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r) {
        const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx[r][b].qs));
        const __m256i ux = _mm256_sign_epi8(qx, qx);
        const __m256 dx = x86::HalfToFloat8(bx[r][b].d);
#pragma GCC unroll 8
        for (int t = 0; t < kTokens; ++t) {
          const __m256i sum =
              _mm256_madd_epi16(_mm256_maddubs_epi16(ux, _mm256_sign_epi8(qy[t], qx)), ones16);
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

void QuantizeRowActAvx2(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = x86::QuantizeQ8BlockAvx2<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
  }
}

void DequantizeRowAvx2(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(in[b].d));
    for (int j = 0; j < kQK8_0; j += 8) {
      const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(in[b].qs + j));
      const __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8));
      _mm256_storeu_ps(y + b * kQK8_0 + j, _mm256_mul_ps(q, d));
    }
  }
}

void VecDotAvx2(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ8_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  // One accumulator, blocks in order: ggml's summation (see q8_0.h).
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK8_0; ++b) acc = AccumulateBlock(bx[b], by[b], acc);
  *s = x86::HsumPs(acc);
}

// Batched dot products (prefill GEMM): each block of a row is used for up to 4 tokens, each
// block of a token for up to 3 rows.
void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                     size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmKernel, kGemmRows, kGemmTokens, 1>(n / kQK8_0, nx, ny, s, s_stride, x, x_stride,
                                                      y, y_stride);
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, QuantizeRowActAvx2,
                    DequantizeRowAvx2, kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q8_0

#endif  // __x86_64__
