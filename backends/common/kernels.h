// Picking a quant format's kernels for a backend's ISA, with the scalar fallback that lets a new
// format run on every backend without a change to any backend.
#ifndef EDGELLM_BACKENDS_COMMON_KERNELS_H_
#define EDGELLM_BACKENDS_COMMON_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// The format's vec_dot for `isa` (first entry whose features the CPU has), else its scalar
// vec_dot; nullptr when the format has none.
EdgeVecDotFn FindVecDot(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features);

// The batched vec_dot of the same entry FindVecDot picked, or nullptr.
EdgeVecDotBatchFn FindVecDotBatch(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features);

// The activation quantizer for `isa` (bit-exact with ggml's CPU path), else from_float_ref.
EdgeFromFloatFn FindFromFloat(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features);

// The dequantizer for `isa`, else the format's to_float.
EdgeToFloatFn FindToFloat(const EdgeQuantFormatV1* f, EdgeIsa isa, uint64_t cpu_features);

// Bytes of a row of n elements of format f (n a multiple of its block size).
inline size_t RowBytes(const EdgeQuantFormatV1* f, int64_t n) {
  return static_cast<size_t>(n / f->block_size) * f->type_size;
}

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_KERNELS_H_
