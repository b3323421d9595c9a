// IQ4_NL kernels for AVX-512 (F, BW, VL; VNNI for VecDotAvx512Vnni): two blocks per 512-bit step,
// an odd last block in 256-bit registers; codes become codebook values with one byte shuffle.
#if defined(__x86_64__)

#include <cstddef>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl {
namespace {

inline __m128i Codebook() { return _mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl)); }

// Signed codebook values v times signed activations a, summed per 4 bytes into int32 lanes.
// VNNI: vpdpbusd on v + 128 (unsigned), minus 128 * a. Otherwise maddubs on |v| and a with v's
// sign (|v| <= 127 keeps the pair sums within int16).
template <bool Vnni>
inline __m512i DotPair(__m512i v, __m512i a) {
  if constexpr (Vnni) {
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    const __m512i zero = _mm512_setzero_si512();
    const __m512i u = _mm512_xor_si512(v, bias);
    return _mm512_sub_epi32(_mm512_dpbusd_epi32(zero, u, a), _mm512_dpbusd_epi32(zero, bias, a));
  } else {
    const __m512i signed_a =
        _mm512_mask_sub_epi8(a, _mm512_movepi8_mask(v), _mm512_setzero_si512(), a);
    return x86::DotU8I8(_mm512_abs_epi8(v), signed_a);
  }
}

template <bool Vnni>
inline __m256i DotOne(__m256i v, __m256i a) {
  if constexpr (Vnni) {
    const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
    const __m256i zero = _mm256_setzero_si256();
    const __m256i u = _mm256_xor_si256(v, bias);
    return _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, u, a), _mm256_dpbusd_epi32(zero, bias, a));
  } else {
    return x86::DotU8I8(_mm256_sign_epi8(v, v), _mm256_sign_epi8(a, v));
  }
}

// Even blocks in lanes 0..7, odd blocks in lanes 8..15: ggml's two 8-lane accumulators (see
// iq4_nl.h), which _mm512_reduce_add_ps adds lane by lane before its HalvingSum8.
template <bool Vnni>
float VecDot(int64_t n, const BlockIQ4_NL* x, const BlockQ8_0* y) {
  const int64_t nb = n / kBlockSize;
  const __m512i table = _mm512_broadcast_i32x4(Codebook());
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i v = _mm512_shuffle_epi8(table, x86::UnpackNibbles64(x[i].qs, x[i + 1].qs));
    const __m512i a = x86::Load2x32(y[i].qs, y[i + 1].qs);
    const __m512 d = x86::Broadcast2(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d),
                                     x86::HalfToFloat(x[i + 1].d) * x86::HalfToFloat(y[i + 1].d));
    acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(DotPair<Vnni>(v, a)), acc);
  }
  float sum = _mm512_reduce_add_ps(acc);
  if (i < nb) {
    const __m256i v =
        _mm256_shuffle_epi8(_mm512_castsi512_si256(table), x86::UnpackNibbles32(x[i].qs));
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    const __m256 p = _mm256_cvtepi32_ps(DotOne<Vnni>(v, a));
    // ggml's scalar tail: d * (integer sum, exact in p's lanes) + sum, one FMA.
    const float d = x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d);
    sum = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(d), _mm_set_ss(x86::HsumPs(p)), _mm_set_ss(sum)));
  }
  return sum;
}

// tinyBLAS's Q0 GEMM: one 8-lane accumulator over all blocks.
template <bool Vnni>
void Batch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
           size_t x_stride, const void* vy, size_t y_stride) {
  const __m256i table = _mm256_broadcastsi128_si256(Codebook());
  for (int64_t r = 0; r < nx; ++r) {
    const auto* x =
        reinterpret_cast<const BlockIQ4_NL*>(static_cast<const char*>(vx) + r * x_stride);
    for (int64_t t = 0; t < ny; ++t) {
      const auto* y =
          reinterpret_cast<const BlockQ8_0*>(static_cast<const char*>(vy) + t * y_stride);
      __m256 acc = _mm256_setzero_ps();
      for (int64_t i = 0; i < n / kBlockSize; ++i) {
        const __m256i v = _mm256_shuffle_epi8(table, x86::UnpackNibbles32(x[i].qs));
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
        const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotOne<Vnni>(v, a)), acc);
      }
      s[t * s_stride + r] = x86::HsumPs(acc);
    }
  }
}

// y[0..31] = d * (block kHalf of v, as signed bytes).
template <int kHalf>
inline void DequantHalf(__m512i v, float d, float* y) {
  const __m512 vd = _mm512_set1_ps(d);
  const __m512i lo = _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(v, 2 * kHalf));
  const __m512i hi = _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(v, 2 * kHalf + 1));
  _mm512_storeu_ps(y, _mm512_mul_ps(vd, _mm512_cvtepi32_ps(lo)));
  _mm512_storeu_ps(y + 16, _mm512_mul_ps(vd, _mm512_cvtepi32_ps(hi)));
}

void ToFloatAvx512(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const __m512i table = _mm512_broadcast_i32x4(Codebook());
  const int64_t nb = n / kBlockSize;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i v = _mm512_shuffle_epi8(table, x86::UnpackNibbles64(x[i].qs, x[i + 1].qs));
    DequantHalf<0>(v, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
    DequantHalf<1>(v, x86::HalfToFloat(x[i + 1].d), y + (i + 1) * kBlockSize);
  }
  if (i < nb) {
    const __m512i v = _mm512_shuffle_epi8(table, x86::UnpackNibbles64(x[i].qs, x[i].qs));
    DequantHalf<0>(v, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<false>(n, static_cast<const BlockIQ4_NL*>(x), static_cast<const BlockQ8_0*>(y));
}

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<true>(n, static_cast<const BlockIQ4_NL*>(x), static_cast<const BlockQ8_0*>(y));
}

void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                       const void* x, size_t x_stride, const void* y, size_t y_stride) {
  Batch<false>(n, nx, ny, s, s_stride, x, x_stride, y, y_stride);
}

void VecDotBatchAvx512Vnni(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                           const void* x, size_t x_stride, const void* y, size_t y_stride) {
  Batch<true>(n, nx, ny, s, s_stride, x, x_stride, y, y_stride);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, VecDotBatchAvx512Vnni,
                    nullptr, ToFloatAvx512},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr,
                    ToFloatAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::iq4_nl

#endif  // __x86_64__
