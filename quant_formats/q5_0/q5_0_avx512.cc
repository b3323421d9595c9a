// Q5_0 kernels for AVX-512 (F, BW, VL, DQ; VNNI for the first entry): those of
// common/block32_x86.h. Dequantization takes two blocks per 512-bit step; the dot products stay in
// 256-bit registers (ggml's order, see q5_0.h), with vpdpbusd in the VNNI entry.
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/q5_0/q5_0.h"

namespace edgellm::quant::q5_0::avx512 {

EDGELLM_KERNEL_SET(x86::LinearAvx512<BlockQ5_0, true, true>(),
                   x86::LinearAvx512<BlockQ5_0, false, true>());

}  // namespace edgellm::quant::q5_0::avx512

#endif  // __x86_64__
