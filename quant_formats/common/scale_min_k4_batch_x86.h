// Batched dot products (vec_dot_batch, prefill) of q4_K and q5_K with q8_K on x86: the steps of
// scale_min_k4_x86.h's vec_dot kernels per (row, token) pair, but each weight super-block (quants,
// q5_K's fifth bits, scales, mins) unpacked once for a tile of tokens and, on AVX-512, each
// token's sums once for a tile of rows. Every op is lane-wise, so each pair gets vec_dot's bits
// (EDGE_KERNEL_BATCH_MATCHES_VEC_DOT). The min term follows the format's vec_dot (MinTerm):
// q4_K keeps 4 float lanes, q5_K one running float per pair (held as one lane per token here).
//
// Same ISA rules as x86_simd.h: include only from translation units compiled with -mavx2 -mfma
// -mf16c (or more); internal linkage.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_BATCH_X86_H_
#define EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_BATCH_X86_H_

#include "quant_formats/common/kquant_tiles.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/common/scale_min_k4_x86.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <cstddef>
#include <cstdint>

namespace edgellm::quant::x86 {
namespace {

// Tokens per tile of the AVX2 batched kernel (even): one row's 8 integer accumulators plus its
// unpacked chunk fill the 16 ymm registers (two rows spill, and gain nothing).
constexpr int kK4TileTokensAvx2 = 8;

// The activation sums of vec_dot's min term for two q8_K blocks a and b, H[j] = bsums[2j] +
// bsums[2j+1] (int16, wrapping like its vphaddw), interleaved as the min products need them:
// words a.H0..3 b.H0..3 | a.H4..7 b.H4..7. Shifts, adds and one pack: vphaddw is slow.
inline __m256i PairedBsums2(const BlockQ8_K& a, const BlockQ8_K& b) {
  const auto sums = [](const BlockQ8_K& q) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.bsums));
    // Dword j: bsums[2j] + bsums[2j+1] in its low word, zero in its high word.
    return _mm256_and_si256(_mm256_add_epi16(v, _mm256_srli_epi32(v, 16)),
                            _mm256_set1_epi32(0xFFFF));
  };
  return _mm256_packus_epi32(sums(a), sums(b));
}

// s[t * s_stride] = vec_dot(x, token t) for t < nt <= kT (kT even), row x[0..nb) and tokens
// y[t][0..nb); pointers from nt on repeat a token (their results are dropped). acc[t] is the
// pair's 8-lane accumulator. The min products of tokens 2p, 2p+1 share a register (lanes 0, 1, 4,
// 5 and 2, 3, 6, 7): kLanes4 accumulates them there; kSum adds each token's integer sum into its
// lane of summs[p] (lane 0: token 2p, lane 1: 2p+1). Same FMAs per lane as vec_dot.
template <MinTerm kMin, class Block, bool kFifthBit, int kT>
void K4RowTileAvx2(int64_t nb, const Block* x, const BlockQ8_K* const* y, int nt, float* s,
                   size_t s_stride) {
  static_assert(kT % 2 == 0, "tokens come in pairs");
  static_assert(kMin == MinTerm::kLanes4 || kMin == MinTerm::kSum, "q4_K's or q5_K's min term");
  const __m256i m4 = _mm256_set1_epi8(0xF);
  const __m256i sixteen = _mm256_set1_epi8(16);
  __m256 acc[kT];
  __m256 acc_m[kT / 2];  // kLanes4
  __m128 summs[kT / 2];  // kSum
#pragma GCC unroll 8
  for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int p = 0; p < kT / 2; ++p) {
    acc_m[p] = _mm256_setzero_ps();
    summs[p] = _mm_setzero_ps();
  }
  for (int64_t i = 0; i < nb; ++i) {
    const Block& b = x[i];
    const __m256i sm16 = _mm256_cvtepu8_epi16(ScalesMinsK4(b.scales));
    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    __m256i hbits, hmask;
    if constexpr (kFifthBit) {
      hbits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh));
      hmask = _mm256_set1_epi8(1);  // qh bit of sub-block j: bit j
    }
    // 16 where bit `hmask` of the qh byte is set, as vec_dot computes it.
    const auto fifth_bits = [&](__m256i mask) {
      return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(hbits, mask), mask), sixteen);
    };
    // vec_dot's integer sums (sumi) for every token, one pair of sub-blocks at a time.
    __m256i sumi[kT];
