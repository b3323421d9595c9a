// x86 kernels of q4_K and q5_K, the formats whose 12-byte field packs 6-bit sub-block scales and
// mins (layout in k_quants.h, GetScaleMinK4): that field unpacked in registers, the min term, and
// the vec_dot kernels of both formats (AVX2, AVX-512), which differ only in q5_K's fifth bits.
//
// Same ISA rules as x86_simd.h, which it builds on: include only from translation units compiled
// with -mavx2 -mfma -mf16c (or more); internal linkage, so copies built for different ISAs never
// merge.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_X86_H_
#define EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_X86_H_

#include "quant_formats/common/kquant_x86.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <cstdint>

namespace edgellm::quant::x86 {
namespace {

// Reads 16 bytes at `packed`: the 12-byte field and the 4 bytes after it (the next field of the
// same block). Returns bytes 0..7 = scales of sub-blocks 0..7, bytes 8..15 = their mins.
inline __m128i ScalesMinsK4(const uint8_t* packed) {
  const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(packed));
  // With words w0 w1 w2: scales 0..3 = w0 & 0x3f.., scales 4..7 = (w2 & 0x0f..) | top 2 bits of
  // each byte of w0 moved to bits 4..5; mins the same with w1 and the high nibbles of w2.
  const __m128i low_src = _mm_shuffle_epi32(w, _MM_SHUFFLE(2, 1, 2, 0));   // w0 w2 w1 w2
  const __m128i high_src = _mm_shuffle_epi32(w, _MM_SHUFFLE(1, 1, 0, 0));  // w0 w0 w1 w1
  const __m128i low = _mm_and_si128(_mm_srlv_epi32(low_src, _mm_setr_epi32(0, 0, 0, 4)),
                                    _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  const __m128i high =
      _mm_and_si128(_mm_srli_epi32(high_src, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(low, high);
}

// The min lanes of a block: lane k = the mins of sub-blocks 2k, 2k + 1 (int16 words 8..15 of
// sm16, ScalesMinsK4 widened) times their activation sums, two q8_K sums each added in int16 by
// vphaddw as ggml does.
inline __m128i MinProductsK4(__m256i sm16, const BlockQ8_K& y) {
  const __m128i bs_lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y.bsums));
  const __m128i bs_hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y.bsums + 8));
  return _mm_madd_epi16(_mm256_extracti128_si256(sm16, 1), _mm_hadd_epi16(bs_lo, bs_hi));
}

// vec_dot of q4_K (kFifthBit false) or q5_K with q8_K, AVX2, ggml's AVX2 steps: the quants of a
// pair of sub-blocks widened in registers (q5_K: plus 16 where the qh bit is set), u8 x s8
// products with vpmaddubsw, the sub-block scales with vpmaddwd; SuperBlockDot's float steps, with
// the min term as kMin says.
template <MinTerm kMin, class Block, bool kFifthBit>
void VecDotK4Avx2(int64_t n, float* s, const void* vx, const void* vy) {
  const __m256i m4 = _mm256_set1_epi8(0xF);
  const __m256i sixteen = _mm256_set1_epi8(16);
  // Byte shuffles that broadcast 16-bit word j (scale of sub-block j) over a 128-bit lane.
  __m256i pick[8];
  for (int j = 0; j < 8; ++j)
    pick[j] = _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * j));
  // 16 where bit `hmask` of the qh byte is set: compare of the masked byte with the mask itself.
  const auto fifth_bits = [&](__m256i hbits, __m256i hmask) {
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, hmask), hmask), sixteen);
  };
  const auto block_sums = [&](const Block& b, const BlockQ8_K& y, __m256i* mins) {
    const __m256i sm16 = _mm256_cvtepu8_epi16(ScalesMinsK4(b.scales));
    *mins = _mm256_castsi128_si256(MinProductsK4(sm16, y));
    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    __m256i hbits, hmask;
    if constexpr (kFifthBit) {
      hbits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh));
      hmask = _mm256_set1_epi8(1);  // qh bit of sub-block j: bit j
    }
    const uint8_t* q4 = b.qs;
    const int8_t* q8 = y.qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < kQK_K / 64; ++c, q4 += 32, q8 += 64) {
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q4));
      __m256i lo = _mm256_and_si256(bits, m4);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
      if constexpr (kFifthBit) {
        lo = _mm256_or_si256(lo, fifth_bits(hbits, hmask));
        hmask = _mm256_add_epi8(hmask, hmask);
        hi = _mm256_or_si256(hi, fifth_bits(hbits, hmask));
        hmask = _mm256_add_epi8(hmask, hmask);
      }
      // |q * q8| pairs <= 2 * 31 * 127: no int16 saturation.
      const __m256i p_lo =
          _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)));
      const __m256i p_hi =
          _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32)));
      const __m256i s_lo = _mm256_madd_epi16(_mm256_shuffle_epi8(sc16, pick[2 * c]), p_lo);
      const __m256i s_hi = _mm256_madd_epi16(_mm256_shuffle_epi8(sc16, pick[2 * c + 1]), p_hi);
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(s_lo, s_hi));
    }
    return sumi;
  };
  SuperBlockDot<kMin, Block>(n, s, vx, vy, block_sums);
}

}  // namespace
}  // namespace edgellm::quant::x86

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

