// f32: plain IEEE 754 binary32 values (ggml GGML_TYPE_F32, GGUF type 0).
//
// A "block" is one float: block_size 1, 4 bytes, little-endian. Rows hold any n >= 1 values.
// The activations of an f32 matrix stay f32 (vec_dot_type f32). The dot products reproduce what
// ggml's x86 AVX-512 build computes, bit for bit, on every ISA (the lane orders of
// quant_formats/common/lane_sums.h):
//   - vec_dot is ggml_vec_dot_f32: over the first n - n % 64 elements, element i goes to fp32 FMA
//     accumulator lane i % 64 (four 16-lane registers), the 64 lanes are reduced as
//     ReduceFourAccumulators does, then the last n % 64 products are added one by one (each
//     product rounded, then added: ggml's scalar tail, unfused);
//   - vec_dot_batch is what ggml uses for two or more activation rows: llamafile's tinyBLAS when
//     n % 16 == 0 (one 16-lane FMA accumulator per output, element i in lane i % 16, then
//     HalvingSum16), else vec_dot for every pair.
// The scalar kernels (f32_scalar.cc) are the reference for these orders.
#ifndef EDGELLM_QUANT_FORMATS_F32_F32_H_
#define EDGELLM_QUANT_FORMATS_F32_F32_H_

#include <cstdint>

namespace edgellm::quant::f32 {

// One value per block: GGUF stores these types unblocked.
inline constexpr int kBlockSize = 1;

static_assert(sizeof(float) == 4, "f32 block is 4 bytes");

// Copies n floats: f32 is stored as is (to_float and from_float_ref).
void ToFloat(const void* x, float* y, int64_t n);
void FromFloat(const float* x, void* y, int64_t n);

// vec_dot's tail: sum + a[i] * b[i] for i = from .. n - 1, each product rounded, then added
// (ggml's scalar loop; every kernel is built with -ffp-contract=off). Static: SIMD files use it.
static inline float AddProducts(float sum, const float* a, const float* b, int64_t from,
                                int64_t n) {
  for (int64_t i = from; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace edgellm::quant::f32

#endif  // EDGELLM_QUANT_FORMATS_F32_F32_H_
