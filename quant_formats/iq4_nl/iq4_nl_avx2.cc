// IQ4_NL kernels for AVX2 + FMA + F16C: those of common/block32_x86.h (codes become codebook
// values with one byte shuffle), with ggml's even/odd vec_dot order (see iq4_nl.h).
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl::avx2 {
namespace {

using F = x86::Codebook<BlockIQ4_NL>;

void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const int64_t nb = n / kBlockSize;
  // ggml's two accumulators, even and odd blocks (see iq4_nl.h).
  __m256 even = _mm256_setzero_ps(), odd = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    even = x86::AccumulateBlock<F, false>(x[i], y[i], even);
    odd = x86::AccumulateBlock<F, false>(x[i + 1], y[i + 1], odd);
  }
  const float sum = x86::HsumPs(_mm256_add_ps(even, odd));
  *s = i < nb ? x86::AddBlockFma<F, false>(x[i], y[i], sum) : sum;
}

}  // namespace

// Batched: tinyBLAS's one accumulator (iq4_nl.h), in GEMM tiles.
EDGELLM_KERNEL_SET({EDGE_ISA_AVX2, kAvx2Features, VecDot, x86::VecDotBatchAvx2<F>, nullptr,
                    x86::DequantizeAvx2<F>});

}  // namespace edgellm::quant::iq4_nl::avx2

#endif  // __x86_64__
