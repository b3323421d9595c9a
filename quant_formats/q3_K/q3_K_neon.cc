// NEON dot product of q3_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of the scalar kernel (common/kquant_neon.h's
// SuperBlockDot) in the same order.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_neon.h"
#include "quant_formats/q3_K/q3_K.h"

namespace edgellm::quant::q3k::EDGELLM_NEON_NS {
namespace {

struct BlockSums {
  const uint8x16_t two_bits = vdupq_n_u8(3);
  const uint8x16_t bit0 = vdupq_n_u8(1);
  const int8x16_t four = vdupq_n_s8(4);

  void operator()(const BlockQ3K& b, const BlockQ8_K& y, int32x4_t* lanes, int32x4_t*) const {
    uint32_t words[4];
    UnpackScaleWords(b.scales, words);
    int8_t sc[16];  // the 16 group scales, stored + 32
    vst1q_s8(sc, vsubq_s8(vreinterpretq_s8_u32(vld1q_u32(words)), vdupq_n_s8(32)));
    // Chunk 4h + j (values 128h + 32j + l): low bits 2j..2j+1 of qs[32h + l], high bit 4h + j of
    // hmask[l] (one step down per chunk); level = low | high << 2, minus 4.
    uint8x16_t m0 = vld1q_u8(b.hmask);
    uint8x16_t m1 = vld1q_u8(b.hmask + 16);
    const int8_t* a = y.qs;
    for (int h = 0; h < 2; ++h) {
      uint8x16_t q0 = vld1q_u8(b.qs + 32 * h);
      uint8x16_t q1 = vld1q_u8(b.qs + 32 * h + 16);
      for (int j = 0; j < 4; ++j, a += 32) {
        const uint8x16_t c0 = vorrq_u8(vandq_u8(q0, two_bits), vshlq_n_u8(vandq_u8(m0, bit0), 2));
        const uint8x16_t c1 = vorrq_u8(vandq_u8(q1, two_bits), vshlq_n_u8(vandq_u8(m1, bit0), 2));
        const int g = 8 * h + 2 * j;
        neon_simd::AccumulateChunk32(vsubq_s8(neon_simd::S8(c0), four),
                                     vsubq_s8(neon_simd::S8(c1), four), a, sc[g], sc[g + 1],
                                     &lanes[0], &lanes[1]);
        q0 = vshrq_n_u8(q0, 2);
        q1 = vshrq_n_u8(q1, 2);
        m0 = vshrq_n_u8(m0, 1);
        m1 = vshrq_n_u8(m1, 1);
      }
    }
  }
};

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures,
                    neon_simd::VecDotOf<MinTerm::kNone, BlockQ3K, BlockSums>});

}  // namespace edgellm::quant::q3k::EDGELLM_NEON_NS

#endif  // __aarch64__
