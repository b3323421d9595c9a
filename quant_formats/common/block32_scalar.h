// The portable kernels of the 32-weight block formats: Kernels<Block> of block32.h for the linear
// ones, and the loops they share with q8_0 and iq4_nl. For <format>_scalar.cc only (built without
// ISA flags), which instantiates what it uses.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_SCALAR_H_
#define EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_SCALAR_H_

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "quant_formats/common/block32.h"
#include "quant_formats/common/fp16.h"
#include "quant_formats/common/high_bits.h"
#include "quant_formats/common/lane_sums.h"

namespace edgellm::quant::block32 {

// A format F for the loops below: F::Block, F::Act (its activation block), F::kHasMin and
// F::Values(block, w), the block's 32 weights as integers in weight order (with m, its codes:
// weight = d * code + m).
template <class BlockT>
struct Linear {
  using Block = BlockT;
  using Act = typename Layout<Block>::Act;
  static constexpr bool kHasMin = Layout<Block>::kHasMin;

  static void Values(const Block& b, int* w) {
    for (int j = 0; j < 16; ++j) {
      w[j] = b.qs[j] & 0x0F;
      w[j + 16] = b.qs[j] >> 4;
    }
    if constexpr (Layout<Block>::kBits == 5) {
      uint8_t hb[32];
      SpreadHighBits(HighBits(b), hb);
      for (int j = 0; j < 32; ++j) w[j] |= hb[j];
    }
    for (int j = 0; j < 32; ++j) w[j] -= Layout<Block>::kOffset;
  }
};

// y = d * weight (+ m, rounded after the multiply and after the add): ggml's dequantizers.
template <class F>
void DequantizeRow(const void* vx, float* y, int64_t n) {
  const auto* x = static_cast<const typename F::Block*>(vx);
  for (int64_t i = 0; i < n / 32; ++i, y += 32) {
    int w[32];
    F::Values(x[i], w);
    const float d = Fp16ToFp32(x[i].d);
    if constexpr (F::kHasMin) {
      const float m = Fp16ToFp32(x[i].m);
      for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(w[j]) * d + m;
    } else {
      for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(w[j]) * d;
    }
  }
}

// The dot product in the order of Kernels::VecDot (block32.h): one 8-lane accumulator.
template <class F>
void DotOneAccumulator(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const typename F::Block*>(vx);
  const auto* y = static_cast<const typename F::Act*>(vy);
  float acc[8] = {};
  float sum_m = 0.0f;
  for (int64_t i = 0; i < n / 32; ++i) {
    int w[32];
    F::Values(x[i], w);
    AccumulateBlock32(w, y[i].qs, Fp16ToFp32(x[i].d) * Fp16ToFp32(y[i].d), acc);
    if constexpr (F::kHasMin) sum_m += Fp16ToFp32(x[i].m) * Fp16ToFp32(y[i].s);
  }
  if constexpr (F::kHasMin) {
    *s = HalvingSum8(acc) + sum_m;
  } else {
    *s = HalvingSum8(acc);
  }
}

template <class Block>
void Kernels<Block>::ToFloat(const void* x, float* y, int64_t n) {
  DequantizeRow<Linear<Block>>(x, y, n);
}

template <class Block>
void Kernels<Block>::VecDot(int64_t n, float* s, const void* x, const void* y) {
  DotOneAccumulator<Linear<Block>>(n, s, x, y);
}

template <class Block>
void Kernels<Block>::FromFloatRef(const float* x, void* vy, int64_t n) {
  using L = Layout<Block>;
  constexpr int kMaxCode = (1 << L::kBits) - 1;
  auto* y = static_cast<Block*>(vy);
  for (int64_t i = 0; i < n / 32; ++i, x += 32) {
    int q[32];
    if constexpr (L::kHasMin) {
      float min = FLT_MAX;
      float max = -FLT_MAX;
      for (int j = 0; j < 32; ++j) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
      }
      const float d = (max - min) / static_cast<float>(kMaxCode);
      const float id = d != 0.0f ? 1.0f / d : 0.0f;
      y[i].d = Fp32ToFp16(d);
      y[i].m = Fp32ToFp16(min);
      for (int j = 0; j < 32; ++j) {
        // (x - min) * id lies in [0, kMaxCode]: truncating it + 0.5 rounds half up, as ggml
        // does; ggml clamps q4_1's codes, not q5_1's.
        q[j] = static_cast<int>((x[j] - min) * id + 0.5f);
        if constexpr (L::kBits == 4) q[j] = std::min(kMaxCode, q[j]);
      }
    } else {
      // The value of largest magnitude (first one on ties), sign kept, maps to code 0; its
      // mirror would be code kMaxCode + 1 and is clamped.
      float amax = 0.0f;
      float max = 0.0f;
      for (int j = 0; j < 32; ++j) {
        if (amax < std::fabs(x[j])) {
          amax = std::fabs(x[j]);
          max = x[j];
        }
      }
      const float d = max / -static_cast<float>(L::kOffset);
      const float id = d != 0.0f ? 1.0f / d : 0.0f;
      y[i].d = Fp32ToFp16(d);
      for (int j = 0; j < 32; ++j) {
        // x * id lies in [-kOffset, kOffset]: truncating x * id + kOffset + 0.5 rounds half up.
        q[j] = std::min(kMaxCode, static_cast<int>(x[j] * id + (L::kOffset + 0.5f)));
      }
    }
    for (int j = 0; j < 16; ++j) {
      y[i].qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | ((q[j + 16] & 0x0F) << 4));
    }
    if constexpr (L::kBits == 5) {
      uint32_t qh = 0;
      for (int j = 0; j < 32; ++j) qh |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
      std::memcpy(y[i].qh, &qh, sizeof qh);
    }
  }
}

}  // namespace edgellm::quant::block32

#endif  // EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_SCALAR_H_
