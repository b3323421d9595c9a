// AVX2 kernels of bf16 (build with -mavx2 -mfma -mf16c). Row tails use fp16.h's conversions
// (static, so this file's copies stay its own).
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"

namespace edgellm::quant::bf16 {
namespace {

using float_rows::ConvertEach;
using float_x86::Sum16;

// 8 bf16 -> 8 floats: the bf16 bits are the top half of the fp32.
inline void ToFloat8(const uint16_t* in, float* out) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
  _mm256_storeu_ps(out, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)));
}

// 8 floats -> 8 bf16 in the low 16 bits of each lane: round to nearest even, NaN quietened.
inline __m256i Round8(__m256 v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff))), 16);
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                         _mm256_set1_epi32(0x7f800000));
  return _mm256_blendv_epi8(rounded, quiet, nan);
}

// 16 bf16 as 8 pairs -> the even (low half) or odd (high half) elements as 8 floats, bf16
// subnormals read as zero, as vdpbf16ps reads its inputs.
inline __m256 ReadAsZeroIfSubnormal(__m256i bits) {
  const __m256i subnormal = _mm256_cmpeq_epi32(
      _mm256_and_si256(bits, _mm256_set1_epi32(0x7f800000)), _mm256_setzero_si256());
  return _mm256_castsi256_ps(_mm256_andnot_si256(subnormal, bits));
}
inline __m256 Odd(__m256i w) {
  const __m256i high_half = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  return ReadAsZeroIfSubnormal(_mm256_and_si256(w, high_half));
}
inline __m256 Even(__m256i w) { return ReadAsZeroIfSubnormal(_mm256_slli_epi32(w, 16)); }

// Subnormal results flushed to signed zero, as vdpbf16ps writes them.
inline __m256 Flush(__m256 v) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 tiny =
      _mm256_cmp_ps(_mm256_andnot_ps(sign, v), _mm256_set1_ps(0x1p-126f), _CMP_LT_OQ);
  return _mm256_blendv_ps(v, _mm256_and_ps(v, sign), tiny);
}

// vdpbf16ps on 8 fp32 lanes: lane l += a[2l+1] * b[2l+1], then += a[2l] * b[2l].
inline __m256 DotPairs8(__m256 acc, const uint16_t* a, const uint16_t* b) {
  const __m256i wa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
  const __m256i wb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
  acc = Flush(_mm256_fmadd_ps(Odd(wa), Odd(wb), acc));
  return Flush(_mm256_fmadd_ps(Even(wa), Even(wb), acc));
}

float Dot(int64_t n, const uint16_t* a, const uint16_t* b) {
  const int64_t np = n - n % 64;
  // Two 16-lane accumulators, each as lanes 0..7 and 8..15.
  __m256 c1lo = _mm256_setzero_ps(), c1hi = _mm256_setzero_ps();
  __m256 c2lo = _mm256_setzero_ps(), c2hi = _mm256_setzero_ps();
  for (int64_t i = 0; i < np; i += 64) {
    c1lo = DotPairs8(c1lo, a + i, b + i);
    c1hi = DotPairs8(c1hi, a + i + 16, b + i + 16);
    c2lo = DotPairs8(c2lo, a + i + 32, b + i + 32);
    c2hi = DotPairs8(c2hi, a + i + 48, b + i + 48);
  }
  double sum = Sum16(c1lo, c1hi);
  sum += Sum16(c2lo, c2hi);
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(Bf16ToFp32(a[i]) * Bf16ToFp32(b[i]));
  return static_cast<float>(sum);
}

// tinyBLAS's bf16 dot: two 8-lane accumulators fed 32 values a step (GemmStep), then Sum16.
inline float_x86::Lanes16 GemmStep(float_x86::Lanes16 acc, const uint16_t* a, const uint16_t* b) {
  return {DotPairs8(acc.lo, a, b), DotPairs8(acc.hi, a + 16, b + 16)};
}
float GemmDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  float_x86::Lanes16 acc = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n; i += 32) acc = GemmStep(acc, a + i, b + i);
  return float_x86::SumLanes16(acc);
}

// 16 floats -> 16 bf16.
inline void FromFloat16(const float* in, uint16_t* out) {
  // packus works per 128-bit lane: 64-bit groups come out as 0 2 1 3.
  const __m256i packed =
      _mm256_packus_epi32(Round8(_mm256_loadu_ps(in)), Round8(_mm256_loadu_ps(in + 8)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                      _mm256_permute4x64_epi64(packed, _MM_SHUFFLE(3, 1, 2, 0)));
}

// The row conversions: whole steps above, the tails by fp16.h's.
constexpr auto kToFloat =
    float_rows::ConvertRow<uint16_t, float, 8, ToFloat8, ConvertEach<uint16_t, float, Bf16ToFp32>>;
constexpr auto kFromFloat = float_rows::ConvertRow<float, uint16_t, 16, FromFloat16,
                                                   ConvertEach<float, uint16_t, Fp32ToBf16>>;

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET(float_rows::TiledDotEntry<uint16_t, float_x86::Lanes16, Dot, GemmDot, GemmStep,
                                             float_x86::SumLanes16, 32, 32, 2, 2>(
    EDGE_ISA_AVX2, kAvx2Features, kFromFloat, kToFloat));
}  // namespace avx2

}  // namespace edgellm::quant::bf16

#endif  // __x86_64__
