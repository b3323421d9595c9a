// AVX2 dot products of f32 rows (build with -mavx2 -mfma -mf16c), in the lane orders of ggml's
// AVX-512 build (see f32.h): 16-lane accumulators are pairs of 8-lane registers.
#if defined(__x86_64__)

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32 {
namespace {

// HalvingSum16 of lanes lo (0..7) and hi (8..15).
inline float Sum16(__m256 lo, __m256 hi) { return x86::HsumPs(_mm256_add_ps(lo, hi)); }

float Dot(int64_t n, const float* a, const float* b) {
  const int64_t np = n - n % 64;
  // acc[r] holds lanes 8r..8r+7 of ggml's 64 accumulator lanes.
  __m256 acc[8];
#pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t i = 0; i < np; i += 64) {
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      acc[r] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8 * r), _mm256_loadu_ps(b + i + 8 * r),
                               acc[r]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) acc[r] = _mm256_add_ps(acc[r], acc[r + 4]);
  float sum = Sum16(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
  for (int64_t i = np; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float GemmDot(int64_t n, const float* a, const float* b) {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    lo = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), lo);
    hi = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), hi);
  }
  return Sum16(lo, hi);
}

void VecDotAvx2(int64_t n, float* s, const void* x, const void* y) {
  *s = Dot(n, static_cast<const float*>(x), static_cast<const float*>(y));
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                     size_t x_stride, const void* y, size_t y_stride) {
  const bool gemm = n % 16 == 0;
  for (int64_t i = 0; i < nx; ++i) {
    const auto* a = reinterpret_cast<const float*>(static_cast<const char*>(x) + i * x_stride);
    for (int64_t j = 0; j < ny; ++j) {
      const auto* b = reinterpret_cast<const float*>(static_cast<const char*>(y) + j * y_stride);
      s[j * s_stride + i] = gemm ? GemmDot(n, a, b) : Dot(n, a, b);
    }
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::f32

#endif  // __x86_64__
