#include "backends/common/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

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

// Query heads of one KV head handled by one work item at most: they share each K tile's
// conversion and each V row's dequantization, and their independent sums keep the FMA units busy.
constexpr int64_t kMaxQueriesPerItem = 8;

// Keys per tile of the vectorized F16 q.k (ScoresF16).
constexpr int64_t kKeys = 16;

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
  int64_t i = np;
#if defined(__AVX512F__)
  const __m512 ms16 = _mm512_set1_ps(ms);
  for (; i + 16 <= d; i += 16) {
    const __m512 r = _mm512_mul_ps(_mm512_loadu_ps(acc + i), ms16);
    _mm512_storeu_ps(acc + i, _mm512_cvtph_ps(_mm512_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT)));
  }
#endif
#if defined(__AVX2__) && defined(__F16C__)
  const __m256 ms8 = _mm256_set1_ps(ms);
  for (; i + 8 <= d; i += 8) {
    const __m256 r = _mm256_mul_ps(_mm256_loadu_ps(acc + i), ms8);
    _mm256_storeu_ps(acc + i, _mm256_cvtph_ps(_mm256_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT)));
  }
#endif
  for (; i < d; ++i) acc[i] = RoundToHalf(acc[i] * ms);
}

// acc += v * vs for the fp16 accumulator (ggml_vec_mad_f16; its fp32 tail is compiled with FMA
// contraction, so each element is one fp32 FMA rounded to fp16). Element-wise, so the vector
// width does not change the bits.
void MadHalf(float* acc, const float* v, int64_t d, float vs) {
  const int64_t np = d - d % kHalfBlock;
  const float vs_half = RoundToHalf(vs);
  for (int64_t i = 0; i < np; ++i) acc[i] = HalfFma(v[i], vs_half, acc[i]);
  int64_t i = np;
#if defined(__AVX512F__)
  const __m512 vs16 = _mm512_set1_ps(vs);
  for (; i + 16 <= d; i += 16) {
    const __m512 r = _mm512_fmadd_ps(_mm512_loadu_ps(v + i), vs16, _mm512_loadu_ps(acc + i));
    _mm512_storeu_ps(acc + i, _mm512_cvtph_ps(_mm512_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT)));
  }
#endif
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

#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
// The F16 K cache's q.k for d < 128, where ggml_vec_dot_f16 (see quant_formats/f16/f16.h) is
// all tail: the fp32 products k[i] * q[i] (exact: fp16 times fp16) summed one after another in
// double, then rounded to float. A double FMA of the widened values gives the same bits as that
// addition (the product is exact in double too), so kKeys keys run side by side, one per double
// lane, each in ggml's order, over a tile of keys transposed once and widened to double for all
// the queries of a work item.

// r[i] becomes element i of the rows r[0..7] (an 8 x 8 float transpose).
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

// kt[i * kKeys + j] = key j's element i as a double, for keys j < n_keys (<= kKeys) of the tile;
// the others are zero. k0: key 0's head; key j at k0 + j * k_stride bytes; d % 8 == 0.
void TransposeKeys(const uint8_t* k0, size_t k_stride, int64_t n_keys, int64_t d, double* kt) {
  for (int64_t i0 = 0; i0 < d; i0 += 8) {
    for (int64_t g = 0; g < kKeys / 8; ++g) {
      __m256 r[8];
      for (int64_t j = 0; j < 8; ++j) {
        const int64_t key = 8 * g + j;
        const auto* row = reinterpret_cast<const __m128i*>(k0 + key * k_stride) + i0 / 8;
        r[j] = key < n_keys ? _mm256_cvtph_ps(_mm_loadu_si128(row)) : _mm256_setzero_ps();
      }
      Transpose8x8(r);  // r[i] = element i0 + i of keys 8g .. 8g + 7
      for (int64_t i = 0; i < 8; ++i) {
        double* dst = kt + (i0 + i) * kKeys + 8 * g;
#if defined(__AVX512F__)
        _mm512_storeu_pd(dst, _mm512_cvtps_pd(r[i]));
#else
        _mm256_storeu_pd(dst, _mm256_cvtps_pd(_mm256_castps256_ps128(r[i])));
        _mm256_storeu_pd(dst + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(r[i], 1)));
#endif
      }
    }
  }
}

