// NEON activation quantizer of q8_K (plain ARMv8-A), bit-exact with QuantizeRowRef.
#if defined(__aarch64__)

#include <cstdint>
#include <cstring>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/q8_K/q8_K.h"

namespace edgellm::quant::q8_K::EDGELLM_NEON_NS {
namespace {

void QuantizeRow(const float* x, void* vy, int64_t n) {
  auto* y = static_cast<BlockQ8_K*>(vy);
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    // fmaxnm skips NaN, as the reference's `fabsf(x) > amax` does, so the search below ends.
    float32x4_t m = vdupq_n_f32(0.0f);
    for (int j = 0; j < kQK_K; j += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(x + j)));
    const float amax = vmaxnmvq_f32(m);
    if (amax == 0) {
      std::memset(&y[i], 0, sizeof(BlockQ8_K));
      continue;
    }
    // The reference keeps the first value of largest magnitude, with its sign.
    int first = 0;
    while (x[first] != amax && x[first] != -amax) ++first;
    const float iscale = -127.f / x[first];
    // fcvtns rounds half to even, as NearestInt does for these magnitudes (<= 127.5).
    for (int g = 0; g < kQK_K / 16; ++g) {
      int8x8_t q8[2];
      for (int h = 0; h < 2; ++h) {
        const float* p = x + 16 * g + 8 * h;
        const int32x4_t a = vminq_s32(vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(p), iscale)),
                                      vdupq_n_s32(127));
        const int32x4_t b = vminq_s32(vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(p + 4), iscale)),
                                      vdupq_n_s32(127));
        q8[h] = vqmovn_s16(vcombine_s16(vqmovn_s32(a), vqmovn_s32(b)));
      }
      const int8x16_t q = vcombine_s8(q8[0], q8[1]);
      vst1q_s8(y[i].qs + 16 * g, q);
      y[i].bsums[g] = static_cast<int16_t>(vaddlvq_s8(q));
    }
    y[i].d = 1 / iscale;
  }
}

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, nullptr, nullptr, QuantizeRow});

}  // namespace edgellm::quant::q8_K::EDGELLM_NEON_NS

#endif  // __aarch64__
