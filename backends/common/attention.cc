#include "backends/common/attention.h"

#include <algorithm>
#include <cmath>

#include "backends/common/kernels.h"

namespace edgellm::backends {

int Attention(BackendContext& ctx, const EdgeAttentionV1& a, const float* q, float* out) {
  const int64_t d = a.head_dim;
  if (d % a.k_format->block_size != 0 || d % a.v_format->block_size != 0 ||
      d % a.k_vec_dot_format->block_size != 0) {
    return 1;
  }
  const EdgeVecDotFn kdot = FindVecDot(a.k_format, ctx.isa, ctx.cpu_features);
  if (kdot == nullptr) return 1;
  const EdgeFromFloatFn quantize_q =
      FindFromFloat(a.k_vec_dot_format, ctx.isa, ctx.cpu_features);
  const EdgeToFloatFn v_to_float = FindToFloat(a.v_format, ctx.isa, ctx.cpu_features);

  const size_t q_bytes = RowBytes(a.k_vec_dot_format, d);
  const size_t k_head_bytes = RowBytes(a.k_format, d);
  const size_t v_head_bytes = RowBytes(a.v_format, d);
  int64_t n_kv = 0;
  for (int64_t t = 0; t < a.n_tokens; ++t) {
    n_kv = std::max<int64_t>(n_kv, a.positions[t] + 1);
  }
  for (BackendContext::PerThread& s : ctx.per_thread) {
    if (s.query.size() < q_bytes) s.query.resize(q_bytes);
    if (s.scores.size() < static_cast<size_t>(n_kv)) s.scores.resize(n_kv);
    if (s.values.size() < static_cast<size_t>(d)) s.values.resize(d);
  }

  const int64_t group = a.n_heads / a.n_kv_heads;
  const auto* k_cache = static_cast<const uint8_t*>(a.k_cache);
  const auto* v_cache = static_cast<const uint8_t*>(a.v_cache);
  ctx.pool.ParallelFor(a.n_tokens * a.n_heads, 1, [&](int64_t begin, int64_t end, int thread) {
    BackendContext::PerThread& s = ctx.per_thread[thread];
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / a.n_heads;
      const int64_t h = item % a.n_heads;
      const int64_t kvh = h / group;
      const int64_t n_pos = a.positions[t] + 1;
      quantize_q(q + (t * a.n_heads + h) * d, s.query.data(), d);
      float max_score = -INFINITY;
      for (int64_t p = 0; p < n_pos; ++p) {
        float score;
        kdot(d, &score, k_cache + p * a.k_row_bytes + kvh * k_head_bytes, s.query.data());
        score *= a.scale;
        s.scores[p] = score;
        max_score = std::max(max_score, score);
      }
      double sum = 0.0;
      for (int64_t p = 0; p < n_pos; ++p) {
        s.scores[p] = std::exp(s.scores[p] - max_score);
        sum += s.scores[p];
      }
      const float inv_sum = static_cast<float>(1.0 / sum);
      float* o = out + (t * a.n_heads + h) * d;
      std::fill(o, o + d, 0.0f);
      for (int64_t p = 0; p < n_pos; ++p) {
        v_to_float(v_cache + p * a.v_row_bytes + kvh * v_head_bytes, s.values.data(), d);
        const float w = s.scores[p] * inv_sum;
        for (int64_t i = 0; i < d; ++i) o[i] += w * s.values[i];
      }
    }
  });
  return 0;
}

}  // namespace edgellm::backends
