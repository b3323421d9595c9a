// AVX-512 kernels of q8_0 (build with the AVX-512 flags; they need F/BW/VL/DQ, and
// VecDotAvx512Vnni also VNNI). The dot products keep ggml's one 8-lane accumulator (see q8_0.h),
// so they work on 256-bit registers, VecDotAvx512Vnni with vpdpbusd for the integer sums.
// fp16 scales go through F16C, never through fp16.h (see q8_0_avx2.cc).
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {
namespace {

// acc + (dx * dy) * (8 partial sums of qx * qy, products 4l..4l+3 in lane l) for one block.
template <bool kVnni>
inline __m256 AccumulateBlock(const BlockQ8_0& bx, const BlockQ8_0& by, __m256 acc) {
  const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx.qs));
  const __m256i qy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(by.qs));
  // Unsigned x signed products: move the sign of qx onto qy.
  const __m256i ax = _mm256_sign_epi8(qx, qx);
  const __m256i sy = _mm256_sign_epi8(qy, qx);
  __m256i p;
  if constexpr (kVnni) {
    p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sy);
  } else {
    p = x86::DotU8I8(ax, sy);
  }
  const __m256 d = _mm256_set1_ps(x86::HalfToFloat(bx.d) * x86::HalfToFloat(by.d));
  return _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc);
}

template <bool kVnni>
inline void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ8_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK8_0; ++b) acc = AccumulateBlock<kVnni>(bx[b], by[b], acc);
  *s = x86::HsumPs(acc);
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
