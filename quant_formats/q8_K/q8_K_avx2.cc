// q8_K activation quantizer, AVX2 (q8_K.h's QuantizeRowWith). Same bytes as QuantizeRowRef: the
// float ops are the same (one multiply per value, vcvtps2dq rounds half to even like NearestInt),
// and the largest magnitude is found on the integer bits of |x|, whose order equals the float
// order.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q8_K/q8_K.h"

namespace edgellm::quant::q8_K {
namespace {

int HsumI32x8(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

int HmaxI32x8(__m256i v) {
  __m128i s = _mm_max_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_max_epi32(s, _mm_unpackhi_epi64(s, s));
  s = _mm_max_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

void QuantizeRowAvx2(const float* x, void* vy, int64_t n) {
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  const __m256i q_max = _mm256_set1_epi32(127);
  const __m256i pack_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const auto abs_bits = [&](const float* p) {
    return _mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), abs_mask);
  };
  const auto max_bits = [&](const float* xb) {
    __m256i vmax = _mm256_setzero_si256();
    for (int j = 0; j < kQK_K; j += 8) vmax = _mm256_max_epi32(vmax, abs_bits(xb + j));
    return HmaxI32x8(vmax);
  };
  const auto mask = [&](const float* xb, int j, int bits) {
    const __m256i eq = _mm256_cmpeq_epi32(abs_bits(xb + j), _mm256_set1_epi32(bits));
    return static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(eq)));
  };
  const auto quantize = [&](const float* xb, float iscale, BlockQ8_K* b) {
    const __m256 mul = _mm256_set1_ps(iscale);
    for (int j = 0; j < kQK_K; j += 32) {
      __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(xb + j)));
      __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(xb + j + 8)));
      __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(xb + j + 16)));
      __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(xb + j + 24)));
      // Only the top needs clamping: |iscale * x| <= 127 up to rounding, so the low end is -127.
      q0 = _mm256_min_epi32(q0, q_max);
      q1 = _mm256_min_epi32(q1, q_max);
      q2 = _mm256_min_epi32(q2, q_max);
      q3 = _mm256_min_epi32(q3, q_max);
      b->bsums[j / 16] = static_cast<int16_t>(HsumI32x8(_mm256_add_epi32(q0, q1)));
      b->bsums[j / 16 + 1] = static_cast<int16_t>(HsumI32x8(_mm256_add_epi32(q2, q3)));
      // The packs work per 128-bit lane; the permute restores element order.
      const __m256i p16a = _mm256_packs_epi32(q0, q1);
      const __m256i p16b = _mm256_packs_epi32(q2, q3);
      const __m256i p8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p16a, p16b), pack_order);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(b->qs + j), p8);
    }
  };
  QuantizeRowWith<8>(x, vy, n, max_bits, mask, quantize);
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, nullptr, nullptr, QuantizeRowAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::q8_K

#endif  // defined(__x86_64__)
