// The row and element-wise ops of the model graph (RMSNorm, RoPE, SwiGLU, add), with ggml's
// formulas and summation precision (sums of squares in double, as ggml_float). Compiled once per
// ISA (backend_common.bzl); SwiGLU carries ggml's AVX-512 exp polynomial, so every backend gives
// the numbers of llama.cpp's AVX-512 build.
#ifndef EDGELLM_BACKENDS_COMMON_ROW_OPS_H_
#define EDGELLM_BACKENDS_COMMON_ROW_OPS_H_

#include <cstdint>

#include "backends/common/thread_pool.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// RMSNorm (Zhang & Sennrich 2019) of n_rows rows of n floats: y = x / sqrt(mean(x^2) + eps) * w.
void RmsNorm(ThreadPool& pool, const float* x, const float* weight, float eps, int64_t n,
             int64_t n_rows, float* y);

// RoPE (Su et al. 2021) in place on [n_tokens][n_heads][head_dim], as ggml_rope_ext with
// ext_factor 0: theta_i = pos * freq_scale * freq_base^(-2i/n_rot).
void Rope(ThreadPool& pool, float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim,
          const int32_t* positions, const EdgeRopeParamsV1& params);

// gate = silu(gate) * up (SwiGLU), silu(x) = x / (1 + e^-x), with ggml_vec_swiglu_f32's numbers
// for a row of n: e^-x from ggml's AVX-512 polynomial (ggml_v_expf) on the first n - n % 16
// elements, expf on the rest. Rows whose length is a multiple of 16 may be passed together.
void SiluMul(ThreadPool& pool, float* gate, const float* up, int64_t n);

// In place on n_rows rows of n floats (n a power of 2): x = H_n x / sqrt(n), H_n the
// Walsh-Hadamard matrix (Sylvester's order), computed as ggml_compute_forward_fwht_f32: scale,
// then butterflies over spans 1, 2, ..., n/2 (each value rounded once per stage).
void Hadamard(ThreadPool& pool, float* x, int64_t n_rows, int64_t n);

// y[r] += x[r] (or y[r] += x with broadcast_x) for n_rows rows of n floats.
void Add(float* y, const float* x, int64_t n, int64_t n_rows, bool broadcast_x);

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_ROW_OPS_H_
