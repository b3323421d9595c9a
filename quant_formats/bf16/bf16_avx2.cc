// AVX2 kernels of bf16 (build with -mavx2 -mfma -mf16c). Short tails go to the scalar functions
// (built without ISA flags) rather than to fp16.h, whose external-linkage inline functions must not
// be compiled with ISA flags.
#if defined(__x86_64__)

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "quant_formats/bf16/bf16.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/x86_simd.h"

namespace edgellm::quant::bf16 {
namespace {

// 8 bf16 -> 8 floats: the bf16 bits are the top half of the fp32.
inline __m256 Load8(const uint16_t* p) {
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

// 8 floats -> 8 bf16 in the low 16 bits of each lane: round to nearest even, NaN quietened.
inline __m256i Round8(__m256 v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff))), 16);
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(64));
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                         _mm256_set1_epi32(0x7f800000));
  return _mm256_blendv_epi8(rounded, quiet, nan);
}

// 16 bf16 as 8 pairs -> the even (low half) or odd (high half) elements as 8 floats, bf16
// subnormals read as zero, as vdpbf16ps reads its inputs.
inline __m256 ReadAsZeroIfSubnormal(__m256i bits) {
  const __m256i subnormal =
      _mm256_cmpeq_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7f800000)),
                         _mm256_setzero_si256());
  return _mm256_castsi256_ps(_mm256_andnot_si256(subnormal, bits));
}
inline __m256 Odd(__m256i w) {
  const __m256i high_half = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  return ReadAsZeroIfSubnormal(_mm256_and_si256(w, high_half));
}
inline __m256 Even(__m256i w) { return ReadAsZeroIfSubnormal(_mm256_slli_epi32(w, 16)); }

// Subnormal results flushed to signed zero, as vdpbf16ps writes them.
inline __m256 Flush(__m256 v) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 tiny =
      _mm256_cmp_ps(_mm256_andnot_ps(sign, v), _mm256_set1_ps(0x1p-126f), _CMP_LT_OQ);
  return _mm256_blendv_ps(v, _mm256_and_ps(v, sign), tiny);
}

// vdpbf16ps on 8 fp32 lanes: lane l += a[2l+1] * b[2l+1], then += a[2l] * b[2l].
inline __m256 DotPairs8(__m256 acc, const uint16_t* a, const uint16_t* b) {
  const __m256i wa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
  const __m256i wb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
  acc = Flush(_mm256_fmadd_ps(Odd(wa), Odd(wb), acc));
  return Flush(_mm256_fmadd_ps(Even(wa), Even(wb), acc));
}

inline float Bf16Value(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// HalvingSum16 of lanes lo (0..7) and hi (8..15).
inline float Sum16(__m256 lo, __m256 hi) { return x86::HsumPs(_mm256_add_ps(lo, hi)); }

float Dot(int64_t n, const uint16_t* a, const uint16_t* b) {
  const int64_t np = n - n % 64;
  // Two 16-lane accumulators, each as lanes 0..7 and 8..15.
  __m256 c1lo = _mm256_setzero_ps(), c1hi = _mm256_setzero_ps();
  __m256 c2lo = _mm256_setzero_ps(), c2hi = _mm256_setzero_ps();
  for (int64_t i = 0; i < np; i += 64) {
    c1lo = DotPairs8(c1lo, a + i, b + i);
    c1hi = DotPairs8(c1hi, a + i + 16, b + i + 16);
    c2lo = DotPairs8(c2lo, a + i + 32, b + i + 32);
    c2hi = DotPairs8(c2hi, a + i + 48, b + i + 48);
  }
  double sum = Sum16(c1lo, c1hi);
  sum += Sum16(c2lo, c2hi);
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(Bf16Value(a[i]) * Bf16Value(b[i]));
  return static_cast<float>(sum);
}

float GemmDot(int64_t n, const uint16_t* a, const uint16_t* b) {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += 32) {
    lo = DotPairs8(lo, a + i, b + i);
    hi = DotPairs8(hi, a + i + 16, b + i + 16);
  }
  return Sum16(lo, hi);
}

void ToFloatAvx2(const void* x, float* y, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(x);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, Load8(h + i));
  ToFloat(h + i, y + i, n - i);
}

void FromFloatAvx2(const float* x, void* y, int64_t n) {
  auto* h = static_cast<uint16_t*>(y);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // packus works per 128-bit lane: 64-bit groups come out as 0 2 1 3.
    const __m256i packed =
        _mm256_packus_epi32(Round8(_mm256_loadu_ps(x + i)), Round8(_mm256_loadu_ps(x + i + 8)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + i),
                        _mm256_permute4x64_epi64(packed, _MM_SHUFFLE(3, 1, 2, 0)));
  }
  FromFloat(x + i, h + i, n - i);
}

void VecDotAvx2(int64_t n, float* s, const void* x, const void* y) {
  *s = Dot(n, static_cast<const uint16_t*>(x), static_cast<const uint16_t*>(y));
}

void VecDotBatchAvx2(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                     size_t x_stride, const void* y, size_t y_stride) {
  const bool gemm = n % 32 == 0;
  for (int64_t i = 0; i < nx; ++i) {
    const auto* a = reinterpret_cast<const uint16_t*>(static_cast<const char*>(x) + i * x_stride);
    for (int64_t j = 0; j < ny; ++j) {
      const auto* b =
          reinterpret_cast<const uint16_t*>(static_cast<const char*>(y) + j * y_stride);
      s[j * s_stride + i] = gemm ? GemmDot(n, a, b) : Dot(n, a, b);
    }
  }
}

}  // namespace

namespace avx2 {
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDotAvx2, VecDotBatchAvx2, FromFloatAvx2,
                    ToFloatAvx2});
}  // namespace avx2

}  // namespace edgellm::quant::bf16

#endif  // __x86_64__
