// iq4_xs x q8_K dot product, AVX2: codes become signed levels through a byte shuffle of the code
// book, are multiplied with maddubs (sign moved onto the q8_K byte) and scaled per sub-block of
// 32 with madd. Two sub-blocks per step: the low-nibble codes of both sit in one register (one
// per 128-bit lane), the high-nibble codes in another, and the q8_K bytes are loaded to match.
#include "quant_formats/iq4_xs/iq4_xs.h"

#if defined(__x86_64__)

#include <cstring>

#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::iq4xs {
namespace {

// The 8 sub-block scales (in [-32, 31]) as int16 in both 128-bit lanes, built in registers.
inline __m256i Scales(const BlockIQ4XS& b) {
  uint32_t low;
  std::memcpy(&low, b.scales_l, sizeof low);
  const __m256i lo =
      _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(low)),
                                         _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28)),
                       _mm256_set1_epi32(0xF));
  const __m256i hi =
      _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(b.scales_h),
                                         _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14)),
                       _mm256_set1_epi32(3));
  const __m256i s32 =
      _mm256_sub_epi32(_mm256_or_si256(lo, _mm256_slli_epi32(hi, 4)), _mm256_set1_epi32(32));
  // packs gives [s0..s3 s0..s3 | s4..s7 s4..s7]; keep 64-bit pieces 0 and 2 in each lane.
  return _mm256_permute4x64_epi64(_mm256_packs_epi32(s32, s32), 0x88);
}

// |v| * (y with v's sign), pairs summed to int16: exact since |v| <= 127.
inline __m256i SignedProducts(__m256i v, __m256i y) {
  return _mm256_maddubs_epi16(_mm256_sign_epi8(v, v), _mm256_sign_epi8(y, v));
}

}  // namespace

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockIQ4XS* x = static_cast<const BlockIQ4XS*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i book =
      _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl)));
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    const __m256i scales = Scales(x[i]);
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      // Sub-blocks a = 2c (low lane) and b = 2c + 1 (high lane).
      const __m256i codes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs + 32 * c));
      const __m256i v_lo = _mm256_shuffle_epi8(book, _mm256_and_si256(codes, m4));
      const __m256i v_hi =
          _mm256_shuffle_epi8(book, _mm256_and_si256(_mm256_srli_epi16(codes, 4), m4));
      const int8_t* q8 = y[i].qs + 64 * c;
      const __m256i y_lo = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(q8 + 32),
                                               reinterpret_cast<const __m128i*>(q8));
      const __m256i y_hi = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(q8 + 48),
                                               reinterpret_cast<const __m128i*>(q8 + 16));
      const __m256i scale = x86::ScalePair(scales, c);
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(SignedProducts(v_lo, y_lo), scale));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(SignedProducts(v_hi, y_hi), scale));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  *s = x86::HsumPs(acc);
}

}  // namespace edgellm::quant::iq4xs

#endif  // __x86_64__
