// NEON dot product of iq4_xs with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. Same bits as VecDotScalar:
// the integer lanes of LaneSums256 and the float sums of the scalar kernel (common/kquant_neon.h's
// SuperBlockDot) in the same order.
#if defined(__aarch64__)

#include <cstdint>

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/kquant_neon.h"
#include "quant_formats/iq4_xs/iq4_xs.h"

namespace edgellm::quant::iq4xs::EDGELLM_NEON_NS {
namespace {

struct BlockSums {
  const int8x16_t values = vld1q_s8(kValuesIq4Nl);

  void operator()(const BlockIQ4XS& b, const BlockQ8_K& y, int32x4_t* lanes, int32x4_t*) const {
    for (int k = 0; k < kQK_K / 32; ++k) {
      // Sub-block k: codes of weights j and j + 16 in the nibbles of qs[16k + j].
      uint8x16_t lo, hi;
      neon_simd::UnpackNibbles(b.qs + 16 * k, &lo, &hi);
      const int scale = SubScale(b, k);
      neon_simd::AccumulateChunk32(vqtbl1q_s8(values, lo), vqtbl1q_s8(values, hi), y.qs + 32 * k,
                                   scale, scale, &lanes[0], &lanes[1]);
    }
  }
};

}  // namespace

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures,
                    neon_simd::VecDotOf<MinTerm::kNone, BlockIQ4XS, BlockSums>});

}  // namespace edgellm::quant::iq4xs::EDGELLM_NEON_NS

#endif  // __aarch64__
