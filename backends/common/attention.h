// Causal multi-head attention (with GQA) over a KV cache in any loaded format, shared by all
// backends, bit-compatible with llama.cpp's CPU flash attention
// (ggml_compute_forward_flash_attn_ext_f16_one_chunk, as its x86 AVX-512 build computes it):
// q.k through the K format's vec_dot (queries quantized to its vec_dot_type), an online softmax
// over the cache rows in order (a new maximum rescales the running sum and the output), and V
// rows accumulated with one FMA each, in fp16 for an F16 V cache (every update rounded to fp16,
// native fp16 arithmetic on whole blocks of 128 values, fp32 then fp16 rounding on the rest, as
// ggml_vec_mad_f16 / ggml_vec_scale_f16), in fp32 for other V formats; the output is the
// accumulator times 1 / sum. The fp16 accumulation is a deliberate choice: it makes the logits
// llama.cpp's, bit for bit. (llama.cpp switches to other kernels, which sum differently, for
// 64+ query rows at once and for one query row over 512+ padded cache rows; these numbers are its
// one-chunk kernel's in every case.)
#ifndef EDGELLM_BACKENDS_COMMON_ATTENTION_H_
#define EDGELLM_BACKENDS_COMMON_ATTENTION_H_

#include "backends/common/backend_context.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// See EdgeBackendV1::attention; a paged cache (block_size > 0) gives the contiguous layout's
// bits. Returns 0, or 1 when a cache format cannot serve (no vec_dot for K, or head_dim not a
// multiple of a cache format's block size) or the block size is not a multiple of 16.
int Attention(BackendContext& ctx, const EdgeAttentionV1& a, const float* q, float* out);

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_ATTENTION_H_
