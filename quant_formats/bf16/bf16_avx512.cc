// AVX-512 kernels of bf16 (build with the AVX-512 flags; VecDotAvx512Bf16 needs AVX512_BF16, the
// rest F/BW/VL/DQ). Tails use masked loads and stores, so nothing is touched past n. The Bf16
// kernels use vdpbf16ps itself, the others emulate it with FMA, with the same bits.
#if defined(__x86_64__)

#include <cstdint>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/fp16.h"

namespace edgellm::quant::bf16 {
namespace {

// 16 bf16 -> 16 floats: the bf16 bits are the top half of the fp32.
inline __m512 Widen(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
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
  const __mmask16 subnormal = _mm512_testn_epi32_mask(bits, _mm512_set1_epi32(0x7f800000));
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
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(Bf16ToFp32(a[i]) * Bf16ToFp32(b[i]));
  return static_cast<float>(sum);
}

template <__m512 (*kDotPairs)(__m512, const uint16_t*, const uint16_t*)>
float GemmDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 32) acc = kDotPairs(acc, a + i, b + i);
  return float_x86::ReduceAdd16(acc);
}

// GemmDot's pairs on register tiles (float_rows::TiledVecDotBatch), with GemmDot's bits.
template <__m512 (*kDotPairs)(__m512, const uint16_t*, const uint16_t*)>
constexpr KernelEntry Entry(uint64_t required_cpu_features) {
  return float_rows::TiledDotEntry<uint16_t, __m512, Dot<kDotPairs>, GemmDot<kDotPairs>, kDotPairs,
                                   float_x86::ReduceAdd16, 32, 32>(
      EDGE_ISA_AVX512, required_cpu_features, float_x86::kFloatsToHalves<Round16>,
      float_x86::kHalvesToFloats<Widen>);
}

}  // namespace

namespace avx512 {
EDGELLM_KERNEL_SET(Entry<DotPairs16Native>(kAvx512Bf16Features),
                   Entry<DotPairs16>(kAvx512Features));
}  // namespace avx512

}  // namespace edgellm::quant::bf16

#endif  // __x86_64__
