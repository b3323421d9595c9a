// AVX-512 kernels of q8_0 (build with the AVX-512 flags; they need F/BW/VL/DQ, and
// VecDotAvx512Vnni also VNNI). Two blocks share one 512-bit register: bytes 0..31 and 32..63.
// fp16 scales go through F16C, never through fp16.h (see q8_0_avx2.cc).
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {
namespace {

inline float Scale(const BlockQ8_0& bx, const BlockQ8_0& by) {
  return x86::HalfToFloat(bx.d) * x86::HalfToFloat(by.d);
}

// 16 int32 partial sums of qx * qy, 8 per block, for blocks b and b + 1.
template <bool kVnni>
inline __m512i DotTwoBlocks(const BlockQ8_0* bx, const BlockQ8_0* by, int64_t b) {
  const __m512i qx = x86::Load2x32(bx[b].qs, bx[b + 1].qs);
  const __m512i qy = x86::Load2x32(by[b].qs, by[b + 1].qs);
  // Unsigned x signed products: |qx| times qy negated where qx < 0 (AVX-512 has no vpsignb; where
  // qx == 0 the product is 0 either way).
  const __m512i ax = _mm512_abs_epi8(qx);
  const __m512i sy = _mm512_mask_sub_epi8(qy, _mm512_movepi8_mask(qx), _mm512_setzero_si512(), qy);
  if constexpr (kVnni) {
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), ax, sy);
  } else {
    return x86::DotU8I8(ax, sy);
  }
}

template <bool kVnni>
inline __m512 AccumulateTwoBlocks(const BlockQ8_0* bx, const BlockQ8_0* by, int64_t b, __m512 acc) {
  const __m512 d = x86::Broadcast2(Scale(bx[b], by[b]), Scale(bx[b + 1], by[b + 1]));
  return _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(DotTwoBlocks<kVnni>(bx, by, b)), acc);
}

template <bool kVnni>
inline void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ8_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  const int64_t nb = n / kQK8_0;
  __m512 acc0 = _mm512_setzero_ps();
  __m512 acc1 = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 3 < nb; b += 4) {
    acc0 = AccumulateTwoBlocks<kVnni>(bx, by, b, acc0);
    acc1 = AccumulateTwoBlocks<kVnni>(bx, by, b + 2, acc1);
  }
  if (b + 1 < nb) {
    acc0 = AccumulateTwoBlocks<kVnni>(bx, by, b, acc0);
    b += 2;
  }
  float sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
  if (b < nb) {  // odd block count: the last block alone, 256 bits wide
    const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx[b].qs));
    const __m256i qy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(by[b].qs));
    const __m256i ax = _mm256_sign_epi8(qx, qx);
    const __m256i sy = _mm256_sign_epi8(qy, qx);
    __m256i p;
    if constexpr (kVnni) {
      p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sy);
    } else {
      p = x86::DotU8I8(ax, sy);
    }
    sum += Scale(bx[b], by[b]) * x86::HsumPs(_mm256_cvtepi32_ps(p));
  }
  *s = sum;
}

}  // namespace

void QuantizeRowActAvx512(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = x86::QuantizeQ8BlockAvx512<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
  }
}

void DequantizeRowAvx512(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const __m512 d = _mm512_set1_ps(x86::HalfToFloat(in[b].d));
    for (int j = 0; j < kQK8_0; j += 16) {
      const __m128i q8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[b].qs + j));
      const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q8));
      _mm512_storeu_ps(y + b * kQK8_0 + j, _mm512_mul_ps(q, d));
    }
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) { VecDot<false>(n, s, x, y); }

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  VecDot<true>(n, s, x, y);
}

}  // namespace edgellm::quant::q8_0

#endif  // __x86_64__