namespace edgellm::quant::x86 {
namespace {

// Byte shuffles that broadcast word 2c (scale of sub-block 2c) over the low 256 bits and word
// 2c+1 over the high 256 bits.
inline __m512i PickScalesK4(int c) {
  return _mm512_inserti64x4(
      _mm512_castsi256_si512(_mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0404 * c))),
      _mm256_set1_epi16(static_cast<int16_t>(0x0302 + 0x0404 * c)), 1);
}

// Word shifts: 0 for the low 256 bits (low nibbles), 4 for the high 256 bits.
inline __m512i NibbleShiftK4() { return PerHalf16(0, 4); }

// VecDotK4Avx2 with AVX-512: one 512-bit step covers a pair of sub-blocks, the 32 quant bytes
// broadcast to both halves, the low half keeping the low nibbles (sub-block 2c), the high half
// the high nibbles (2c+1; q5_K: plus 16 under a byte test of qh against bit 2c / 2c+1), which
// lines them up with 64 contiguous q8 bytes. Without VNNI: vpmaddubsw, vpmaddwd by the scales,
// vpaddd; with VNNI the last two fuse into vpdpwssd (a 6-bit scale times a 4- or 5-bit quant does
// not fit the u8 operand of vpdpbusd). The two halves of the sums, added, are ggml's 8 lanes.
template <bool kVnni, MinTerm kMin, class Block, bool kFifthBit>
void VecDotK4Avx512(int64_t n, float* s, const void* vx, const void* vy) {
  const __m512i m4 = _mm512_set1_epi8(0xF);
  const __m512i sixteen = _mm512_set1_epi8(16);
  const __m512i nibble_shift = NibbleShiftK4();
  __m512i pick[4];
  __m512i hmask[4];  // the qh bits of sub-blocks 2c, 2c + 1
  for (int c = 0; c < 4; ++c) {
    pick[c] = PickScalesK4(c);
    hmask[c] = PerHalf8(static_cast<uint8_t>(1 << (2 * c)), static_cast<uint8_t>(2 << (2 * c)));
  }
  const auto block_sums = [&](const Block& b, const BlockQ8_K& y, __m256i* mins) {
    const __m256i sm16 = _mm256_cvtepu8_epi16(ScalesMinsK4(b.scales));
    *mins = _mm256_castsi128_si256(MinProductsK4(sm16, y));
    // The 8 word scales in every 128-bit lane; q5_K: the 32 qh bytes in both halves.
    const __m512i sc16 = _mm512_broadcast_i32x4(_mm256_castsi256_si128(sm16));
    __m512i hbits;
    if constexpr (kFifthBit) {
      hbits = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh)));
    }
    const uint8_t* q4 = b.qs;
    const int8_t* q8 = y.qs;
    __m512i sumi = _mm512_setzero_si512();
    for (int c = 0; c < kQK_K / 64; ++c, q4 += 32, q8 += 64) {
      const __m512i bits =
          _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q4)));
      __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bits, nibble_shift), m4);
      if constexpr (kFifthBit) {
        q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(hbits, hmask[c]), q, sixteen);
      }
      // |q * q8| pairs <= 2 * 31 * 127: no int16 saturation.
      const __m512i p16 = _mm512_maddubs_epi16(q, _mm512_loadu_si512(q8));
      const __m512i scale = _mm512_shuffle_epi8(sc16, pick[c]);
      if constexpr (kVnni) {
        sumi = _mm512_dpwssd_epi32(sumi, scale, p16);
      } else {
        sumi = _mm512_add_epi32(sumi, _mm512_madd_epi16(scale, p16));
      }
    }
    return _mm256_add_epi32(_mm512_castsi512_si256(sumi), _mm512_extracti64x4_epi64(sumi, 1));
  };
  SuperBlockDot<kMin, Block>(n, s, vx, vy, block_sums);
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // AVX-512 F/BW/VL
#endif  // x86-64 with AVX2/FMA/F16C
#endif  // EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_X86_H_
