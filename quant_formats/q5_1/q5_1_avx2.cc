// Q5_1 kernels for AVX2 + FMA + F16C: those of common/block32_x86.h. One block per step.
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_1/q5_1.h"

namespace edgellm::quant::q5_1::avx2 {

EDGELLM_KERNEL_SET(x86::LinearAvx2<BlockQ5_1>());

}  // namespace edgellm::quant::q5_1::avx2

#endif  // __x86_64__
