// q4_K x q8_K dot product, AVX-512: common/scale_min_k4_x86.h's VecDotK4Avx512 (shared with
// q5_K; with and without VNNI). One 512-bit step covers a pair of sub-blocks: the 32 bytes of
// quants are broadcast to both halves, the low half keeps the low nibbles (sub-block 2c), the
// high half the high nibbles (sub-block 2c+1), which lines them up with 64 contiguous q8 bytes.
//
// The batched kernels (prefill) run the same steps per (row, token) pair, but unpack each weight
// super-block once for a tile of tokens, the activation sums once for a tile of rows, and keep
// the fp32 accumulators of two or four pairs in one register: every op is lane-wise, so each
// pair still gets vec_dot's bits.
#if defined(__x86_64__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_tiles.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {
namespace {

// Tile shape of the batched kernels: weight rows x tokens. Rows are handled one after the other
// within a super-block (8 integer accumulators live), so the tile's width in tokens sets how
// often a row is unpacked, and its height how often a token's y.d and bsums are.
constexpr int kTileRows = 2;
constexpr int kTileTokens = 8;

// The activation sums of vec_dot's min term for four q8_K blocks: 128-bit lane k holds block k's
// words bsums[2j] + bsums[2j+1], j < 8, wrapping in int16 like vec_dot's vphaddw.
inline __m512i PairedBsums4(const BlockQ8_K& a, const BlockQ8_K& b, const BlockQ8_K& c,
                            const BlockQ8_K& d) {
  const __m512i ab = x86::Load2x32(a.bsums, b.bsums);
  const __m512i cd = x86::Load2x32(c.bsums, d.bsums);
  // The low word of dword j gets bsums[2j] + bsums[2j+1]; vpmovdw keeps exactly that word.
  const __m256i hab = _mm512_cvtepi32_epi16(_mm512_add_epi16(ab, _mm512_srli_epi32(ab, 16)));
  const __m256i hcd = _mm512_cvtepi32_epi16(_mm512_add_epi16(cd, _mm512_srli_epi32(cd, 16)));
  return _mm512_inserti64x4(_mm512_castsi256_si512(hab), hcd, 1);
}

// s[t * s_stride + r] = vec_dot(row r, token t) for r < kR, t < nt <= kT (kT even), rows
// x[r][0..nb) and tokens y[t][0..nb). y holds 4 * ceil(kT / 4) pointers; those from nt on
// repeat a token (their results are dropped). Per super-block, each row is unpacked once for kT
// tokens and each token's sums once for kR rows. Accumulators are vec_dot's, packed: acc[r][p]
// holds the 8 lanes of pair (r, 2p) in lanes 0..7 and of (r, 2p+1) in lanes 8..15, acc_m[r][g]
// the 4 lanes of pair (r, 4g+k) in lanes 4k..4k+3, with the same FMAs per lane.
template <bool kVnni, int kR, int kT>
void Tile(int64_t nb, const BlockQ4_K* const* x, const BlockQ8_K* const* y, int nt, float* s,
          size_t s_stride) {
  static_assert(kT % 2 == 0, "tokens come in pairs");
  constexpr int kG = (kT + 3) / 4;
  const __m512i m4 = _mm512_set1_epi8(0xF);
  const __m512i nibble_shift = x86::NibbleShiftK4();
  // Spreads 4 floats over the four 128-bit lanes.
  const __m512i quad_lanes = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
  __m512 acc[kR][kT / 2];
  __m512 acc_m[kR][kG];
#pragma GCC unroll 8
  for (int r = 0; r < kR; ++r) {
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) acc[r][p] = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int g = 0; g < kG; ++g) acc_m[r][g] = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < nb; ++i) {
    // Per token, for every row: y.d for two tokens per register, -y.d and the bsums for four.
    __m512 yd2[kT / 2];
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) yd2[p] = x86::Broadcast2(y[2 * p][i].d, y[2 * p + 1][i].d);
    __m512 neg_yd4[kG];
    __m512i bsums4[kG];
#pragma GCC unroll 8
    for (int g = 0; g < kG; ++g) {
      const BlockQ8_K* const* yg = y + 4 * g;
      neg_yd4[g] = _mm512_permutexvar_ps(
          quad_lanes,
          _mm512_castps128_ps512(_mm_setr_ps(-yg[0][i].d, -yg[1][i].d, -yg[2][i].d, -yg[3][i].d)));
      bsums4[g] = PairedBsums4(yg[0][i], yg[1][i], yg[2][i], yg[3][i]);
    }
    // One row at a time: its integer sums for every token stay in registers.
