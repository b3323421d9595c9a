// NEON dot product of q5_K with q8_K, built twice (common/neon_simd.h): plain ARMv8-A into
// namespace neon and with the dot-product extension into neon_dotprod. common/kquant_neon.h's
// VecDotK4 (shared with q4_K), with the bits of VecDotScalar: the integer lanes of LaneSums256 and
// the float sums of the scalar kernel in the same order.
#if defined(__aarch64__)

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/kquant_neon.h"
#include "quant_formats/q5_K/q5_K.h"

namespace edgellm::quant::q5_K::EDGELLM_NEON_NS {

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures,
                    neon_simd::VecDotK4<MinTerm::kSum, BlockQ5_K, true>});

}  // namespace edgellm::quant::q5_K::EDGELLM_NEON_NS

#endif  // __aarch64__
