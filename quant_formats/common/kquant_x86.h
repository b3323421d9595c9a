// x86 SIMD helpers for the vec_dot kernels of the 256-weight super-block formats (q2_K .. q6_K,
// iq4_xs): ggml's float steps of a super-block dot product around a per-block integer part
// (SuperBlockDot, for the AVX2 and AVX-512 kernels alike: both keep ggml's 8-lane accumulator),
// spreading 16-bit scales over the groups of a 32-byte chunk (AVX2), q6_K's quants at both widths,
// and reducing per-4-byte int32 dot products to one sum per group of weights (AVX-512). Builds on
// x86_simd.h (include this header instead of <immintrin.h>: x86_simd.h includes it with GCC 12's
// false AVX-512 warnings silenced).
//
// Same ISA rules as x86_simd.h: include only from translation units built with the matching
// flags; every helper has internal linkage so that copies built for different ISAs never merge.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_KQUANT_X86_H_
#define EDGELLM_QUANT_FORMATS_COMMON_KQUANT_X86_H_

#include <cmath>
#include <cstdint>

#include "quant_formats/common/k_quants.h"
#include "quant_formats/common/q8_blocks.h"
#include "quant_formats/common/x86_simd.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)

namespace edgellm::quant::x86 {
namespace {

// Sum of the 4 int32 lanes of v.
inline int HsumI32x4(__m128i v) {
  v = _mm_add_epi32(v, _mm_unpackhi_epi64(v, v));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(v);
}

// *s = dot(x, y) of n values, x a row of Block, y of q8_K, as ggml's x86 kernels sum it (its AVX2
// code, which its AVX-512 builds run too; lane_sums.h): block_sums(x[i], y[i], &mins) returns the
// block's 8 int32 lanes and, unless kMin is kNone, sets its min lanes (all 8 for kLanes8, else the
// low 4); per block, the min term -(d_y * dmin_x) * mins as kMin says (k_quants.h), then one FMA of
// d_y * d_x times the lanes into the 8-lane accumulator; HsumPs at the end.
template <MinTerm kMin, class Block, class BlockSums>
inline void SuperBlockDot(int64_t n, float* s, const void* vx, const void* vy,
                          BlockSums block_sums) {
  const auto* x = static_cast<const Block*>(vx);
  const auto* y = static_cast<const BlockQ8_K*>(vy);
  __m256 acc = _mm256_setzero_ps();
  __m128 acc_m = _mm_setzero_ps();  // kLanes4
  float summs = 0;                  // kSum
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    __m256i mins = _mm256_setzero_si256();
    const __m256i sumi = block_sums(x[i], y[i], &mins);
    if constexpr (kMin != MinTerm::kNone) {
      const float dmin = -y[i].d * HalfToFloat(x[i].dmin);
      const __m128i mins4 = _mm256_castsi256_si128(mins);
      if constexpr (kMin == MinTerm::kLanes8) {
        acc = _mm256_fmadd_ps(_mm256_set1_ps(dmin), _mm256_cvtepi32_ps(mins), acc);
      } else if constexpr (kMin == MinTerm::kLanes4) {
        acc_m = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(mins4), acc_m);
      } else {
        // Fused, as the compiled ggml AVX2 kernel does it: the same float comes out.
        summs = std::fma(dmin, static_cast<float>(HsumI32x4(mins4)), summs);
      }
    }
    const float d = y[i].d * HalfToFloat(x[i].d);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sumi), acc);
  }
  float sum = HsumPs(acc);
  if constexpr (kMin == MinTerm::kLanes4) {
    acc_m = _mm_add_ps(acc_m, _mm_movehl_ps(acc_m, acc_m));  // m0 + m2, m1 + m3
    acc_m = _mm_add_ss(acc_m, _mm_movehdup_ps(acc_m));       // their sum
    sum += _mm_cvtss_f32(acc_m);
  }
  if constexpr (kMin == MinTerm::kSum) sum += summs;
  *s = sum;
}

// `scales8` holds 8 int16 scales s0..s7 in both 128-bit lanes. Returns s[2c] in all 8 int16 of
// the low lane and s[2c + 1] in the high lane: the scales of the two groups of 16 weights in
// 32-byte chunk c, ready for _mm256_madd_epi16 against maddubs products.
inline __m256i ScalePair(__m256i scales8, int c) {
  const __m256i lo = _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0404 * c));
  const __m256i hi_lane_plus2 =
      _mm256_setr_epi64x(0, 0, 0x0202020202020202LL, 0x0202020202020202LL);
  return _mm256_shuffle_epi8(scales8, _mm256_add_epi8(lo, hi_lane_plus2));
}

}  // namespace
}  // namespace edgellm::quant::x86

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)

