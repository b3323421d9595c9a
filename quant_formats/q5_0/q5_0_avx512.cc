// Q5_0 kernels for AVX-512 (F, BW, VL; VNNI for VecDotAvx512Vnni). Dequantization takes two
// blocks per 512-bit step; the dot product keeps ggml's summation order (see q5_0.h), one block
// per step in 256-bit registers, with vpdpbusd for the integer sums in the VNNI variant. Bit 4 of
// the codes is added under a byte mask taken straight from qh.
#if defined(__x86_64__)

#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q5_0/q5_0.h"

namespace edgellm::quant::q5_0 {
namespace {

inline uint32_t HighBits(const BlockQ5_0& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  return qh;
}

// The codes of blocks a and b, one per byte in [0, 31]: a in bytes 0..31, b in 32..63.
inline __m512i Codes2(const BlockQ5_0& a, const BlockQ5_0& b) {
  const __m512i lo = x86::UnpackNibbles64(a.qs, b.qs);
  const __mmask64 high = HighBits(a) | static_cast<uint64_t>(HighBits(b)) << 32;
  return _mm512_mask_add_epi8(lo, high, lo, _mm512_set1_epi8(16));
}

template <bool Vnni>
inline __m256i DotOne(__m256i q, __m256i a) {
  const __m256i sixteen = _mm256_set1_epi8(16);
  if constexpr (Vnni) {
    const __m256i zero = _mm256_setzero_si256();
    return _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, q, a), _mm256_dpbusd_epi32(zero, sixteen, a));
  } else {
    const __m256i p16 =
        _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(sixteen, a));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
  }
}

template <bool Vnni>
float VecDot(int64_t n, const BlockQ5_0* x, const BlockQ8_0* y) {
  // ggml's one 8-lane accumulator, one block per FMA (see q5_0.h): 256-bit registers.
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i lo = x86::UnpackNibbles32(x[i].qs);
    const __m256i q = _mm256_mask_add_epi8(lo, HighBits(x[i]), lo, _mm256_set1_epi8(16));
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

void ToFloatAvx512(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ5_0*>(vx);
  const __m512i sixteen = _mm512_set1_epi8(16);
  const int64_t nb = n / kBlockSize;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i q = _mm512_sub_epi8(Codes2(x[i], x[i + 1]), sixteen);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
    DequantHalf<1>(q, x86::HalfToFloat(x[i + 1].d), y + (i + 1) * kBlockSize);
  }
  if (i < nb) {
    const __m512i q = _mm512_sub_epi8(Codes2(x[i], x[i]), sixteen);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<false>(n, static_cast<const BlockQ5_0*>(x), static_cast<const BlockQ8_0*>(y));
}

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<true>(n, static_cast<const BlockQ5_0*>(x), static_cast<const BlockQ8_0*>(y));
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, nullptr, nullptr,
                    ToFloatAvx512},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, nullptr, nullptr,
                    ToFloatAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::q5_0

#endif  // __x86_64__
