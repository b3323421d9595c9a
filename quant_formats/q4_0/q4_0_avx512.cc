// Q4_0 kernels for AVX-512 (F, BW, VL, DQ; VNNI for the Vnni variants). Dequantization takes two
// blocks per 512-bit step; the dot product keeps ggml's summation order (see q4_0.h), one block
// per step in 256-bit registers, with vpdpbusd for the integer sums in the VNNI variant. The
// batched kernels hold two such 8-lane accumulators per 512-bit register.
#if defined(__x86_64__)

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/gemm_tiles.h"
#include "quant_formats/common/x86_simd.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0 {
namespace {

// Integer dot of one block in 8 int32 lanes (values 4l..4l+3 in lane l); Vnni picks vpdpbusd.
template <bool Vnni>
inline __m256i DotOne(__m256i q, __m256i a) {
  const __m256i eight = _mm256_set1_epi8(8);
  if constexpr (Vnni) {
    const __m256i zero = _mm256_setzero_si256();
    return _mm256_sub_epi32(_mm256_dpbusd_epi32(zero, q, a), _mm256_dpbusd_epi32(zero, eight, a));
  } else {
    const __m256i p16 =
        _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(eight, a));
    return _mm256_madd_epi16(p16, _mm256_set1_epi16(1));
  }
}

template <bool Vnni>
float VecDot(int64_t n, const BlockQ4_0* x, const BlockQ8_0* y) {
  // ggml's one 8-lane accumulator, one block per FMA (see q4_0.h): 256-bit registers.
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kBlockSize; ++i) {
    const __m256i q = x86::UnpackNibbles32(x[i].qs);
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y[i].qs));
    const __m256 d = _mm256_set1_ps(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d));
    acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(DotOne<Vnni>(q, a)), acc);
  }
  return x86::HsumPs(acc);
}

// y[0..31] = d * (block kHalf of q, as signed bytes).
template <int kHalf>
inline void DequantHalf(__m512i q, float d, float* y) {
  const __m512 vd = _mm512_set1_ps(d);
  const __m512i lo = _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(q, 2 * kHalf));
  const __m512i hi = _mm512_cvtepi8_epi32(_mm512_extracti32x4_epi32(q, 2 * kHalf + 1));
  _mm512_storeu_ps(y, _mm512_mul_ps(_mm512_cvtepi32_ps(lo), vd));
  _mm512_storeu_ps(y + 16, _mm512_mul_ps(_mm512_cvtepi32_ps(hi), vd));
}

// --- Batched dot (prefill GEMM) ---
//
// A tile is kRows weight rows x 2 * kPairs tokens. Register acc[r][p] holds the 8-lane vec_dot
// accumulators of (row r, token 2p) in lanes 0..7 and (row r, token 2p + 1) in lanes 8..15; every
// float operation is lane-wise, so each pair sees exactly vec_dot's operations. Per block, the
// token side (quants of two tokens per register, their scales, the -8 correction) is built once
// for all rows of the tile, and the row side (unpacked codes, scale) once for all tokens.
//
// The loops over rows and tokens are unrolled in full (#pragma GCC unroll) so that the
// accumulators stay in registers.
constexpr int kGemmRows = 4;
constexpr int kGemmPairs = 4;

// The block's 32 codes (UnpackNibbles32's order) in bytes 0..31 and again in bytes 32..63.
inline __m512i UnpackNibblesTwice(const uint8_t* qs) {
  const __m512i packed =
      _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
  const __m512i shifted = _mm512_srlv_epi64(packed, _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4));
  return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0F));
}

