// AVX-512 kernels of q8_0 (build with the AVX-512 flags; they need F/BW/VL/DQ, and the first
// entry also VNNI): those of common/block32_x86.h, and the quantizer of q8_quantize.h. The dot
// products keep ggml's one 8-lane accumulator (see q8_0.h), so they work on 256-bit registers, the
// VNNI one with vpdpbusd for the integer sums. fp16 scales go through F16C, never through fp16.h
// (see q8_0_avx2.cc).
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/common/q8_quantize.h"
#include "quant_formats/q8_0/q8_0.h"

namespace edgellm::quant::q8_0::avx512 {
namespace {

void QuantizeRowActAvx512(const float* x, void* y, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(y);
  for (int64_t b = 0; b < n / kQK8_0; ++b) {
    const float d = x86::QuantizeQ8BlockAvx512<false>(x + b * kQK8_0, out[b].qs, nullptr);
    out[b].d = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
  }
}

using F = x86::Bytes;

}  // namespace

// Batched: GEMM tiles, each block of a row used for up to 8 tokens, each block of a token for up
// to 4 rows. The VNNI tiles compute exact integer sums (weights offset by +128), so they need the
// activation quants (y) in [-127, 127], which both q8_0 quantizers write: opposite a negative
// weight, a -128 would make vec_dot's vpsignb wrap. The others follow vec_dot for any bytes.
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, x86::VecDot<F, true>,
                    x86::VecDotBatchAvx512<F, true>, QuantizeRowActAvx512,
                    x86::DequantizeAvx512<F>, kBatchMatchesVecDot},
                   {EDGE_ISA_AVX512, kAvx512Features, x86::VecDot<F>,
                    x86::VecDotBatchAvx512<F, false>, QuantizeRowActAvx512,
                    x86::DequantizeAvx512<F>, kBatchMatchesVecDot});

}  // namespace edgellm::quant::q8_0::avx512

#endif  // __x86_64__
