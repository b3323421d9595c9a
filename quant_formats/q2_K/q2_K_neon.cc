// NEON dot product of q2_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of the scalar kernel (common/kquant_neon.h's
// SuperBlockDot) in the same order: first the min terms, then the scaled sums, into the same lanes.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_neon.h"
#include "quant_formats/q2_K/q2_K.h"

namespace edgellm::quant::q2k::EDGELLM_NEON_NS {
namespace {

using neon_simd::S8;

struct BlockSums {
  const uint8x16_t two_bits = vdupq_n_u8(3);

  void operator()(const BlockQ2K& b, const BlockQ8_K& y, int32x4_t* lanes, int32x4_t* mins) const {
    // Min lane k: groups 2k and 2k + 1, the high nibble of each group's byte times the group's
    // activation sum.
    const uint8x16_t m = vshrq_n_u8(vld1q_u8(b.scales), 4);
    mins[0] = neon_simd::PairProducts(neon_simd::S16(vmovl_u8(vget_low_u8(m))), vld1q_s16(y.bsums));
    mins[1] = neon_simd::PairProducts(neon_simd::S16(vmovl_high_u8(m)), vld1q_s16(y.bsums + 8));
    // Chunk 4h + j (values 128h + 32j ..): bits 2j..2j+1 of qs[32h + l]; groups 8h + 2j and
    // 8h + 2j + 1, each scaled by the low nibble of its byte.
    const int8_t* a = y.qs;
    for (int h = 0; h < 2; ++h) {
      uint8x16_t q0 = vld1q_u8(b.qs + 32 * h);
      uint8x16_t q1 = vld1q_u8(b.qs + 32 * h + 16);
      for (int j = 0; j < 4; ++j, a += 32) {
        const int g = 8 * h + 2 * j;
        neon_simd::AccumulateChunk32(S8(vandq_u8(q0, two_bits)), S8(vandq_u8(q1, two_bits)), a,
                                     b.scales[g] & 0xF, b.scales[g + 1] & 0xF, &lanes[0],
                                     &lanes[1]);
        q0 = vshrq_n_u8(q0, 2);
        q1 = vshrq_n_u8(q1, 2);
      }
    }
  }
};

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures,
                    neon_simd::VecDotOf<MinTerm::kLanes8, BlockQ2K, BlockSums>});

}  // namespace edgellm::quant::q2k::EDGELLM_NEON_NS

#endif  // __aarch64__
