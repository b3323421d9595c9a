// Row loops of the formats that store one value per block (f32, f16, bf16), over each ISA's own
// kernels: the EdgeVecDotFn / EdgeVecDotBatchFn of a row dot product (and their KernelEntry) and
// the row conversions.
//
// Every template here has internal linkage (anonymous namespace): each ISA's translation unit
// instantiates them with its own kernels and flags, and copies for different ISAs must never be
// merged by the linker (see x86_simd.h).
#ifndef EDGELLM_QUANT_FORMATS_COMMON_FLOAT_ROWS_H_
#define EDGELLM_QUANT_FORMATS_COMMON_FLOAT_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "quant_formats/common/format_plugin.h"

namespace edgellm::quant::float_rows {
namespace {

// A dot product of two rows of n values of type T.
template <typename T>
using DotFn = float (*)(int64_t n, const T* a, const T* b);

// EdgeVecDotFn over kDot.
template <typename T, DotFn<T> kDot>
void VecDot(int64_t n, float* s, const void* x, const void* y) {
  *s = kDot(n, static_cast<const T*>(x), static_cast<const T*>(y));
}

// EdgeVecDotBatchFn as ggml computes two or more activation rows: llamafile's tinyBLAS (kGemmDot)
// for every pair when n % kGemmMultiple == 0, else vec_dot's kDot for every pair.
template <typename T, DotFn<T> kDot, DotFn<T> kGemmDot, int kGemmMultiple>
void VecDotBatch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                 size_t x_stride, const void* y, size_t y_stride) {
  const bool gemm = n % kGemmMultiple == 0;
  for (int64_t i = 0; i < nx; ++i) {
    const auto* a = reinterpret_cast<const T*>(static_cast<const char*>(x) + i * x_stride);
    for (int64_t j = 0; j < ny; ++j) {
      const auto* b = reinterpret_cast<const T*>(static_cast<const char*>(y) + j * y_stride);
      s[j * s_stride + i] = gemm ? kGemmDot(n, a, b) : kDot(n, a, b);
    }
  }
}

// VecDotBatch for a kGemmDot of the form "acc = kStep(acc, a + i, b + i) for i = 0, kStepElems,
// ... < n; return kReduce(acc)" (one accumulator per pair), on register tiles of kRows rows x
// kTokens tokens: one load of each row's and token's step serves the whole tile, and the tile's
// independent accumulators keep the FMA units busy where one pair's chain waits on its latency.
// Each pair still runs its own chain in order, so the bits are kGemmDot's. Pairs outside whole
// tiles run kGemmDot itself; n % kGemmMultiple != 0 runs kDot, as VecDotBatch.
template <typename T, typename Acc, DotFn<T> kDot, DotFn<T> kGemmDot,
          Acc (*kStep)(Acc, const T*, const T*), float (*kReduce)(Acc), int kStepElems,
          int kGemmMultiple, int kRows, int kTokens>
void TiledVecDotBatch(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride, const void* x,
                      size_t x_stride, const void* y, size_t y_stride) {
  static_assert(kGemmMultiple % kStepElems == 0, "whole steps");
  if (n % kGemmMultiple != 0) {
    VecDotBatch<T, kDot, kGemmDot, kGemmMultiple>(n, nx, ny, s, s_stride, x, x_stride, y, y_stride);
    return;
  }
  const auto row = [](const void* base, size_t stride, int64_t i) {
    return reinterpret_cast<const T*>(static_cast<const char*>(base) + i * stride);
  };
  const int64_t tiled_x = nx - nx % kRows, tiled_y = ny - ny % kTokens;
  for (int64_t i = 0; i < tiled_x; i += kRows) {
    for (int64_t j = 0; j < tiled_y; j += kTokens) {
      const T* a[kRows];
      const T* b[kTokens];
      for (int r = 0; r < kRows; ++r) a[r] = row(x, x_stride, i + r);
      for (int t = 0; t < kTokens; ++t) b[t] = row(y, y_stride, j + t);
      Acc acc[kRows][kTokens] = {};
      for (int64_t k = 0; k < n; k += kStepElems) {
#pragma GCC unroll 8
        for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
          for (int t = 0; t < kTokens; ++t) acc[r][t] = kStep(acc[r][t], a[r] + k, b[t] + k);
        }
      }
      for (int r = 0; r < kRows; ++r) {
        for (int t = 0; t < kTokens; ++t) s[(j + t) * s_stride + i + r] = kReduce(acc[r][t]);
      }
    }
  }
  // The edges: pairs whose row or token is outside the whole tiles.
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = i < tiled_x ? tiled_y : 0; j < ny; ++j) {
      s[j * s_stride + i] = kGemmDot(n, row(x, x_stride, i), row(y, y_stride, j));
    }
  }
}

