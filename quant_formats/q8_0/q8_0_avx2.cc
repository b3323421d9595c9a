// AVX2 kernels of q8_0 (build with -mavx2 -mfma -mf16c): the dot products and dequantization of
// common/block32_x86.h, the quantizer of q8_quantize.h. fp16 scales go through F16C
// (x86::HalfToFloat, _cvtss_sh), never through fp16.h, whose inline functions must not be
// compiled with ISA flags.
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0::avx2 {
namespace {

void QuantizeRowActAvx2(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = x86::QuantizeQ8BlockAvx2<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
  }
}

}  // namespace

// One accumulator, blocks in order: ggml's summation (see q8_0.h). Batched: GEMM tiles, each
// block of a row used for up to 4 tokens, each block of a token for up to 3 rows.
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, x86::VecDot<x86::Bytes>,
                    x86::VecDotBatchAvx2<x86::Bytes>, QuantizeRowActAvx2,
                    x86::DequantizeAvx2<x86::Bytes>, kBatchMatchesVecDot});

}  // namespace edgellm::quant::q8_0::avx2

#endif  // __x86_64__
