// q8_K activation quantizer, AVX-512. Same bytes as QuantizeRowRef, for the reasons given
// in q8_K_avx2.cc; one 16-lane vector is exactly one bsums group.
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

void QuantizeRowAvx512(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
  const __m512i q_max = _mm512_set1_epi32(127);
  for (int64_t i = 0; i < nb; ++i, x += kQK_K) {
    __m512i vmax = _mm512_setzero_si512();
    for (int j = 0; j < kQK_K; j += 16) {
      vmax = _mm512_max_epi32(vmax, _mm512_and_si512(_mm512_loadu_si512(x + j), abs_mask));
    }
    const int max_bits = _mm512_reduce_max_epi32(vmax);
    float amax;
    std::memcpy(&amax, &max_bits, sizeof amax);
    if (max_bits == 0 || max_bits >= 0x7f800000 || 127.f / amax > FLT_MAX) {
      // All zeros, inf/NaN, or so tiny that the scale overflows: the float-to-int conversions
      // below would differ from ggml's bit trick there, so take the scalar path.
      QuantizeRowRef(x, &y[i], kQK_K);
      continue;
    }
    // First index with that magnitude, as the scalar strict-greater scan picks.
    const __m512i target = _mm512_set1_epi32(max_bits);
    int first = 0;
    for (int j = 0; j < kQK_K; j += 16) {
      const __m512i bits = _mm512_and_si512(_mm512_loadu_si512(x + j), abs_mask);
      const __mmask16 m = _mm512_cmpeq_epi32_mask(bits, target);
      if (m != 0) {
        first = j + __builtin_ctz(static_cast<unsigned>(m));
        break;
      }
    }
    const float iscale = -127.f / x[first];
    const __m512 mul = _mm512_set1_ps(iscale);
    for (int j = 0; j < kQK_K; j += 16) {
      __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(mul, _mm512_loadu_ps(x + j)));
      // Only the top needs clamping: |iscale * x| <= 127 up to rounding, so the low end is -127.
      q = _mm512_min_epi32(q, q_max);
      y[i].bsums[j / 16] = static_cast<int16_t>(_mm512_reduce_add_epi32(q));
      _mm_storeu_si128((__m128i*)(y[i].qs + j), _mm512_cvtsepi32_epi8(q));
    }
    y[i].d = 1 / iscale;
  }
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512Features, nullptr, nullptr, QuantizeRowAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::q8_K

#endif  // defined(__x86_64__)
