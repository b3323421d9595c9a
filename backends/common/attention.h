// Causal multi-head attention (with GQA) over a KV cache in any loaded format, shared by all
// backends: q.k through the K format's vec_dot (queries quantized to its vec_dot_type, as ggml
// does for an f16 cache), softmax with the max subtracted, then V rows dequantized and summed.
#ifndef EDGELLM_BACKENDS_COMMON_ATTENTION_H_
#define EDGELLM_BACKENDS_COMMON_ATTENTION_H_

#include "backends/common/backend_context.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm::backends {

// See EdgeBackendV1::attention. Returns 0, or 1 when a cache format cannot serve (no vec_dot
// for K, or head_dim not a multiple of a cache format's block size).
int Attention(BackendContext& ctx, const EdgeAttentionV1& a, const float* q, float* out);

}  // namespace edgellm::backends

#endif  // EDGELLM_BACKENDS_COMMON_ATTENTION_H_
