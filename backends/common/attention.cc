#include "backends/common/attention.h"

#include <algorithm>
#include <cmath>

#include "backends/common/kernels.h"

namespace edgellm::backends {
namespace {

constexpr uint32_t kTypeF16 = 1;

// ggml's x86 F16 vector ops (AVX512-FP16 build) work on blocks of 128 halves in native fp16
// arithmetic; the elements past the last whole block go through fp32 one by one.
constexpr int64_t kHalfBlock = 128;

// The compiler's binary16 type: GCC 12 has _Float16 in C++ on x86-64 but not on aarch64, where
// __fp16 converts the same way (one rounding from float or double, fcvt).
#if defined(__aarch64__)
using NativeHalf = __fp16;
#else
using NativeHalf = _Float16;
#endif

// Nearest fp16 value (ties to even), as a float.
inline float RoundToHalf(float x) { return static_cast<float>(static_cast<NativeHalf>(x)); }

// fp16(a * b + c) rounded once, for fp16 values a, b, c (a native fp16 FMA): a * b is exact in
// float and a * b + c in double (or, when not, far past where the fp16 result is inf or the
// larger term), so the conversion to fp16 is the only rounding.
inline float HalfFma(float a, float b, float c) {
  return static_cast<float>(static_cast<NativeHalf>(static_cast<double>(a * b) + c));
}

// acc *= ms for the fp16 accumulator (ggml_vec_scale_f16).
void ScaleHalf(float* acc, int64_t d, float ms) {
  const int64_t np = d - d % kHalfBlock;
  const float ms_half = RoundToHalf(ms);
  for (int64_t i = 0; i < np; ++i) acc[i] = RoundToHalf(acc[i] * ms_half);  // exact product
  for (int64_t i = np; i < d; ++i) acc[i] = RoundToHalf(acc[i] * ms);
}

// acc += v * vs for the fp16 accumulator (ggml_vec_mad_f16; its fp32 tail is compiled with FMA
// contraction, so each element is one fp32 FMA rounded to fp16).
void MadHalf(float* acc, const float* v, int64_t d, float vs) {
  const int64_t np = d - d % kHalfBlock;
  const float vs_half = RoundToHalf(vs);
  for (int64_t i = 0; i < np; ++i) acc[i] = HalfFma(v[i], vs_half, acc[i]);
  for (int64_t i = np; i < d; ++i) acc[i] = RoundToHalf(std::fma(v[i], vs, acc[i]));
}

}  // namespace

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
  const bool v_half = a.v_format->type_id == kTypeF16;

  const size_t q_bytes = RowBytes(a.k_vec_dot_format, d);
  const size_t k_head_bytes = RowBytes(a.k_format, d);
  const size_t v_head_bytes = RowBytes(a.v_format, d);
  for (BackendContext::PerThread& s : ctx.per_thread) {
    if (s.query.size() < q_bytes) s.query.resize(q_bytes);
    if (s.accum.size() < static_cast<size_t>(d)) s.accum.resize(d);
    if (s.values.size() < static_cast<size_t>(d)) s.values.resize(d);
  }

  const int64_t group = a.n_heads / a.n_kv_heads;
  const auto* k_cache = static_cast<const uint8_t*>(a.k_cache);
  const auto* v_cache = static_cast<const uint8_t*>(a.v_cache);
  ctx.pool.ParallelFor(a.n_tokens * a.n_heads, 1, [&](int64_t begin, int64_t end, int thread) {
    BackendContext::PerThread& s = ctx.per_thread[thread];
    float* acc = s.accum.data();
    float* v = s.values.data();
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / a.n_heads;
      const int64_t h = item % a.n_heads;
      const int64_t kvh = h / group;
      const int64_t n_pos = a.positions[t] + 1;
      quantize_q(q + (t * a.n_heads + h) * d, s.query.data(), d);
      // Online softmax over the cache rows in order (Milakov & Gimelshein 2018), exactly as
      // ggml_compute_forward_flash_attn_ext_f16_one_chunk: a new maximum rescales the running
      // sum and the accumulator; the accumulator is fp16 for an F16 V cache (each update
      // rounded to fp16), fp32 otherwise. Bit-compatible with llama.cpp's CPU flash attention.
      std::fill(acc, acc + d, 0.0f);
      float max_score = -INFINITY;
      float sum = 0.0f;
      for (int64_t p = 0; p < n_pos; ++p) {
        float score;
        kdot(d, &score, k_cache + p * a.k_row_bytes + kvh * k_head_bytes, s.query.data());
        score *= a.scale;
        float ms = 1.0f;  // rescales what was accumulated when the maximum grows
        float vs = 1.0f;  // weight of this row: exp(score - max)
        if (score > max_score) {
          ms = std::exp(max_score - score);
          max_score = score;
          if (v_half) {
            ScaleHalf(acc, d, ms);
          } else {
            for (int64_t i = 0; i < d; ++i) acc[i] *= ms;
          }
        } else {
          vs = std::exp(score - max_score);
        }
        v_to_float(v_cache + p * a.v_row_bytes + kvh * v_head_bytes, v, d);
        if (v_half) {
          MadHalf(acc, v, d, vs);
        } else {
          for (int64_t i = 0; i < d; ++i) acc[i] = std::fma(v[i], vs, acc[i]);
        }
        sum = std::fma(sum, ms, vs);
      }
      const float inv_sum = sum == 0.0f ? 0.0f : 1.0f / sum;
      float* o = out + (t * a.n_heads + h) * d;
      for (int64_t i = 0; i < d; ++i) o[i] = acc[i] * inv_sum;
    }
  });
  return 0;
}

}  // namespace edgellm::backends
