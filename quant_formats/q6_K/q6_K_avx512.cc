// q6_K x q8_K dot product, AVX-512 (with and without VNNI): each half of a block becomes two
// registers of 64 unsigned 6-bit quants, dotted with the q8_K bytes (vpdpbusd, or maddubs + madd),
// scaled and summed into ggml's 8 integer lanes and offset-corrected with the q8_K group sums; the
// float part is common/kquant_x86.h's SuperBlockDot (ggml's order, see q6_K.h).
//
// The batched kernels (prefill) work on tiles of 2 weight rows x up to 8 tokens: each zmm holds
// one run of 32 quants of both rows, so one maddubs and one scaling madd (vpdpwssd with VNNI)
// serve the (row, token) pairs of both rows, whose 8 integer lanes end up in the two halves of
// one zmm, as do their 8-lane fp32 accumulators.
#include <algorithm>
#include <cstddef>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q6_K/q6_K.h"

#if defined(__x86_64__)

#include "quant_formats/common/kquant_tiles.h"
#include "quant_formats/common/kquant_x86.h"

namespace edgellm::quant::q6k {
namespace {

template <bool kVnni>
struct BlockSums {
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  const __m512i m30 = _mm512_set1_epi8(0x30);
  // qh holds 2 bits for each of 4 runs of 32 weights; per 256-bit half of a register, move the
  // run's bits to bits 4-5: runs 0/1 by << 4 / << 2, runs 2/3 by >> 0 / >> 2.
  const __m512i shl = x86::PerHalf16(4, 2);
  const __m512i shr = x86::PerHalf16(0, 2);

  __m256i operator()(const BlockQ6K& b, const BlockQ8_K& y, __m256i*) const {
    __m512i dots[4];
    for (int h = 0; h < 2; ++h) {
      const __m512i lo = _mm512_loadu_si512(b.ql + 64 * h);
      const __m512i hi = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh + 32 * h)));
      const __m512i qa = _mm512_or_si512(_mm512_and_si512(lo, m4),
                                         _mm512_and_si512(_mm512_sllv_epi16(hi, shl), m30));
      const __m512i qb = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(lo, 4), m4),
                                         _mm512_and_si512(_mm512_srlv_epi16(hi, shr), m30));
      dots[2 * h] = x86::DotU8I8x64<kVnni>(qa, _mm512_loadu_si512(y.qs + 128 * h));
      dots[2 * h + 1] = x86::DotU8I8x64<kVnni>(qb, _mm512_loadu_si512(y.qs + 128 * h + 64));
    }
    const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.scales));
    const __m256i isum = x86::ScaledLaneSums<16>(dots, _mm512_cvtepi8_epi32(scales));
    // The -32 offset, through the q8_K group sums: groups 2k, 2k+1 from lane k (as ggml).
    const __m256i bsums = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y.bsums));
    return _mm256_sub_epi32(
        isum, _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(scales), bsums), 5));
  }
};

constexpr int kTileTokens = 8;

// Tile of weight rows a, b (b may equal a) x kTokens token rows at y[t * y_stride]: out[t] gets
// the 8-lane fp32 accumulators of (a, token t) in lanes 0..7 and of (b, token t) in lanes 8..15,
// each lane for lane the accumulator of vec_dot for that pair.
template <bool kVnni, int kTokens>
void Tile(int64_t nb, const BlockQ6K* a, const BlockQ6K* b, const char* y, size_t y_stride,
          __m512 out[kTokens]) {
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  const __m512i m30 = _mm512_set1_epi8(0x30);
  // Word w of a maddubs over run r (bytes 2w, 2w + 1) is in group 2r + (w % 16) / 8 of row a
  // (w < 16) or b; `scales` below has row a's 16 scales in words 0..15, row b's in 16..31.
  const __m512i group = _mm512_set_epi16(17, 17, 17, 17, 17, 17, 17, 17, 16, 16, 16, 16, 16, 16, 16,
                                         16, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  const BlockQ8_K* yt[kTokens];
#pragma GCC unroll 8
  for (int t = 0; t < kTokens; ++t) {
    yt[t] = reinterpret_cast<const BlockQ8_K*>(y + t * y_stride);
    out[t] = _mm512_setzero_ps();
  }
  for (int64_t i = 0; i < nb; ++i) {
    // Row work, shared by the tokens: both rows' scales as int16 (a in words 0..15, b in 16..31),
    // -32 * scale for the offset term (|.| <= 4096), both fp16 d.
    const __m512i scales = _mm512_cvtepi8_epi16(
        _mm256_set_m128i(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b[i].scales)),
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(a[i].scales))));
    const __m512i minus32_scales =
        _mm512_sub_epi16(_mm512_setzero_si512(), _mm512_slli_epi16(scales, 5));
    const __m512 dx = x86::Broadcast2(x86::HalfToFloat(a[i].d), x86::HalfToFloat(b[i].d));
    // Lane k of a pair's sums starts at -32 * (scale * bsum of groups 2k, 2k + 1), the term
    // vec_dot ends with: the int32 lanes are exact, so the order of the additions does not matter.
    // Lanes 0..7: row a, 8..15: row b (bsums broadcast to both halves).
    __m512i isum[kTokens];
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      const __m512i bsums = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yt[t][i].bsums)));
      isum[t] = _mm512_madd_epi16(minus32_scales, bsums);
    }
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      // Row a's bytes in the low 256 bits, row b's in the high ones (layout in q6_K.h).
      const __m512i l0 = x86::Load2x32(a[i].ql + 64 * h, b[i].ql + 64 * h);
      const __m512i l1 = x86::Load2x32(a[i].ql + 64 * h + 32, b[i].ql + 64 * h + 32);
      const __m512i hb = x86::Load2x32(a[i].qh + 32 * h, b[i].qh + 32 * h);
      __m512i q[4];
      x86::Q6Quants(l0, l1, hb, m4, m30, q);
#pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) {
        const int r = 4 * h + c;  // run of 32 weights: groups 2r, 2r + 1
        const __m512i run_scales = _mm512_permutexvar_epi16(
            _mm512_add_epi16(group, _mm512_set1_epi16(static_cast<int16_t>(2 * r))), scales);
#pragma GCC unroll 8
        for (int t = 0; t < kTokens; ++t) {
          const __m512i act = _mm512_broadcast_i64x4(
              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(yt[t][i].qs + 32 * r)));
          const __m512i p = _mm512_maddubs_epi16(q[c], act);  // <= 2 * 63 * 128: exact
          // Lane k of each half: bytes 4k..4k + 3 of the run, times the scale of their group.
          if constexpr (kVnni) {
            isum[t] = _mm512_dpwssd_epi32(isum[t], p, run_scales);
          } else {
            isum[t] = _mm512_add_epi32(isum[t], _mm512_madd_epi16(p, run_scales));
            // Keeps GCC from re-associating the sums into a tree that holds every product
            // live until the end (spills); costs no instruction.
            asm("" : "+v"(isum[t]));
          }
        }
      }
    }
    // vec_dot's float steps per pair: d = d_y * d_x, then one FMA per lane.
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      const __m512 d = _mm512_mul_ps(_mm512_set1_ps(yt[t][i].d), dx);
      out[t] = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(isum[t]), out[t]);
    }
  }
}

template <bool kVnni>
void VecDotBatch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* vx,
                 size_t x_stride, const void* vy, size_t y_stride) {
  const char* x = static_cast<const char*>(vx);
  const char* y = static_cast<const char*>(vy);
  // Rows i, i + 1 (or row i alone: `pair` false) x the tile's tokens.
  ForEachTile<kTileTokens, 2>(nx, ny, [&](int64_t i, int64_t t0, auto tokens) {
    constexpr int kTokens = decltype(tokens)::value;
    const bool pair = i + 1 < nx;
    const BlockQ6K* a = reinterpret_cast<const BlockQ6K*>(x + i * x_stride);
    const BlockQ6K* b = pair ? reinterpret_cast<const BlockQ6K*>(x + (i + 1) * x_stride) : a;
    __m512 acc[kTokens];
    Tile<kVnni, kTokens>(n / kQK_K, a, b, y + t0 * y_stride, y_stride, acc);
    float* st = s + t0 * s_stride + i;
#pragma GCC unroll 8
    for (int t = 0; t < kTokens; ++t) {
      st[t * s_stride] = x86::HsumPs(_mm512_castps512_ps256(acc[t]));
      if (pair) st[t * s_stride + 1] = x86::HsumPs(_mm512_extractf32x8_ps(acc[t], 1));
    }
  });
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures,
                    x86::VecDotOf<MinTerm::kNone, BlockQ6K, BlockSums<true>>, VecDotBatch<true>,
                    nullptr, nullptr, kBatchMatchesVecDot},
                   {EDGE_ISA_AVX512, kAvx512Features,
                    x86::VecDotOf<MinTerm::kNone, BlockQ6K, BlockSums<false>>, VecDotBatch<false>,
                    nullptr, nullptr, kBatchMatchesVecDot});
}  // namespace avx512

}  // namespace edgellm::quant::q6k

#endif  // __x86_64__
