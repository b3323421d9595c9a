// NEON kernels of q8_0, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with the dot-product extension into neon_dotprod. The quantizer and dequantizer have no use for
// sdot and exist in the plain build only.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/neon_simd.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0::EDGELLM_NEON_NS {
namespace {

using neon_simd::HalfToFloat;

// acc + (dx * dy) * (4 partial sums of qx * qy) for one pair of blocks.
inline float32x4_t AccumulateBlock(const BlockQ8_0& bx, const BlockQ8_0& by, float32x4_t acc) {
  const int32x4_t p =
      neon_simd::DotI8x32(vdupq_n_s32(0), vld1q_s8(bx.qs), vld1q_s8(bx.qs + 16),
                          vld1q_s8(by.qs), vld1q_s8(by.qs + 16));
  return vfmaq_n_f32(acc, vcvtq_f32_s32(p), HalfToFloat(bx.d) * HalfToFloat(by.d));
}

}  // namespace

void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ8_0*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  const int64_t nb = n / kQK8_0;
  // Two accumulators hide the FMA latency.
  float32x4_t acc0 = vdupq_n_f32(0.0f);
  float32x4_t acc1 = vdupq_n_f32(0.0f);
  int64_t b = 0;
  for (; b + 1 < nb; b += 2) {
    acc0 = AccumulateBlock(bx[b], by[b], acc0);
    acc1 = AccumulateBlock(bx[b + 1], by[b + 1], acc1);
  }
  if (b < nb) acc0 = AccumulateBlock(bx[b], by[b], acc0);
  *s = vaddvq_f32(vaddq_f32(acc0, acc1));
}

#if !defined(__ARM_FEATURE_DOTPROD)

void QuantizeRowAct(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = neon_simd::QuantizeQ8BlockNeon<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = neon_simd::FloatToHalf(d);
  }
}

void DequantizeRow(const void* x, float* y, int64_t n) {
  const auto* in = static_cast<const BlockQ8_0*>(x);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = HalfToFloat(in[b].d);
    neon_simd::StoreScaled(vld1q_s8(in[b].qs), d, y + b * kQK8_0);
    neon_simd::StoreScaled(vld1q_s8(in[b].qs + 16), d, y + b * kQK8_0 + 16);
  }
}

#endif  // !__ARM_FEATURE_DOTPROD

}  // namespace edgellm::quant::q8_0::EDGELLM_NEON_NS

#endif  // __aarch64__
