#include "backends/common/row_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) && defined(__FMA__)
// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized on their own placeholders (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace edgellm::backends {

void RmsNorm(ThreadPool& pool, const float* x, const float* weight, float eps, int64_t n,
             int64_t n_rows, float* y) {
  pool.ParallelFor(n_rows, 1, [&](int64_t begin, int64_t end, int) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * n;
      float* yr = y + r * n;
      double sum = 0.0;
      // Squares rounded to float, summed in double (ggml_float), as ggml_compute_forward_rms_norm.
      for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i] * xr[i]);
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
          // ggml's rotation compiles to FMAs (GCC contracts x0 * c - x1 * s to
          // fma(x0, c, -(x1 * s)) and x0 * s + x1 * c to fma(x0, s, x1 * c)).
          v[a] = std::fma(x0, c, -(x1 * s));
          v[b] = std::fma(x0, s, x1 * c);
        }
      }
    }
  });
}

namespace {

// ggml_v_expf as ggml's AVX-512 build computes it (an Arm optimized-routines polynomial, max error
// about 1.5 ulp): n = round(x / ln 2), b = x - n ln 2 in two parts, a degree-5 polynomial j, then
// j * 2^n rounded once (vscalefps, also for subnormal results); |n| > 192 gives 0 or inf. The same
// operations, FMAs included, give the same bits on every ISA.
inline float GgmlExpf(float x) {
  const float r = 0x1.8p23f;  // adding it rounds to an integer
  const float z = std::fma(x, 0x1.715476p+0f, r);
  const float n = z - r;
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const float u = b * b;
  const float j = std::fma(std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                                    std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                           u, std::fma(0x1.ffffecp-1f, b, 1.0f));
  if (std::fabs(n) > 192.0f) return n <= 0.0f ? 0.0f : INFINITY;
  if (std::isnan(n)) return n;
  const int e = static_cast<int>(n);
  if (e < -126 || e > 127) return std::ldexp(j, e);
  // 2^e is a normal float: the product rounds once, as vscalefps does.
  const uint32_t bits = static_cast<uint32_t>(e + 127) << 23;
  float pow2;
  std::memcpy(&pow2, &bits, sizeof pow2);
  return j * pow2;
}

// gate * up with ggml's silu: x / (1 + e^(0 - x)).
inline float SiluMulOne(float g, float u) { return g / (1.0f + GgmlExpf(0.0f - g)) * u; }

#if defined(__AVX512F__)
// 16 lanes of SiluMulOne with ggml's own AVX-512 instructions (ggml_v_silu, ggml_v_expf).
inline __m512 SiluMul16(__m512 x, __m512 g) {
  const __m512 v = _mm512_sub_ps(_mm512_setzero_ps(), x);
  const __m512 r = _mm512_set1_ps(0x1.8p23f);
  const __m512 z = _mm512_fmadd_ps(v, _mm512_set1_ps(0x1.715476p+0f), r);
  const __m512 n = _mm512_sub_ps(z, r);
  const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f),
                                    _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), v));
  const __mmask16 big = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
  const __m512 u = _mm512_mul_ps(b, b);
  const __m512 j = _mm512_fmadd_ps(
      _mm512_fmadd_ps(
          _mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
          _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
      u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
  __m512 e = _mm512_scalef_ps(j, n);
  if (big != 0) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, zero, _CMP_LE_OQ),
                                            _mm512_set1_ps(INFINITY), zero);
    e = _mm512_mask_blend_ps(big, e, alt);
  }
  return _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e)), g);
}
#endif

// Elements per vector in ggml's AVX-512 ggml_vec_swiglu_f32; the rest of a row uses expf.
constexpr int64_t kSwigluLanes = 16;

}  // namespace

void SiluMul(ThreadPool& pool, float* gate, const float* up, int64_t n) {
  const int64_t n_vec = n - n % kSwigluLanes;
  // Chunk starts are multiples of 256, so of 16: every chunk sees the same vector groups.
  pool.ParallelFor(n, 256, [&](int64_t begin, int64_t end, int) {
    int64_t i = begin;
    const int64_t vec_end = std::min(end, n_vec);
#if defined(__AVX512F__)
    for (; i + kSwigluLanes <= vec_end; i += kSwigluLanes) {
      _mm512_storeu_ps(gate + i, SiluMul16(_mm512_loadu_ps(gate + i), _mm512_loadu_ps(up + i)));
    }
#endif
    for (; i < vec_end; ++i) gate[i] = SiluMulOne(gate[i], up[i]);
    for (; i < end; ++i) {
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

void Hadamard(ThreadPool& pool, float* x, int64_t n_rows, int64_t n) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(n));
  pool.ParallelFor(n_rows, std::max<int64_t>(1, 4096 / n), [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; ++r) {
      float* row = x + r * n;
      for (int64_t j = 0; j < n; ++j) row[j] *= scale;
      for (int64_t len = 1; len < n; len <<= 1) {
        for (int64_t i = 0; i < n; i += 2 * len) {
          for (int64_t j = i; j < i + len; ++j) {
            const float u = row[j], v = row[j + len];
            row[j] = u + v;
            row[j + len] = u - v;
          }
        }
      }
    }
  });
}

}  // namespace edgellm::backends
