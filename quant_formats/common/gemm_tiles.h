// Cutting a prefill GEMM call (EdgeVecDotBatchFn: nx weight rows x ny activation rows) into a
// format's register-blocked micro-tiles. A format writes one tile kernel, templated on its row
// and column counts; this picks the instantiation for each tile, the smaller ones at the edges.
//
// Kernel is a class with
//   template <int kRows, int kCols>
//   static void Tile(int64_t nb, const uint8_t* x, size_t x_stride, const uint8_t* y,
//                    size_t y_stride, int ny, float* s, size_t s_stride);
// computing the kRows rows at x (x_stride bytes apart, nb blocks each) against ny tokens at y
// (y_stride bytes apart), with ny <= kCols * kTokensPerCol, into s[j * s_stride + i]. A column
// holds kTokensPerCol tokens (2 where a kernel packs a token pair into one register).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_GEMM_TILES_H_
#define EDGELLM_QUANT_FORMATS_COMMON_GEMM_TILES_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace edgellm::quant {
namespace {  // instantiated per ISA translation unit: never merged across ISAs

using GemmTileFn = void (*)(int64_t nb, const uint8_t* x, size_t x_stride, const uint8_t* y,
                            size_t y_stride, int ny, float* s, size_t s_stride);

// Kernel's tile for rows <= kRows rows and cols <= kCols columns.
template <class Kernel, int kRows, int kCols>
GemmTileFn PickGemmTile(int rows, int cols) {
  if constexpr (kRows > 1) {
    if (rows < kRows) return PickGemmTile<Kernel, kRows - 1, kCols>(rows, cols);
  }
  if constexpr (kCols > 1) {
    if (cols < kCols) return PickGemmTile<Kernel, kRows, kCols - 1>(rows, cols);
  }
  return &Kernel::template Tile<kRows, kCols>;
}

// The whole call: tiles of at most kRows rows x kCols * kTokensPerCol tokens; n / block_size
// blocks per row.
template <class Kernel, int kRows, int kCols, int kTokensPerCol>
void RunGemmTiles(int64_t nb, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                  size_t x_stride, const void* y, size_t y_stride) {
  constexpr int kTokens = kCols * kTokensPerCol;
  const auto* x8 = static_cast<const uint8_t*>(x);
  const auto* y8 = static_cast<const uint8_t*>(y);
  for (int64_t j = 0; j < ny; j += kTokens) {
    const int tokens = static_cast<int>(std::min<int64_t>(ny - j, kTokens));
    const int cols = (tokens + kTokensPerCol - 1) / kTokensPerCol;
    for (int64_t i = 0; i < nx; i += kRows) {
      const int rows = static_cast<int>(std::min<int64_t>(nx - i, kRows));
      PickGemmTile<Kernel, kRows, kCols>(rows, cols)(nb, x8 + i * x_stride, x_stride,
                                                     y8 + j * y_stride, y_stride, tokens,
                                                     s + j * s_stride + i, s_stride);
    }
  }
}

}  // namespace
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_GEMM_TILES_H_
