// x86 kernels of the 32-weight block formats (q4_0, q4_1, q5_0, q5_1, q8_0, iq4_nl), as templates
// over a format F that says how a block's codes are unpacked and how they multiply:
//   F::Block, F::Act (the activation block), F::kHasMin (weight = d * code + m, and the dot
//   product adds m_x * s_y per block);
//   F::kSigned: the codes are the signed weights (q8_0, iq4_nl); else they are unsigned and
//   weight = code - F::kOffset (0 with m);
//   F::kVnniBias (signed only): VNNI products take w + 128 and subtract 128 * a (iq4_nl), else
//   |w| and a with w's sign, as the other kernels (q8_0);
//   F::Codes(block): the 32 codes, one byte each, in weight order; in AVX-512 translation units
//   also F::Codes2(a, b) (a in bytes 0..31, b in 32..63) and F::CodesTwice(b) (b in both).
// The integer sums are exact, and every float operation is the one ggml's x86 code makes (see the
// format headers), so all give the bits of the scalar kernels. Include only from translation
// units built with the ISA flags (see x86_simd.h: internal linkage throughout).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_X86_H_
#define EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_X86_H_

#include "quant_formats/common/x86_simd.h"  // first: immintrin.h without GCC 12's false warnings

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/block32.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/gemm_tiles.h"
#include "quant_formats/common/iq4_values.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define EDGELLM_BLOCK32_AVX512 1
#endif

namespace edgellm::quant::x86 {
namespace {

// Nibbles lo with 16 added to byte j where bit j of qh is set: AVX-512 under a byte mask taken
// straight from qh, AVX2 from the bits spread to bytes.
inline __m256i WithBit4(__m256i lo, uint32_t qh) {
#ifdef EDGELLM_BLOCK32_AVX512
  return _mm256_mask_add_epi8(lo, qh, lo, _mm256_set1_epi8(16));
#else
  return _mm256_or_si256(lo, _mm256_and_si256(BitsToBytes32(qh), _mm256_set1_epi8(0x10)));
#endif
}

// q4_0, q4_1, q5_0, q5_1: nibbles, and bit 4 from qh in the 5-bit formats.
template <class BlockT>
struct Linear {
  using Block = BlockT;
  using Act = typename block32::Layout<Block>::Act;
  static constexpr bool kHasMin = block32::Layout<Block>::kHasMin;
  static constexpr bool kSigned = false;
  static constexpr bool kVnniBias = false;
  static constexpr int kOffset = block32::Layout<Block>::kOffset;
  static constexpr bool kHasQh = block32::Layout<Block>::kBits == 5;

  static __m256i Codes(const Block& b) {
    if constexpr (kHasQh) {
      return WithBit4(UnpackNibbles32(b.qs), block32::HighBits(b));
    } else {
      return UnpackNibbles32(b.qs);
    }
  }
#ifdef EDGELLM_BLOCK32_AVX512
  static __m512i Codes2(const Block& a, const Block& b) {
    const __m512i lo = UnpackNibbles64(a.qs, b.qs);
    if constexpr (!kHasQh) {
      return lo;
    } else {
      const __mmask64 high = block32::HighBits(a) | uint64_t{block32::HighBits(b)} << 32;
      return _mm512_mask_add_epi8(lo, high, lo, _mm512_set1_epi8(16));
    }
  }
  static __m512i CodesTwice(const Block& b) {
    const __m512i lo = UnpackNibblesTwice(b.qs);
    if constexpr (!kHasQh) {
      return lo;
    } else {
      const uint64_t h = block32::HighBits(b);
      return _mm512_mask_add_epi8(lo, h | h << 32, lo, _mm512_set1_epi8(16));
    }
  }
#endif
};

// q8_0: the codes are the quants.
struct Bytes {
  using Block = BlockQ8_0;
  using Act = BlockQ8_0;
  static constexpr bool kHasMin = false;
  static constexpr bool kSigned = true;
  static constexpr bool kVnniBias = false;
  static constexpr int kOffset = 0;

  static __m256i Codes(const Block& b) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
  }
#ifdef EDGELLM_BLOCK32_AVX512
  static __m512i Codes2(const Block& a, const Block& b) { return Load2x32(a.qs, b.qs); }
  static __m512i CodesTwice(const Block& b) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs)));
  }
#endif
};

