// AVX-512 dot products of f32 rows (build with the AVX-512 flags; needs F/BW/VL/DQ): the very
// instruction sequence of ggml's AVX-512 build (see f32.h).
#if defined(__x86_64__)

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32 {
namespace {

float Dot(int64_t n, const float* a, const float* b) {
  const int64_t np = n - n % 64;
  __m512 acc0 = _mm512_setzero_ps();
  __m512 acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps();
  __m512 acc3 = _mm512_setzero_ps();
  for (int64_t i = 0; i < np; i += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), acc3);
  }
  float sum =
      _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc2), _mm512_add_ps(acc1, acc3)));
  for (int64_t i = np; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float GemmDot(int64_t n, const float* a, const float* b) {
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    acc = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc);
  }
  return _mm512_reduce_add_ps(acc);
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  *s = Dot(n, static_cast<const float*>(x), static_cast<const float*>(y));
}

void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                       const void* x, size_t x_stride, const void* y, size_t y_stride) {
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

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::f32

#endif  // __x86_64__
