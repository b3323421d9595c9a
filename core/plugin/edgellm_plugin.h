/* edgellm plugin ABI, version 1.2.
 *
 * The one boundary between the core and everything that computes. It is plain C so that a
 * third-party plugin can be built with another compiler against this header alone.
 *
 * A plugin is a shared library exporting
 *     const EdgePluginV1* edgellm_plugin_v1(void);
 * The host reads `abi_version` first: major version in the low 16 bits, minor in the high 16
 * (a v1.0 plugin wrote 1, which reads as 1.0). It refuses another major version, or a minor
 * version newer than its own; the rest of the struct is read only after that check.
 *
 * How the ABI grows (the promise to plugins built against an older header of this major version):
 *   - new fields go at the END of a struct and are marked "since 1.N"; the host reads a field
 *     only when the plugin's minor version is at least N, so a v1.0 plugin keeps loading and
 *     computing the same bits. Nothing is removed, reordered or changes meaning in major 1.
 *   - EdgeQuantKernelsV1 is an array element, so it never grows; what a kernel entry declares
 *     beyond it goes in the parallel EdgeQuantKernelCapsV1 table, read with its explicit stride.
 *   - descriptors the host passes back to a backend (EdgeMatrixV1::format, ...) are the host's
 *     own copies with every field of the host's version filled in (absent ones zero), so a
 *     backend may read every field of the header it was built with.
 *   - optional functions that do not belong in a table are found by name through
 *     EdgePluginV1::get_proc_address (since 1.1).
 *   - a request an older backend cannot read is turned into one it can: it never gets a paged
 *     attention (since 1.2; the host gathers the rows into a contiguous copy), and without
 *     matmul_vec_dot the host calls matmul once per row; without hadamard a quantized KV cache
 *     (which rotates Q, K and V) is refused for it.
 *
 * Conventions for every function pointer below:
 *   - n counts elements (not bytes); for a quantized row n is a multiple of the format's block_size.
 *   - rows are contiguous; "row-major [a][b]" means b varies fastest.
 *   - floats are IEEE binary32; fp16/bf16 are stored as uint16_t bit patterns.
 *   - no function allocates on the per-token path unless it says so.
 */
#ifndef EDGELLM_CORE_PLUGIN_EDGELLM_PLUGIN_H_
#define EDGELLM_CORE_PLUGIN_EDGELLM_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#include "core/plugin/ggml_types.h" /* EDGE_GGML_TYPE_*: the type ids below */

