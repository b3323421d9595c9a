// IQ4_NL kernels for AVX-512 (F, BW, VL, DQ; VNNI for the first entry): those of
// common/block32_x86.h, and vec_dot with two blocks per 512-bit step (an odd last block in 256-bit
// registers); codes become codebook values with one byte shuffle.
#if defined(__x86_64__)

#include "quant_formats/common/block32_x86.h"
#include "quant_formats/common/format_plugin.h"
#include "quant_formats/iq4_nl/iq4_nl.h"

namespace edgellm::quant::iq4_nl::avx512 {
namespace {

using F = x86::Codebook<BlockIQ4_NL>;

// Signed codebook values v times signed activations a, summed per 4 bytes into int32 lanes.
// VNNI: vpdpbusd on v + 128 (unsigned), minus 128 * a. Otherwise maddubs on |v| and a with v's
// sign (|v| <= 127 keeps the pair sums within int16).
template <bool Vnni>
inline __m512i DotPair(__m512i v, __m512i a) {
  if constexpr (Vnni) {
    const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
    const __m512i zero = _mm512_setzero_si512();
    const __m512i u = _mm512_xor_si512(v, bias);
    return _mm512_sub_epi32(_mm512_dpbusd_epi32(zero, u, a), _mm512_dpbusd_epi32(zero, bias, a));
  } else {
    const __m512i signed_a =
        _mm512_mask_sub_epi8(a, _mm512_movepi8_mask(v), _mm512_setzero_si512(), a);
    return x86::DotU8I8(_mm512_abs_epi8(v), signed_a);
  }
}

// Even blocks in lanes 0..7, odd blocks in lanes 8..15: ggml's two 8-lane accumulators (see
// iq4_nl.h), which _mm512_reduce_add_ps adds lane by lane before its HalvingSum8.
template <bool Vnni>
void VecDot(int64_t n, float* s, const void* vx, const void* vy) {
  const auto* x = static_cast<const BlockIQ4_NL*>(vx);
  const auto* y = static_cast<const BlockQ8_0*>(vy);
  const int64_t nb = n / kBlockSize;
  __m512 acc = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 1 < nb; i += 2) {
    const __m512i v = F::Codes2(x[i], x[i + 1]);
    const __m512i a = x86::Load2x32(y[i].qs, y[i + 1].qs);
    const __m512 d = x86::Broadcast2(x86::HalfToFloat(x[i].d) * x86::HalfToFloat(y[i].d),
                                     x86::HalfToFloat(x[i + 1].d) * x86::HalfToFloat(y[i + 1].d));
    acc = _mm512_fmadd_ps(d, _mm512_cvtepi32_ps(DotPair<Vnni>(v, a)), acc);
  }
  const float sum = _mm512_reduce_add_ps(acc);
  *s = i < nb ? x86::AddBlockFma<F, Vnni>(x[i], y[i], sum) : sum;
}

}  // namespace

// Batched: tinyBLAS's one accumulator (iq4_nl.h), in GEMM tiles.
EDGELLM_KERNEL_SET({EDGE_ISA_AVX512, kAvx512VnniFeatures, VecDot<true>,
                    x86::VecDotBatchAvx512<F, true>, nullptr, x86::DequantizeAvx512<F>},
                   {EDGE_ISA_AVX512, kAvx512Features, VecDot<false>,
                    x86::VecDotBatchAvx512<F, false>, nullptr, x86::DequantizeAvx512<F>});

}  // namespace edgellm::quant::iq4_nl::avx512

#endif  // __x86_64__
