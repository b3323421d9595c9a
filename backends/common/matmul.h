// Matrix multiplication over quantized weights, shared by all backends: activations quantized
// once to the weight format's vec_dot_type, then fused dequantize-and-dot kernels of the
// backend's ISA (scalar fallback), parallel over output rows. One activation row uses vec_dot,
// two or more the format's vec_dot_batch for every token tile (ggml's numbers for each case, so
// the results do not depend on the tiling), or, asked for vec_dot's numbers, vec_dot unless the
// batched kernel gives the same bits.
#ifndef EDGELLM_BACKENDS_COMMON_MATMUL_H_
#define EDGELLM_BACKENDS_COMMON_MATMUL_H_

#include <cstdint>

#include "backends/common/backend_context.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// Whose numbers a matmul of 2+ rows gives.
enum class MatMulNumbers {
  kGgml,    // ggml's for that many rows: its GEMM's (vec_dot_batch) where it has one
  kVecDot,  // every row vec_dot's, as in a one-row matmul (EdgeBackendV1::matmul_vec_dot)
};

// y[t][r] = dot(w row r, x[t]); x: [n_tokens][w.n_cols] floats, y: [n_tokens][w.n_rows].
// Returns 0, or 1 when the format has no vec_dot kernel at all.
int MatMul(BackendContext& ctx, const EdgeMatrixV1& w, const float* x, int64_t n_tokens, float* y,
           MatMulNumbers numbers = MatMulNumbers::kGgml);

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_MATMUL_H_
