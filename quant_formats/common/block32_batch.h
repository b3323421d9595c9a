// EdgeVecDotBatchFn as one vec_dot per (row, token) pair, for formats whose batched order is that
// of a vec_dot kernel (iq4_nl: tinyBLAS's one accumulator). Header-only, internal linkage: each
// ISA's translation unit instantiates its own copy.
#ifndef EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_BATCH_H_
#define EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_BATCH_H_

#include <cstddef>
#include <cstdint>

namespace edgellm::quant::block32 {
namespace {

// s[t * s_stride + r] = kDot(row r of x, token t of y) for r < nx, t < ny.
template <auto kDot>
void DotEachPair(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                 size_t x_stride, const void* y, size_t y_stride) {
  const auto* x8 = static_cast<const uint8_t*>(x);
  const auto* y8 = static_cast<const uint8_t*>(y);
  for (int64_t r = 0; r < nx; ++r) {
    for (int64_t t = 0; t < ny; ++t) {
      kDot(n, s + t * s_stride + r, x8 + r * x_stride, y8 + t * y_stride);
    }
  }
}

}  // namespace
}  // namespace edgellm::quant::block32

#endif  // EDGELLM_QUANT_FORMATS_COMMON_BLOCK32_BATCH_H_
