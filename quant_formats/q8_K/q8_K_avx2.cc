// q8_K activation quantizer, AVX2. Same bytes as QuantizeRowRef: the float ops are the same
// (one multiply per value, vcvtps2dq rounds half to even like NearestInt), and the largest
// magnitude is found on the integer bits of |x|, whose order equals the float order.
#if defined(__x86_64__)

#include <cfloat>
#include <cstdint>
#include <cstring>

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
  auto* y = static_cast<BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff);
  const __m256i q_max = _mm256_set1_epi32(127);
  const __m256i pack_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    __m256i vmax = _mm256_setzero_si256();
    for (int j = 0; j < kQK_K; j += 8) {
      const __m256i bits = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(x + j)), abs_mask);
      vmax = _mm256_max_epi32(vmax, bits);
    }
    const int max_bits = HmaxI32x8(vmax);
    float amax;
    std::memcpy(&amax, &max_bits, sizeof amax);
    if (max_bits == 0 || max_bits >= 0x7f800000 || 127.f / amax > FLT_MAX) {
      // All zeros, inf/NaN, or so tiny that the scale overflows: the float-to-int conversions
      // below would differ from ggml's bit trick there, so take the scalar path.
      QuantizeRowRef(x, &y[i], kQK_K);
      continue;
    }
    // First index with that magnitude, as the scalar strict-greater scan picks.
    const __m256i target = _mm256_set1_epi32(max_bits);
    int first = 0;
    for (int j = 0; j < kQK_K; j += 8) {
      const __m256i bits = _mm256_and_si256(_mm256_loadu_si256((const __m256i*)(x + j)), abs_mask);
      const int m = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(bits, target)));
      if (m != 0) {
        first = j + __builtin_ctz(static_cast<unsigned>(m));
        break;
      }
    }
    const float iscale = -127.f / x[first];
    const __m256 mul = _mm256_set1_ps(iscale);
    for (int j = 0; j < kQK_K; j += 32) {
      __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(x + j)));
      __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(x + j + 8)));
      __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(x + j + 16)));
      __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(mul, _mm256_loadu_ps(x + j + 24)));
      // Only the top needs clamping: |iscale * x| <= 127 up to rounding, so the low end is -127.
      q0 = _mm256_min_epi32(q0, q_max);
      q1 = _mm256_min_epi32(q1, q_max);
      q2 = _mm256_min_epi32(q2, q_max);
      q3 = _mm256_min_epi32(q3, q_max);
      y[i].bsums[j / 16] = static_cast<int16_t>(HsumI32x8(_mm256_add_epi32(q0, q1)));
      y[i].bsums[j / 16 + 1] = static_cast<int16_t>(HsumI32x8(_mm256_add_epi32(q2, q3)));
      // The packs work per 128-bit lane; the permute restores element order.
      const __m256i p16a = _mm256_packs_epi32(q0, q1);
      const __m256i p16b = _mm256_packs_epi32(q2, q3);
      const __m256i p8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p16a, p16b), pack_order);
      _mm256_storeu_si256((__m256i*)(y[i].qs + j), p8);
    }
    y[i].d = 1 / iscale;
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, nullptr, nullptr, QuantizeRowAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::q8_K

#endif  // defined(__x86_64__)
