// AVX2 kernels of bf16 (build with -mavx2 -mfma -mf16c). Short tails go to the scalar functions
// (built without ISA flags) rather than to fp16.h, whose external-linkage inline functions must not
// be compiled with ISA flags.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/x86_simd.h"

namespace edgellm::quant::bf16 {
namespace {

// 8 bf16 -> 8 floats: the bf16 bits are the top half of the fp32.
inline __m256 Load8(const uint16_t* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

// 8 floats -> 8 bf16 in the low 16 bits of each lane: round to nearest even, NaN quietened.
inline __m256i Round8(__m256 v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff))), 16);
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                         _mm256_set1_epi32(0x7f800000));
  return _mm256_blendv_epi8(rounded, quiet, nan);
}

}  // namespace

void ToFloatAvx2(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, Load8(h + i));
  ToFloat(h + i, y + i, n - i);
}

void FromFloatAvx2(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // packus works per 128-bit lane: 64-bit groups come out as 0 2 1 3.
    const __m256i packed =
        _mm256_packus_epi32(Round8(_mm256_loadu_ps(x + i)), Round8(_mm256_loadu_ps(x + i + 8)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + i),
                        _mm256_permute4x64_epi64(packed, _MM_SHUFFLE(3, 1, 2, 0)));
  }
  FromFloat(x + i, h + i, n - i);
}

void VecDotAvx2(int64_t n, float* s, const void* x, const void* y) {
  const auto* a = static_cast<const uint16_t*>(x);
  const auto* b = static_cast<const uint16_t*>(y);
  // Four accumulators: 32 values per iteration keep the FMA pipes busy.
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps();
  __m256 acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(Load8(a + i), Load8(b + i), acc0);
    acc1 = _mm256_fmadd_ps(Load8(a + i + 8), Load8(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(Load8(a + i + 16), Load8(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(Load8(a + i + 24), Load8(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(Load8(a + i), Load8(b + i), acc0);
  float tail;
  VecDotScalar(n - i, &tail, a + i, b + i);
  *s = x86::HsumPs(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3))) + tail;
}

}  // namespace edgellm::quant::bf16

#endif  // __x86_64__
