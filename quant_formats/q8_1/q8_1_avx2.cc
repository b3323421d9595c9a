// AVX2 activation quantizer of q8_1 (build with -mavx2 -mfma -mf16c); fp16 fields by F16C.
#if defined(__x86_64__)

#include "quant_formats/common/float_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_1/q8_1.h"

namespace edgellm::quant::q8_1::avx2 {

EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, nullptr, nullptr,
                    QuantizeRow<x86::QuantizeQ8BlockAvx2<true>, float_x86::FloatToHalf>});

}  // namespace edgellm::quant::q8_1::avx2

#endif  // __x86_64__
