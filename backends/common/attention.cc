#include "backends/common/attention.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "absl/strings/str_format.h"
#include "backends/common/kernel_selection.h"

namespace edgellm::backends {
namespace {

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
  int64_t i = np;
#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
  const __m256 vs8 = _mm256_set1_ps(vs);
  for (; i + 8 <= d; i += 8) {
    const __m256 r = _mm256_fmadd_ps(_mm256_loadu_ps(v + i), vs8, _mm256_loadu_ps(acc + i));
    _mm256_storeu_ps(acc + i, _mm256_cvtph_ps(_mm256_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT)));
  }
#elif defined(__aarch64__)
  const float32x4_t vs4 = vdupq_n_f32(vs);
  for (; i + 4 <= d; i += 4) {
    const float32x4_t r = vfmaq_f32(vld1q_f32(acc + i), vld1q_f32(v + i), vs4);
    vst1q_f32(acc + i, vcvt_f32_f16(vcvt_f16_f32(r)));  // round to nearest even (FPCR default)
  }
#endif
  for (; i < d; ++i) acc[i] = RoundToHalf(std::fma(v[i], vs, acc[i]));
}

// The F16 K cache's q.k for d < 128, where ggml_vec_dot_f16 (see quant_formats/f16/f16.h) is
// all tail: the exact fp32 products summed one after another in double, then rounded to float.
// The additions of one dot product are sequential, so this runs kKeys dot products side by side,
// one per double lane, each in ggml's order: the 8 x 8 tiles of products are transposed so that
// lane j holds key j. k0: key row 0's head; key j at k0 + j * k_stride bytes; q: the query's
// fp16 values as floats; d % 8 == 0.
#if defined(__AVX2__) && defined(__F16C__)
constexpr int64_t kKeys = 16;

inline void Transpose8x8(__m256* r) {
  __m256 t[8], u[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 2; ++k) {
    u[4 * k] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  for (int k = 0; k < 4; ++k) {
    r[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
    r[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
  }
}

void ScoresF16(const uint8_t* k0, size_t k_stride, const float* q, int64_t d, float* scores) {
#if defined(__AVX512F__)
  __m512d acc[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};  // keys 8g .. 8g + 7
#else
  __m256d acc[2][2];  // keys 8g + 4h .. 8g + 4h + 3
  for (auto& g : acc) g[0] = g[1] = _mm256_setzero_pd();
#endif
  for (int64_t i0 = 0; i0 < d; i0 += 8) {
    const __m256 q8 = _mm256_loadu_ps(q + i0);
    __m256 prod[2][8];
    for (int g = 0; g < 2; ++g) {
      for (int j = 0; j < 8; ++j) {
        const auto* row = reinterpret_cast<const __m128i*>(k0 + (8 * g + j) * k_stride) + i0 / 8;
        prod[g][j] = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128(row)), q8);  // exact
      }
      Transpose8x8(prod[g]);
    }
    for (int i = 0; i < 8; ++i) {
      for (int g = 0; g < 2; ++g) {
#if defined(__AVX512F__)
        acc[g] = _mm512_add_pd(acc[g], _mm512_cvtps_pd(prod[g][i]));
#else
        acc[g][0] = _mm256_add_pd(acc[g][0], _mm256_cvtps_pd(_mm256_castps256_ps128(prod[g][i])));
        acc[g][1] = _mm256_add_pd(acc[g][1], _mm256_cvtps_pd(_mm256_extractf128_ps(prod[g][i], 1)));
#endif
      }
    }
  }
  for (int g = 0; g < 2; ++g) {
#if defined(__AVX512F__)
    _mm256_storeu_ps(scores + 8 * g, _mm512_cvtpd_ps(acc[g]));
#else
    _mm_storeu_ps(scores + 8 * g, _mm256_cvtpd_ps(acc[g][0]));
    _mm_storeu_ps(scores + 8 * g + 4, _mm256_cvtpd_ps(acc[g][1]));
#endif
  }
}
#endif

}  // namespace