// iq4_nl: nibbles looked up in the codebook (iq4_values.h), one byte shuffle.
template <class BlockT>
struct Codebook {
  using Block = BlockT;
  using Act = BlockQ8_0;
  static constexpr bool kHasMin = false;
  static constexpr bool kSigned = true;
  static constexpr bool kVnniBias = true;
  static constexpr int kOffset = 0;

  static __m128i Table() {
    return _mm_load_si128(reinterpret_cast<const __m128i*>(kValuesIq4Nl));
  }
  static __m256i Codes(const Block& b) {
    return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(Table()), UnpackNibbles32(b.qs));
  }
#ifdef EDGELLM_BLOCK32_AVX512
  static __m512i Codes2(const Block& a, const Block& b) {
    return _mm512_shuffle_epi8(_mm512_broadcast_i32x4(Table()), UnpackNibbles64(a.qs, b.qs));
  }
  static __m512i CodesTwice(const Block& b) {
    return _mm512_shuffle_epi8(_mm512_broadcast_i32x4(Table()), UnpackNibblesTwice(b.qs));
  }
#endif
};

// The block's integer products, values 4l..4l+3 in lane l; kVnni picks vpdpbusd.
template <class F, bool kVnni>
inline __m256i DotBlock(__m256i q, __m256i a) {
  const __m256i zero = _mm256_setzero_si256();
  if constexpr (F::kSigned && kVnni && F::kVnniBias) {
    const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));
    const __m256i u = _mm256_xor_si256(q, bias);
    return _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, u, a), _mm256_dpbusd_epi32(zero, bias, a));
  } else if constexpr (F::kSigned) {
    // Unsigned x signed products: move the sign of q onto a (|q| <= 128).
    const __m256i u = _mm256_sign_epi8(q, q);
    const __m256i sa = _mm256_sign_epi8(a, q);
    if constexpr (kVnni) {
      return _mm256_dpbusd_epi32(zero, u, sa);
    } else {
      return DotU8I8(u, sa);
    }
  } else if constexpr (F::kOffset != 0) {
    // sum((q - off) * a) = sum(q * a) - sum(off * a): keeps the unsigned operand unsigned.
    const __m256i off = _mm256_set1_epi8(F::kOffset);
    if constexpr (kVnni) {
      return _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, q, a), _mm256_dpbusd_epi32(zero, off, a));
    } else {
      const __m256i p16 =
          _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(off, a));
      return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
    }
  } else if constexpr (kVnni) {
    return _mm256_dpbusd_epi32(zero, q, a);
  } else {
    return DotU8I8(q, a);
  }
}

// acc + d_x * d_y * DotBlock, one FMA (AccumulateBlock32 of lane_sums.h).
template <class F, bool kVnni>
inline __m256 AccumulateBlock(const typename F::Block& x, const typename F::Act& y, __m256 acc) {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs));
  const __m256 d = _mm256_set1_ps(HalfToFloat(x.d) * HalfToFloat(y.d));
  return _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotBlock<F, kVnni>(F::Codes(x), a)), acc);
}

// vec_dot in ggml's x86 order: one 8-lane accumulator, one block per FMA (256-bit registers on
// AVX-512 too), plus the m_x * s_y terms summed in order in a float.
template <class F, bool kVnni = false>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const typename F::Block*>(vx);
  const auto* y = static_cast<const typename F::Act*>(vy);
  __m256 acc = _mm256_setzero_ps();
  float sum_m = 0.0f;
  for (int64_t i = 0; i < n / 32; ++i) {
    acc = AccumulateBlock<F, kVnni>(x[i], y[i], acc);
    if constexpr (F::kHasMin) sum_m += HalfToFloat(x[i].m) * HalfToFloat(y[i].s);
  }
  if constexpr (F::kHasMin) {
    *s = HsumPs(acc) + sum_m;
  } else {
    *s = HsumPs(acc);
  }
}

// sum + d_x * d_y * (the block's integer sum), one scalar FMA: ggml's C tail of a vec_dot that
// takes blocks in pairs (iq4_nl), whose contracted d * sumi + sum this reproduces.
template <class F, bool kVnni>
inline float AddBlockFma(const typename F::Block& x, const typename F::Act& y, float sum) {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.qs));
  const float d = HalfToFloat(x.d) * HalfToFloat(y.d);
  const float p = HsumPs(_mm256_cvtepi32_ps(DotBlock<F, kVnni>(F::Codes(x), a)));  // exact
  return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(d), _mm_set_ss(p), _mm_set_ss(sum)));
}