namespace edgellm::quant::x86 {
namespace {

// lo in the low 256 bits, hi in the high 256 bits: one register covers two runs of 32 weights.
inline __m512i PerHalf16(int16_t lo, int16_t hi) {
  return _mm512_inserti64x4(_mm512_set1_epi16(lo), _mm256_set1_epi16(hi), 1);
}

// The same for bytes.
inline __m512i PerHalf8(uint8_t lo, uint8_t hi) {
  return _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(lo)),
                            _mm256_set1_epi8(static_cast<char>(hi)), 1);
}

// DotU8I8 (x86_simd.h) on 64 bytes, with vpdpbusd when kVnni: int32 lane i sums the products of
// bytes 4i..4i+3. The VNNI form is exact for all bytes; the other needs pairs within int16.
template <bool kVnni>
inline __m512i DotU8I8x64(__m512i u, __m512i s) {
#if defined(__AVX512VNNI__)
  if constexpr (kVnni) return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s);
#else
  static_assert(!kVnni, "VNNI kernels need -mavx512vnni");
#endif
  return DotU8I8(u, s);
}

// dots[k]: DotU8I8x64 results over weights 64k..64k+63 of a 256-weight super-block (int32 lane
// i: weights 64k + 4i..4i+3); scales: the int32 scale of group g (kGroup weights) in lane g.
// Returns ggml's 8 integer lanes (its AVX2 kernels; see lane_sums.h LaneSums256): lane l sums, over
// every 32 weights, the products of weights 4l..4l+3 times their group's scale.
template <int kGroup>
inline __m256i ScaledLaneSums(const __m512i* dots, __m512i scales) {
  static_assert(kGroup == 16 || kGroup == 32, "groups of 16 or 32 weights");
  // Lane i of dots[k] holds weights 64k + 4i..4i+3, of group (64k + 4i) / kGroup.
  const __m512i first =
      _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60);
  __m512i sum = _mm512_setzero_si512();
  for (int k = 0; k < 4; ++k) {
    const __m512i group =
        _mm512_srli_epi32(_mm512_add_epi32(first, _mm512_set1_epi32(64 * k)), kGroup == 16 ? 4 : 5);
    const __m512i lane_scales = _mm512_permutexvar_epi32(group, scales);
    sum = _mm512_add_epi32(sum, _mm512_mullo_epi32(dots[k], lane_scales));
  }
  // Lanes i and i + 8 hold the same 4 positions of two different runs of 32 weights.
  return _mm256_add_epi32(_mm512_castsi512_si256(sum), _mm512_extracti64x4_epi64(sum, 1));
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // AVX-512 F/BW/VL

namespace edgellm::quant::x86 {
namespace {

// A vec_dot kernel that a kernel set can name: SuperBlockDot with a default-constructed BlockSums
// functor, whose members hold the kernel's constants.
template <MinTerm kMin, class Block, class BlockSums>
void VecDotOf(int64_t n, float* s, const void* vx, const void* vy) {
  SuperBlockDot<kMin, Block>(n, s, vx, vy, BlockSums{});
}

// The integer ops of helpers written once for V = __m256i and __m512i (the other width's branch
// is discarded, so an AVX2-only build never instantiates an AVX-512 intrinsic).
template <class V>
inline V And(V a, V b) {
  if constexpr (sizeof(V) == 32) return _mm256_and_si256(a, b);
  if constexpr (sizeof(V) == 64) return _mm512_and_si512(a, b);
}
template <class V>
inline V Or(V a, V b) {
  if constexpr (sizeof(V) == 32) return _mm256_or_si256(a, b);
  if constexpr (sizeof(V) == 64) return _mm512_or_si512(a, b);
}
// 16-bit lanes shifted left (kBits > 0) or right (kBits < 0).
template <int kBits, class V>
inline V Shift16(V v) {
  if constexpr (sizeof(V) == 32) {
    return kBits > 0 ? _mm256_slli_epi16(v, kBits) : _mm256_srli_epi16(v, -kBits);
  }
  if constexpr (sizeof(V) == 64) {
    return kBits > 0 ? _mm512_slli_epi16(v, kBits) : _mm512_srli_epi16(v, -kBits);
  }
}

// q6_K's 6-bit quants as unsigned bytes (layout in q6_K.h), in every 256 bits of V: from bytes
// l0 = ql[l], l1 = ql[l + 32] and hb = qh[l] of a half block, q[c] gets its run c of 32 weights
// (the high bits on bits 4-5). m4 = 0x0F and m30 = 0x30 in every byte.
template <class V>
inline void Q6Quants(V l0, V l1, V hb, V m4, V m30, V q[4]) {
  q[0] = Or(And(l0, m4), And(Shift16<4>(hb), m30));
  q[1] = Or(And(l1, m4), And(Shift16<2>(hb), m30));
  q[2] = Or(And(Shift16<-4>(l0), m4), And(hb, m30));
  q[3] = Or(And(Shift16<-4>(l1), m4), And(Shift16<-2>(hb), m30));
}

}  // namespace
}  // namespace edgellm::quant::x86

#endif  // x86-64 with AVX2/FMA/F16C
#endif  // EDGELLM_QUANT_FORMATS_COMMON_KQUANT_X86_H_
