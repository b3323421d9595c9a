// Q4_0 kernels for AVX-512 (F, BW, VL; VNNI for VecDotAvx512Vnni). Dequantization takes two
// blocks per 512-bit step; the dot product keeps ggml's summation order (see q4_0.h), one block
// per step in 256-bit registers, with vpdpbusd for the integer sums in the VNNI variant.
#if defined(__x86_64__)

#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {
namespace {

// Integer dot of one block in 8 int32 lanes (values 4l..4l+3 in lane l); Vnni picks vpdpbusd.
template <bool Vnni>
inline __m256i DotOne(__m256i q, __m256i a) {
  const __m256i eight = _mm256_set1_epi8(8);
  if constexpr (Vnni) {
    const __m256i zero = _mm256_setzero_si256();
    return _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, q, a), _mm256_dpbusd_epi32(zero, eight, a));
  } else {
    const __m256i p16 =
        _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(eight, a));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
  }
}

template <bool Vnni>
float VecDot(int64_t n, const BlockQ4_0* x, const BlockQ8_0* y) {
  // ggml's one 8-lane accumulator, one block per FMA (see q4_0.h): 256-bit registers.
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i q = x86::UnpackNibbles32(x[i].qs);
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotOne<Vnni>(q, a)), acc);
  }
  return x86::HsumPs(acc);
}

// y[0..31] = d * (block kHalf of q, as signed bytes).
template <int kHalf>
inline void DequantHalf(__m512i q, float d, float* y) {
  const __m512 vd = _mm512_set1_ps(d);
  const __m512i lo = _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(q, 2 * kHalf));
  const __m512i hi = _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(q, 2 * kHalf + 1));
  _mm512_storeu_ps(y, _mm512_mul_ps(_mm512_cvtepi32_ps(lo), vd));
  _mm512_storeu_ps(y + 16, _mm512_mul_ps(_mm512_cvtepi32_ps(hi), vd));
}

}  // namespace

void ToFloatAvx512(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  const __m512i eight = _mm512_set1_epi8(8);
  const int64_t nb = n / kBlockSize;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i q = _mm512_sub_epi8(x86::UnpackNibbles64(x[i].qs, x[i + 1].qs), eight);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
    DequantHalf<1>(q, x86::HalfToFloat(x[i + 1].d), y + (i + 1) * kBlockSize);
  }
  if (i < nb) {
    const __m512i q = _mm512_sub_epi8(x86::UnpackNibbles64(x[i].qs, x[i].qs), eight);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<false>(n, static_cast<const BlockQ4_0*>(x), static_cast<const BlockQ8_0*>(y));
}

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<true>(n, static_cast<const BlockQ4_0*>(x), static_cast<const BlockQ8_0*>(y));
}

}  // namespace edgellm::quant::q4_0

#endif  // __x86_64__