#ifdef __cplusplus
extern "C" {
#endif

#define EDGELLM_PLUGIN_ABI_MAJOR 1u
#define EDGELLM_PLUGIN_ABI_MINOR 2u
#define EDGELLM_PLUGIN_ABI_VERSION ((EDGELLM_PLUGIN_ABI_MINOR << 16) | EDGELLM_PLUGIN_ABI_MAJOR)
#define EDGELLM_PLUGIN_ENTRY_SYMBOL "edgellm_plugin_v1"

/* Plugin kinds. */
typedef enum EdgePluginKind {
  EDGE_PLUGIN_BACKEND = 1,
  EDGE_PLUGIN_QUANT_FORMAT = 2,
} EdgePluginKind;

/* CPU features, as a bit mask. A feature is reported only when the CPU has it AND the OS has
 * enabled its register state (XCR0 via xgetbv on x86; AMX also needs arch_prctl permission). */
#define EDGE_CPU_SSE3         (1ull << 0)
#define EDGE_CPU_SSSE3        (1ull << 1)
#define EDGE_CPU_AVX          (1ull << 2)
#define EDGE_CPU_AVX2         (1ull << 3)
#define EDGE_CPU_FMA          (1ull << 4)
#define EDGE_CPU_F16C         (1ull << 5)
#define EDGE_CPU_AVX512F      (1ull << 6)
#define EDGE_CPU_AVX512BW     (1ull << 7)
#define EDGE_CPU_AVX512VL     (1ull << 8)
#define EDGE_CPU_AVX512DQ     (1ull << 9)
#define EDGE_CPU_AVX512VNNI   (1ull << 10)
#define EDGE_CPU_AVX512BF16   (1ull << 11)
#define EDGE_CPU_AVXVNNI      (1ull << 12)
#define EDGE_CPU_AMX_TILE     (1ull << 13)
#define EDGE_CPU_AMX_INT8     (1ull << 14)
#define EDGE_CPU_AMX_BF16     (1ull << 15)
#define EDGE_CPU_NEON         (1ull << 32)
#define EDGE_CPU_DOTPROD      (1ull << 33)
#define EDGE_CPU_FP16         (1ull << 34) /* ARMv8.2 half-precision arithmetic (asimdhp) */
#define EDGE_CPU_I8MM         (1ull << 35)
#define EDGE_CPU_SVE          (1ull << 36)

/* Instruction-set families a kernel or backend targets. A backend matches a format's kernel
 * entries by this value. A third-party ISA takes a value from EDGE_ISA_USER_FIRST up and names
 * itself through EdgeBackendV1::isa_name; formats that ship kernels for it use the same value. */
typedef enum EdgeIsa {
  EDGE_ISA_SCALAR = 0,
  EDGE_ISA_AVX2 = 1,
  EDGE_ISA_AVX512 = 2,
  EDGE_ISA_NEON = 3,
  EDGE_ISA_USER_FIRST = 256,
} EdgeIsa;

/* ---------------------------------------------------------------------------------------------
 * Quant formats: one GGUF tensor type each (ggml's type ids and block layouts).
 * ------------------------------------------------------------------------------------------- */

/* Dequantize n elements from `x` (n / block_size blocks) into n floats at `y`. */
typedef void (*EdgeToFloatFn)(const void* x, float* y, int64_t n);

/* Quantize n floats from `x` into n / block_size blocks at `y`. */
typedef void (*EdgeFromFloatFn)(const float* x, void* y, int64_t n);

/* *s = dot(x, y): x is one row of n elements in this format (the weights), y one row of n
 * elements in the format's vec_dot_type (the quantized activations). Integer products are summed
 * per block and scaled once per block, as ggml's ggml_vec_dot_<type>_<vec_dot_type> does. */
typedef void (*EdgeVecDotFn)(int64_t n, float* s, const void* x, const void* y);

/* Batched dot for prefill: for i < nx, j < ny,
 *     s[j * s_stride + i] = dot(x + i * x_stride, y + j * y_stride)
 * strides in bytes for x and y, in floats for s. Lets a kernel reuse each loaded weight block
 * across several activation rows. Results are the numbers ggml computes for a matmul of 2+
 * activation rows: its GEMM's (tinyBLAS for f32/f16/bf16, which sums in another order than
 * `vec_dot`), or, for types whose GEMM sums as `vec_dot` does or that have none (q8_0, q4_0,
 * the k-quants), `vec_dot`'s bit for bit. A pair's result must not depend on nx, ny or where the
 * pair sits in the tile. Hosts use it for every tile of a 2+ row matmul. */
typedef void (*EdgeVecDotBatchFn)(int64_t n, int64_t nx, int64_t ny, float* s, size_t s_stride,
                                  const void* x, size_t x_stride, const void* y, size_t y_stride);

/* One ISA's kernels. Any pointer may be NULL: the caller then uses the format's scalar kernel
 * (vec_dot), `from_float_ref` (from_float) or `to_float` (to_float). An entry with
 * vec_dot_batch must have vec_dot. Frozen for major 1 (it is an array element): new per-entry
 * declarations go in EdgeQuantKernelCapsV1. */
typedef struct EdgeQuantKernelsV1 {
  EdgeIsa isa;
  uint64_t required_cpu_features; /* every bit must be present to run these kernels */
  EdgeVecDotFn vec_dot;
  EdgeVecDotBatchFn vec_dot_batch;
  /* Activation quantizer for when this format is a vec_dot_type: bit-exact with ggml's CPU
   * quantize_row_<type> on the same ISA. */
  EdgeFromFloatFn from_float;
  EdgeToFloatFn to_float;
} EdgeQuantKernelsV1;

/* Kernel flags (EdgeQuantKernelCapsV1::flags). */
/* vec_dot_batch gives, for every pair, the same bits as vec_dot (true of the integer GEMMs of
 * the block formats, not of f32/f16/bf16's tinyBLAS order): the host may then use it for any
 * matmul, whatever its row count, and for one activation row. */
#define EDGE_KERNEL_BATCH_MATCHES_VEC_DOT (1u << 0)

/* What kernel entry i declares beyond its functions (since 1.1). Grows at the end; the plugin
 * says how long its entries are through EdgeQuantFormatV1::kernel_caps_stride. */
typedef struct EdgeQuantKernelCapsV1 {
  uint32_t flags;  /* EDGE_KERNEL_* bits; unknown bits are ignored */
} EdgeQuantKernelCapsV1;

typedef struct EdgeQuantFormatV1 {
  uint32_t type_id;        /* GGUF / ggml type id, e.g. EDGE_GGML_TYPE_Q4_K (12) */
  const char* name;        /* ggml's spelling, e.g. "q4_K" */
  int64_t block_size;      /* weights per block (1 for f32/f16/bf16) */
  size_t type_size;        /* bytes per block */
  uint32_t vec_dot_type;   /* type id the activations are quantized to for vec_dot */
  EdgeToFloatFn to_float;            /* required: bit-exact with ggml's dequantize_row_<type> */
  EdgeFromFloatFn from_float_ref;    /* required: bit-exact with ggml's quantize_row_<type>_ref */
  /* Kernels per ISA, best first; the first entry whose isa matches a backend and whose features
   * the CPU has is used. The EDGE_ISA_SCALAR entry must exist when vec_dot is supported at all
   * (the host refuses the plugin otherwise): every backend falls back to it. */
  const EdgeQuantKernelsV1* kernels;
  size_t n_kernels;
  /* since 1.1: NULL (nothing declared), or n_kernels entries parallel to `kernels`, each
   * kernel_caps_stride bytes long (sizeof(EdgeQuantKernelCapsV1) of the plugin's header; at
   * least 4). */
  const EdgeQuantKernelCapsV1* kernel_caps;
  size_t kernel_caps_stride;
} EdgeQuantFormatV1;

/* ---------------------------------------------------------------------------------------------
 * Backends: the ops the model graph needs, each backend with its own thread pool.
 * ------------------------------------------------------------------------------------------- */

/* A weight matrix as stored in a GGUF file: n_rows rows of n_cols elements (GGUF ne[0] = n_cols,
 * ne[1] = n_rows), each row `row_bytes` long. The host resolves both formats. */
typedef struct EdgeMatrixV1 {
  const EdgeQuantFormatV1* format;
  const EdgeQuantFormatV1* vec_dot_format; /* format of the activations; never NULL */
  const void* data;
  int64_t n_cols;
  int64_t n_rows;
  size_t row_bytes;
} EdgeMatrixV1;

typedef enum EdgeRopeMode {
  EDGE_ROPE_NORMAL = 0, /* rotate adjacent pairs (x[2i], x[2i+1]): llama */
  EDGE_ROPE_NEOX = 2,   /* rotate halves (x[i], x[i + n_rot/2]): qwen2; ggml's mode 2 */
} EdgeRopeMode;

typedef struct EdgeRopeParamsV1 {
  EdgeRopeMode mode;
  int32_t n_rot;      /* dimensions rotated, <= head_dim, even */
  float freq_base;    /* theta_i = pos * freq_scale * freq_base^(-2i/n_rot) */
  float freq_scale;
} EdgeRopeParamsV1;

/* Attention over a KV cache of one layer. Cache rows are indexed by position, contiguous or in
 * blocks (since 1.2); each row holds n_kv_heads * head_dim elements in the given format (f32,
 * f16, q8_0, ...). */
typedef struct EdgeAttentionV1 {
  int64_t n_tokens;     /* query rows */
  int64_t n_heads;
  int64_t n_kv_heads;   /* n_heads % n_kv_heads == 0 (GQA) */
  int64_t head_dim;
  const int32_t* positions; /* [n_tokens]: query t attends to cache rows 0..positions[t] */
  float scale;              /* usually 1/sqrt(head_dim) */
  const EdgeQuantFormatV1* k_format;
  const EdgeQuantFormatV1* k_vec_dot_format; /* queries are quantized to this for q.k */
  const void* k_cache;
  size_t k_row_bytes;
  const EdgeQuantFormatV1* v_format;
  const void* v_cache;
  size_t v_row_bytes;
  /* since 1.2: a paged cache. block_size > 0: cache rows are grouped in blocks of block_size
   * positions (a multiple of 16); row p of K is at
   *   k_cache + block_table[p / block_size] * k_block_bytes + (p % block_size) * k_row_bytes
   * and V likewise with v_cache and v_block_bytes. block_size 0: row p at
   * k_cache + p * k_row_bytes. */
  int64_t block_size;
  const int32_t* block_table;  /* one block index per block_size positions up to max(positions) */
  size_t k_block_bytes;
  size_t v_block_bytes;
  /* since 1.2, paged caches only: NULL, or n_tokens block tables, query row t reading its own
   * sequence's rows through row_block_tables[t] (block_table unused): the rows of several
   * sequences in one call. */
  const int32_t* const* row_block_tables;
} EdgeAttentionV1;

typedef struct EdgeBackendOptionsV1 {
  int32_t n_threads;      /* <= 0: one per available core */
  uint64_t cpu_features;  /* EDGE_CPU_* detected by the host; pick kernels with these */
} EdgeBackendOptionsV1;

/* Default-backend scores of v1.0 backends, which cannot declare one (by their EdgeIsa). */
#define EDGE_BACKEND_SCORE_SCALAR 100
#define EDGE_BACKEND_SCORE_NEON 200
#define EDGE_BACKEND_SCORE_AVX2 200
#define EDGE_BACKEND_SCORE_AVX512 300

typedef struct EdgeBackendV1 {
  EdgeIsa isa;
  /* Returns a context, or NULL with a message in err (NUL-terminated, at most err_len bytes). */
  void* (*create)(const EdgeBackendOptionsV1* options, char* err, size_t err_len);
  void (*destroy)(void* ctx);
  int32_t (*n_threads)(void* ctx);

  /* y[t][r] = dot(w row r, x[t]) for t < n_tokens, r < w->n_rows. x: row-major
   * [n_tokens][w->n_cols] floats, quantized internally to w->vec_dot_format. y: row-major
   * [n_tokens][w->n_rows]. Returns 0, or non-zero when the format has no usable kernel (why:
   * last_error). */
  int (*matmul)(void* ctx, const EdgeMatrixV1* w, const float* x, int64_t n_tokens, float* y);

  /* y[t] = x[t] / sqrt(mean(x[t]^2) + eps) * weight, rows of n floats (RMSNorm, Zhang & Sennrich
   * 2019). weight may be NULL (no scaling). x and y may alias. */
  void (*rms_norm)(void* ctx, const float* x, const float* weight, float eps, int64_t n,
                   int64_t n_rows, float* y);

  /* In place on x: row-major [n_tokens][n_heads][head_dim], token t at positions[t]
   * (RoPE, Su et al. 2021; layouts as ggml_rope_ext). */
  void (*rope)(void* ctx, float* x, int64_t n_tokens, int64_t n_heads, int64_t head_dim,
               const int32_t* positions, const EdgeRopeParamsV1* params);

  /* out: row-major [n_tokens][n_heads * head_dim]; q: same layout. Causal softmax(q.k * scale).v.
   * Returns 0, or non-zero when a cache format has no usable kernel (why: last_error). */
  int (*attention)(void* ctx, const EdgeAttentionV1* a, const float* q, float* out);

  /* gate[i] = silu(gate[i]) * up[i] for i < n (SwiGLU, Shazeer 2020). */
  void (*silu_mul)(void* ctx, float* gate, const float* up, int64_t n);

  /* y[r][i] += x[r][i] for r < n_rows, i < n; with broadcast_x, x is one row added to every row. */
  void (*add)(void* ctx, float* y, const float* x, int64_t n, int64_t n_rows, int broadcast_x);

  /* since 1.1 ------------------------------------------------------------------------------ */
  /* Preference when the user names no backend: the host picks the highest-scoring backend this
   * CPU runs (ties: the first by name). In-tree: scalar 100, neon/avx2 200, avx512 300. */
  int32_t score;
  /* The ISA's name, for ISAs from EDGE_ISA_USER_FIRST up ("rvv"); NULL: the EdgeIsa's own. */
  const char* isa_name;
  /* Required. Why the last op of this context returned non-zero: NUL-terminated, valid until
   * the next op on ctx. */
  const char* (*last_error)(void* ctx);
  /* Optional (NULL: the host quantizes with the format's from_float_ref on its own thread).
   * Stores n_rows rows of n floats from x (row-major [n_rows][n]) into a KV cache of `format`:
   * row r at dst + r * dst_row_bytes, quantized as ggml's CPU from_float for the ISA does
   * (ggml_cpy / set_rows into the cache). Returns 0, or non-zero (why: last_error). */
  int (*kv_write)(void* ctx, const EdgeQuantFormatV1* format, const float* x, int64_t n_rows,
                  int64_t n, void* dst, size_t dst_row_bytes);

  /* since 1.2 ------------------------------------------------------------------------------ */
  /* Optional (NULL: the host calls matmul once per row). As matmul, but every row's results are
   * the bits `vec_dot` gives for that row alone (a one-token matmul's), whatever n_tokens: the
   * decode rows of several sequences share one pass over the weights and keep the numbers each
   * would get alone. */
  int (*matmul_vec_dot)(void* ctx, const EdgeMatrixV1* w, const float* x, int64_t n_tokens,
                        float* y);
  /* Optional (NULL: the host cannot use a quantized KV cache with rotation on this backend).
   * In place on n_rows rows of n floats (n a power of 2): x = H x / sqrt(n), H the n x n
   * Walsh-Hadamard matrix in Sylvester's order, as ggml's fwht does it: each value scaled by
   * 1/sqrt(n) first, then butterflies (u + v, u - v) over spans 1, 2, 4, ... n/2. The rotation
   * llama.cpp applies to Q and K (and V, then the attention output) for a quantized KV cache. */
  void (*hadamard)(void* ctx, float* x, int64_t n_rows, int64_t n);
} EdgeBackendV1;

/* ---------------------------------------------------------------------------------------------
 * The entry point.
 * ------------------------------------------------------------------------------------------- */

typedef struct EdgePluginV1 {
  uint32_t abi_version;            /* EDGELLM_PLUGIN_ABI_VERSION; always the first field */
  EdgePluginKind kind;
  const char* name;                /* unique per kind: "avx2", "q4_K" */
  const char* version;             /* the plugin's own version string */
  uint64_t required_cpu_features;  /* the host refuses the plugin when the CPU lacks any */
  const EdgeBackendV1* backend;            /* kind == EDGE_PLUGIN_BACKEND */
  const EdgeQuantFormatV1* quant_format;   /* kind == EDGE_PLUGIN_QUANT_FORMAT */
  /* since 1.1: optional functions by name (NULL for a name the plugin does not know), e.g. a
   * capability a later minor version defines without growing a table. NULL: none. */
  const void* (*get_proc_address)(const char* name);
} EdgePluginV1;

typedef const EdgePluginV1* (*EdgePluginEntryV1)(void);

/* Marks the entry point exported when plugins are built with -fvisibility=hidden:
 *     EDGELLM_PLUGIN_EXPORT const EdgePluginV1* edgellm_plugin_v1(void) { ... } */
#ifdef __cplusplus
#define EDGELLM_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
#else
#define EDGELLM_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EDGELLM_CORE_PLUGIN_EDGELLM_PLUGIN_H_ */
