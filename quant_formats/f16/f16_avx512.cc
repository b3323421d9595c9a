// AVX-512 kernels of f16 (build with the AVX-512 flags; needs F/BW/VL/DQ). Conversions use
// vcvtph2ps / vcvtps2ph with round-to-nearest-even, never fp16.h (see f16_avx2.cc). Conversion
// tails use masked loads and stores, so no element is read or written past n.
#if defined(__x86_64__)

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

inline __m512 Load16(const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

inline __m512 LoadMasked(__mmask16 m, const uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

inline __mmask16 TailMask(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }

// Every lane rounded to the nearest fp16 value (ties to even).
inline __m512 RoundToHalf(__m512 v) {
  return _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
inline __m256 RoundToHalf(__m256 v) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
inline __m128 RoundToHalf(__m128 v) {
  return _mm_cvtph_ps(_mm_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

// fp16(a * b + acc) lane by lane with one rounding (HalfFma): the fp32 FMA and its rounding to
// fp16 agree with it except where the fp32 result lies exactly halfway between two fp16 values
// (then the fp32 rounding may have made the tie); those rare lanes are redone with HalfFma.
inline __m512 HalfFma16(__m512 a, __m512 b, __m512 acc) {
  const __m512 r = _mm512_fmadd_ps(a, b, acc);
  const __m512 down = _mm512_cvtph_ps(_mm512_cvtps_ph(r, _MM_FROUND_TO_NEG_INF));
  const __m512 up = _mm512_cvtph_ps(_mm512_cvtps_ph(r, _MM_FROUND_TO_POS_INF));
  const __mmask16 tie =
      _mm512_cmp_ps_mask(_mm512_sub_ps(r, down), _mm512_sub_ps(up, r), _CMP_EQ_OQ) &
      _mm512_cmp_ps_mask(down, up, _CMP_NEQ_OQ);
  const __m512 h = RoundToHalf(r);
  if (tie == 0) return h;
  alignas(64) float av[16], bv[16], cv[16], hv[16];
  _mm512_store_ps(av, a);
  _mm512_store_ps(bv, b);
  _mm512_store_ps(cv, acc);
  _mm512_store_ps(hv, h);
  for (int l = 0; l < 16; ++l) {
    if ((tie >> l) & 1) hv[l] = HalfFma(av[l], bv[l], cv[l]);
  }
  return _mm512_load_ps(hv);
}

// The last four levels of the fp16 halving tree over lanes 0..15 (lane l + lane l + h,
// h = 8, 4, 2, 1).
inline float HalvingSum16(__m512 v) {
  const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
  const __m256 r8 = RoundToHalf(_mm256_add_ps(_mm512_castps512_ps256(v), hi));
  __m128 r = RoundToHalf(_mm_add_ps(_mm256_castps256_ps128(r8), _mm256_extractf128_ps(r8, 1)));
  r = RoundToHalf(_mm_add_ps(r, _mm_movehl_ps(r, r)));
  r = RoundToHalf(_mm_add_ss(r, _mm_movehdup_ps(r)));
  return _mm_cvtss_f32(r);
}

void ToFloatAvx512(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, Load16(h + i));
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m, LoadMasked(m, h + i));
  }
}

void FromFloatAvx512(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + i),
                        _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm256_mask_storeu_epi16(
        h + i, m, _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, x + i), _MM_FROUND_TO_NEAREST_INT));
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  // Accumulator position p = 16 * j + lane (see f16.h).
  constexpr int kRegs = kDotLanes / 16;
  const int64_t np = n - n % kDotLanes;
  double sum = 0.0;
  if (np > 0) {
    __m512 acc[kRegs];
    // Fully unrolled (GCC leaves these loops rolled otherwise), so acc[] lives in registers.
#pragma GCC unroll 16
    for (int j = 0; j < kRegs; ++j) acc[j] = _mm512_setzero_ps();
    for (int64_t i = 0; i < np; i += kDotLanes) {
#pragma GCC unroll 16
      for (int j = 0; j < kRegs; ++j) {
        acc[j] =
            HalfFma16(Load16(a + i + 16 * j), Load16(b + i + 16 * j), acc[j]);
      }
    }
#pragma GCC unroll 4
    for (int h = kRegs / 2; h >= 1; h /= 2) {
#pragma GCC unroll 8
      for (int j = 0; j < h; ++j) acc[j] = RoundToHalf(_mm512_add_ps(acc[j], acc[j + h]));
    }
    sum = HalvingSum16(acc[0]);
  }
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(_cvtsh_ss(a[i]) * _cvtsh_ss(b[i]));
  *s = static_cast<float>(sum);
}

void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                       const void* x, size_t x_stride, const void* y, size_t y_stride) {
  for (int64_t i = 0; i < nx; ++i) {
    const void* xi = static_cast<const char*>(x) + i * x_stride;
    const auto* a = static_cast<const uint16_t*>(xi);
    for (int64_t j = 0; j < ny; ++j) {
      const void* yj = static_cast<const char*>(y) + j * y_stride;
      if (n % 16 != 0) {
        VecDotAvx512(n, &s[j * s_stride + i], xi, yj);
        continue;
      }
      const auto* b = static_cast<const uint16_t*>(yj);
      __m512 acc = _mm512_setzero_ps();
      for (int64_t k = 0; k < n; k += 16) acc = _mm512_fmadd_ps(Load16(a + k), Load16(b + k), acc);
      s[j * s_stride + i] = _mm512_reduce_add_ps(acc);
    }
  }
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512,
                    FromFloatAvx512, ToFloatAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::f16

#endif  // __x86_64__
