// InferenceContext: evaluates a Model on a Backend with its own KV cache (one sequence).
//
// The graph is llama.cpp's llm_build_llama / llm_build_qwen2, per layer:
//   x -> RMSNorm * attn_norm -> Q, K, V matmuls (+ biases) -> RoPE on Q and K -> K, V into the
//   cache -> causal attention (scale 1/sqrt(head_dim), GQA) -> attn_output matmul -> + x
//   -> RMSNorm * ffn_norm -> silu(gate) * up -> down matmul -> + residual;
// then RMSNorm * output_norm and the output matmul for the rows whose logits are asked for.
// Prefill is layer-major: a chunk of up to batch_size tokens passes through layer l before layer
// l+1, so each weight is read once per chunk (the backend's matmul sees n_tokens > 1). All
// buffers are allocated by Create: evaluating a token allocates nothing here.
#ifndef EDGELLM_CORE_MODEL_INFERENCE_CONTEXT_H_
#define EDGELLM_CORE_MODEL_INFERENCE_CONTEXT_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/backend.h"
#include "core/model/kv_cache.h"
#include "core/model/model.h"

namespace edgellm {

// The context used when ContextOptions::n_ctx is 0 and the model was trained on a longer one: a
// 128k-token model would otherwise take gigabytes of KV cache by default.
inline constexpr int64_t kDefaultMaxContext = 4096;

struct ContextOptions {
  // Positions the KV cache holds; 0: the model's context_length, at most kDefaultMaxContext.
  int64_t n_ctx = 0;
  // Most tokens evaluated together in prefill (capped at n_ctx).
  int64_t batch_size = 512;
  // GGUF type id of the KV cache: kCacheTypeF16 (llama.cpp's default), kCacheTypeF32,
  // kCacheTypeQ8_0, or any loaded format whose block size divides head_dim.
  uint32_t kv_type = kCacheTypeF16;
};

class InferenceContext {
 public:
  // `model` must outlive the context; `backend` is not owned and must stay valid until replaced.
  // Errors: InvalidArgument for a null backend, a negative n_ctx or a non-positive batch_size;
  // the errors of KvCache::Create (cache type not loaded, head size not a multiple of its block,
  // not enough memory).
  static absl::StatusOr<std::unique_ptr<InferenceContext>> Create(const Model& model,
                                                                  Backend* backend,
                                                                  const ContextOptions& options);

  InferenceContext(const InferenceContext&) = delete;
  InferenceContext& operator=(const InferenceContext&) = delete;

  // Evaluates `tokens` at positions n_past()..n_past()+size-1 (in chunks of batch_size) and
  // writes the logits of the last token, n_vocab floats, to logits_out; logits_out may be null
  // to only fill the KV cache. On success n_past() grows by tokens.size(); on error it is
  // unchanged. Errors: InvalidArgument for no tokens or a token id outside [0, n_vocab);
  // OutOfRange "context overflow: N tokens do not fit in the context of M" (N = n_past() +
  // tokens.size()); FailedPrecondition when the backend cannot run a weight or cache format.
  absl::Status Eval(absl::Span<const int32_t> tokens, float* logits_out);
  // As Eval, but writes the logits of every token: row-major [tokens.size()][n_vocab] at
  // logits_out (not null: InvalidArgument).
  absl::Status EvalAll(absl::Span<const int32_t> tokens, float* logits_out);

  int64_t n_past() const { return kv_->n_past(); }
  int64_t n_ctx() const { return kv_->n_ctx(); }
  int64_t batch_size() const { return batch_size_; }
  // Forgets the sequence (n_past() becomes 0).
  void Reset() { kv_->Clear(); }

  const Model& model() const { return model_; }
  Backend* backend() const { return backend_; }
  // Switches the backend for the next evaluations (the cache is kept: backends share its
  // layout). `backend` must not be null.
  void set_backend(Backend* backend) { backend_ = backend; }
  const KvCache& kv_cache() const { return *kv_; }
  // For prefix reuse (KvCache::Truncate).
  KvCache& kv_cache() { return *kv_; }

 private:
  enum class Output { kNone, kLast, kAll };

  InferenceContext(const Model& model, Backend* backend) : model_(model), backend_(backend) {}
  absl::Status Evaluate(absl::Span<const int32_t> tokens, float* logits_out, Output output);
  // One chunk of n <= batch_size tokens at positions pos..pos+n-1.
  absl::Status EvalChunk(const int32_t* tokens, int64_t n, int64_t pos, float* logits_out,
                         Output output);

  const Model& model_;
  Backend* backend_;
  int64_t batch_size_ = 0;
  std::unique_ptr<KvCache> kv_;
  EdgeRopeParamsV1 rope_{};
  float attention_scale_ = 0.0f;
  // Activations, row-major [batch_size][width].
  std::vector<int32_t> positions_;
  std::vector<float> x_;     // residual stream [E]
  std::vector<float> xn_;    // normed input, then each sub-layer's output [E]
  std::vector<float> q_;     // [Q]
  std::vector<float> k_;     // [KV]
  std::vector<float> v_;     // [KV]
  std::vector<float> attn_;  // attention output [Q]
  std::vector<float> gate_;  // [F]
  std::vector<float> up_;    // [F]
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_INFERENCE_CONTEXT_H_