#pragma GCC unroll 4
    for (int c = 0; c < kQK_K / 64; ++c) {
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * c));
      __m256i lo = _mm256_and_si256(bits, m4);
      __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
      if constexpr (kFifthBit) {
        lo = _mm256_or_si256(lo, fifth_bits(hmask));
        hmask = _mm256_add_epi8(hmask, hmask);
        hi = _mm256_or_si256(hi, fifth_bits(hmask));
        hmask = _mm256_add_epi8(hmask, hmask);
      }
      // Byte shuffles broadcasting word 2c (2c+1) over each 128-bit lane.
      const __m256i s_lo =
          _mm256_shuffle_epi8(sc16, _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0404 * c)));
      const __m256i s_hi =
          _mm256_shuffle_epi8(sc16, _mm256_set1_epi16(static_cast<int16_t>(0x0302 + 0x0404 * c)));
#pragma GCC unroll 8
      for (int t = 0; t < kT; ++t) {
        const int8_t* q8 = y[t][i].qs + 64 * c;
        const __m256i p_lo =
            _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)));
        const __m256i p_hi =
            _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32)));
        const __m256i sum =
            _mm256_add_epi32(_mm256_madd_epi16(s_lo, p_lo), _mm256_madd_epi16(s_hi, p_hi));
        sumi[t] = c == 0 ? sum : _mm256_add_epi32(sumi[t], sum);
        // Integer adds are associative: without this GCC regroups the sums of all four steps at
        // the end, which keeps every product live and spills.
        asm("" : "+x"(sumi[t]));
      }
    }
    const __m256 xd = _mm256_set1_ps(HalfToFloat(b.d));
#pragma GCC unroll 8
    for (int t = 0; t < kT; ++t) {
      const __m256 d = _mm256_mul_ps(_mm256_broadcast_ss(&y[t][i].d), xd);
      acc[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
    // Words m0..3 m0..3 | m4..7 m4..7, against PairedBsums2.
    const __m256i mins = _mm256_permute4x64_epi64(sm16, _MM_SHUFFLE(3, 3, 2, 2));
    const float xdmin = HalfToFloat(b.dmin);
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) {
      const BlockQ8_K& ya = y[2 * p][i];
      const BlockQ8_K& yb = y[2 * p + 1][i];
      const __m256i mins_prod = _mm256_madd_epi16(mins, PairedBsums2(ya, yb));
      // vec_dot adds ((-y.d) * dmin) * sum, rounded once; -(y.d * dmin) * sum is the same.
      if constexpr (kMin == MinTerm::kLanes4) {
        // y.d of token 2p in lanes 0, 1, 4, 5, of token 2p+1 in lanes 2, 3, 6, 7.
        const __m256 yd2 =
            _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(_mm256_broadcast_ss(&ya.d)),
                                                _mm256_castps_pd(_mm256_broadcast_ss(&yb.d))));
        const __m256 dmin = _mm256_mul_ps(yd2, _mm256_set1_ps(xdmin));
        acc_m[p] = _mm256_fnmadd_ps(dmin, _mm256_cvtepi32_ps(mins_prod), acc_m[p]);
      } else {
        // Each token's four products summed (integers: any order): a, b, a, b.
        const __m128i half = _mm_add_epi32(_mm256_castsi256_si128(mins_prod),
                                           _mm256_extracti128_si256(mins_prod, 1));
        const __m128i sums = _mm_hadd_epi32(half, half);
        const __m128 dmin = _mm_mul_ps(_mm_setr_ps(ya.d, yb.d, ya.d, yb.d), _mm_set1_ps(xdmin));
        summs[p] = _mm_fnmadd_ps(dmin, _mm_cvtepi32_ps(sums), summs[p]);
      }
    }
  }
  // vec_dot's final sums, in its order.
  alignas(32) float lanes[kT][8];
  alignas(32) float lanes_m[kT / 2][8];
  alignas(16) float lanes_s[kT / 2][4];
#pragma GCC unroll 8
  for (int t = 0; t < kT; ++t) _mm256_store_ps(lanes[t], acc[t]);
