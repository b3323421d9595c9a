// q4_K x q8_K dot product, AVX2: 4-bit quants widened in registers, u8 x s8 products with
// vpmaddubsw, sub-block scales applied with vpmaddwd, one float multiply per super-block. Same
// operation order as ggml's AVX2 kernel, so the result is the same float.
//
// The batched kernel (prefill) runs the same steps per (row, token) pair, but unpacks each weight
// super-block (nibbles, scales, mins) once for a tile of tokens and keeps the min accumulators of
// two pairs in one register: every op is lane-wise, so each pair still gets VecDotAvx2's bits.
#if defined(__x86_64__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/lane_sums.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/common/scale_min_k4_x86.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q4_K/q4_K.h"

namespace edgellm::quant::q4_K {
namespace {

// Tokens per tile of the batched kernel (even): one row's 8 integer accumulators plus its
// unpacked chunk fill the 16 ymm registers (two rows spill, and gain nothing).
constexpr int kTileTokens = 8;

// The activation sums of VecDotAvx2's min term for two q8_K blocks a and b, H[j] = bsums[2j] +
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

// s[t * s_stride] = VecDotAvx2(x, token t) for t < nt <= kT (kT even), row x[0..nb) and tokens
// y[t][0..nb); pointers from nt on repeat a token (their results are dropped). Each super-block
// of the row is unpacked once for kT tokens. acc[t] is the pair's 8-lane accumulator; acc_m[p]
// holds the 4 min lanes of token 2p in lanes 0, 1, 4, 5 and those of 2p+1 in lanes 2, 3, 6, 7.
// Same FMAs per lane as VecDotAvx2.
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
    // VecDotAvx2's integer sums (sumi) for every token, one pair of sub-blocks at a time.
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
      // VecDotAvx2 adds ((-y.d) * dmin) * sum, rounded once; -(y.d * dmin) * sum is the same.
      const __m256 dmin = _mm256_mul_ps(yd2, xdmin);
      acc_m[p] = _mm256_fnmadd_ps(dmin, _mm256_cvtepi32_ps(mins_prod), acc_m[p]);
    }
  }
  // VecDotAvx2's final sums, in its order.
  alignas(32) float lanes[kT][8];
  alignas(32) float lanes_m[kT / 2][8];
#pragma GCC unroll 8
  for (int t = 0; t < kT; ++t) _mm256_store_ps(lanes[t], acc[t]);
#pragma GCC unroll 8
  for (int p = 0; p < kT / 2; ++p) _mm256_store_ps(lanes_m[p], acc_m[p]);
  for (int t = 0; t < nt; ++t) {
    // VecDotAvx2's min lanes 0..3 of token t are lanes 0, 1, 4, 5 of lanes_m (+2 if t is odd).
    const float* m = &lanes_m[t / 2][2 * (t % 2)];
    s[t * s_stride] = HalvingSum8(lanes[t]) + ((m[0] + m[4]) + (m[1] + m[5]));
  }
}

// Every row of x against the kT or fewer tokens in y (see RowTile).
template <int kT>
void TileRows(int64_t nb, int64_t nx, const uint8_t* x, size_t x_stride, const BlockQ8_K* const* y,
              int nt, float* s, size_t s_stride) {
  for (int64_t i = 0; i < nx; ++i) {
    RowTile<kT>(nb, reinterpret_cast<const BlockQ4_K*>(x + i * x_stride), y, nt, s + i, s_stride);
  }
}

void VecDotAvx2(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockQ4_K*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const __m256i m4 = _mm256_set1_epi8(0xF);
  // Byte shuffles that broadcast 16-bit word j (scale of sub-block j) over a 128-bit lane.
  __m256i pick[8];
  for (int j = 0; j < 8; ++j) pick[j] = _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * j));
  __m256 acc = _mm256_setzero_ps();
  __m128 acc_m = _mm_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const float d = y[i].d * x86::HalfToFloat(x[i].d);
    const float dmin = -y[i].d * x86::HalfToFloat(x[i].dmin);
    const __m256i sm16 = _mm256_cvtepu8_epi16(x86::ScalesMinsK4(x[i].scales));

    // Min term: sum_j m[j] * (sum of the 32 activations of sub-block j).
    const __m128i bs_lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums));
    const __m128i bs_hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(y[i].bsums + 8));
    const __m128i mins_prod =
        _mm_madd_epi16(_mm256_extracti128_si256(sm16, 1), _mm_hadd_epi16(bs_lo, bs_hi));
    acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(mins_prod), acc_m);

    const __m256i sc16 = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(sm16));
    const uint8_t* q4 = x[i].qs;
    const int8_t* q8 = y[i].qs;
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < kQK_K / 64; ++c, q4 += 32, q8 += 64) {
      const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q4));
      const __m256i lo = _mm256_and_si256(bits, m4);
      const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
      // |q4 * q8| pairs <= 2 * 15 * 127: no int16 saturation.
      const __m256i p_lo =
          _mm256_maddubs_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8)));
      const __m256i p_hi =
          _mm256_maddubs_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q8 + 32)));
      const __m256i s_lo = _mm256_madd_epi16(_mm256_shuffle_epi8(sc16, pick[2 * c]), p_lo);
      const __m256i s_hi = _mm256_madd_epi16(_mm256_shuffle_epi8(sc16, pick[2 * c + 1]), p_hi);
      sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(s_lo, s_hi));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  acc_m = _mm_add_ps(acc_m, _mm_movehl_ps(acc_m, acc_m));
  acc_m = _mm_add_ss(acc_m, _mm_movehdup_ps(acc_m));
  *s = x86::HsumPs(acc) + _mm_cvtss_f32(acc_m);
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                     size_t x_stride, const void* vy, size_t y_stride) {
  static_assert(kTileTokens % 2 == 0 && kTileTokens <= 8, "see Tile");
  const int64_t nb = n / kQK_K;
  const auto* x = static_cast<const uint8_t*>(vx);
  for (int64_t j0 = 0; j0 < ny; j0 += kTileTokens) {
    const int nt = static_cast<int>(std::min<int64_t>(kTileTokens, ny - j0));
    const BlockQ8_K* y[8];
    for (int t = 0; t < 8; ++t) {
      y[t] = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(vy) +
                                                (j0 + std::min(t, nt - 1)) * y_stride);
    }
    float* sj = s + j0 * s_stride;
    // Odd token counts compute one token twice.
    switch ((nt + 1) / 2) {
      case 1:
        TileRows<2>(nb, nx, x, x_stride, y, nt, sj, s_stride);
        break;
      case 2:
        TileRows<std::min(4, kTileTokens)>(nb, nx, x, x_stride, y, nt, sj, s_stride);
        break;
      case 3:
        TileRows<std::min(6, kTileTokens)>(nb, nx, x, x_stride, y, nt, sj, s_stride);
        break;
      default:
        TileRows<kTileTokens>(nb, nx, x, x_stride, y, nt, sj, s_stride);
        break;
    }
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, nullptr, nullptr,
                    kBatchMatchesVecDot});
}  // namespace avx2

}  // namespace edgellm::quant::q4_K

#endif  // defined(__x86_64__)
