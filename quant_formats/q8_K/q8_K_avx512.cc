// q8_K activation quantizer, AVX-512 (q8_K.h's QuantizeRowWith). Same bytes as QuantizeRowRef,
// for the reasons given in q8_K_avx2.cc; one 16-lane vector is exactly one bsums group.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q8_K/q8_K.h"

namespace edgellm::quant::q8_K {
namespace {

void QuantizeRowAvx512(const float* x, void* vy, int64_t n) {
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
  const __m512i q_max = _mm512_set1_epi32(127);
  const auto abs_bits = [&](const float* p) {
    return _mm512_and_si512(_mm512_loadu_si512(p), abs_mask);
  };
  const auto max_bits = [&](const float* xb) {
    __m512i vmax = _mm512_setzero_si512();
    for (int j = 0; j < kQK_K; j += 16) vmax = _mm512_max_epi32(vmax, abs_bits(xb + j));
    return _mm512_reduce_max_epi32(vmax);
  };
  const auto mask = [&](const float* xb, int j, int bits) {
    return static_cast<unsigned>(
        _mm512_cmpeq_epi32_mask(abs_bits(xb + j), _mm512_set1_epi32(bits)));
  };
  const auto quantize = [&](const float* xb, float iscale, BlockQ8_K* b) {
    const __m512 mul = _mm512_set1_ps(iscale);
    for (int j = 0; j < kQK_K; j += 16) {
      __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(mul, _mm512_loadu_ps(xb + j)));
      // Only the top needs clamping: |iscale * x| <= 127 up to rounding, so the low end is -127.
      q = _mm512_min_epi32(q, q_max);
      b->bsums[j / 16] = static_cast<int16_t>(_mm512_reduce_add_epi32(q));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(b->qs + j), _mm512_cvtsepi32_epi8(q));
    }
  };
  QuantizeRowWith<16>(x, vy, n, max_bits, mask, quantize);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512Features, nullptr, nullptr, QuantizeRowAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::q8_K

#endif  // defined(__x86_64__)
