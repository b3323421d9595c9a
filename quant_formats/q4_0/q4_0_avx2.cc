// Q4_0 kernels for AVX2 + FMA + F16C: those of common/block32_x86.h. One block per step.
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q4_0/q4_0.h"

namespace edgellm::quant::q4_0::avx2 {

// Batched: GEMM tiles, each block of a row used for up to 4 tokens, of a token for up to 3 rows.
EDGELLM_KERNEL_SET(x86::LinearAvx2<BlockQ4_0, true>());

}  // namespace edgellm::quant::q4_0::avx2

#endif  // __x86_64__