// The codes as the weights' signed bytes, or as unsigned codes for formats with m.
template <class F>
inline __m256i WeightBytes(const typename F::Block& b) {
  if constexpr (F::kOffset != 0) {
    return _mm256_sub_epi8(F::Codes(b), _mm256_set1_epi8(F::kOffset));
  } else {
    return F::Codes(b);
  }
}

// m as a float, for formats with m (else unused).
template <class F>
inline float MinOf(const typename F::Block& b) {
  if constexpr (F::kHasMin) {
    return HalfToFloat(b.m);
  } else {
    return 0.0f;
  }
}

// y = d * weight (+ m, rounded after the multiply and after the add): ggml's dequantizers.
template <class F>
void DequantizeAvx2(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const typename F::Block*>(vx);
  for (int64_t i = 0; i < n / 32; ++i, y += 32) {
    const __m256 d = _mm256_set1_ps(HalfToFloat(x[i].d));
    const __m256 m = _mm256_set1_ps(MinOf<F>(x[i]));
    const __m256i q = WeightBytes<F>(x[i]);
    const __m128i lo = _mm256_castsi256_si128(q);
    const __m128i hi = _mm256_extracti128_si256(q, 1);
    const __m128i parts[4] = {lo, _mm_unpackhi_epi64(lo, lo), hi, _mm_unpackhi_epi64(hi, hi)};
    for (int k = 0; k < 4; ++k) {
      if constexpr (F::kHasMin) {
        const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(parts[k]));
        _mm256_storeu_ps(y + 8 * k, _mm256_add_ps(_mm256_mul_ps(v, d), m));
      } else {
        const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]));
        _mm256_storeu_ps(y + 8 * k, _mm256_mul_ps(v, d));
      }
    }
  }
}

// --- Batched dot (prefill GEMM), for formats without m ---
//
// A tile is kRows weight rows x kTokens tokens with one 8-lane vec_dot accumulator per pair, in
// vec_dot's operations. Per block, the codes and the row scale are unpacked once for all tokens
// of the tile, and each token's quants, scale and (with an offset) sum(off * a) once for all rows.
// The loops over rows and tokens are unrolled in full (#pragma GCC unroll) so that the
// accumulators stay in registers.
template <class F>
struct GemmAvx2 {
  static_assert(!F::kHasMin, "no GEMM tiles for formats with m");

  template <int kRows, int kTokens>
  static void Tile(int64_t nb, const uint8_t* x, size_t x_stride, const uint8_t* y, size_t y_stride,
                   [[maybe_unused]] int ny, float* s, size_t s_stride) {
    using Block = typename F::Block;
    const Block* bx[kRows];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) bx[r] = reinterpret_cast<const Block*>(x + r * x_stride);
    const BlockQ8_0* by[kTokens];
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) by[t] = reinterpret_cast<const BlockQ8_0*>(y + t * y_stride);
    const __m256i off = _mm256_set1_epi8(F::kOffset);
    const __m256i ones16 = _mm256_set1_epi16(1);
    __m256 acc[kRows][kTokens];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) acc[r][t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < nb; ++b) {
      __m256i a[kTokens];
      __m256i a_off[kTokens];
      __m256 dy[kTokens];
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) {
        a[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(by[t][b].qs));
        if constexpr (!F::kSigned) a_off[t] = _mm256_maddubs_epi16(off, a[t]);
        dy[t] = HalfToFloat8(by[t][b].d);
      }
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r) {
        const __m256i q = F::Codes(bx[r][b]);
        const __m256i u = F::kSigned ? _mm256_sign_epi8(q, q) : q;
        const __m256 dx = HalfToFloat8(bx[r][b].d);
#pragma GCC unroll 8
        for (int t = 0; t < kTokens; ++t) {
          // vec_dot's integer sums: with the sign of q moved onto a, or minus sum(off * a).
          __m256i p16;
          if constexpr (F::kSigned) {
            p16 = _mm256_maddubs_epi16(u, _mm256_sign_epi8(a[t], q));
          } else {
            p16 = _mm256_sub_epi16(_mm256_maddubs_epi16(u, a[t]), a_off[t]);
          }
          const __m256i sum = _mm256_madd_epi16(p16, ones16);
          acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dx, dy[t]), _mm256_cvtepi32_ps(sum), acc[r][t]);
        }
      }
    }
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int t = 0; t < kTokens; ++t) s[t * s_stride + r] = HsumPs(acc[r][t]);
    }
  }
};

