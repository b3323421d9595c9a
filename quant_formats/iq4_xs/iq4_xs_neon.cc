// NEON dot product of iq4_xs with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of iq4_xs_scalar.cc in the same order.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

namespace edgellm::quant::iq4xs::EDGELLM_NEON_NS {
namespace {

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const BlockIQ4XS* x = static_cast<const BlockIQ4XS*>(vx);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(vy);
  const int64_t nb = n / kQK_K;
  const int8x16_t values = vld1q_s8(kValuesIq4Nl);
  float32x4_t acc_lo = vdupq_n_f32(0.0f), acc_hi = vdupq_n_f32(0.0f);  // 8 lanes
  for (int64_t i = 0; i < nb; ++i) {
    const int8_t* a = y[i].qs;
    int32x4_t lanes_lo = vdupq_n_s32(0), lanes_hi = vdupq_n_s32(0);
    for (int k = 0; k < kQK_K / 32; ++k, a += 32) {
      // Sub-block k: codes of weights j and j + 16 in the nibbles of qs[16k + j].
      uint8x16_t lo, hi;
      neon_simd::UnpackNibbles(x[i].qs + 16 * k, &lo, &hi);
      const int scale = SubScale(x[i], k);
      neon_simd::AccumulateChunk32(vqtbl1q_s8(values, lo), vqtbl1q_s8(values, hi), a, scale,
                                   scale, &lanes_lo, &lanes_hi);
    }
    const float d = y[i].d * neon_simd::HalfToFloat(x[i].d);
    neon_simd::FmaLanes8(lanes_lo, lanes_hi, d, &acc_lo, &acc_hi);
  }
  *s = neon_simd::HalvingSum8(acc_lo, acc_hi);
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot});

}  // namespace edgellm::quant::iq4xs::EDGELLM_NEON_NS

#endif  // __aarch64__
