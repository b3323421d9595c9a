// Q5_1 kernels for AVX-512 (F, BW, VL; VNNI for VecDotAvx512Vnni). Dequantization takes two
// blocks per 512-bit step; the dot product keeps ggml's summation order (see q5_1.h), one block
// per step in 256-bit registers, with vpdpbusd for the integer sums in the VNNI variant. Bit 4 of
// the codes is added under a byte mask taken straight from qh.
#if defined(__x86_64__)

#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q5_1/q5_1.h"

namespace edgellm::quant::q5_1 {
namespace {

inline uint32_t HighBits(const BlockQ5_1& b) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  return qh;
}

// The codes of blocks a and b, one per byte in [0, 31]: a in bytes 0..31, b in 32..63.
inline __m512i Codes2(const BlockQ5_1& a, const BlockQ5_1& b) {
  const __m512i lo = x86::UnpackNibbles64(a.qs, b.qs);
  const __mmask64 high = HighBits(a) | static_cast<uint64_t>(HighBits(b)) << 32;
  return _mm512_mask_add_epi8(lo, high, lo, _mm512_set1_epi8(16));
}

template <bool Vnni>
inline __m256i DotOne(__m256i q, __m256i a) {
  if constexpr (Vnni) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), q, a);
  } else {
    return x86::DotU8I8(q, a);
  }
}

template <bool Vnni>
float VecDot(int64_t n, const BlockQ5_1* x, const BlockQ8_1* y) {
  // ggml's one 8-lane accumulator, one block per FMA (see q5_1.h): 256-bit registers.
  __m256 acc = _mm256_setzero_ps();
  float sum_m = 0.0f;
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i lo = x86::UnpackNibbles32(x[i].qs);
    const __m256i q = _mm256_mask_add_epi8(lo, HighBits(x[i]), lo, _mm256_set1_epi8(16));
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotOne<Vnni>(q, a)), acc);
    sum_m += x86::HalfToFloat(x[i].m) * x86::HalfToFloat(y[i].s);
  }
  return x86::HsumPs(acc) + sum_m;
}

// y[0..31] = d * (block kHalf of q) + m, rounded after the multiply and after the add as ggml.
template <int kHalf>
inline void DequantHalf(__m512i q, float d, float m, float* y) {
  const __m512 vd = _mm512_set1_ps(d);
  const __m512 vm = _mm512_set1_ps(m);
  const __m512i lo = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(q, 2 * kHalf));
  const __m512i hi = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(q, 2 * kHalf + 1));
  _mm512_storeu_ps(y, _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(lo), vd), vm));
  _mm512_storeu_ps(y + 16, _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(hi), vd), vm));
}

void ToFloatAvx512(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ5_1*>(vx);
  const int64_t nb = n / kBlockSize;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i q = Codes2(x[i], x[i + 1]);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), x86::HalfToFloat(x[i].m), y + i * kBlockSize);
    DequantHalf<1>(q, x86::HalfToFloat(x[i + 1].d), x86::HalfToFloat(x[i + 1].m),
                   y + (i + 1) * kBlockSize);
  }
  if (i < nb) {
    const __m512i q = Codes2(x[i], x[i]);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), x86::HalfToFloat(x[i].m), y + i * kBlockSize);
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<false>(n, static_cast<const BlockQ5_1*>(x), static_cast<const BlockQ8_1*>(y));
}

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<true>(n, static_cast<const BlockQ5_1*>(x), static_cast<const BlockQ8_1*>(y));
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, nullptr, nullptr,
                    ToFloatAvx512},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, nullptr, nullptr,
                    ToFloatAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::q5_1

#endif  // __x86_64__