#pragma GCC unroll 8
  for (int p = 0; p < kT / 2; ++p) {
    _mm256_store_ps(lanes_m[p], acc_m[p]);
    _mm_store_ps(lanes_s[p], summs[p]);
  }
  for (int t = 0; t < nt; ++t) {
    if constexpr (kMin == MinTerm::kLanes4) {
      // vec_dot's min lanes 0..3 of token t are lanes 0, 1, 4, 5 of lanes_m (+2 if t is odd).
      const float* m = &lanes_m[t / 2][2 * (t % 2)];
      s[t * s_stride] = HalvingSum8(lanes[t]) + ((m[0] + m[4]) + (m[1] + m[5]));
    } else {
      s[t * s_stride] = HalvingSum8(lanes[t]) + lanes_s[t / 2][t % 2];
    }
  }
}

template <MinTerm kMin, class Block, bool kFifthBit>
void VecDotBatchK4Avx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                       size_t x_stride, const void* vy, size_t y_stride) {
  const auto* x = static_cast<const uint8_t*>(vx);
  ForEachTile<kK4TileTokensAvx2, 1>(nx, ny, [&](int64_t i, int64_t t0, auto tokens) {
    const BlockQ8_K* y[kK4TileTokensAvx2];
    TokenRows(vy, y_stride, t0, tokens, y);
    // Tokens in pairs: odd counts compute one token twice.
    K4RowTileAvx2<kMin, Block, kFifthBit, (decltype(tokens)::value + 1) / 2 * 2>(
        n / kQK_K, reinterpret_cast<const Block*>(x + i * x_stride), y, tokens,
        s + t0 * s_stride + i, s_stride);
  });
}

}  // namespace
}  // namespace edgellm::quant::x86

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

namespace edgellm::quant::x86 {
namespace {

// Tile shape of the AVX-512 batched kernels: weight rows x tokens. Rows are handled one after
// the other within a super-block (8 integer accumulators live), so the tile's width in tokens
// sets how often a row is unpacked, and its height how often a token's y.d and bsums are.
constexpr int kK4TileRowsAvx512 = 2;
constexpr int kK4TileTokensAvx512 = 8;

// The activation sums of vec_dot's min term for four q8_K blocks: 128-bit lane k holds block k's
// words bsums[2j] + bsums[2j+1], j < 8, wrapping in int16 like vec_dot's vphaddw.
inline __m512i PairedBsums4(const BlockQ8_K& a, const BlockQ8_K& b, const BlockQ8_K& c,
                            const BlockQ8_K& d) {
  const __m512i ab = Load2x32(a.bsums, b.bsums);
  const __m512i cd = Load2x32(c.bsums, d.bsums);
  // The low word of dword j gets bsums[2j] + bsums[2j+1]; vpmovdw keeps exactly that word.
  const __m256i hab = _mm512_cvtepi32_epi16(_mm512_add_epi16(ab, _mm512_srli_epi32(ab, 16)));
  const __m256i hcd = _mm512_cvtepi32_epi16(_mm512_add_epi16(cd, _mm512_srli_epi32(cd, 16)));
  return _mm512_inserti64x4(_mm512_castsi256_si512(hab), hcd, 1);
}

// s[t * s_stride + r] = vec_dot(row r, token t) for r < kR, t < nt <= kT (kT even), rows
// x[r][0..nb) and tokens y[t][0..nb). y holds 4 * ceil(kT / 4) pointers; those from nt on
// repeat a token (their results are dropped). Per super-block, each row is unpacked once for kT
// tokens and each token's sums once for kR rows. Accumulators are vec_dot's, packed: acc[r][p]
// holds the 8 lanes of pair (r, 2p) in lanes 0..7 and of (r, 2p+1) in lanes 8..15; kLanes4:
// acc_m[r][g] the 4 lanes of pair (r, 4g+k) in lanes 4k..4k+3; kSum: summs[r][g] the running
// float of pair (r, 4g+k) in lane k. The same FMAs per lane as vec_dot.
template <bool kVnni, MinTerm kMin, class Block, bool kFifthBit, int kR, int kT>
void K4TileAvx512(int64_t nb, const Block* const* x, const BlockQ8_K* const* y, int nt, float* s,
                  size_t s_stride) {
  static_assert(kT % 2 == 0, "tokens come in pairs");
  static_assert(kMin == MinTerm::kLanes4 || kMin == MinTerm::kSum, "q4_K's or q5_K's min term");
  constexpr int kG = (kT + 3) / 4;
  const __m512i m4 = _mm512_set1_epi8(0xF);
  const __m512i sixteen = _mm512_set1_epi8(16);
  const __m512i nibble_shift = NibbleShiftK4();
  // Spreads 4 floats over the four 128-bit lanes.
  const __m512i quad_lanes = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  // Dword 0 of each 128-bit lane.
  const __m512i lane_heads = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  __m512 acc[kR][kT / 2];
  __m512 acc_m[kR][kG];  // kLanes4
  __m128 summs[kR][kG];  // kSum
#pragma GCC unroll 8
  for (int r = 0; r < kR; ++r) {
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) acc[r][p] = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int g = 0; g < kG; ++g) {
      acc_m[r][g] = _mm512_setzero_ps();
      summs[r][g] = _mm_setzero_ps();
    }
  }
  for (int64_t i = 0; i < nb; ++i) {
    // Per token, for every row: y.d for two tokens per register, -y.d and the bsums for four.
    __m512 yd2[kT / 2];
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) yd2[p] = Broadcast2(y[2 * p][i].d, y[2 * p + 1][i].d);
    __m128 neg_yd[kG];
    __m512i bsums4[kG];
#pragma GCC unroll 8
    for (int g = 0; g < kG; ++g) {
      const BlockQ8_K* const* yg = y + 4 * g;
      neg_yd[g] = _mm_setr_ps(-yg[0][i].d, -yg[1][i].d, -yg[2][i].d, -yg[3][i].d);
      bsums4[g] = PairedBsums4(yg[0][i], yg[1][i], yg[2][i], yg[3][i]);
    }
    // One row at a time: its integer sums for every token stay in registers.
#pragma GCC unroll 8
    for (int r = 0; r < kR; ++r) {
      const Block& b = x[r][i];
      const __m256i sm16 = _mm256_cvtepu8_epi16(ScalesMinsK4(b.scales));
      const __m512i sc16 = _mm512_broadcast_i32x4(_mm256_castsi256_si128(sm16));
      __m512i hbits;
      if constexpr (kFifthBit) {
        hbits = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh)));
      }
      // vec_dot's integer sums (sumi) for every token, one pair of sub-blocks at a time.
      __m512i sumi[kT];
