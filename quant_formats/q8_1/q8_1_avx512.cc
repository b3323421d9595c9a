// AVX-512 activation quantizer of q8_1 (build with the AVX-512 flags; needs F/BW/VL/DQ); fp16
// fields by F16C.
#if defined(__x86_64__)

#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1::avx512 {

EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512Features, nullptr, nullptr,
                    QuantizeRow<x86::QuantizeQ8BlockAvx512<true>, float_x86::FloatToHalf>});

}  // namespace edgellm::quant::q8_1::avx512

#endif  // __x86_64__
