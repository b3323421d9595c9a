// NEON kernels of q5_1, built twice (common/neon_simd.h): plain ARMv8-A into namespace neon and
// with the dot-product extension into neon_dotprod (the dequantizer in the plain build only).
#if defined(__aarch64__)

#include <cstdint>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q5_1/q5_1.h"

namespace edgellm::quant::q5_1::EDGELLM_NEON_NS {
namespace {

using neon_simd::HalfToFloat;

// The block's 5-bit codes in [0, 31]: weights 0..15 in *c0, 16..31 in *c1.
inline void Codes(const BlockQ5_1& b, uint8x16_t* c0, uint8x16_t* c1) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  uint8x16_t lo, hi, hb_lo, hb_hi;
  neon_simd::UnpackNibbles(b.qs, &lo, &hi);
  neon_simd::HighBitsX10(qh, &hb_lo, &hb_hi);
  *c0 = vorrq_u8(lo, hb_lo);
  *c1 = vorrq_u8(hi, hb_hi);
}

// The order of q5_1.h: one 8-lane accumulator, one fused multiply-add per lane and block, and
// the m_x * s_y terms summed in order in a float.
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockQ5_1*>(x);
  const auto* by = static_cast<const BlockQ8_1*>(y);
  float32x4_t lo = vdupq_n_f32(0.0f);
  float32x4_t hi = vdupq_n_f32(0.0f);
  float sum_m = 0.0f;
  for (int64_t b = 0; b < n / kBlockSize; ++b) {
    uint8x16_t c0, c1;
    Codes(bx[b], &c0, &c1);
    neon_simd::AccumulateBlock32(vreinterpretq_s8_u8(c0), vreinterpretq_s8_u8(c1), by[b].qs,
                                 HalfToFloat(bx[b].d) * HalfToFloat(by[b].d), &lo, &hi);
    sum_m += HalfToFloat(bx[b].m) * HalfToFloat(by[b].s);
  }
  *s = neon_simd::HalvingSum8(lo, hi) + sum_m;
}

void ToFloat(const void* x, float* y, int64_t n) {
  const auto* bx = static_cast<const BlockQ5_1*>(x);
  for (int64_t b = 0; b < n / kBlockSize; ++b, y += kBlockSize) {
    uint8x16_t c0, c1;
    Codes(bx[b], &c0, &c1);
    const float d = HalfToFloat(bx[b].d);
    const float m = HalfToFloat(bx[b].m);
    neon_simd::StoreScaledPlus(c0, d, m, y);
    neon_simd::StoreScaledPlus(c1, d, m, y + 16);
  }
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot, nullptr, nullptr, ToFloat});

}  // namespace edgellm::quant::q5_1::EDGELLM_NEON_NS

#endif  // __aarch64__
