// A/B comparison of two backends on one prompt: each generates on its own (texts, tokens,
// timings), then both evaluate A's sequence teacher-forced so that every step compares the two
// next-token distributions on the same context, even after the free-running texts diverge.
#ifndef EDGELLM_SERVICES_COMPARE_H_
#define EDGELLM_SERVICES_COMPARE_H_

#include <cstdint>
#include <functional>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/engine/generator.h"
#include "core/model/inference_context.h"
#include "core/tokenizer/tokenizer.h"

namespace edgellm::server {

// The token with the largest logit; the lowest id on ties (as the greedy sampler). -1 when empty.
int32_t Argmax(absl::Span<const float> logits);

// KL(P || Q) in nats, P = softmax(a), Q = softmax(b), computed in double from log-softmax so
// that tiny probabilities do not underflow. a and b have the same length (n_vocab).
double KlDivergence(absl::Span<const float> a, absl::Span<const float> b);

// Agreement of two backends' next-token logits, step by step.
class Divergence {
 public:
  // One step: a and b are both backends' logits after the same tokens.
  void Add(absl::Span<const float> a, absl::Span<const float> b);

  int steps() const { return steps_; }
  // Share of steps whose argmax agrees; 1 when no step was compared.
  double argmax_agreement() const { return steps_ > 0 ? double(argmax_equal_) / steps_ : 1.0; }
  // NaN when a backend produced NaN logits.
  double max_kl() const { return max_kl_; }
  double mean_kl() const { return steps_ > 0 ? sum_kl_ / steps_ : 0.0; }

 private:
  int steps_ = 0;
  int argmax_equal_ = 0;
  double max_kl_ = 0.0;
  double sum_kl_ = 0.0;
};

struct Comparison {
  GenerateResult a;
  GenerateResult b;
  int agreeing_prefix_tokens = 0;  // leading tokens equal in a.tokens and b.tokens
  Divergence divergence;           // over A's sampling steps, teacher-forced along A's tokens
};

// Runs `request` on ctx_a (whose backend is A), then on ctx_b (backend B), then feeds A's prompt
// and tokens to both contexts in lockstep and compares the logits of each step A sampled at
// (including the step that produced an end-of-generation token). request.on_logits is replaced.
// `cancelled` is polled between tokens. Errors: those of Generate and InferenceContext::Eval;
// Cancelled when `cancelled` returned true.
absl::StatusOr<Comparison> CompareBackends(InferenceContext& ctx_a, InferenceContext& ctx_b,
                                           const Tokenizer& tokenizer,
                                           GenerateRequest request,
                                           const std::function<bool()>& cancelled);

}  // namespace edgellm::server

#endif  // EDGELLM_SERVICES_COMPARE_H_
