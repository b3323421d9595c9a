// q8_K: 8-bit activation format of the k-quants (ggml GGML_TYPE_Q8_K, GGUF type 15).
//
// Layout (ggml-common.h block_q8_K, here BlockQ8_K in common/q8_blocks.h), 292 bytes per
// super-block of 256 values: fp32 scale d, 256 int8 quants q, 16 int16 bsums (sum of each run of
// 16 quants, used by the k-quant dot products for their min terms). Value = d * q.
// Rows hold n values, n a multiple of 256. It is the vec_dot_type of every k-quant; it has no
// dot product of its own.
#ifndef EDGELLM_QUANT_FORMATS_Q8_K_Q8_K_H_
#define EDGELLM_QUANT_FORMATS_Q8_K_Q8_K_H_

#include <cfloat>
#include <cstdint>
#include <cstring>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant::q8_K {

// n floats -> n / 256 blocks; bit-exact with ggml's quantize_row_q8_K_ref (which is also what
// ggml's x86 CPU backend uses for activations): d = max / -127 with max the first value of largest
// magnitude, q = min(127, round_half_even(x * -127 / max)). An all-zero block gets d = 0, q = 0,
// bsums = 0.
void QuantizeRowRef(const float* x, void* y, int64_t n);

// n / 256 blocks -> n floats: d * q (ggml's dequantize_row_q8_K).
void DequantizeRow(const void* x, float* y, int64_t n);

// QuantizeRowRef's bytes by the steps of the SIMD quantizers, per block of 256 values xb:
// mask(xb, j, bits) has bit k set where |xb[j + k]| has the float bits `bits` (k < kStep), for
// the largest magnitude max_bits(xb) (the integer order of |x|'s bits is the float order); the
// first such value of the block gives the scale; quantize(xb, iscale, &block) writes its quants
// and bsums. Blocks whose largest magnitude is 0, inf or NaN, or so small that the scale
// overflows, take QuantizeRowRef: the float-to-int conversions would differ from ggml's bit trick.
template <int kStep, class MaxBits, class Mask, class Quantize>
void QuantizeRowWith(const float* x, void* vy, int64_t n, MaxBits max_bits, Mask mask,
                     Quantize quantize) {
  auto* y = static_cast<BlockQ8_K*>(vy);
  for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
    const int bits = max_bits(x);
    float amax;
    std::memcpy(&amax, &bits, sizeof amax);
    if (bits == 0 || bits >= 0x7f800000 || 127.f / amax > FLT_MAX) {
      QuantizeRowRef(x, &y[i], kQK_K);
      continue;
    }
    // First index with that magnitude, as the scalar strict-greater scan picks.
    int first = 0;
    for (int j = 0; j < kQK_K; j += kStep) {
      const unsigned m = mask(x, j, bits);
      if (m != 0) {
        first = j + __builtin_ctz(m);
        break;
      }
    }
    const float iscale = -127.f / x[first];
    quantize(x, iscale, &y[i]);
    y[i].d = 1 / iscale;
  }
}

}  // namespace edgellm::quant::q8_K

#endif  // EDGELLM_QUANT_FORMATS_Q8_K_Q8_K_H_
