#include "core/model/inference_context.h"

#include <algorithm>

#include "absl/strings/str_format.h"

namespace edgellm {

absl::StatusOr<std::unique_ptr<InferenceContext>> InferenceContext::Create(
    const Model& model, Backend* backend, const ContextOptions& options) {
  if (backend == nullptr) {
    return absl::InvalidArgumentError("inference context: no backend given");
  }
  if (options.n_ctx < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("context size %d is negative: use 0 for the model's", options.n_ctx));
  }
  if (options.batch_size <= 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("batch size %d: must be positive", options.batch_size));
  }
  const ModelConfig& c = model.config();
  const int64_t n_ctx =
      options.n_ctx > 0 ? options.n_ctx : std::min(c.n_ctx_train, kDefaultMaxContext);

  auto ctx = std::unique_ptr<InferenceContext>(new InferenceContext(model, backend));
  absl::StatusOr<std::unique_ptr<KvPool>> pool =
      KvPool::Create(model.registry(), options.cache_type_k, options.cache_type_v, c.n_layer,
                     KvPool::BlocksFor(n_ctx), c.n_head_kv, c.head_dim);
  if (!pool.ok()) return pool.status();
  ctx->pool_ = *std::move(pool);
  for (int64_t b = 0; b < ctx->pool_->n_blocks(); ++b)
    ctx->blocks_.push_back(ctx->pool_->Allocate());
  ctx->n_ctx_ = n_ctx;
  ctx->batch_size_ = std::min(options.batch_size, n_ctx);
  ctx->pass_ = std::make_unique<ForwardPass>(model, *ctx->pool_);
  return ctx;
}

absl::Status InferenceContext::Truncate(int64_t n) {
  if (n < 0 || n > n_past_) {
    return absl::InvalidArgumentError(
        absl::StrFormat("cannot truncate the KV cache to %d positions: it holds %d", n, n_past_));
  }
  n_past_ = n;
  return absl::OkStatus();
}

absl::Status InferenceContext::Eval(absl::Span<const int32_t> tokens, float* logits_out) {
  return Evaluate(tokens, logits_out,
                  logits_out != nullptr ? LogitsWanted::kLast : LogitsWanted::kNone);
}

absl::Status InferenceContext::EvalAll(absl::Span<const int32_t> tokens, float* logits_out) {
  if (logits_out == nullptr) {
    return absl::InvalidArgumentError("EvalAll: no buffer for the logits");
  }
  return Evaluate(tokens, logits_out, LogitsWanted::kAll);
}

absl::Status InferenceContext::Evaluate(absl::Span<const int32_t> tokens, float* logits_out,
                                        LogitsWanted output) {
  if (backend_ == nullptr) {
    return absl::FailedPreconditionError("inference context: no backend set");
  }
  if (tokens.empty()) return absl::InvalidArgumentError("no tokens to evaluate");
  const int64_t n_vocab = model_.n_vocab();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= n_vocab) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "token %d (at index %d) is outside the vocabulary of %d tokens", tokens[i], i, n_vocab));
    }
  }
  const int64_t n = static_cast<int64_t>(tokens.size());
  const int64_t pos = n_past_;
  if (n > n_ctx_ - pos) {
    return absl::OutOfRangeError(absl::StrFormat(
        "context overflow: %d tokens do not fit in the context of %d", pos + n, n_ctx_));
  }
  const RowNumerics numerics = n >= 2 ? RowNumerics::kPrefill : RowNumerics::kDecode;
  for (int64_t start = 0; start < n;) {
    // No one-token chunk of a longer evaluation: it would get decode numerics.
    int64_t m = std::min(std::max<int64_t>(batch_size_, 2), n - start);
    if (n - start - m == 1) m = m > 2 ? m - 1 : m + 1;
    SequenceRows rows;
    rows.tokens = tokens.subspan(start, m);
    rows.pos = pos + start;
    rows.blocks = blocks_;
    rows.numerics = numerics;
    const bool last_chunk = start + m == n;
    if (output == LogitsWanted::kAll) {
      rows.logits = output;
      rows.logits_out = logits_out + start * n_vocab;
    } else if (last_chunk) {
      rows.logits = output;
      rows.logits_out = logits_out;
    }
    if (absl::Status s = pass_->Run(*backend_, {&rows, 1}); !s.ok()) return s;
    start += m;
  }
  // Rows past n_past are only read by the chunks that wrote them, so counting them at the end
  // keeps n_past unchanged when a chunk fails.
  n_past_ = pos + n;
  return absl::OkStatus();
}

}  // namespace edgellm
