// x86 SIMD helpers of the float formats' kernels (f32, f16, bf16) and of the fp16 fields of the
// q8_1 activation quantizer: fp16 rounding with F16C, the fixed-order sums of common/lane_sums.h
// on 8-lane registers, and AVX-512 row conversions with masked tails.
//
// Include only from translation units compiled with the matching ISA flags (as x86_simd.h, which
// it includes): every helper has internal linkage, so copies built for different ISAs are never
// merged by the linker.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_FLOAT_X86_H_
#define EDGELLM_QUANT_FORMATS_COMMON_FLOAT_X86_H_

#include "core/plugin/edgellm_plugin.h"
#include "quant_formats/common/float_rows.h"
#include "quant_formats/common/x86_simd.h"  // immintrin.h without GCC 12's false warnings

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

#include <cstdint>

namespace edgellm::quant::float_x86 {
namespace {

// fp32 -> fp16 bit pattern with one vcvtps2ph, round to nearest even (as Fp32ToFp16 in fp16.h).
inline uint16_t FloatToHalf(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }

// HalvingSum16 (lane_sums.h) of the 16 lanes lo (0..7) and hi (8..15).
inline float Sum16(__m256 lo, __m256 hi) { return x86::HsumPs(_mm256_add_ps(lo, hi)); }

// Every lane rounded to the nearest fp16 value (ties to even).
inline __m256 RoundToHalf(__m256 v) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}
inline __m128 RoundToHalf(__m128 v) {
  return _mm_cvtph_ps(_mm_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

// The last three levels of an fp16 halving tree over lanes 0..7 (f16.h): lane l + lane l + h,
// rounded to fp16, for h = 4, 2, 1.
inline float HalfHalvingSum8(__m256 v) {
  __m128 r = RoundToHalf(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1)));
  r = RoundToHalf(_mm_add_ps(r, _mm_movehl_ps(r, r)));
  r = RoundToHalf(_mm_add_ss(r, _mm_movehdup_ps(r)));
  return _mm_cvtss_f32(r);
}

// tinyBLAS's dot product (f32.h, f16.h): one 16-lane fp32 FMA accumulator, here lanes 0..7 and
// 8..15, fed 16 values at a time (n % 16 == 0), widened to floats by kLoad8, then HalvingSum16.
// As a step over 16 values (FmaStep8x2) and the final sum (SumLanes16), for register tiles.
struct Lanes16 {
  __m256 lo, hi;
};
template <typename T, __m256 (*kLoad8)(const T*)>
inline Lanes16 FmaStep8x2(Lanes16 acc, const T* a, const T* b) {
  return {_mm256_fmadd_ps(kLoad8(a), kLoad8(b), acc.lo),
          _mm256_fmadd_ps(kLoad8(a + 8), kLoad8(b + 8), acc.hi)};
}
inline float SumLanes16(Lanes16 acc) { return Sum16(acc.lo, acc.hi); }
template <typename T, __m256 (*kLoad8)(const T*)>
float GemmDot16(int64_t n, const T* a, const T* b) {
  Lanes16 acc = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n; i += 16) acc = FmaStep8x2<T, kLoad8>(acc, a + i, b + i);
  return SumLanes16(acc);
}

// The KernelEntry of f32 or f16 on AVX2: vec_dot kDot, vec_dot_batch GemmDot16's pairs on 2 x 2
// register tiles (two ymm accumulators a pair: 8 of the 16 registers) for n % 16 == 0.
template <typename T, __m256 (*kLoad8)(const T*), float_rows::DotFn<T> kDot>
constexpr KernelEntry GemmDot16EntryAvx2(uint64_t required_cpu_features,
                                         EdgeFromFloatFn from_float = nullptr,
                                         EdgeToFloatFn to_float = nullptr) {
  return float_rows::TiledDotEntry<T, Lanes16, kDot, GemmDot16<T, kLoad8>, FmaStep8x2<T, kLoad8>,
                                   SumLanes16, 16, 16, 2, 2>(EDGE_ISA_AVX2, required_cpu_features,
                                                             from_float, to_float);
}

// f16.h's dot product on registers V of kLanes floats (__m256, __m512): the kDotLanes fp16
// accumulators as kDotLanes / kLanes registers, each step one kHalfFma (fp16(a * b + acc), one
// rounding) on values loaded by kLoad; then the halving tree, whole registers first, rounded to
// fp16 by kRound, and kHalvingSum within the last; then the tail's products in double.
template <typename V, int kDotLanes, V (*kLoad)(const uint16_t*), V (*kHalfFma)(V, V, V),
          V (*kRound)(V), float (*kHalvingSum)(V)>
float HalfDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  constexpr int kLanes = sizeof(V) / sizeof(float);
  constexpr int kRegs = kDotLanes / kLanes;  // accumulator position p = kLanes * j + lane
  const int64_t np = n - n % kDotLanes;
  double sum = 0.0;
  if (np > 0) {
    V acc[kRegs];
    // Fully unrolled (GCC leaves these loops rolled otherwise), so acc[] lives in registers.
#pragma GCC unroll 16
    for (int j = 0; j < kRegs; ++j) acc[j] = V{};
    for (int64_t i = 0; i < np; i += kDotLanes) {
#pragma GCC unroll 16
      for (int j = 0; j < kRegs; ++j) {
        acc[j] = kHalfFma(kLoad(a + i + kLanes * j), kLoad(b + i + kLanes * j), acc[j]);
      }
    }
#pragma GCC unroll 4
    for (int h = kRegs / 2; h >= 1; h /= 2) {
#pragma GCC unroll 8
      for (int j = 0; j < h; ++j) acc[j] = kRound(acc[j] + acc[j + h]);
    }
    sum = kHalvingSum(acc[0]);
  }
  for (int64_t i = np; i < n; ++i) {
    sum += static_cast<double>(x86::HalfToFloat(a[i]) * x86::HalfToFloat(b[i]));
  }
  return static_cast<float>(sum);
}

}  // namespace
}  // namespace edgellm::quant::float_x86

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

namespace edgellm::quant::float_x86 {
namespace {

// Lanes 0 .. count - 1 of 16 (count < 16): the tail of a row.
inline __mmask16 TailMask16(int64_t count) { return static_cast<__mmask16>((1u << count) - 1); }

// Every lane rounded to the nearest fp16 value (ties to even).
inline __m512 RoundToHalf(__m512 v) {
  return _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

// The last four levels of an fp16 halving tree over lanes 0..15 (f16.h): h = 8, then
// HalfHalvingSum8.
inline float HalfHalvingSum16(__m512 v) {
  const __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
  return HalfHalvingSum8(RoundToHalf(_mm256_add_ps(_mm512_castps512_ps256(v), hi)));
}

// GemmDot16 with one 16-lane register: FmaStep16 over the row, then ReduceAdd16.
template <typename T, __m512 (*kLoad16)(const T*)>
inline __m512 FmaStep16(__m512 acc, const T* a, const T* b) {
  return _mm512_fmadd_ps(kLoad16(a), kLoad16(b), acc);
}
inline float ReduceAdd16(__m512 acc) { return _mm512_reduce_add_ps(acc); }
template <typename T, __m512 (*kLoad16)(const T*)>
float GemmDot16(int64_t n, const T* a, const T* b) {
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) acc = FmaStep16<T, kLoad16>(acc, a + i, b + i);
  return ReduceAdd16(acc);
}

// The KernelEntry of f32 or f16 on AVX-512: vec_dot kDot, vec_dot_batch GemmDot16's pairs on
// register tiles (float_rows::TiledVecDotBatch) for n % 16 == 0.
template <typename T, __m512 (*kLoad16)(const T*), float_rows::DotFn<T> kDot>
constexpr KernelEntry GemmDot16Entry(uint64_t required_cpu_features,
                                     EdgeFromFloatFn from_float = nullptr,
                                     EdgeToFloatFn to_float = nullptr) {
  return float_rows::TiledDotEntry<T, __m512, kDot, GemmDot16<T, kLoad16>, FmaStep16<T, kLoad16>,
                                   ReduceAdd16, 16, 16>(EDGE_ISA_AVX512, required_cpu_features,
                                                        from_float, to_float);
}

// The row conversions of a format of 16-bit values (f16, bf16), 16 values a step and the tail
// with masked loads and stores, so nothing past the row is touched: kWiden takes 16 values to
// floats, kNarrow 16 floats to values.
template <__m512 (*kWiden)(__m256i)>
void WidenStep(const uint16_t* in, float* out) {
  _mm512_storeu_ps(out, kWiden(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in))));
}
template <__m512 (*kWiden)(__m256i)>
void WidenTail(const uint16_t* in, float* out, int64_t count) {
  const __mmask16 m = TailMask16(count);
  _mm512_mask_storeu_ps(out, m, kWiden(_mm256_maskz_loadu_epi16(m, in)));
}
template <__m256i (*kNarrow)(__m512)>
void NarrowStep(const float* in, uint16_t* out) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), kNarrow(_mm512_loadu_ps(in)));
}
template <__m256i (*kNarrow)(__m512)>
void NarrowTail(const float* in, uint16_t* out, int64_t count) {
  const __mmask16 m = TailMask16(count);
  _mm256_mask_storeu_epi16(out, m, kNarrow(_mm512_maskz_loadu_ps(m, in)));
}
template <__m512 (*kWiden)(__m256i)>
constexpr EdgeToFloatFn kHalvesToFloats =
    float_rows::ConvertRow<uint16_t, float, 16, WidenStep<kWiden>, WidenTail<kWiden>>;
template <__m256i (*kNarrow)(__m512)>
constexpr EdgeFromFloatFn kFloatsToHalves =
    float_rows::ConvertRow<float, uint16_t, 16, NarrowStep<kNarrow>, NarrowTail<kNarrow>>;

}  // namespace
}  // namespace edgellm::quant::float_x86

#endif  // AVX-512

#endif  // x86-64 with AVX2, FMA and F16C

#endif  // EDGELLM_QUANT_FORMATS_COMMON_FLOAT_X86_H_