int Attention(BackendContext& ctx, const EdgeAttentionV1& a, const float* q, float* out) {
  const int64_t d = a.head_dim;
  for (const EdgeQuantFormatV1* f : {a.k_format, a.v_format, a.k_vec_dot_format}) {
    if (d % f->block_size != 0) {
      return ctx.Fail(absl::StrFormat("head size %d is not a multiple of %s's block size %d", d,
                                      f->name, f->block_size));
    }
  }
  const EdgeVecDotFn kdot = ctx.kernels.Get(a.k_format).vec_dot;
  if (kdot == nullptr) {
    return ctx.Fail(absl::StrFormat("%s has no vec_dot kernel: it cannot hold keys",
                                    a.k_format->name));
  }
  const FormatKernels& kq = ctx.kernels.Get(a.k_vec_dot_format);
  const EdgeFromFloatFn quantize_q = kq.from_float;
  [[maybe_unused]] const EdgeToFloatFn q_to_float = kq.to_float;
  const EdgeToFloatFn v_to_float = ctx.kernels.Get(a.v_format).to_float;
  const bool v_half = a.v_format->type_id == EDGE_GGML_TYPE_F16;
  // The vectorized F16 q.k (ScoresF16) where it applies.
  [[maybe_unused]] const bool k_half_tail = a.k_format->type_id == EDGE_GGML_TYPE_F16 &&
                                            a.k_vec_dot_format->type_id == EDGE_GGML_TYPE_F16 &&
                                            d < kHalfBlock && d % 8 == 0;

  int64_t max_pos = 0;
  for (int64_t t = 0; t < a.n_tokens; ++t) max_pos = std::max<int64_t>(max_pos, a.positions[t]);
  const size_t q_bytes = RowBytes(a.k_vec_dot_format, d);
  const size_t k_head_bytes = RowBytes(a.k_format, d);
  const size_t v_head_bytes = RowBytes(a.v_format, d);
  for (BackendContext::PerThread& s : ctx.per_thread) {
    if (s.query.size() < q_bytes) s.query.resize(q_bytes);
    if (s.accum.size() < static_cast<size_t>(d)) s.accum.resize(d);
    if (s.values.size() < static_cast<size_t>(d)) s.values.resize(d);
    if (s.scores.size() < static_cast<size_t>(max_pos + 1)) s.scores.resize(max_pos + 1);
  }

  const int64_t group = a.n_heads / a.n_kv_heads;
  const auto* k_cache = static_cast<const uint8_t*>(a.k_cache);
  const auto* v_cache = static_cast<const uint8_t*>(a.v_cache);
  ctx.pool.ParallelFor(a.n_tokens * a.n_heads, 1, [&](int64_t begin, int64_t end, int thread) {
    BackendContext::PerThread& s = ctx.per_thread[thread];
    float* acc = s.accum.data();
    float* v = s.values.data();
    float* scores = s.scores.data();
    for (int64_t item = begin; item < end; ++item) {
      // Last tokens first: they attend to the most cache rows, so claiming them early keeps the
      // threads' shares even.
      const int64_t t = a.n_tokens - 1 - item / a.n_heads;
      const int64_t h = item % a.n_heads;
      const int64_t kvh = h / group;
      const int64_t n_pos = a.positions[t] + 1;
      quantize_q(q + (t * a.n_heads + h) * d, s.query.data(), d);
      const uint8_t* k_head = k_cache + kvh * k_head_bytes;
      // q.k of every cache row first (independent dot products), then the online softmax.
      int64_t p = 0;
#if defined(__AVX2__) && defined(__F16C__)
      if (k_half_tail) {
        q_to_float(s.query.data(), v, d);
        for (; p + kKeys <= n_pos; p += kKeys) {
          ScoresF16(k_head + p * a.k_row_bytes, a.k_row_bytes, v, d, scores + p);
        }
      }
#endif
      for (; p < n_pos; ++p) kdot(d, &scores[p], k_head + p * a.k_row_bytes, s.query.data());

      // Online softmax over the cache rows in order (Milakov & Gimelshein 2018), exactly as
      // ggml_compute_forward_flash_attn_ext_f16_one_chunk: a new maximum rescales the running
      // sum and the accumulator; the accumulator is fp16 for an F16 V cache (each update
      // rounded to fp16), fp32 otherwise. Bit-compatible with llama.cpp's CPU flash attention.
      std::fill(acc, acc + d, 0.0f);
      float max_score = -INFINITY;
      float sum = 0.0f;
      for (p = 0; p < n_pos; ++p) {
        const float score = scores[p] * a.scale;
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
