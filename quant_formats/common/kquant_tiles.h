// Loops of the batched dot products (vec_dot_batch) of the k-quant kernels, any ISA: walking the
// (rows x tokens) tiles with each tile's token count as a template argument, and the token rows
// of a tile. Plain C++ (no intrinsics); templates and functions in an anonymous namespace, so every
// ISA's translation unit keeps its own copy (see common/x86_simd.h).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_KQUANT_TILES_H_
#define EDGELLM_QUANT_FORMATS_COMMON_KQUANT_TILES_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "quant_formats/common/q8_blocks.h"

namespace edgellm::quant {
namespace {

// fn(std::integral_constant<int, k>{}) with k = count clamped to [1, kMax]: a tile's size as a
// template argument, so that its loops unroll and its accumulators stay in registers.
template <int kMax, class Fn>
inline void WithCount(int count, Fn&& fn) {
  if constexpr (kMax > 1) {
    if (count < kMax) {
      WithCount<kMax - 1>(count, fn);
      return;
    }
  }
  fn(std::integral_constant<int, kMax>{});
}

// tile(i, t0, tokens) for the tiles of nx weight rows x ny tokens: rows i.. i + kRows - 1 (fewer
// at the end) x tokens t0.. t0 + nt - 1, nt <= kTokens, as tokens = std::integral_constant<int,
// nt>. Token tiles are the outer loop, so a tile's activations stay in cache across the rows.
template <int kTokens, int kRows, class Tile>
inline void ForEachTile(int64_t nx, int64_t ny, Tile&& tile) {
  for (int64_t t0 = 0; t0 < ny; t0 += kTokens) {
    const int nt = static_cast<int>(std::min<int64_t>(kTokens, ny - t0));
    for (int64_t i = 0; i < nx; i += kRows) {
      WithCount<kTokens>(nt, [&](auto tokens) { tile(i, t0, tokens); });
    }
  }
}

// y[t] = q8_K row t0 + t of the activations at vy (rows y_stride bytes apart) for t < nt, and
// row t0 + nt - 1 again for t >= nt: tiles of a fixed kN compute those twice and drop them.
template <int kN>
inline void TokenRows(const void* vy, size_t y_stride, int64_t t0, int nt,
                      const BlockQ8_K* (&y)[kN]) {
  for (int t = 0; t < kN; ++t) {
    y[t] = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(vy) +
                                              (t0 + std::min(t, nt - 1)) * y_stride);
  }
}

}  // namespace
}  // namespace edgellm::quant

#endif  // EDGELLM_QUANT_FORMATS_COMMON_KQUANT_TILES_H_
