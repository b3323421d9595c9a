// One-block quantizers shared by the q8_0 and q8_1 plugins (blocks of 32 floats -> one fp32
// scale d and 32 int8 q with x ~ d * q; layouts in q8_blocks.h). ggml quantizes these two formats
// in two ways that can disagree in the last bit:
//   - the reference (ggml-quants.c quantize_row_q8_0_ref / _q8_1_ref): id = 1 / d, roundf
//     (ties away from zero);
//   - the x86 CPU activation path (ggml-cpu arch/x86 quantize_row_q8_0 / _q8_1 with AVX/AVX2):
//     id = 127 / amax, vroundps to nearest even.
// Both use d = amax / 127. The two agree unless x * id lands on a .5 tie or the two ids differ by
// an ulp across a rounding boundary.
//
// Every function has internal linkage (anonymous namespace): copies built with different ISA flags
// must never be merged by the linker. The SIMD parts need the matching flags (AVX2: -mavx2 -mfma
// -mf16c; AVX-512: also -mavx512f -mavx512bw -mavx512vl; NEON: any aarch64 target).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_Q8_QUANTIZE_H_
#define EDGELLM_QUANT_FORMATS_COMMON_Q8_QUANTIZE_H_

#include <cmath>
#include <cstdint>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {
namespace {

// Reference quantizer of one block: returns d, writes q and *sum = sum of q.
inline float QuantizeQ8BlockRef(const float* x, int8_t* q, int* sum) {
  float amax = 0.0f;
  for (int j = 0; j < kQK8_0; ++j) {
    const float a = std::fabs(x[j]);
    amax = amax > a ? amax : a;  // ggml's MAX(amax, fabsf(x))
  }
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int s = 0;
  for (int j = 0; j < kQK8_0; ++j) {
    q[j] = static_cast<int8_t>(std::round(x[j] * id));
    s += q[j];
  }
  *sum = s;
  return d;
}

// The x86 CPU activation quantizer of one block, in portable C++; same outputs as the SIMD
// versions below. nearbyint rounds half to even in the default rounding mode.
inline float QuantizeQ8BlockX86(const float* x, int8_t* q, int* sum) {
  float amax = 0.0f;
  for (int j = 0; j < kQK8_0; ++j) {
    const float a = std::fabs(x[j]);
    amax = amax > a ? amax : a;  // vmaxps(amax, a) for non-NaN input
  }
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  int s = 0;
  for (int j = 0; j < kQK8_0; ++j) {
    q[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));
    s += q[j];
  }
  *sum = s;
  return d;
}

}  // namespace
}  // namespace edgellm::quant

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings

namespace edgellm::quant::x86 {
namespace {

// QuantizeQ8BlockX86 with AVX2: writes q, returns d; with kWantSum also *sum.
template <bool kWantSum>
inline float QuantizeQ8BlockAvx2(const float* x, int8_t* q, int* sum) {
  __m256 v0 = _mm256_loadu_ps(x);
  __m256 v1 = _mm256_loadu_ps(x + 8);
  __m256 v2 = _mm256_loadu_ps(x + 16);
  __m256 v3 = _mm256_loadu_ps(x + 24);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 m =
      _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v0), _mm256_andnot_ps(sign, v1)),
                    _mm256_max_ps(_mm256_andnot_ps(sign, v2), _mm256_andnot_ps(sign, v3)));
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  const float amax = _mm_cvtss_f32(m4);
  const float d = amax / 127.0f;
  const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m256i i0 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, id), kRound));
  const __m256i i1 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, id), kRound));
  const __m256i i2 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, id), kRound));
  const __m256i i3 = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, id), kRound));
  if constexpr (kWantSum) {
    const __m256i s8 = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    s4 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(2, 3, 0, 1)));
    *sum = _mm_cvtsi128_si32(s4);
  }
  // The packs work per 128-bit lane, leaving 4-byte groups in the order 0 2 4 6 1 3 5 7.
  const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  const __m256i ordered =
      _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(q), ordered);
  return d;
}

}  // namespace
}  // namespace edgellm::quant::x86

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

namespace edgellm::quant::x86 {
namespace {

// QuantizeQ8BlockX86 with AVX-512: writes q, returns d; with kWantSum also *sum.
template <bool kWantSum>
inline float QuantizeQ8BlockAvx512(const float* x, int8_t* q, int* sum) {
  const __m512 v0 = _mm512_loadu_ps(x);
  const __m512 v1 = _mm512_loadu_ps(x + 16);
  const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
  const float d = amax / 127.0f;
  const __m512 id = _mm512_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m512i i0 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v0, id), kRound));
  const __m512i i1 = _mm512_cvtps_epi32(_mm512_roundscale_ps(_mm512_mul_ps(v1, id), kRound));
  if constexpr (kWantSum) *sum = _mm512_reduce_add_epi32(_mm512_add_epi32(i0, i1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q), _mm512_cvtsepi32_epi8(i0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16), _mm512_cvtsepi32_epi8(i1));
  return d;
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // AVX-512 F/BW/VL
#endif  // x86-64 with AVX2/FMA/F16C

#if defined(__aarch64__)

#include "quant_formats/common/neon_simd.h"

namespace edgellm::quant::neon_simd {
namespace {

// QuantizeQ8BlockX86 with NEON: writes q, returns d; with kWantSum also *sum. The x86 path, not
// ggml's ARM one (id = 1 / d), so that every ISA feeds the dot products the same bytes, which are
// those of the golden activations; fcvtns rounds half to even like vroundps.
template <bool kWantSum>
inline float QuantizeQ8BlockNeon(const float* x, int8_t* q, int* sum) {
  float32x4_t v[8];
  float32x4_t m = vdupq_n_f32(0.0f);
  for (int j = 0; j < 8; ++j) {
    v[j] = vld1q_f32(x + 4 * j);
    m = vmaxq_f32(m, vabsq_f32(v[j]));
  }
  const float amax = vmaxvq_f32(m);
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  int32x4_t s = vdupq_n_s32(0);
  int16x8_t h[4];
  for (int j = 0; j < 4; ++j) {
    const int32x4_t a = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j], id));
    const int32x4_t b = vcvtnq_s32_f32(vmulq_n_f32(v[2 * j + 1], id));
    if constexpr (kWantSum) s = vaddq_s32(s, vaddq_s32(a, b));
    h[j] = vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
  }
  vst1q_s8(q, vcombine_s8(vqmovn_s16(h[0]), vqmovn_s16(h[1])));
  vst1q_s8(q + 16, vcombine_s8(vqmovn_s16(h[2]), vqmovn_s16(h[3])));
  if constexpr (kWantSum) *sum = vaddvq_s32(s);
  return d;
}

}  // namespace
}  // namespace edgellm::quant::neon_simd

#endif  // __aarch64__
#endif  // EDGELLM_QUANT_FORMATS_COMMON_Q8_QUANTIZE_H_