// Scores of kQ queries side by side (2 * kQ or 4 * kQ independent FMA chains).
template <int kQ>
void ScoresF16Queries(const double* kt, const double* qd, int64_t d, float* scores,
                      int64_t score_stride) {
#if defined(__AVX512F__)
  constexpr int kVecs = kKeys / 8;
  __m512d acc[kQ][kVecs];
  for (auto& a : acc)
    for (auto& v : a) v = _mm512_setzero_pd();
  for (int64_t i = 0; i < d; ++i) {
    for (int q = 0; q < kQ; ++q) {
      const __m512d qi = _mm512_set1_pd(qd[q * d + i]);
      for (int g = 0; g < kVecs; ++g) {
        acc[q][g] = _mm512_fmadd_pd(_mm512_loadu_pd(kt + i * kKeys + 8 * g), qi, acc[q][g]);
      }
    }
  }
  for (int q = 0; q < kQ; ++q) {
    for (int g = 0; g < kVecs; ++g) {
      _mm256_storeu_ps(scores + q * score_stride + 8 * g, _mm512_cvtpd_ps(acc[q][g]));
    }
  }
#else
  constexpr int kVecs = kKeys / 4;
  __m256d acc[kQ][kVecs];
  for (auto& a : acc)
    for (auto& v : a) v = _mm256_setzero_pd();
  for (int64_t i = 0; i < d; ++i) {
    for (int q = 0; q < kQ; ++q) {
      const __m256d qi = _mm256_set1_pd(qd[q * d + i]);
      for (int g = 0; g < kVecs; ++g) {
        acc[q][g] = _mm256_fmadd_pd(_mm256_loadu_pd(kt + i * kKeys + 4 * g), qi, acc[q][g]);
      }
    }
  }
  for (int q = 0; q < kQ; ++q) {
    for (int g = 0; g < kVecs; ++g) {
      _mm_storeu_ps(scores + q * score_stride + 4 * g, _mm256_cvtpd_ps(acc[q][g]));
    }
  }
#endif
}

// scores[q * score_stride + j] = query q's dot product with key j of the tile, for n_q queries
// (qd: n_q rows of d doubles, the queries' fp16 values).
void ScoresF16(const double* kt, const double* qd, int64_t n_q, int64_t d, float* scores,
               int64_t score_stride) {
#if defined(__AVX512F__)
  constexpr int64_t kStep = 4;  // 8 chains: two FMA ports times four cycles of latency
#else
  constexpr int64_t kStep = 2;  // 8 chains of 4 doubles
#endif
  int64_t q = 0;
  for (; q + kStep <= n_q; q += kStep) {
    ScoresF16Queries<kStep>(kt, qd + q * d, d, scores + q * score_stride, score_stride);
  }
  for (; q < n_q; ++q)
    ScoresF16Queries<1>(kt, qd + q * d, d, scores + q * score_stride, score_stride);
}
#endif

// One layer's K or V rows, contiguous or paged (EdgeAttentionV1::block_size): row p at Row(p),
// rows p .. BlockEnd(p) - 1 one row_bytes after another.
struct CacheRows {
  const uint8_t* base;
  size_t row_bytes;
  int64_t block_size;  // 0: contiguous
  const int32_t* block_table;
  size_t block_bytes;

  const uint8_t* Row(int64_t p) const {
    if (block_size == 0) return base + p * row_bytes;
    return base + static_cast<size_t>(block_table[p / block_size]) * block_bytes +
           (p % block_size) * row_bytes;
  }
  int64_t BlockEnd(int64_t p) const {
    return block_size == 0 ? std::numeric_limits<int64_t>::max()
                           : (p / block_size + 1) * block_size;
  }
};

