// q4_K x q8_K dot product, AVX2: common/scale_min_k4_x86.h's VecDotK4Avx2 (shared with q5_K), in
// ggml's AVX2 order, so the result is the same float.
//
// The batched kernel (prefill) runs the same steps per (row, token) pair, but unpacks each weight
// super-block (nibbles, scales, mins) once for a tile of tokens and keeps the min accumulators of
// two pairs in one register: every op is lane-wise, so each pair still gets vec_dot's bits.
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

// Tokens per tile of the batched kernel (even): one row's 8 integer accumulators plus its
// unpacked chunk fill the 16 ymm registers (two rows spill, and gain nothing).
constexpr int kTileTokens = 8;

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
// y[t][0..nb); pointers from nt on repeat a token (their results are dropped). Each super-block
// of the row is unpacked once for kT tokens. acc[t] is the pair's 8-lane accumulator; acc_m[p]
// holds the 4 min lanes of token 2p in lanes 0, 1, 4, 5 and those of 2p+1 in lanes 2, 3, 6, 7.
// Same FMAs per lane as vec_dot.
template <int kT>
void RowTile(int64_t nb, const BlockQ4_K* x, const BlockQ8_K* const* y, int nt, float* s,
             size_t s_stride) {
  static_assert(kT % 2 == 0, "tokens come in pairs");
  const __m256i m4 = _mm256_set1_epi8(0xF);
  __m256 acc[kT];
  __m256 acc_m[kT / 2];
#pragma GCC unroll 8
  for (int t = 0; t < kT; ++t) acc[t] = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int p = 0; p < kT / 2; ++p) acc_m[p] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const BlockQ4_K& b = x[i];
    const __m256i sm16 = _mm256_cvtepu8_epi16(x86::ScalesMinsK4(b.scales));
    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    // vec_dot's integer sums (sumi) for every token, one pair of sub-blocks at a time.
    __m256i sumi[kT];
#pragma GCC unroll 4
    for (int c = 0; c < kQK_K / 64; ++c) {
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * c));
      const __m256i lo = _mm256_and_si256(bits, m4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
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
    const __m256 xd = _mm256_set1_ps(x86::HalfToFloat(b.d));
#pragma GCC unroll 8
    for (int t = 0; t < kT; ++t) {
      const __m256 d = _mm256_mul_ps(_mm256_broadcast_ss(&y[t][i].d), xd);
      acc[t] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sumi[t]), acc[t]);
    }
    // Words m0..3 m0..3 | m4..7 m4..7, against PairedBsums2.
    const __m256i mins = _mm256_permute4x64_epi64(sm16, _MM_SHUFFLE(3, 3, 2, 2));
    const __m256 xdmin = _mm256_set1_ps(x86::HalfToFloat(b.dmin));
#pragma GCC unroll 8
    for (int p = 0; p < kT / 2; ++p) {
      const BlockQ8_K& ya = y[2 * p][i];
      const BlockQ8_K& yb = y[2 * p + 1][i];
      // y.d of token 2p in lanes 0, 1, 4, 5, of token 2p+1 in lanes 2, 3, 6, 7.
      const __m256 yd2 =
          _mm256_castpd_ps(_mm256_unpacklo_pd(_mm256_castps_pd(_mm256_broadcast_ss(&ya.d)),
                                              _mm256_castps_pd(_mm256_broadcast_ss(&yb.d))));
      const __m256i mins_prod = _mm256_madd_epi16(mins, PairedBsums2(ya, yb));
      // vec_dot adds ((-y.d) * dmin) * sum, rounded once; -(y.d * dmin) * sum is the same.
      const __m256 dmin = _mm256_mul_ps(yd2, xdmin);
      acc_m[p] = _mm256_fnmadd_ps(dmin, _mm256_cvtepi32_ps(mins_prod), acc_m[p]);
    }
  }
  // vec_dot's final sums, in its order.
  alignas(32) float lanes[kT][8];
  alignas(32) float lanes_m[kT / 2][8];
#pragma GCC unroll 8
  for (int t = 0; t < kT; ++t) _mm256_store_ps(lanes[t], acc[t]);
#pragma GCC unroll 8
  for (int p = 0; p < kT / 2; ++p) _mm256_store_ps(lanes_m[p], acc_m[p]);
  for (int t = 0; t < nt; ++t) {
    // vec_dot's min lanes 0..3 of token t are lanes 0, 1, 4, 5 of lanes_m (+2 if t is odd).
    const float* m = &lanes_m[t / 2][2 * (t % 2)];
    s[t * s_stride] = HalvingSum8(lanes[t]) + ((m[0] + m[4]) + (m[1] + m[5]));
  }
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                     size_t x_stride, const void* vy, size_t y_stride) {
  static_assert(kTileTokens % 2 == 0 && kTileTokens <= 8, "see RowTile");
  const auto* x = static_cast<const uint8_t*>(vx);
  ForEachTile<kTileTokens, 1>(nx, ny, [&](int64_t i, int64_t t0, auto tokens) {
    const BlockQ8_K* y[kTileTokens];
    TokenRows(vy, y_stride, t0, tokens, y);
    // Tokens in pairs: odd counts compute one token twice.
    RowTile<(decltype(tokens)::value + 1) / 2 * 2>(
        n / kQK_K, reinterpret_cast<const BlockQ4_K*>(x + i * x_stride), y, tokens,
        s + t0 * s_stride + i, s_stride);
  });
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features,
                    x86::VecDotK4Avx2<MinTerm::kLanes4, BlockQ4_K, false>, VecDotBatchAvx2, nullptr,
                    nullptr, kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q4_K

#endif  // defined(__x86_64__)
