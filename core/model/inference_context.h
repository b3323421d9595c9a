// InferenceContext: evaluates a Model on a Backend for one sequence, with its own KV cache (a
// KvPool of n_ctx positions, every block its own). The graph is ForwardPass's; prefill is
// layer-major in chunks of up to batch_size tokens, so each weight is read once per chunk. An
// evaluation of 2+ tokens has prefill numerics, of one token decode numerics (forward_pass.h):
// the numbers a continuous-batching server gives the same sequence among others. All buffers are
// allocated by Create and the first evaluations: evaluating a token allocates nothing here.
#ifndef EDGELLM_CORE_MODEL_INFERENCE_CONTEXT_H_
#define EDGELLM_CORE_MODEL_INFERENCE_CONTEXT_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/backend.h"
#include "core/model/forward_pass.h"
#include "core/model/kv_pool.h"
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
  // GGUF type ids of the K and V caches: kCacheTypeF16 (llama.cpp's default), kCacheTypeF32,
  // kCacheTypeQ8_0, or any loaded format whose block size divides head_dim (KvPool::Create).
  uint32_t cache_type_k = kCacheTypeF16;
  uint32_t cache_type_v = kCacheTypeF16;
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

  // Evaluates `tokens` at positions n_past()..n_past()+size-1 (in chunks of batch_size, none of
  // one token when there are 2+, so every row keeps prefill numerics) and
  // writes the logits of the last token, n_vocab floats, to logits_out; logits_out may be null
  // to only fill the KV cache. On success n_past() grows by tokens.size(); on error it is
  // unchanged. Errors: InvalidArgument for no tokens or a token id outside [0, n_vocab);
  // OutOfRange "context overflow: N tokens do not fit in the context of M" (N = n_past() +
  // tokens.size()); FailedPrecondition when the backend cannot run a weight or cache format.
  absl::Status Eval(absl::Span<const int32_t> tokens, float* logits_out);
  // As Eval, but writes the logits of every token: row-major [tokens.size()][n_vocab] at
  // logits_out (not null: InvalidArgument).
  absl::Status EvalAll(absl::Span<const int32_t> tokens, float* logits_out);

  int64_t n_past() const { return n_past_; }
  int64_t n_ctx() const { return n_ctx_; }
  int64_t batch_size() const { return batch_size_; }
  // Forgets the sequence (n_past() becomes 0).
  void Reset() { n_past_ = 0; }
  // Keeps positions 0..n-1 (to reuse a shared prompt prefix). InvalidArgument when n < 0 or
  // n > n_past().
  absl::Status Truncate(int64_t n);

  const Model& model() const { return model_; }
  Backend* backend() const { return backend_; }
  // Switches the backend for the next evaluations (the cache is kept: backends share its
  // layout). `backend` must not be null.
  void set_backend(Backend* backend) { backend_ = backend; }
  // The KV cache's memory and layout (its blocks are 0, 1, ... in order).
  const KvPool& kv_pool() const { return *pool_; }

 private:
  InferenceContext(const Model& model, Backend* backend) : model_(model), backend_(backend) {}
  absl::Status Evaluate(absl::Span<const int32_t> tokens, float* logits_out, LogitsWanted output);

  const Model& model_;
  Backend* backend_;
  int64_t n_ctx_ = 0;
  int64_t batch_size_ = 0;
  int64_t n_past_ = 0;
  std::unique_ptr<KvPool> pool_;
  std::vector<int32_t> blocks_;  // every block of the pool, in order
  std::unique_ptr<ForwardPass> pass_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_INFERENCE_CONTEXT_H_
