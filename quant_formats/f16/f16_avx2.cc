// AVX2 + F16C kernels of f16 (build with -mavx2 -mfma -mf16c). Conversions use F16C
// (vcvtph2ps / vcvtps2ph with round-to-nearest-even), never fp16.h, whose external-linkage inline
// functions must not be compiled with ISA flags.
#if defined(__x86_64__)

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/f16/f16.h"

namespace edgellm::quant::f16 {
namespace {

inline __m256 Load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// Every lane rounded to the nearest fp16 value (ties to even).
inline __m256 RoundToHalf(__m256 v) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
inline __m128 RoundToHalf(__m128 v) {
  return _mm_cvtph_ps(_mm_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

// fp16(a * b + acc) lane by lane with one rounding (HalfFma): the fp32 FMA and its rounding to
// fp16 agree with it except where the fp32 result lies exactly halfway between two fp16 values
// (then the fp32 rounding may have made the tie); those rare lanes are redone with HalfFma.
inline __m256 HalfFma8(__m256 a, __m256 b, __m256 acc) {
  const __m256 r = _mm256_fmadd_ps(a, b, acc);
  const __m256 down = _mm256_cvtph_ps(_mm256_cvtps_ph(r, _MM_FROUND_TO_NEG_INF));
  const __m256 up = _mm256_cvtph_ps(_mm256_cvtps_ph(r, _MM_FROUND_TO_POS_INF));
  const int tie = _mm256_movemask_ps(
      _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(r, down), _mm256_sub_ps(up, r), _CMP_EQ_OQ),
                    _mm256_cmp_ps(down, up, _CMP_NEQ_OQ)));
  const __m256 h = RoundToHalf(r);
  if (tie == 0) return h;
  alignas(32) float av[8], bv[8], cv[8], hv[8];
  _mm256_store_ps(av, a);
  _mm256_store_ps(bv, b);
  _mm256_store_ps(cv, acc);
  _mm256_store_ps(hv, h);
  for (int l = 0; l < 8; ++l) {
    if ((tie >> l) & 1) hv[l] = HalfFma(av[l], bv[l], cv[l]);
  }
  return _mm256_load_ps(hv);
}

// The last three levels of the fp16 halving tree over lanes 0..7: lane l + lane l + h for
// h = 4, 2, 1.
inline float HalvingSum8(__m256 v) {
  __m128 r = RoundToHalf(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)));
  r = RoundToHalf(_mm_add_ps(r, _mm_movehl_ps(r, r)));
  r = RoundToHalf(_mm_add_ss(r, _mm_movehdup_ps(r)));
  return _mm_cvtss_f32(r);
}

void ToFloatAvx2(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, Load8(h + i));
  for (; i < n; ++i) y[i] = _cvtsh_ss(h[i]);
}

void FromFloatAvx2(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) h[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

void VecDotAvx2(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  // Accumulator position p = 8 * j + lane (see f16.h).
  constexpr int kRegs = kDotLanes / 8;
  const int64_t np = n - n % kDotLanes;
  double sum = 0.0;
  if (np > 0) {
    __m256 acc[kRegs];
    // Fully unrolled (GCC leaves these loops rolled otherwise), so acc[] lives in registers.
#pragma GCC unroll 16
    for (int j = 0; j < kRegs; ++j) acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < np; i += kDotLanes) {
#pragma GCC unroll 16
      for (int j = 0; j < kRegs; ++j) {
        acc[j] = HalfFma8(Load8(a + i + 8 * j), Load8(b + i + 8 * j), acc[j]);
      }
    }
#pragma GCC unroll 4
    for (int h = kRegs / 2; h >= 1; h /= 2) {
#pragma GCC unroll 8
      for (int j = 0; j < h; ++j) acc[j] = RoundToHalf(_mm256_add_ps(acc[j], acc[j + h]));
    }
    sum = HalvingSum8(acc[0]);
  }
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(_cvtsh_ss(a[i]) * _cvtsh_ss(b[i]));
  *s = static_cast<float>(sum);
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                     size_t x_stride, const void* y, size_t y_stride) {
  for (int64_t i = 0; i < nx; ++i) {
    const void* xi = static_cast<const char*>(x) + i * x_stride;
    const auto* a = static_cast<const uint16_t*>(xi);
    for (int64_t j = 0; j < ny; ++j) {
      const void* yj = static_cast<const char*>(y) + j * y_stride;
      if (n % 16 != 0) {
        VecDotAvx2(n, &s[j * s_stride + i], xi, yj);
        continue;
      }
      // tinyBLAS's 16-lane accumulator as lanes 0..7 and 8..15.
      const auto* b = static_cast<const uint16_t*>(yj);
      __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
      for (int64_t k = 0; k < n; k += 16) {
        lo = _mm256_fmadd_ps(Load8(a + k), Load8(b + k), lo);
        hi = _mm256_fmadd_ps(Load8(a + k + 8), Load8(b + k + 8), hi);
      }
      s[j * s_stride + i] = x86::HsumPs(_mm256_add_ps(lo, hi));
    }
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, FromFloatAvx2,
                    ToFloatAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::f16

#endif  // __x86_64__
