// AVX-512 kernels of bf16 (build with the AVX-512 flags; VecDotAvx512Bf16 needs AVX512_BF16, the
// rest F/BW/VL/DQ). Tails use masked loads and stores, so nothing is touched past n. The Bf16
// kernels use vdpbf16ps itself, the others emulate it with FMA, with the same bits.
#if defined(__x86_64__)

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings

namespace edgellm::quant::bf16 {
namespace {

inline __mmask16 TailMask16(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }

// 16 bf16 -> 16 floats: the bf16 bits are the top half of the fp32.
inline __m512 Widen(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

inline __m512 Load16(const uint16_t* p) {
  return Widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

inline __m512 LoadMasked16(__mmask16 m, const uint16_t* p) {
  return Widen(_mm256_maskz_loadu_epi16(m, p));
}

// 16 floats -> 16 bf16: round to nearest even, NaN quietened.
inline __m256i Round16(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i rounded =
      _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff))), 16);
  const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(64));
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                _mm512_set1_epi32(0x7f800000));
  return _mm512_cvtepi32_epi16(_mm512_mask_blend_epi32(nan, rounded, quiet));
}

// vdpbf16ps takes bf16 vectors; the bits are the loaded 16-bit words (a GCC vector cast).
inline __m512bh AsBf16(__m512i v) { return (__m512bh)v; }

// The even (low half) or odd (high half) elements of 32 bf16 as 16 floats, bf16 subnormals read
// as zero, as vdpbf16ps reads its inputs.
inline __m512 ReadAsZeroIfSubnormal(__m512i bits) {
  const __mmask16 subnormal =
      _mm512_testn_epi32_mask(bits, _mm512_set1_epi32(0x7f800000));
  return _mm512_castsi512_ps(_mm512_maskz_mov_epi32(static_cast<__mmask16>(~subnormal), bits));
}
inline __m512 Odd(__m512i w) {
  return ReadAsZeroIfSubnormal(
      _mm512_and_si512(w, _mm512_set1_epi32(static_cast<int>(0xffff0000u))));
}
inline __m512 Even(__m512i w) { return ReadAsZeroIfSubnormal(_mm512_slli_epi32(w, 16)); }

// Subnormal results flushed to signed zero, as vdpbf16ps writes them.
inline __m512 Flush(__m512 v) {
  const __mmask16 tiny =
      _mm512_cmp_ps_mask(_mm512_abs_ps(v), _mm512_set1_ps(0x1p-126f), _CMP_LT_OQ);
  return _mm512_castsi512_ps(_mm512_mask_and_epi32(
      _mm512_castps_si512(v), tiny, _mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN)));
}

// vdpbf16ps emulated with FMA: lane l += a[2l+1] * b[2l+1], then += a[2l] * b[2l].
inline __m512 DotPairs16(__m512 acc, const uint16_t* a, const uint16_t* b) {
  const __m512i wa = _mm512_loadu_si512(a);
  const __m512i wb = _mm512_loadu_si512(b);
  acc = Flush(_mm512_fmadd_ps(Odd(wa), Odd(wb), acc));
  return Flush(_mm512_fmadd_ps(Even(wa), Even(wb), acc));
}

// vdpbf16ps itself.
inline __m512 DotPairs16Native(__m512 acc, const uint16_t* a, const uint16_t* b) {
  return _mm512_dpbf16_ps(acc, AsBf16(_mm512_loadu_si512(a)), AsBf16(_mm512_loadu_si512(b)));
}

inline float Bf16Value(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

template <__m512 (*kDotPairs)(__m512, const uint16_t*, const uint16_t*)>
float Dot(int64_t n, const uint16_t* a, const uint16_t* b) {
  const int64_t np = n - n % 64;
  __m512 c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps();
  for (int64_t i = 0; i < np; i += 64) {
    c1 = kDotPairs(c1, a + i, b + i);
    c2 = kDotPairs(c2, a + i + 32, b + i + 32);
  }
  double sum = _mm512_reduce_add_ps(c1);
  sum += _mm512_reduce_add_ps(c2);
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(Bf16Value(a[i]) * Bf16Value(b[i]));
  return static_cast<float>(sum);
}

template <__m512 (*kDotPairs)(__m512, const uint16_t*, const uint16_t*)>
void Batch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
           size_t x_stride, const void* y, size_t y_stride) {
  const bool gemm = n % 32 == 0;
  for (int64_t i = 0; i < nx; ++i) {
    const auto* a = reinterpret_cast<const uint16_t*>(static_cast<const char*>(x) + i * x_stride);
    for (int64_t j = 0; j < ny; ++j) {
      const auto* b =
          reinterpret_cast<const uint16_t*>(static_cast<const char*>(y) + j * y_stride);
      if (!gemm) {
        s[j * s_stride + i] = Dot<kDotPairs>(n, a, b);
        continue;
      }
      __m512 acc = _mm512_setzero_ps();
      for (int64_t k = 0; k < n; k += 32) acc = kDotPairs(acc, a + k, b + k);
      s[j * s_stride + i] = _mm512_reduce_add_ps(acc);
    }
  }
}

void ToFloatAvx512(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, Load16(h + i));
  if (i < n) {
    const __mmask16 m = TailMask16(n - i);
    _mm512_mask_storeu_ps(y + i, m, LoadMasked16(m, h + i));
  }
}

void FromFloatAvx512(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + i), Round16(_mm512_loadu_ps(x + i)));
  }
  if (i < n) {
    const __mmask16 m = TailMask16(n - i);
    _mm256_mask_storeu_epi16(h + i, m, Round16(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void VecDotAvx512(int64_t n, float* s, const void* x, const void* y) {
  *s = Dot<DotPairs16>(n, static_cast<const uint16_t*>(x), static_cast<const uint16_t*>(y));
}

void VecDotBatchAvx512(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                       const void* x, size_t x_stride, const void* y, size_t y_stride) {
  Batch<DotPairs16>(n, nx, ny, s, s_stride, x, x_stride, y, y_stride);
}

void VecDotAvx512Bf16(int64_t n, float* s, const void* x, const void* y) {
  *s = Dot<DotPairs16Native>(n, static_cast<const uint16_t*>(x), static_cast<const uint16_t*>(y));
}

void VecDotBatchAvx512Bf16(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                           const void* x, size_t x_stride, const void* y, size_t y_stride) {
  Batch<DotPairs16Native>(n, nx, ny, s, s_stride, x, x_stride, y, y_stride);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512Bf16Features, VecDotAvx512Bf16, VecDotBatchAvx512Bf16,
                    FromFloatAvx512, ToFloatAvx512},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDotAvx512, VecDotBatchAvx512,
                    FromFloatAvx512, ToFloatAvx512});
}  // namespace avx512

}  // namespace edgellm::quant::bf16

#endif  // __x86_64__
