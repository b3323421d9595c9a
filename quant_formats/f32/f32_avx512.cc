// AVX-512 dot products of f32 rows (build with the AVX-512 flags; needs F/BW/VL/DQ): the very
// instruction sequence of ggml's AVX-512 build (see f32.h).
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32 {
namespace {

inline __m512 Load16(const float* p) { return _mm512_loadu_ps(p); }

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
  return AddProducts(sum, a, b, np, n);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET(float_x86::GemmDot16Entry<float, Load16, Dot>(kAvx512Features));
}  // namespace avx512

}  // namespace edgellm::quant::f32

#endif  // __x86_64__
