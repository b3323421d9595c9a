// AVX2 dot products of f32 rows (build with -mavx2 -mfma -mf16c), in the lane orders of ggml's
// AVX-512 build (see f32.h): 16-lane accumulators are pairs of 8-lane registers.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/f32/f32.h"

namespace edgellm::quant::f32 {
namespace {

inline __m256 Load8(const float* p) { return _mm256_loadu_ps(p); }

using float_x86::Sum16;

float Dot(int64_t n, const float* a, const float* b) {
  const int64_t np = n - n % 64;
  // acc[r] holds lanes 8r..8r+7 of ggml's 64 accumulator lanes.
  __m256 acc[8];
#pragma GCC unroll 8
  for (int r = 0; r < 8; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t i = 0; i < np; i += 64) {
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      acc[r] =
          _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8 * r), _mm256_loadu_ps(b + i + 8 * r), acc[r]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < 4; ++r) acc[r] = _mm256_add_ps(acc[r], acc[r + 4]);
  float sum = Sum16(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
  return AddProducts(sum, a, b, np, n);
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET(float_x86::GemmDot16EntryAvx2<float, Load8, Dot>(kAvx2Features));
}  // namespace avx2

}  // namespace edgellm::quant::f32

#endif  // __x86_64__