// The KernelEntry of a float format's dot products on one ISA: vec_dot by kDot, vec_dot_batch
// as VecDotBatch above.
template <typename T, DotFn<T> kDot, DotFn<T> kGemmDot, int kGemmMultiple>
constexpr KernelEntry DotEntry(EdgeIsa isa, uint64_t required_cpu_features,
                               EdgeFromFloatFn from_float = nullptr,
                               EdgeToFloatFn to_float = nullptr) {
  const EdgeVecDotBatchFn batch = VecDotBatch<T, kDot, kGemmDot, kGemmMultiple>;
  return {isa, required_cpu_features, VecDot<T, kDot>, batch, from_float, to_float};
}

// DotEntry with vec_dot_batch on kRows x kTokens register tiles (TiledVecDotBatch; kGemmDot as
// kStep and kReduce).
template <typename T, typename Acc, DotFn<T> kDot, DotFn<T> kGemmDot,
          Acc (*kStep)(Acc, const T*, const T*), float (*kReduce)(Acc), int kStepElems,
          int kGemmMultiple, int kRows = 4, int kTokens = 4>
constexpr KernelEntry TiledDotEntry(EdgeIsa isa, uint64_t required_cpu_features,
                                    EdgeFromFloatFn from_float = nullptr,
                                    EdgeToFloatFn to_float = nullptr) {
  const EdgeVecDotBatchFn batch = TiledVecDotBatch<T, Acc, kDot, kGemmDot, kStep, kReduce,
                                                   kStepElems, kGemmMultiple, kRows, kTokens>;
  return {isa, required_cpu_features, VecDot<T, kDot>, batch, from_float, to_float};
}

// The pointee of a row argument of EdgeToFloatFn / EdgeFromFloatFn: float rows are float, the
// format's rows void.
template <typename T>
using RowData = std::conditional_t<std::is_same_v<T, float>, float, void>;

// kOne on each of count values (a scalar row conversion, or the tail of ConvertRow).
template <typename From, typename To, To (*kOne)(From)>
inline void ConvertEach(const From* in, To* out, int64_t count) {
  for (int64_t i = 0; i < count; ++i) out[i] = kOne(in[i]);
}

// EdgeToFloatFn (From the format's type, To float) or EdgeFromFloatFn (From float): the n values
// of a row kStep at a time by kSteps while whole steps fit, then the rest by kTail.
template <typename From, typename To, int kStep, void (*kSteps)(const From*, To*),
          void (*kTail)(const From*, To*, int64_t) = nullptr>
void ConvertRow(const RowData<From>* x, RowData<To>* y, int64_t n) {
  const auto* in = static_cast<const From*>(x);
  auto* out = static_cast<To*>(y);
  int64_t i = 0;
  for (; i + kStep <= n; i += kStep) kSteps(in + i, out + i);
  if constexpr (kTail != nullptr) {
    if (i < n) kTail(in + i, out + i, n - i);
  }
}

}  // namespace
}  // namespace edgellm::quant::float_rows

#endif  // EDGELLM_QUANT_FORMATS_COMMON_FLOAT_ROWS_H_
