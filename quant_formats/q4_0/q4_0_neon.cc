// NEON kernels of q4_0: those of common/block32_neon.h, built twice (common/neon_simd.h): plain
// ARMv8-A into namespace neon and with the dot-product extension into neon_dotprod.
#if defined(__aarch64__)

#include "quant_formats/common/block32_neon.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0::EDGELLM_NEON_NS {

EDGELLM_KERNEL_SET(neon_simd::LinearNeon<BlockQ4_0>());

}  // namespace edgellm::quant::q4_0::EDGELLM_NEON_NS

#endif  // __aarch64__
