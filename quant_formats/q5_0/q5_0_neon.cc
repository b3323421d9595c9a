// NEON kernels of q5_0: those of common/block32_neon.h, built twice (common/neon_simd.h): plain
// ARMv8-A into namespace neon and with the dot-product extension into neon_dotprod.
#if defined(__aarch64__)

#include "quant_formats/common/block32_neon.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_0/q5_0.h"

namespace edgellm::quant::q5_0::EDGELLM_NEON_NS {

EDGELLM_KERNEL_SET(neon_simd::LinearNeon<BlockQ5_0>());

}  // namespace edgellm::quant::q5_0::EDGELLM_NEON_NS

#endif  // __aarch64__
