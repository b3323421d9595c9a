// x86 SIMD helpers of the quant-format kernels, first of the 32-weight block formats (q4_0, q4_1,
// q5_0, q5_1, q8_0, iq4_nl; block32_x86.h): nibble unpacking, bit-to-byte expansion, u8 x i8 dot
// products, horizontal sums.
//
// Include only from translation units compiled with the matching ISA flags: the AVX2 part needs
// -mavx2 -mfma -mf16c, the AVX-512 part also -mavx512f -mavx512bw -mavx512vl. Every helper has
// internal linkage (anonymous namespace): copies compiled for different ISAs must never be merged
// by the linker, or an AVX-512 copy could end up called from an AVX2 kernel.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_X86_SIMD_H_
#define EDGELLM_QUANT_FORMATS_COMMON_X86_SIMD_H_

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own `__Y = __Y` placeholders
// (GCC bug 105593); silence it for those headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>

namespace edgellm::quant::x86 {
namespace {

// fp16 bit pattern -> fp32 with one vcvtph2ps (exact, same as Fp16ToFp32 in fp16.h).
inline float HalfToFloat(uint16_t h) { return _cvtsh_ss(h); }

// fp16 h in all 8 lanes as floats. A vector conversion, not a scalar one and a broadcast: the
// compiler then keeps one vmulps per pair for a product of two block scales in GEMM tiles.
inline __m256 HalfToFloat8(uint16_t h) {
  return _mm256_cvtph_ps(_mm_set1_epi16(static_cast<int16_t>(h)));
}

// 16 bytes of packed 4-bit codes -> 32 bytes, one code each: byte j (j < 16) is the low nibble of
// qs[j], byte j + 16 its high nibble. That is the element order of ggml's 32-weight 4-bit blocks.
inline __m256i UnpackNibbles32(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m256i both =
      _mm256_inserti128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
  return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// Byte i of the result is 0xFF when bit i of `bits` is set, else 0.
inline __m256i BitsToBytes32(uint32_t bits) {
  // Byte i gets byte i / 8 of `bits`; OR-ing every bit but bit i % 8 leaves all ones iff it is set.
  const __m256i spread =
      _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                          _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101,
                                             0x0202020202020202, 0x0303030303030303));
  const __m256i others = _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe);
  return _mm256_cmpeq_epi8(_mm256_or_si256(spread, others), _mm256_set1_epi64x(-1));
}

// Products u[i] * s[i] of unsigned and signed bytes, summed in groups of 4 adjacent bytes into 8
// int32 lanes. Exact while each sum of 2 adjacent products fits int16 (|u| < 128 suffices).
inline __m256i DotU8I8(__m256i u, __m256i s) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

inline float HsumPs(__m256 v) {
  __m128 r = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

}  // namespace
}  // namespace edgellm::quant::x86

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

namespace edgellm::quant::x86 {
namespace {

// Two blocks' 16 packed bytes -> 64 bytes, one code each, in the layout of UnpackNibbles32 for
// each block: block a in bytes 0..31, block b in bytes 32..63.
inline __m512i UnpackNibbles64(const uint8_t* qs_a, const uint8_t* qs_b) {
  const __m256i a =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs_a)));
  const __m256i b =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs_b)));
  const __m512i aabb = _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
  // Shift the second copy of each block right by 4; the mask drops the bits that crossed bytes.
  const __m512i shifted = _mm512_srlv_epi64(aabb, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
  return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0F));
}

// One block's 16 packed bytes -> its 32 codes (UnpackNibbles32's order) in bytes 0..31 and again
// in bytes 32..63.
inline __m512i UnpackNibblesTwice(const uint8_t* qs) {
  const __m512i packed =
      _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  const __m512i shifted = _mm512_srlv_epi64(packed, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
  return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0F));
}

// 32 bytes at a into bytes 0..31, 32 bytes at b into bytes 32..63.
inline __m512i Load2x32(const void* a, const void* b) {
  const __m256i lo = _mm256_loadu_si256(static_cast<const __m256i*>(a));
  const __m256i hi = _mm256_loadu_si256(static_cast<const __m256i*>(b));
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// a in lanes 0..7, b in lanes 8..15 (F only: no AVX512DQ needed).
inline __m512 Broadcast2(float a, float b) {
  const __m512d lo = _mm512_castpd256_pd512(_mm256_castps_pd(_mm256_set1_ps(a)));
  return _mm512_castpd_ps(_mm512_insertf64x4(lo, _mm256_castps_pd(_mm256_set1_ps(b)), 1));
}

// fp16 a in lanes 0..7 and fp16 b in lanes 8..15, as floats (vcvtph2ps is exact).
inline __m512 HalvesToFloat2(uint16_t a, uint16_t b) {
  const __m256i h =
      _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_set1_epi16(a)), _mm_set1_epi16(b), 1);
  return _mm512_cvtph_ps(h);
}

// The results of GEMM accumulators that hold a token pair each (token 2p in lanes 0..7, token
// 2p + 1 in lanes 8..15, of row r): HsumPs of each half into s[t * s_stride + r], for t < ny.
// Needs AVX512DQ (vextractf32x8) where instantiated.
template <int kRows, int kPairs>
inline void StorePairSums(const __m512 (&acc)[kRows][kPairs], int ny, float* s, size_t s_stride) {
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
    for (int p = 0; p < kPairs; ++p) {
      s[2 * p * s_stride + r] = HsumPs(_mm512_castps512_ps256(acc[r][p]));
      if (2 * p + 1 < ny) {
        s[(2 * p + 1) * s_stride + r] = HsumPs(_mm512_extractf32x8_ps(acc[r][p], 1));
      }
    }
  }
}

// As DotU8I8, 16 int32 lanes.
inline __m512i DotU8I8(__m512i u, __m512i s) {
  return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1));
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // AVX-512 F/BW/VL
#endif  // x86-64 with AVX2/FMA/F16C
#endif  // EDGELLM_QUANT_FORMATS_COMMON_X86_SIMD_H_
