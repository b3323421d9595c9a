// NEON kernels of iq4_nl: those of common/block32_neon.h and ggml's even/odd vec_dot order, built
// twice (common/neon_simd.h): plain ARMv8-A into namespace neon and with the dot-product extension
// into neon_dotprod.
#if defined(__aarch64__)

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/block32_batch.h"
#include "quant_formats/common/block32_neon.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl::EDGELLM_NEON_NS {
namespace {

using F = neon_simd::Codebook<BlockIQ4_NL>;
using neon_simd::Scale;

// The order of iq4_nl.h: even and odd blocks in two 8-lane accumulators, an odd last block
// added after their HalvingSum8.
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  const auto* bx = static_cast<const BlockIQ4_NL*>(x);
  const auto* by = static_cast<const BlockQ8_0*>(y);
  const int64_t nb = n / kBlockSize;
  float32x4_t even_lo = vdupq_n_f32(0.0f), even_hi = vdupq_n_f32(0.0f);
  float32x4_t odd_lo = vdupq_n_f32(0.0f), odd_hi = vdupq_n_f32(0.0f);
  int8x16_t w0, w1;
  int64_t b = 0;
  for (; b + 1 < nb; b += 2) {
    F::Weights(bx[b], &w0, &w1);
    neon_simd::AccumulateBlock32(w0, w1, by[b].qs, Scale<F>(bx[b], by[b]), &even_lo, &even_hi);
    F::Weights(bx[b + 1], &w0, &w1);
    neon_simd::AccumulateBlock32(w0, w1, by[b + 1].qs, Scale<F>(bx[b + 1], by[b + 1]), &odd_lo,
                                 &odd_hi);
  }
  float sum = neon_simd::HalvingSum8(vaddq_f32(even_lo, odd_lo), vaddq_f32(even_hi, odd_hi));
  if (b < nb) {
    F::Weights(bx[b], &w0, &w1);
    const int32x4_t p =
        neon_simd::DotI8x32(vdupq_n_s32(0), w0, w1, vld1q_s8(by[b].qs), vld1q_s8(by[b].qs + 16));
    sum += Scale<F>(bx[b], by[b]) * static_cast<float>(vaddvq_s32(p));
  }
  *s = sum;
}

}  // namespace

// Batched: tinyBLAS's one accumulator over all blocks (iq4_nl.h).
EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, VecDot,
                    block32::DotEachPair<neon_simd::VecDot<F>>, nullptr, neon_simd::Dequantize<F>});

}  // namespace edgellm::quant::iq4_nl::EDGELLM_NEON_NS

#endif  // __aarch64__
