// IQ4_NL kernels for AVX2 + FMA + F16C: one block per step, in ggml's summation orders (see
// iq4_nl.h); codes become codebook values with one byte shuffle.
#if defined(__x86_64__)

#include <cstddef>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {
namespace {

// The codebook in both 128-bit lanes, for _mm256_shuffle_epi8.
inline __m256i Codebook() {
  return _mm256_broadcastsi128_si256(
      _mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl)));
}

inline __m256i CodebookValues(const BlockIQ4_NL& b, __m256i table) {
  return _mm256_shuffle_epi8(table, x86::UnpackNibbles32(b.qs));
}

void ToFloatAvx2(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const __m256i table = Codebook();
  for (int64_t i = 0; i < n / kBlockSize; ++i, y += kBlockSize) {
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d));
    const __m256i v = CodebookValues(x[i], table);
    const __m128i lo = _mm256_castsi256_si128(v);
    const __m128i hi = _mm256_extracti128_si256(v, 1);
    const __m128i parts[4] = {lo, _mm_unpackhi_epi64(lo, lo), hi, _mm_unpackhi_epi64(hi, hi)};
    for (int k = 0; k < 4; ++k) {
      _mm256_storeu_ps(y + 8 * k,
                       _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]))));
    }
  }
}

// The block's integer products summed per 4 values: values 4l..4l+3 in lane l.
inline __m256i LaneSums(const BlockIQ4_NL& x, const BlockQ8_0& y, __m256i table) {
  const __m256i v = CodebookValues(x, table);
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs));
  // Both signed: move v's sign onto a so maddubs gets |v| unsigned (|v| <= 127).
  return x86::DotU8I8(_mm256_sign_epi8(v, v), _mm256_sign_epi8(a, v));
}

// acc + d_x * d_y * LaneSums, one FMA (AccumulateBlock32).
inline __m256 AccumulateBlock(const BlockIQ4_NL& x, const BlockQ8_0& y, __m256i table, __m256 acc) {
  const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x.d) * x86::HalfToFloat(y.d));
  return _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(LaneSums(x, y, table)), acc);
}

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const __m256i table = Codebook();
  const int64_t nb = n / kBlockSize;
  // ggml's two accumulators, even and odd blocks (see iq4_nl.h).
  __m256 even = _mm256_setzero_ps(), odd = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    even = AccumulateBlock(x[i], y[i], table, even);
    odd = AccumulateBlock(x[i + 1], y[i + 1], table, odd);
  }
  float sum = x86::HsumPs(_mm256_add_ps(even, odd));
  if (i < nb) {  // ggml's scalar tail: d * (integer sum) + sum, one FMA (its C is contracted)
    const float d = x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d);
    const float p = x86::HsumPs(_mm256_cvtepi32_ps(LaneSums(x[i], y[i], table)));  // exact
    sum = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(d), _mm_set_ss(p), _mm_set_ss(sum)));
  }
  *s = sum;
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                     size_t x_stride, const void* vy, size_t y_stride) {
  const __m256i table = Codebook();
  for (int64_t r = 0; r < nx; ++r) {
    const auto* x =
        reinterpret_cast<const BlockIQ4_NL*>(static_cast<const char*>(vx) + r * x_stride);
    for (int64_t t = 0; t < ny; ++t) {
      const auto* y =
          reinterpret_cast<const BlockQ8_0*>(static_cast<const char*>(vy) + t * y_stride);
      __m256 acc = _mm256_setzero_ps();
      for (int64_t i = 0; i < n / kBlockSize; ++i) acc = AccumulateBlock(x[i], y[i], table, acc);
      s[t * s_stride + r] = x86::HsumPs(acc);
    }
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr,
                    ToFloatAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::iq4_nl

#endif  // __x86_64__