// The dot products of kRows rows at x with the ny <= 2 * kPairs tokens at y (a shorter last
// pair repeats its token and drops the copy), into s[j * s_stride + i].
template <bool Vnni>
struct GemmKernel {
  template <int kRows, int kPairs>
  static void Tile(int64_t nb, const uint8_t* x, size_t x_stride, const uint8_t* y, size_t y_stride,
                   int ny, float* s, size_t s_stride) {
    const BlockQ4_0* bx[kRows];
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) bx[r] = reinterpret_cast<const BlockQ4_0*>(x + r * x_stride);
    const BlockQ8_0* by_lo[kPairs];
    const BlockQ8_0* by_hi[kPairs];
#pragma GCC unroll 8
    for (int p = 0; p < kPairs; ++p) {
      by_lo[p] = reinterpret_cast<const BlockQ8_0*>(y + 2 * p * y_stride);
      by_hi[p] = reinterpret_cast<const BlockQ8_0*>(y + std::min(2 * p + 1, ny - 1) * y_stride);
    }
    const __m512i eight = _mm512_set1_epi8(8);
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
        a[p] = x86::Load2x32(by_lo[p][b].qs, by_hi[p][b].qs);
        dy[p] = x86::HalvesToFloat2(by_lo[p][b].d, by_hi[p][b].d);
        // sum((q - 8) * a) = sum(q * a) - sum(8 * a), with the second sum made once per token:
        // VNNI lanes start from its negation, else it is subtracted from maddubs' int16 sums as
        // vec_dot does.
        if constexpr (Vnni) {
          corr[p] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                     _mm512_dpbusd_epi32(_mm512_setzero_si512(), eight, a[p]));
        } else {
          corr[p] = _mm512_maddubs_epi16(eight, a[p]);
        }
      }
#pragma GCC unroll 8
      for (int r = 0; r < kRows; ++r) {
        const __m512i q = UnpackNibblesTwice(bx[r][b].qs);
        const __m512 dx = _mm512_set1_ps(x86::HalfToFloat(bx[r][b].d));
#pragma GCC unroll 8
        for (int p = 0; p < kPairs; ++p) {
          __m512i sum;
          if constexpr (Vnni) {
            sum = _mm512_dpbusd_epi32(corr[p], q, a[p]);
          } else {
            sum =
                _mm512_madd_epi16(_mm512_sub_epi16(_mm512_maddubs_epi16(q, a[p]), corr[p]), ones16);
          }
          acc[r][p] = _mm512_fmadd_ps(_mm512_mul_ps(dx, dy[p]), _mm512_cvtepi32_ps(sum), acc[r][p]);
        }
      }
    }
    x86::StorePairSums<kRows, kPairs>(acc, ny, s, s_stride);
  }
};

void ToFloatAvx512(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const BlockQ4_0*>(vx);
  const __m512i eight = _mm512_set1_epi8(8);
  const int64_t nb = n / kBlockSize;
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i q = _mm512_sub_epi8(x86::UnpackNibbles64(x[i].qs, x[i + 1].qs), eight);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
    DequantHalf<1>(q, x86::HalfToFloat(x[i + 1].d), y + (i + 1) * kBlockSize);
  }
  if (i < nb) {
    const __m512i q = _mm512_sub_epi8(x86::UnpackNibbles64(x[i].qs, x[i].qs), eight);
    DequantHalf<0>(q, x86::HalfToFloat(x[i].d), y + i * kBlockSize);
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<false>(n, static_cast<const BlockQ4_0*>(x), static_cast<const BlockQ8_0*>(y));
}

void VecDotAvx512Vnni(int64_t n, float* s, const void* x, const void* y) {
  *s = VecDot<true>(n, static_cast<const BlockQ4_0*>(x), static_cast<const BlockQ8_0*>(y));
}

// Batched dot products (prefill GEMM): each block of a row is used for up to 8 tokens, each
// block of a token for up to 4 rows.
void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                       size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmKernel<false>, kGemmRows, kGemmPairs, 2>(n / kBlockSize, nx, ny, s, s_stride, x,
                                                            x_stride, y, y_stride);
}

void VecDotBatchAvx512Vnni(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                           const void* x, size_t x_stride, const void* y, size_t y_stride) {
  RunGemmTiles<GemmKernel<true>, kGemmRows, kGemmPairs, 2>(n / kBlockSize, nx, ny, s, s_stride, x,
                                                           x_stride, y, y_stride);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDotAvx512Vnni, VecDotBatchAvx512Vnni,
                    nullptr, ToFloatAvx512, kBatchMatchesVecDot},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512, nullptr,
                    ToFloatAvx512, kBatchMatchesVecDot});
}  // namespace avx512

}  // namespace edgellm::quant::q4_0

#endif  // __x86_64__
