// NEON activation quantizer of q8_1 (plain ARMv8-A).
#if defined(__aarch64__)

#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/neon_simd.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1::EDGELLM_NEON_NS {

EDGELLM_KERNEL_SET({EDGE_ISA_NEON, kNeonBuildFeatures, nullptr, nullptr,
                    QuantizeRow<neon_simd::QuantizeQ8BlockNeon<true>, neon_simd::FloatToHalf>});

}  // namespace edgellm::quant::q8_1::EDGELLM_NEON_NS

#endif  // __aarch64__
