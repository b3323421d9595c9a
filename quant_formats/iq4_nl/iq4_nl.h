// IQ4_NL weights: ggml's GGML_TYPE_IQ4_NL (GGUF type id 20), layout `block_iq4_nl` of
// ggml-common.h; codebook `kvalues_iq4nl` of ggml-common.h.
//
// A block holds 32 consecutive weights of a row in 18 bytes: an fp16 scale d, then 16 bytes of
// 4-bit codes q in [0, 15]; byte j holds weight j in its low nibble and weight j + 16 in its high
// nibble. Weight = d * kValuesIq4Nl[q] (quant_formats/common/iq4_values.h), a non-linear codebook
// denser near zero. The dot product pairs an
// IQ4_NL row with activations quantized to Q8_0 (BlockQ8_0, same 32-element blocks).
//
// All functions: n counts weights and is a multiple of 32; x / y point to n / 32 blocks (or n
// floats), s to one float.
#ifndef EDGELLM_QUANT_FORMATS_IQ4_NL_IQ4_NL_H_
#define EDGELLM_QUANT_FORMATS_IQ4_NL_IQ4_NL_H_

#include <cstddef>
#include <cstdint>

#include "quant_formats/common/iq4_values.h"
#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {

struct BlockIQ4_NL {
  uint16_t d;      // fp16 scale
  uint8_t qs[16];  // codes of weights j (low nibble) and j + 16 (high nibble)
};
static_assert(sizeof(BlockIQ4_NL) == 18, "IQ4_NL block is 18 bytes");

namespace iq4_nl {

inline constexpr int kBlockSize = 32;

// Dequantize, bit-exact with ggml's dequantize_row_iq4_nl.
void ToFloat(const void* x, float* y, int64_t n);
// Quantize, bit-exact with ggml's quantize_row_iq4_nl_ref (no importance weights, no scale
// search). GGUF producers use ggml's quantize_iq4_nl instead, which also tries 14 nearby scales,
// so its bytes may differ. A block whose values are all below 1e-15 in magnitude gets d = 0 and
// repeats the codes of the previous block of the same call (zeros for the first), as ggml does.
void FromFloatRef(const float* x, void* y, int64_t n);
// *s = dot(x: IQ4_NL row, y: Q8_0 row), integer sums per block scaled by d_x * d_y, summed as
// ggml's x86 build does (quant_formats/common/lane_sums.h): blocks 0, 2, 4, ... AccumulateBlock32
// into one 8-lane accumulator and blocks 1, 3, 5, ... into another, the two added lane by lane and
// summed by HalvingSum8; an odd last block then adds d_x * d_y * (its integer sum) with one FMA.
// Batched (EdgeVecDotBatchFn), ggml's numbers for 2+ activation rows (tinyBLAS's Q0 GEMM) are
// every block AccumulateBlock32 into one 8-lane accumulator, then HalvingSum8.
// The AVX2 and AVX-512 (non-VNNI) kernels, like ggml's, move the sign of the codebook value onto
// the activation code, so they need codes in [-127, 127], which every Q8_0 quantizer (ggml's too)
// produces.
void VecDotScalar(int64_t n, float* s, const void* x, const void* y);

}  // namespace iq4_nl
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_IQ4_NL_IQ4_NL_H_
