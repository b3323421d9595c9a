#include "services/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace edgellm::server {
namespace {

// Tokens evaluated together in the teacher-forced pass: the logits of every one are kept, so
// this bounds that buffer to kChunk * n_vocab floats per side.
constexpr size_t kChunk = 32;

// log(sum(exp(x))) in double, stable for large logits.
double LogSumExp(absl::Span<const float> x) {
  double max = -std::numeric_limits<double>::infinity();
  for (float v : x) max = std::max(max, double(v));
  if (std::isinf(max)) return max;
  double sum = 0.0;
  for (float v : x) sum += std::exp(double(v) - max);
  return max + std::log(sum);
}

absl::Status CancelledStatus() {
  return absl::CancelledError("the call was cancelled or its deadline passed");
}

}  // namespace

int32_t Argmax(absl::Span<const float> logits) {
  int32_t best = -1;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (best < 0 || logits[i] > logits[best]) best = static_cast<int32_t>(i);
  }
  return best;
}

double KlDivergence(absl::Span<const float> a, absl::Span<const float> b) {
  const double lse_a = LogSumExp(a);
  const double lse_b = LogSumExp(b);
  double kl = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double log_p = double(a[i]) - lse_a;
    const double p = std::exp(log_p);
    if (p == 0.0) continue;  // 0 * log(0 / q) = 0
    kl += p * (log_p - (double(b[i]) - lse_b));
  }
  return kl;
}

void Divergence::Add(absl::Span<const float> a, absl::Span<const float> b) {
  const double kl = KlDivergence(a, b);
  ++steps_;
  if (Argmax(a) == Argmax(b)) ++argmax_equal_;
  sum_kl_ += kl;
  if (std::isnan(kl) || std::isnan(max_kl_)) {
    max_kl_ = std::numeric_limits<double>::quiet_NaN();
  } else {
    max_kl_ = std::max(max_kl_, kl);
  }
}

absl::StatusOr<Comparison> CompareBackends(InferenceContext& ctx_a, InferenceContext& ctx_b,
                                           const Tokenizer& tokenizer, GenerateRequest request,
                                           const std::function<bool()>& cancelled) {
  int steps = 0;  // logits A's sampler saw
  request.on_logits = [&steps](int, absl::Span<const float>) { ++steps; };
  const ChunkCallback go_on = [&cancelled](const GenerateChunk&) { return !cancelled(); };

  Comparison out;
  {
    absl::StatusOr<GenerateResult> a = Generate(ctx_a, tokenizer, request, go_on);
    if (!a.ok()) return a.status();
    if (a->finish_reason == "cancelled") return CancelledStatus();
    out.a = *std::move(a);
  }
  const int a_steps = steps;
  request.on_logits = nullptr;
  {
    absl::StatusOr<GenerateResult> b = Generate(ctx_b, tokenizer, request, go_on);
    if (!b.ok()) return b.status();
    if (b->finish_reason == "cancelled") return CancelledStatus();
    out.b = *std::move(b);
  }
  const auto mismatch = std::mismatch(out.a.tokens.begin(), out.a.tokens.end(),
                                      out.b.tokens.begin(), out.b.tokens.end());
  out.agreeing_prefix_tokens = static_cast<int>(mismatch.first - out.a.tokens.begin());
  if (a_steps == 0) return out;

  // Step 0 sees the prompt; step i > 0 sees A's first i tokens after it.
  const size_t n_vocab = static_cast<size_t>(ctx_a.model().n_vocab());
  std::vector<float> logits_a(kChunk * n_vocab);
  std::vector<float> logits_b(kChunk * n_vocab);
  ctx_a.Reset();
  ctx_b.Reset();
  if (absl::Status s = ctx_a.Eval(out.a.prompt_tokens, logits_a.data()); !s.ok()) return s;
  if (absl::Status s = ctx_b.Eval(out.a.prompt_tokens, logits_b.data()); !s.ok()) return s;
  out.divergence.Add(absl::MakeConstSpan(logits_a.data(), n_vocab),
                     absl::MakeConstSpan(logits_b.data(), n_vocab));
  const absl::Span<const int32_t> forced =
      absl::MakeConstSpan(out.a.tokens).subspan(0, static_cast<size_t>(a_steps - 1));
  for (size_t begin = 0; begin < forced.size(); begin += kChunk) {
    if (cancelled()) return CancelledStatus();
    const absl::Span<const int32_t> chunk = forced.subspan(begin, kChunk);
    if (absl::Status s = ctx_a.EvalAll(chunk, logits_a.data()); !s.ok()) return s;
    if (absl::Status s = ctx_b.EvalAll(chunk, logits_b.data()); !s.ok()) return s;
    for (size_t i = 0; i < chunk.size(); ++i) {
      out.divergence.Add(absl::MakeConstSpan(logits_a.data() + i * n_vocab, n_vocab),
                         absl::MakeConstSpan(logits_b.data() + i * n_vocab, n_vocab));
    }
  }
  return out;
}

}  // namespace edgellm::server
