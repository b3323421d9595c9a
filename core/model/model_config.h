// ModelConfig: the hyper-parameters of a llama-family decoder, read from GGUF metadata with the
// keys and defaults llama.cpp uses (llama-model.cpp, llm_load_hparams). edgellm runs the `llama`
// (LLaMA, TinyLlama, SmolLM, Mistral) and `qwen2` (Qwen1.5/2/2.5) architectures.
#ifndef EDGELLM_CORE_MODEL_MODEL_CONFIG_H_
#define EDGELLM_CORE_MODEL_MODEL_CONFIG_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "core/gguf/gguf_file.h"
#include "core/plugin/edgellm_plugin.h"

namespace edgellm {

struct ModelConfig {
  std::string architecture;  // general.architecture: "llama" or "qwen2"
  int64_t n_ctx_train = 0;   // <arch>.context_length
  int64_t n_embd = 0;        // <arch>.embedding_length
  int64_t n_layer = 0;       // <arch>.block_count
  int64_t n_ff = 0;          // <arch>.feed_forward_length
  int64_t n_head = 0;        // <arch>.attention.head_count
  int64_t n_head_kv = 0;     // <arch>.attention.head_count_kv (default n_head)
  // <arch>.attention.key_length (default n_embd / n_head); value_length must equal it.
  int64_t head_dim = 0;
  // Rows of token_embd.weight, else the length of tokenizer.ggml.tokens.
  int64_t n_vocab = 0;
  float rms_eps = 0.0f;  // <arch>.attention.layer_norm_rms_epsilon (required, > 0)
  // RoPE as llama.cpp's llama_model_rope_type: NORMAL for llama, NEOX for qwen2.
  EdgeRopeMode rope_mode = EDGE_ROPE_NORMAL;
  int32_t n_rot = 0;                // <arch>.rope.dimension_count (default head_dim)
  float rope_freq_base = 10000.0f;  // <arch>.rope.freq_base
  // 1 / <arch>.rope.scaling.factor (linear scaling: positions are multiplied by it); 1 when the
  // factor is absent or 0. Scaling types other than none/linear are refused.
  float rope_freq_scale = 1.0f;

  // Width of the Q projection (n_head * head_dim) and of one K or V cache row.
  int64_t n_embd_q() const { return n_head * head_dim; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }

  // Reads and checks the configuration. Errors name the file and the key:
  //   InvalidArgument "unsupported architecture 'gpt2' in FILE: edgellm runs llama and qwen2";
  //   NotFound for a required key that is absent; InvalidArgument for a value of the wrong type,
  //   out of range (not positive, too large), or inconsistent (n_head not a multiple of
  //   n_head_kv, odd or too large n_rot, a rope scaling type edgellm does not implement, a
  //   tokenizer whose length differs from token_embd's rows).
  static absl::StatusOr<ModelConfig> FromGguf(const GgufFile& file);
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_MODEL_CONFIG_H_