#pragma GCC unroll 8
    for (int r = 0; r < kR; ++r) {
      const BlockQ4_K& b = x[r][i];
      const __m256i sm16 = _mm256_cvtepu8_epi16(x86::ScalesMinsK4(b.scales));
      const __m512i sc16 = _mm512_broadcast_i32x4(_mm256_castsi256_si128(sm16));
      // vec_dot's integer sums (sumi) for every token, one pair of sub-blocks at a time.
      __m512i sumi[kT];
#pragma GCC unroll 4
      for (int c = 0; c < kQK_K / 64; ++c) {
        const __m512i bits = _mm512_broadcast_i64x4(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * c)));
        const __m512i q = _mm512_and_si512(_mm512_srlv_epi16(bits, nibble_shift), m4);
        const __m512i scale = _mm512_shuffle_epi8(sc16, x86::PickScalesK4(c));
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
      const __m512 xd = _mm512_set1_ps(x86::HalfToFloat(b.d));
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
      const __m512 xdmin = _mm512_set1_ps(x86::HalfToFloat(b.dmin));
#pragma GCC unroll 8
      for (int g = 0; g < kG; ++g) {
        const __m512i mins_prod = _mm512_madd_epi16(mins, bsums4[g]);
        const __m512 dmin = _mm512_mul_ps(neg_yd4[g], xdmin);
        acc_m[r][g] = _mm512_fmadd_ps(dmin, _mm512_cvtepi32_ps(mins_prod), acc_m[r][g]);
      }
    }
  }
  // vec_dot's final sums, in its order.
#pragma GCC unroll 8
  for (int r = 0; r < kR; ++r) {
    alignas(64) float lanes[kT / 2][16];
    alignas(64) float lanes_m[kG][16];
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) _mm512_store_ps(lanes[p], acc[r][p]);
#pragma GCC unroll 8
    for (int g = 0; g < kG; ++g) _mm512_store_ps(lanes_m[g], acc_m[r][g]);
    for (int t = 0; t < nt; ++t) {
      const float* m = &lanes_m[t / 4][4 * (t % 4)];
      s[t * s_stride + r] =
          HalvingSum8(&lanes[t / 2][8 * (t % 2)]) + ((m[0] + m[2]) + (m[1] + m[3]));
    }
  }
}

template <bool kVnni>
void VecDotBatch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                 size_t x_stride, const void* vy, size_t y_stride) {
  static_assert(kTileTokens % 2 == 0 && kTileTokens <= 8, "see Tile");
  const auto* x = static_cast<const uint8_t*>(vx);
  const auto row = [&](int64_t i) { return reinterpret_cast<const BlockQ4_K*>(x + i * x_stride); };
  ForEachTile<kTileTokens, kTileRows>(nx, ny, [&](int64_t i, int64_t t0, auto tokens) {
    constexpr int kT = (decltype(tokens)::value + 1) / 2 * 2;  // odd counts: one token twice
    const BlockQ8_K* y[kTileTokens];
    TokenRows(vy, y_stride, t0, tokens, y);
    float* st = s + t0 * s_stride + i;
    if (i + kTileRows <= nx) {
      const BlockQ4_K* rows[kTileRows];
      for (int r = 0; r < kTileRows; ++r) rows[r] = row(i + r);
      Tile<kVnni, kTileRows, kT>(n / kQK_K, rows, y, tokens, st, s_stride);
    } else {
      for (; i < nx; ++i, ++st) {
        const BlockQ4_K* rows[1] = {row(i)};
        Tile<kVnni, 1, kT>(n / kQK_K, rows, y, tokens, st, s_stride);
      }
    }
  });
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures,
                    x86::VecDotK4Avx512<true, MinTerm::kLanes4, BlockQ4_K, false>,
                    VecDotBatch<true>, nullptr, nullptr, kBatchMatchesVecDot},
                   {EDGE_ISA_AVX512, kAvx512Features,
                    x86::VecDotK4Avx512<false, MinTerm::kLanes4, BlockQ4_K, false>,
                    VecDotBatch<false>, nullptr, nullptr, kBatchMatchesVecDot});
}  // namespace avx512

}  // namespace edgellm::quant::q4_K

#endif  // defined(__x86_64__)
