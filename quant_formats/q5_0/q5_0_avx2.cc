// Q5_0 kernels for AVX2 + FMA + F16C: those of common/block32_x86.h. One block per step.
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_0/q5_0.h"

namespace edgellm::quant::q5_0::avx2 {

EDGELLM_KERNEL_SET(x86::LinearAvx2<BlockQ5_0, true>());

}  // namespace edgellm::quant::q5_0::avx2

#endif  // __x86_64__
