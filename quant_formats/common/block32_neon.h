// NEON kernels of the 32-weight block formats (q4_0, q4_1, q5_0, q5_1, q8_0, iq4_nl), as
// templates over a format F: F::Block, F::Act (the activation block), F::kHasMin (weight =
// d * code + m, and the dot product adds m_x * s_y per block) and F::Weights(block, &w0, &w1), the
// weights 0..15 and 16..31 as int8 (for formats with m, their codes, which are below 32). Every
// helper has internal linkage (see neon_simd.h); include only from <format>_neon.cc.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_NEON_H_
#define EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_NEON_H_

#if defined(__aarch64__)

#include <arm_neon.h>

#include <cstdint>

#include "quant_formats/common/block32.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/neon_simd.h"

namespace edgellm::quant::neon_simd {
namespace {

// q4_0, q4_1, q5_0, q5_1: nibbles, bit 4 from qh in the 5-bit formats, minus the offset.
template <class BlockT>
struct Linear {
  using Block = BlockT;
  using Act = typename block32::Layout<Block>::Act;
  static constexpr bool kHasMin = block32::Layout<Block>::kHasMin;

  static void Weights(const Block& b, int8x16_t* w0, int8x16_t* w1) {
    uint8x16_t lo, hi;
    UnpackNibbles(b.qs, &lo, &hi);
    if constexpr (block32::Layout<Block>::kBits == 5) {
      uint8x16_t hb_lo, hb_hi;
      HighBitsX10(block32::HighBits(b), &hb_lo, &hb_hi);
      lo = vorrq_u8(lo, hb_lo);
      hi = vorrq_u8(hi, hb_hi);
    }
    constexpr int kOffset = block32::Layout<Block>::kOffset;
    if constexpr (kOffset != 0) {
      *w0 = vsubq_s8(vreinterpretq_s8_u8(lo), vdupq_n_s8(kOffset));
      *w1 = vsubq_s8(vreinterpretq_s8_u8(hi), vdupq_n_s8(kOffset));
    } else {
      *w0 = vreinterpretq_s8_u8(lo);
      *w1 = vreinterpretq_s8_u8(hi);
    }
  }
};

// q8_0: the weights are the quants.
struct Bytes {
  using Block = BlockQ8_0;
  using Act = BlockQ8_0;
  static constexpr bool kHasMin = false;

  static void Weights(const Block& b, int8x16_t* w0, int8x16_t* w1) {
    *w0 = vld1q_s8(b.qs);
    *w1 = vld1q_s8(b.qs + 16);
  }
};

// iq4_nl: nibbles looked up in the codebook (iq4_values.h), one tbl each.
template <class BlockT>
struct Codebook {
  using Block = BlockT;
  using Act = BlockQ8_0;
  static constexpr bool kHasMin = false;

  static void Weights(const Block& b, int8x16_t* w0, int8x16_t* w1) {
    const int8x16_t values = vld1q_s8(kValuesIq4Nl);
    uint8x16_t lo, hi;
    UnpackNibbles(b.qs, &lo, &hi);
    *w0 = vqtbl1q_s8(values, lo);
    *w1 = vqtbl1q_s8(values, hi);
  }
};

// d_x * d_y of a block pair.
template <class F>
inline float Scale(const typename F::Block& x, const typename F::Act& y) {
  return HalfToFloat(x.d) * HalfToFloat(y.d);
}

// vec_dot in ggml's x86 order: one 8-lane accumulator, one fused multiply-add per lane and block,
// plus the m_x * s_y terms summed in order in a float.
template <class F>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const typename F::Block*>(vx);
  const auto* y = static_cast<const typename F::Act*>(vy);
  float32x4_t lo = vdupq_n_f32(0.0f);
  float32x4_t hi = vdupq_n_f32(0.0f);
  float sum_m = 0.0f;
  for (int64_t b = 0; b < n / 32; ++b) {
    int8x16_t w0, w1;
    F::Weights(x[b], &w0, &w1);
    AccumulateBlock32(w0, w1, y[b].qs, Scale<F>(x[b], y[b]), &lo, &hi);
    if constexpr (F::kHasMin) sum_m += HalfToFloat(x[b].m) * HalfToFloat(y[b].s);
  }
  if constexpr (F::kHasMin) {
    *s = HalvingSum8(lo, hi) + sum_m;
  } else {
    *s = HalvingSum8(lo, hi);
  }
}

// y = d * weight (+ m, rounded after the multiply and after the add): ggml's dequantizers.
template <class F>
void Dequantize(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const typename F::Block*>(vx);
  for (int64_t b = 0; b < n / 32; ++b, y += 32) {
    int8x16_t w0, w1;
    F::Weights(x[b], &w0, &w1);
    const float d = HalfToFloat(x[b].d);
    if constexpr (F::kHasMin) {
      const float m = HalfToFloat(x[b].m);
      StoreScaledPlus(vreinterpretq_u8_s8(w0), d, m, y);
      StoreScaledPlus(vreinterpretq_u8_s8(w1), d, m, y + 16);
    } else {
      StoreScaled(w0, d, y);
      StoreScaled(w1, d, y + 16);
    }
  }
}

// The kernel entry of a linear format in the NEON build at hand (EDGELLM_KERNEL_SET).
template <class Block>
constexpr KernelEntry LinearNeon() {
  return {EDGE_ISA_NEON, kNeonBuildFeatures, VecDot<Linear<Block>>, nullptr, nullptr,
          Dequantize<Linear<Block>>};
}

}  // namespace
}  // namespace edgellm::quant::neon_simd

#endif  // __aarch64__
#endif  // EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_NEON_H_
