// AVX-512 kernels of q8_0 (build with the AVX-512 flags; they need F/BW/VL/DQ, and the Vnni
// variants also VNNI). The dot products keep ggml's one 8-lane accumulator (see q8_0.h), so they
// work on 256-bit registers, VecDotAvx512Vnni with vpdpbusd for the integer sums. The batched
// kernels hold two such accumulators per 512-bit register. fp16 scales go through F16C, never
// through fp16.h (see q8_0_avx2.cc).
#if defined(__x86_64__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/gemm_tiles.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0 {
namespace {

// acc + (dx * dy) * (8 partial sums of qx * qy, products 4l..4l+3 in lane l) for one block.
template <bool kVnni>
inline __m256 AccumulateBlock(const BlockQ8_0& bx, const BlockQ8_0& by, __m256 acc) {
  const __m256i qx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx.qs));
  const __m256i qy = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(by.qs));
  // Unsigned x signed products: move the sign of qx onto qy.
  const __m256i ax = _mm256_sign_epi8(qx, qx);
  const __m256i sy = _mm256_sign_epi8(qy, qx);
  __m256i p;
  if constexpr (kVnni) {
    p = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ax, sy);
  } else {
    p = x86::DotU8I8(ax, sy);
  }
  const __m256 d = _mm256_set1_ps(x86::HalfToFloat(bx.d) * x86::HalfToFloat(by.d));
  return _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(p), acc);
}

template <bool kVnni>
inline void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ8_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK8_0; ++b) acc = AccumulateBlock<kVnni>(bx[b], by[b], acc);
  *s = x86::HsumPs(acc);
}

// --- Batched dot (prefill GEMM) ---
//
// A tile is kRows weight rows x 2 * kPairs tokens. Register acc[r][p] holds the 8-lane vec_dot
// accumulators of (row r, token 2p) in lanes 0..7 and (row r, token 2p + 1) in lanes 8..15; every
// float operation is lane-wise, so each pair sees exactly vec_dot's operations. Per block, the
// token side (quants of two tokens per register, their scales, the VNNI offset correction) is
// built once for all rows of the tile, and the row side (quants, scale) once for all tokens.
//
// The loops over rows and tokens are unrolled in full (#pragma GCC unroll) so that the
// accumulators stay in registers.
constexpr int kGemmRows = 4;
constexpr int kGemmPairs = 4;

// The dot products of kRows rows at x with the ny <= 2 * kPairs tokens at y (a shorter last
// pair repeats its token and drops the copy), into s[j * s_stride + i].
template <bool kVnni>
struct GemmKernel {
  template <int kRows, int kPairs>
  static void Tile(int64_t nb, const uint8_t* x, size_t x_stride, const uint8_t* y, size_t y_stride,
                   int ny, float* s, size_t s_stride) {
    const BlockQ8_0* bx[kRows];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) bx[r] = reinterpret_cast<const BlockQ8_0*>(x + r * x_stride);
    const BlockQ8_0* by_lo[kPairs];
    const BlockQ8_0* by_hi[kPairs];
#pragma GCC unroll 8
    for (int p = 0; p < kPairs; ++p) {
      by_lo[p] = reinterpret_cast<const BlockQ8_0*>(y + 2 * p * y_stride);
      by_hi[p] = reinterpret_cast<const BlockQ8_0*>(y + std::min(2 * p + 1, ny - 1) * y_stride);
    }
    const __m512i ones16 = _mm512_set1_epi16(1);
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    __m512 acc[kRows][kPairs];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int p = 0; p < kPairs; ++p) acc[r][p] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < nb; ++b) {
      __m512i qy[kPairs];
      __m512i base[kPairs];
      __m512 dy[kPairs];
#pragma GCC unroll 8
      for (int p = 0; p < kPairs; ++p) {
        qy[p] = x86::Load2x32(by_lo[p][b].qs, by_hi[p][b].qs);
        dy[p] = x86::HalvesToFloat2(by_lo[p][b].d, by_hi[p][b].d);
        if constexpr (kVnni) {
          // vpdpbusd multiplies unsigned by signed bytes: the rows go in as qx + 128, and each
          // lane starts from -128 * (sum of its 4 token quants) to take the offset back out.
          base[p] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                     _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, qy[p]));
        }
      }
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r) {
        const __m512i qx = _mm512_broadcast_i64x4(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bx[r][b].qs)));
        const __m512 dx = _mm512_set1_ps(x86::HalfToFloat(bx[r][b].d));
        // VNNI: qx + 128 as unsigned. Else vec_dot's sign trick, |qx| x (qy negated where qx < 0):
        // the same bytes as vpsignb, so maddubs sees vec_dot's operands.
        const __m512i ux = kVnni ? _mm512_xor_si512(qx, bias) : _mm512_abs_epi8(qx);
        const __mmask64 neg = kVnni ? 0 : _mm512_movepi8_mask(qx);
#pragma GCC unroll 8
        for (int p = 0; p < kPairs; ++p) {
          __m512i sum;
          if constexpr (kVnni) {
            sum = _mm512_dpbusd_epi32(base[p], ux, qy[p]);
          } else {
            const __m512i sy = _mm512_mask_sub_epi8(qy[p], neg, _mm512_setzero_si512(), qy[p]);
            sum = _mm512_madd_epi16(_mm512_maddubs_epi16(ux, sy), ones16);
          }
          acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dx, dy[p]), _mm512_cvtepi32_ps(sum), acc[r][p]);
        }
      }
    }
    x86::StorePairSums<kRows, kPairs>(acc, ny, s, s_stride);
  }
};

void QuantizeRowActAvx512(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = x86::QuantizeQ8BlockAvx512<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
  }
}

void DequantizeRowAvx512(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const __m512 d = _mm512_set1_ps(x86::HalfToFloat(in[b].d));
    for (int j = 0; j < kQK8_0; j += 16) {
      const __m128i q8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[b].qs + j));
      const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q8));
      _mm512_storeu_ps(y + b * kQK8_0 + j, _mm512_mul_ps(q, d));
    }
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) { VecDot<false>(n, s, x, y); }

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  VecDot<true>(n, s, x, y);
}

// Batched dot products (prefill GEMM): each block of a row is used for up to 8 tokens, each block
// of a token for up to 4 rows. The Vnni kernels compute exact integer sums (weights offset by
// +128), so they need the activation quants (y) in [-127, 127], which both q8_0 quantizers
// write: opposite a negative weight, a -128 would make vec_dot's vpsignb wrap. The others follow
// vec_dot for any bytes.
void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                       size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmKernel<false>, kGemmRows, kGemmPairs, 2>(n / kQK8_0, nx, ny, s, s_stride, x,
                                                            x_stride, y, y_stride);
}

void VecDotBatchAvx512Vnni(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                           const void* x, size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmKernel<true>, kGemmRows, kGemmPairs, 2>(n / kQK8_0, nx, ny, s, s_stride, x,
                                                           x_stride, y, y_stride);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, VecDotBatchAvx512Vnni,
                    QuantizeRowActAvx512, DequantizeRowAvx512, kBatchMatchesVecDot},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512,
                    QuantizeRowActAvx512, DequantizeRowAvx512, kBatchMatchesVecDot});
}  // namespace avx512

}  // namespace edgellm::quant::q8_0

#endif  // __x86_64__