// Each block of a row is used for up to 4 tokens, each block of a token for up to 3 rows.
template <class F>
void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                     size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmAvx2<F>, 3, 4, 1>(n / 32, nx, ny, s, s_stride, x, x_stride, y, y_stride);
}

// The AVX2 kernel entry of a linear format (EDGELLM_KERNEL_SET); kBatch adds its GEMM tiles.
template <class Block, bool kBatch = false>
constexpr KernelEntry LinearAvx2() {
  using F = Linear<Block>;
  if constexpr (kBatch) {
    return {EDGE_ISA_AVX2,     kAvx2Features,      VecDot<F>, VecDotBatchAvx2<F>, nullptr,
            DequantizeAvx2<F>, kBatchMatchesVecDot};
  } else {
    return {EDGE_ISA_AVX2, kAvx2Features, VecDot<F>, nullptr, nullptr, DequantizeAvx2<F>};
  }
}

#ifdef EDGELLM_BLOCK32_AVX512

// y[0..31] = d * (block kHalf of q) (+ m), as DequantizeAvx2.
template <class F, int kHalf>
inline void DequantHalf(__m512i q, const typename F::Block& b, float* y) {
  const __m512 vd = _mm512_set1_ps(HalfToFloat(b.d));
  const __m128i q_lo = _mm512_extracti32x4_epi32(q, 2 * kHalf);
  const __m128i q_hi = _mm512_extracti32x4_epi32(q, 2 * kHalf + 1);
  if constexpr (F::kHasMin) {
    const __m512 vm = _mm512_set1_ps(MinOf<F>(b));
    const __m512 lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q_lo));
    const __m512 hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(q_hi));
    _mm512_storeu_ps(y, _mm512_add_ps(_mm512_mul_ps(lo, vd), vm));
    _mm512_storeu_ps(y + 16, _mm512_add_ps(_mm512_mul_ps(hi, vd), vm));
  } else {
    _mm512_storeu_ps(y, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q_lo)), vd));
    _mm512_storeu_ps(y + 16, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q_hi)), vd));
  }
}

// WeightBytes of blocks a and b, in bytes 0..31 and 32..63.
template <class F>
inline __m512i WeightBytes2(const typename F::Block& a, const typename F::Block& b) {
  if constexpr (F::kOffset != 0) {
    return _mm512_sub_epi8(F::Codes2(a, b), _mm512_set1_epi8(F::kOffset));
  } else {
    return F::Codes2(a, b);
  }
}

// Two blocks per 512-bit step.
template <class F>
void DequantizeAvx512(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const typename F::Block*>(vx);
  const int64_t nb = n / 32;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i q = WeightBytes2<F>(x[i], x[i + 1]);
    DequantHalf<F, 0>(q, x[i], y + i * 32);
    DequantHalf<F, 1>(q, x[i + 1], y + (i + 1) * 32);
  }
  if (i < nb) DequantHalf<F, 0>(WeightBytes2<F>(x[i], x[i]), x[i], y + i * 32);
}

// A tile is kRows weight rows x 2 * kPairs tokens. Register acc[r][p] holds the 8-lane vec_dot
// accumulators of (row r, token 2p) in lanes 0..7 and (row r, token 2p + 1) in lanes 8..15; every
// float operation is lane-wise, so each pair sees exactly vec_dot's operations. Per block, the
// token side (quants of two tokens per register, their scales, the offset correction) is built
// once for all rows of the tile, and the row side (codes, scale) once for all tokens. A shorter
// last pair repeats its token and drops the copy.
template <class F, bool kVnni>
struct GemmAvx512 {
  static_assert(!F::kHasMin, "no GEMM tiles for formats with m");

