// NEON kernels of iq4_nl, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with the dot-product extension into neon_dotprod (the dequantizer in the plain build only).
#if defined(__aarch64__)

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl::EDGELLM_NEON_NS {
namespace {

using neon_simd::HalfToFloat;

// The block's code-book values: weights 0..15 in *w0, 16..31 in *w1 (one tbl lookup each).
inline void Weights(const BlockIQ4_NL& b, int8x16_t values, int8x16_t* w0, int8x16_t* w1) {
  uint8x16_t lo, hi;
  neon_simd::UnpackNibbles(b.qs, &lo, &hi);
  *w0 = vqtbl1q_s8(values, lo);
  *w1 = vqtbl1q_s8(values, hi);
}

inline float Scale(const BlockIQ4_NL& x, const BlockQ8_0& y) {
  return HalfToFloat(x.d) * HalfToFloat(y.d);
}

// The order of iq4_nl.h: even and odd blocks in two 8-lane accumulators, an odd last block
// added after their HalvingSum8.
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockIQ4_NL*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  const int64_t nb = n / kBlockSize;
  const int8x16_t values = vld1q_s8(kValuesIq4Nl);
  float32x4_t even_lo = vdupq_n_f32(0.0f), even_hi = vdupq_n_f32(0.0f);
  float32x4_t odd_lo = vdupq_n_f32(0.0f), odd_hi = vdupq_n_f32(0.0f);
  int8x16_t w0, w1;
  int64_t b = 0;
  for (; b + 1 < nb; b += 2) {
    Weights(bx[b], values, &w0, &w1);
    neon_simd::AccumulateBlock32(w0, w1, by[b].qs, Scale(bx[b], by[b]), &even_lo, &even_hi);
    Weights(bx[b + 1], values, &w0, &w1);
    neon_simd::AccumulateBlock32(w0, w1, by[b + 1].qs, Scale(bx[b + 1], by[b + 1]), &odd_lo,
                                 &odd_hi);
  }
  float sum = neon_simd::HalvingSum8(vaddq_f32(even_lo, odd_lo), vaddq_f32(even_hi, odd_hi));
  if (b < nb) {
    Weights(bx[b], values, &w0, &w1);
    const int32x4_t p =
        neon_simd::DotI8x32(vdupq_n_s32(0), w0, w1, vld1q_s8(by[b].qs), vld1q_s8(by[b].qs + 16));
    sum += Scale(bx[b], by[b]) * static_cast<float>(vaddvq_s32(p));
  }
  *s = sum;
}

// The order of tinyBLAS (iq4_nl.h): every block into one 8-lane accumulator.
void VecDotBatch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                 size_t x_stride, const void* y, size_t y_stride) {
  const int8x16_t values = vld1q_s8(kValuesIq4Nl);
  for (int64_t i = 0; i < nx; ++i) {
    const auto* bx =
        reinterpret_cast<const BlockIQ4_NL*>(static_cast<const char*>(x) + i * x_stride);
    for (int64_t j = 0; j < ny; ++j) {
      const auto* by =
          reinterpret_cast<const BlockQ8_0*>(static_cast<const char*>(y) + j * y_stride);
      float32x4_t lo = vdupq_n_f32(0.0f), hi = vdupq_n_f32(0.0f);
      for (int64_t b = 0; b < n / kBlockSize; ++b) {
        int8x16_t w0, w1;
        Weights(bx[b], values, &w0, &w1);
        neon_simd::AccumulateBlock32(w0, w1, by[b].qs, Scale(bx[b], by[b]), &lo, &hi);
      }
      s[j * s_stride + i] = neon_simd::HalvingSum8(lo, hi);
    }
  }
}

void ToFloat(const void* x, float* y, int64_t n) {
  const auto* bx = static_cast<const BlockIQ4_NL*>(x);
  const int8x16_t values = vld1q_s8(kValuesIq4Nl);
  for (int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    int8x16_t w0, w1;
    Weights(bx[b], values, &w0, &w1);
    const float d = HalfToFloat(bx[b].d);
    neon_simd::StoreScaled(w0, d, y);
    neon_simd::StoreScaled(w1, d, y + 16);
  }
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot, VecDotBatch, nullptr, ToFloat});

}  // namespace edgellm::quant::iq4_nl::EDGELLM_NEON_NS

#endif  // __aarch64__
