#include "backends/common/reference_ops.h"

#include <cmath>

namespace edgellm::backends {

void RmsNorm(ThreadPool& pool, const float* x, const float* weight, float eps, int64_t n,
             int64_t n_rows, float* y) {
  pool.ParallelFor(n_rows, 1, [&](int64_t begin, int64_t end, int) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      double sum = 0.0;
      for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i]) * xr[i];
      const float scale = 1.0f / std::sqrt(static_cast<float>(sum / n) + eps);
      for (int64_t i = 0; i < n; ++i) {
        yr[i] = weight != nullptr ? (xr[i] * scale) * weight[i] : xr[i] * scale;
      }
    }
  });
}

void Rope(ThreadPool& pool, float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim,
          const int32_t* positions, const EdgeRopeParamsV1& params) {
  const int64_t n_rot = params.n_rot;
  const float theta_scale = std::pow(params.freq_base, -2.0f / static_cast<float>(n_rot));
  pool.ParallelFor(n_tokens, 1, [&](int64_t begin, int64_t end, int) {
    for (int64_t t = begin; t < end; ++t) {
      for (int64_t h = 0; h < n_heads; ++h) {
        float* v = x + (t * n_heads + h) * head_dim;
        // theta advances by a running product, as ggml's rope cache does.
        float theta_base = static_cast<float>(positions[t]);
        for (int64_t i0 = 0; i0 < n_rot; i0 += 2) {
          const float theta = theta_base * params.freq_scale;
          const float c = std::cos(theta), s = std::sin(theta);
          theta_base *= theta_scale;
          const int64_t a = params.mode == EDGE_ROPE_NEOX ? i0 / 2 : i0;
          const int64_t b = params.mode == EDGE_ROPE_NEOX ? i0 / 2 + n_rot / 2 : i0 + 1;
          const float x0 = v[a], x1 = v[b];
          v[a] = x0 * c - x1 * s;
          v[b] = x0 * s + x1 * c;
        }
      }
    }
  });
}

void SiluMul(ThreadPool& pool, float* gate, const float* up, int64_t n) {
  pool.ParallelFor(n, 256, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      const float g = gate[i];
      gate[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
  });
}

void Add(float* y, const float* x, int64_t n, int64_t n_rows, bool broadcast_x) {
  for (int64_t r = 0; r < n_rows; ++r) {
    const float* xr = broadcast_x ? x : x + r * n;
    float* yr = y + r * n;
    for (int64_t i = 0; i < n; ++i) yr[i] += xr[i];
  }
}

}  // namespace edgellm::backends