  template <int kRows, int kPairs>
  static void Tile(int64_t nb, const uint8_t* x, size_t x_stride, const uint8_t* y, size_t y_stride,
                   int ny, float* s, size_t s_stride) {
    using Block = typename F::Block;
    const Block* bx[kRows];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) bx[r] = reinterpret_cast<const Block*>(x + r * x_stride);
    const BlockQ8_0* by_lo[kPairs];
    const BlockQ8_0* by_hi[kPairs];
#pragma GCC unroll 8
    for (int p = 0; p < kPairs; ++p) {
      by_lo[p] = reinterpret_cast<const BlockQ8_0*>(y + 2 * p * y_stride);
      by_hi[p] = reinterpret_cast<const BlockQ8_0*>(y + std::min(2 * p + 1, ny - 1) * y_stride);
    }
    // Unsigned codes u = weight + off: the formats' own, or signed ones + 128 (VNNI).
    const __m512i off = _mm512_set1_epi8(static_cast<char>(F::kSigned ? 0x80 : F::kOffset));
    const __m512i ones16 = _mm512_set1_epi16(1);
    __m512 acc[kRows][kPairs];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int p = 0; p < kPairs; ++p) acc[r][p] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < nb; ++b) {
      __m512i a[kPairs];
      __m512i corr[kPairs];
      __m512 dy[kPairs];
#pragma GCC unroll 8
      for (int p = 0; p < kPairs; ++p) {
        a[p] = Load2x32(by_lo[p][b].qs, by_hi[p][b].qs);
        dy[p] = HalvesToFloat2(by_lo[p][b].d, by_hi[p][b].d);
        // sum(w * a) = sum(u * a) - sum(off * a), the second sum made once per token: VNNI lanes
        // start from its negation, else it is subtracted from maddubs' int16 sums as vec_dot does.
        if constexpr (kVnni) {
          corr[p] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                     _mm512_dpbusd_epi32(_mm512_setzero_si512(), off, a[p]));
        } else if constexpr (!F::kSigned) {
          corr[p] = _mm512_maddubs_epi16(off, a[p]);
        }
      }
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r) {
        const __m512i q = F::CodesTwice(bx[r][b]);
        const __m512 dx = _mm512_set1_ps(HalfToFloat(bx[r][b].d));
        // Signed without VNNI: vec_dot's sign trick, |q| x (a negated where q < 0), the same
        // bytes as vpsignb, so maddubs sees vec_dot's operands.
        __m512i u = q;
        __mmask64 neg = 0;
        if constexpr (F::kSigned && kVnni) {
          u = _mm512_xor_si512(q, off);
        } else if constexpr (F::kSigned) {
          u = _mm512_abs_epi8(q);
          neg = _mm512_movepi8_mask(q);
        }
#pragma GCC unroll 8
        for (int p = 0; p < kPairs; ++p) {
          __m512i sum;
          if constexpr (kVnni) {
            sum = _mm512_dpbusd_epi32(corr[p], u, a[p]);
          } else if constexpr (F::kSigned) {
            const __m512i sa = _mm512_mask_sub_epi8(a[p], neg, _mm512_setzero_si512(), a[p]);
            sum = _mm512_madd_epi16(_mm512_maddubs_epi16(u, sa), ones16);
          } else {
            sum = _mm512_madd_epi16(_mm512_sub_epi16(_mm512_maddubs_epi16(u, a[p]), corr[p]),
                                    ones16);
          }
          acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dx, dy[p]), _mm512_cvtepi32_ps(sum), acc[r][p]);
        }
      }
    }
    StorePairSums<kRows, kPairs>(acc, ny, s, s_stride);
  }
};

// Each block of a row is used for up to 8 tokens, each block of a token for up to 4 rows.
template <class F, bool kVnni>
void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                       const void* x, size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmAvx512<F, kVnni>, 4, 4, 2>(n / 32, nx, ny, s, s_stride, x, x_stride, y,
                                              y_stride);
}

// The AVX-512 kernel entry of a linear format, with or without VNNI; kBatch adds its GEMM tiles.
template <class Block, bool kVnni, bool kBatch = false>
constexpr KernelEntry LinearAvx512() {
  using F = Linear<Block>;
  constexpr uint64_t kFeatures = kVnni ? kAvx512VnniFeatures : kAvx512Features;
  if constexpr (kBatch) {
    return {EDGE_ISA_AVX512, kFeatures,           VecDot<F, kVnni>,   VecDotBatchAvx512<F, kVnni>,
            nullptr,         DequantizeAvx512<F>, kBatchMatchesVecDot};
  } else {
    return {EDGE_ISA_AVX512, kFeatures, VecDot<F, kVnni>, nullptr, nullptr, DequantizeAvx512<F>};
  }
}

#endif  // EDGELLM_BLOCK32_AVX512

}  // namespace
}  // namespace edgellm::quant::x86

#undef EDGELLM_BLOCK32_AVX512

#endif  // x86-64 with AVX2/FMA/F16C
#endif  // EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_X86_H_