// Query heads per work item: a divisor of the GQA group, as many as kMaxQueriesPerItem allows
// while there are still at least 4 items per thread to balance.
int64_t QueriesPerItem(int64_t group, int64_t n_tokens, int64_t n_kv_heads, int n_threads) {
  int64_t best = 1;
  for (int64_t c = 1; c <= std::min(group, kMaxQueriesPerItem); ++c) {
    if (group % c != 0) continue;
    if (c > 1 && n_tokens * n_kv_heads * (group / c) < 4 * static_cast<int64_t>(n_threads)) break;
    best = c;
  }
  return best;
}

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
    return ctx.Fail(
        absl::StrFormat("%s has no vec_dot kernel: it cannot hold keys", a.k_format->name));
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
  // A key tile (kKeys rows from a multiple of kKeys) stays inside one block.
  if (a.block_size != 0) {
    if (a.block_size < 0 || a.block_size % kKeys != 0) {
      return ctx.Fail(absl::StrFormat("KV cache block size %d is not a positive multiple of %d",
                                      a.block_size, kKeys));
    }
    // Every table a row reads, up to the block of its position.
    const auto check = [&](const int32_t* table, int64_t pos) {
      if (table == nullptr) return ctx.Fail("paged KV cache without a block table");
      for (int64_t b = 0; b <= pos / a.block_size; ++b) {
        if (table[b] < 0) {
          return ctx.Fail(absl::StrFormat("block table entry %d is negative (%d)", b, table[b]));
        }
      }
      return 0;
    };
    if (a.row_block_tables == nullptr) {
      if (check(a.block_table, max_pos) != 0) return 1;
    } else {
      for (int64_t t = 0; t < a.n_tokens; ++t) {
        if (check(a.row_block_tables[t], a.positions[t]) != 0) return 1;
      }
    }
  }

  const int64_t group = a.n_heads / a.n_kv_heads;
  const int64_t n_q = QueriesPerItem(group, a.n_tokens, a.n_kv_heads, ctx.pool.n_threads());
  // Rows of scores padded to whole key tiles.
  const int64_t score_stride = (max_pos + kKeys) / kKeys * kKeys;
  const size_t q_bytes = RowBytes(a.k_vec_dot_format, d);
  const size_t k_head_bytes = RowBytes(a.k_format, d);
  const size_t v_head_bytes = RowBytes(a.v_format, d);
  for (BackendContext::PerThread& s : ctx.per_thread) {
    const auto grow = [](auto& v, size_t n) {
      if (v.size() < n) v.resize(n);
    };
    grow(s.query, n_q * q_bytes);
    grow(s.query_wide, n_q * d);
    grow(s.keys_wide, d * kKeys);
    grow(s.accum, n_q * d);
    grow(s.values, d);
    grow(s.scores, n_q * score_stride);
    grow(s.softmax, 2 * n_q);
  }

  const int64_t items_per_token = a.n_heads / n_q;
  ctx.pool.ParallelFor(
      a.n_tokens * items_per_token, 1, [&](int64_t begin, int64_t end, int thread) {
        BackendContext::PerThread& s = ctx.per_thread[thread];
        float* v = s.values.data();
        for (int64_t item = begin; item < end; ++item) {
          // Last tokens first: they attend to the most cache rows, so claiming them early keeps the
          // threads' shares even.
          const int64_t t = a.n_tokens - 1 - item / items_per_token;
          const int64_t h0 = item % items_per_token * n_q;  // query heads h0 .. h0 + n_q - 1
          const int64_t kvh = h0 / group;
          const int64_t n_pos = a.positions[t] + 1;
          const int32_t* table =
              a.row_block_tables != nullptr ? a.row_block_tables[t] : a.block_table;
          const CacheRows k_rows{static_cast<const uint8_t*>(a.k_cache), a.k_row_bytes,
                                 a.block_size, table, a.k_block_bytes};
          const CacheRows v_rows{static_cast<const uint8_t*>(a.v_cache), a.v_row_bytes,
                                 a.block_size, table, a.v_block_bytes};
          const size_t k_head = kvh * k_head_bytes;  // the KV head's offset in a row
          for (int64_t j = 0; j < n_q; ++j) {
            quantize_q(q + (t * a.n_heads + h0 + j) * d, s.query.data() + j * q_bytes, d);
          }
          // q.k of every cache row first (independent dot products), then the online softmax.
          int64_t p = 0;
#if defined(__AVX2__) && defined(__F16C__) && defined(__FMA__)
          if (k_half_tail) {
            for (int64_t j = 0; j < n_q; ++j) {
              q_to_float(s.query.data() + j * q_bytes, v, d);
              std::copy(v, v + d, s.query_wide.data() + j * d);
            }
            // A partial last tile puts zero keys' scores into the padding of score_stride.
            for (; p < n_pos; p += kKeys) {
              TransposeKeys(k_rows.Row(p) + k_head, a.k_row_bytes, std::min(kKeys, n_pos - p), d,
                            s.keys_wide.data());
              ScoresF16(s.keys_wide.data(), s.query_wide.data(), n_q, d, s.scores.data() + p,
                        score_stride);
            }
          }
#endif
          for (int64_t j = 0; j < n_q; ++j) {
            float* scores = s.scores.data() + j * score_stride;
            const uint8_t* qj = s.query.data() + j * q_bytes;
            for (int64_t r = p; r < n_pos;) {
              const int64_t end = std::min(n_pos, k_rows.BlockEnd(r));
              const uint8_t* row = k_rows.Row(r) + k_head;
              for (; r < end; ++r, row += a.k_row_bytes) kdot(d, &scores[r], row, qj);
            }
          }

          // Online softmax over the cache rows in order (Milakov & Gimelshein 2018), exactly as
          // ggml_compute_forward_flash_attn_ext_f16_one_chunk, for each query: a new maximum
          // rescales the running sum and the accumulator; the accumulator is fp16 for an F16 V
          // cache (each update rounded to fp16), fp32 otherwise. Bit-compatible with llama.cpp's
          // CPU flash attention. Each V row is dequantized once for the item's queries.
          float* max_score = s.softmax.data();
          float* sum = max_score + n_q;
          std::fill(s.accum.data(), s.accum.data() + n_q * d, 0.0f);
          std::fill(max_score, max_score + n_q, -INFINITY);
          std::fill(sum, sum + n_q, 0.0f);
          const uint8_t* v_row = nullptr;
          int64_t v_block_end = 0;
          for (p = 0; p < n_pos; ++p) {
            if (p == v_block_end) {
              v_row = v_rows.Row(p) + kvh * v_head_bytes;
              v_block_end = v_rows.BlockEnd(p);
            } else {
              v_row += a.v_row_bytes;
            }
            v_to_float(v_row, v, d);
            for (int64_t j = 0; j < n_q; ++j) {
              float* acc = s.accum.data() + j * d;
              const float score = s.scores[j * score_stride + p] * a.scale;
              float ms = 1.0f;  // rescales what was accumulated when the maximum grows
              float vs = 1.0f;  // weight of this row: exp(score - max)
              if (score > max_score[j]) {
                ms = std::exp(max_score[j] - score);
                max_score[j] = score;
                if (v_half) {
                  ScaleHalf(acc, d, ms);
                } else {
                  for (int64_t i = 0; i < d; ++i) acc[i] *= ms;
                }
              } else {
                vs = std::exp(score - max_score[j]);
              }
              if (v_half) {
                MadHalf(acc, v, d, vs);
              } else {
                for (int64_t i = 0; i < d; ++i) acc[i] = std::fma(v[i], vs, acc[i]);
              }
              sum[j] = std::fma(sum[j], ms, vs);
            }
          }
          for (int64_t j = 0; j < n_q; ++j) {
            const float inv_sum = sum[j] == 0.0f ? 0.0f : 1.0f / sum[j];
            const float* acc = s.accum.data() + j * d;
            float* o = out + (t * a.n_heads + h0 + j) * d;
            for (int64_t i = 0; i < d; ++i) o[i] = acc[i] * inv_sum;
          }
        }
      });
  return 0;
}

}  // namespace edgellm::backends