#pragma GCC unroll 4
      for (int c = 0; c < kQK_K / 64; ++c) {
        const __m512i bits = _mm512_broadcast_i64x4(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * c)));
        __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bits, nibble_shift), m4);
        if constexpr (kFifthBit) {
          // The qh bits of sub-blocks 2c (low half) and 2c + 1 (high half).
          const __m512i hmask =
              PerHalf8(static_cast<uint8_t>(1 << (2 * c)), static_cast<uint8_t>(2 << (2 * c)));
          q = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(hbits, hmask), q, sixteen);
        }
        const __m512i scale = _mm512_shuffle_epi8(sc16, PickScalesK4(c));
#pragma GCC unroll 8
        for (int t = 0; t < kT; ++t) {
          const __m512i p16 = _mm512_maddubs_epi16(q, _mm512_loadu_si512(y[t][i].qs + 64 * c));
          if constexpr (kVnni) {
            sumi[t] = _mm512_dpwssd_epi32(c == 0 ? _mm512_setzero_si512() : sumi[t], scale, p16);
          } else {
            const __m512i prod = _mm512_madd_epi16(scale, p16);
            sumi[t] = c == 0 ? prod : _mm512_add_epi32(sumi[t], prod);
            // Integer adds are associative: without this GCC regroups the sums of all four
            // steps at the end, which keeps every product live and spills.
            asm("" : "+v"(sumi[t]));
          }
        }
      }
      const __m512 xd = _mm512_set1_ps(HalfToFloat(b.d));
#pragma GCC unroll 8
      for (int p = 0; p < kT / 2; ++p) {
        // vec_dot's fold of the two 256-bit halves, for tokens 2p and 2p+1 at once.
        const __m512i lo = sumi[2 * p], hi = sumi[2 * p + 1];
        const __m512i sumi8 = _mm512_add_epi32(_mm512_shuffle_i64x2(lo, hi, 0x44),
                                               _mm512_shuffle_i64x2(lo, hi, 0xEE));
        const __m512 d = _mm512_mul_ps(yd2[p], xd);
        acc[r][p] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(sumi8), acc[r][p]);
      }
      const __m512i mins = _mm512_broadcast_i32x4(_mm256_extracti128_si256(sm16, 1));
      const float xdmin = HalfToFloat(b.dmin);
#pragma GCC unroll 8
      for (int g = 0; g < kG; ++g) {
        const __m512i mins_prod = _mm512_madd_epi16(mins, bsums4[g]);
        const __m128 dmin = _mm_mul_ps(neg_yd[g], _mm_set1_ps(xdmin));
        if constexpr (kMin == MinTerm::kLanes4) {
          const __m512 dmin4 = _mm512_permutexvar_ps(quad_lanes, _mm512_castps128_ps512(dmin));
          acc_m[r][g] = _mm512_fmadd_ps(dmin4, _mm512_cvtepi32_ps(mins_prod), acc_m[r][g]);
        } else {
          // Each token's four products summed (integers: any order), one lane per token.
          __m512i t4 = _mm512_add_epi32(mins_prod, _mm512_shuffle_epi32(mins_prod, _MM_PERM_BADC));
          t4 = _mm512_add_epi32(t4, _mm512_shuffle_epi32(t4, _MM_PERM_CDAB));
          const __m128i sums = _mm512_castsi512_si128(_mm512_permutexvar_epi32(lane_heads, t4));
          summs[r][g] = _mm_fmadd_ps(dmin, _mm_cvtepi32_ps(sums), summs[r][g]);
        }
      }
    }
  }
  // vec_dot's final sums, in its order.
#pragma GCC unroll 8
  for (int r = 0; r < kR; ++r) {
    alignas(64) float lanes[kT / 2][16];
    alignas(64) float lanes_m[kG][16];
    alignas(16) float lanes_s[kG][4];
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) _mm512_store_ps(lanes[p], acc[r][p]);
#pragma GCC unroll 8
    for (int g = 0; g < kG; ++g) {
      _mm512_store_ps(lanes_m[g], acc_m[r][g]);
      _mm_store_ps(lanes_s[g], summs[r][g]);
    }
    for (int t = 0; t < nt; ++t) {
      const float sum = HalvingSum8(&lanes[t / 2][8 * (t % 2)]);
      if constexpr (kMin == MinTerm::kLanes4) {
        const float* m = &lanes_m[t / 4][4 * (t % 4)];
        s[t * s_stride + r] = sum + ((m[0] + m[2]) + (m[1] + m[3]));
      } else {
        s[t * s_stride + r] = sum + lanes_s[t / 4][t % 4];
      }
    }
  }
}

template <bool kVnni, MinTerm kMin, class Block, bool kFifthBit>
void VecDotBatchK4Avx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                         const void* vx, size_t x_stride, const void* vy, size_t y_stride) {
  constexpr int kRows = kK4TileRowsAvx512;
  const auto* x = static_cast<const uint8_t*>(vx);
  const auto row = [&](int64_t i) { return reinterpret_cast<const Block*>(x + i * x_stride); };
  ForEachTile<kK4TileTokensAvx512, kRows>(nx, ny, [&](int64_t i, int64_t t0, auto tokens) {
    constexpr int kT = (decltype(tokens)::value + 1) / 2 * 2;  // odd counts: one token twice
    const BlockQ8_K* y[kK4TileTokensAvx512];
    TokenRows(vy, y_stride, t0, tokens, y);
    float* st = s + t0 * s_stride + i;
    if (i + kRows <= nx) {
      const Block* rows[kRows];
      for (int r = 0; r < kRows; ++r) rows[r] = row(i + r);
      K4TileAvx512<kVnni, kMin, Block, kFifthBit, kRows, kT>(n / kQK_K, rows, y, tokens, st,
                                                             s_stride);
    } else {
      for (; i < nx; ++i, ++st) {
        const Block* rows[1] = {row(i)};
        K4TileAvx512<kVnni, kMin, Block, kFifthBit, 1, kT>(n / kQK_K, rows, y, tokens, st,
                                                           s_stride);
      }
    }
  });
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // AVX-512 F/BW/VL
#endif  // x86-64 with AVX2/FMA/F16C
#endif  // EDGELLM_QUANT_FORMATS_COMMON_SCALE_MIN_K4_BATCH_X86_H_
