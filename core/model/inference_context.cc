#include "core/model/inference_context.h"

#include <algorithm>
#include <cmath>

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
  absl::StatusOr<std::unique_ptr<KvCache>> kv =
      KvCache::Create(model.registry(), options.kv_type, c.n_layer, n_ctx, c.n_head_kv, c.head_dim);
  if (!kv.ok()) return kv.status();
  ctx->kv_ = *std::move(kv);
  ctx->batch_size_ = std::min(options.batch_size, n_ctx);
  ctx->rope_ = {c.rope_mode, c.n_rot, c.rope_freq_base, c.rope_freq_scale};
  ctx->attention_scale_ = 1.0f / std::sqrt(static_cast<float>(c.head_dim));

  const size_t b = static_cast<size_t>(ctx->batch_size_);
  ctx->positions_.resize(b);
  ctx->x_.resize(b * c.n_embd);
  ctx->xn_.resize(b * c.n_embd);
  ctx->q_.resize(b * c.n_embd_q());
  ctx->k_.resize(b * c.n_embd_kv());
  ctx->v_.resize(b * c.n_embd_kv());
  ctx->attn_.resize(b * c.n_embd_q());
  ctx->gate_.resize(b * c.n_ff);
  ctx->up_.resize(b * c.n_ff);
  return ctx;
}

absl::Status InferenceContext::Eval(absl::Span<const int32_t> tokens, float* logits_out) {
  return Evaluate(tokens, logits_out, logits_out != nullptr ? Output::kLast : Output::kNone);
}

absl::Status InferenceContext::EvalAll(absl::Span<const int32_t> tokens, float* logits_out) {
  if (logits_out == nullptr) {
    return absl::InvalidArgumentError("EvalAll: no buffer for the logits");
  }
  return Evaluate(tokens, logits_out, Output::kAll);
}

absl::Status InferenceContext::Evaluate(absl::Span<const int32_t> tokens, float* logits_out,
                                        Output output) {
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
  const int64_t pos = kv_->n_past();
  if (n > kv_->n_ctx() - pos) {
    return absl::OutOfRangeError(absl::StrFormat(
        "context overflow: %d tokens do not fit in the context of %d", pos + n, kv_->n_ctx()));
  }
  for (int64_t start = 0; start < n; start += batch_size_) {
    const int64_t m = std::min(batch_size_, n - start);
    const bool last_chunk = start + m == n;
    Output chunk_output = output;
    float* out = logits_out;
    if (output == Output::kAll) {
      out = logits_out + start * n_vocab;
    } else if (!last_chunk) {
      chunk_output = Output::kNone;
    }
    if (absl::Status s = EvalChunk(tokens.data() + start, m, pos + start, out, chunk_output);
        !s.ok()) {
      return s;
    }
  }
  // Rows past n_past are only read by the chunks that wrote them, so committing at the end keeps
  // n_past unchanged when a chunk fails.
  kv_->Commit(pos + n);
  return absl::OkStatus();
}

absl::Status InferenceContext::EvalChunk(const int32_t* tokens, int64_t n, int64_t pos,
                                         float* logits_out, Output output) {
  const ModelConfig& c = model_.config();
  const int64_t E = c.n_embd, Q = c.n_embd_q(), KV = c.n_embd_kv(), F = c.n_ff;
  Backend& be = *backend_;

  for (int64_t i = 0; i < n; ++i) positions_[i] = static_cast<int32_t>(pos + i);
  // Embedding lookup: ggml_get_rows dequantizes the row with the format's to_float.
  const Tensor& embd = model_.token_embd();
  for (int64_t i = 0; i < n; ++i) {
    model_.token_embd_format().ToFloat(embd.row(tokens[i]), x_.data() + i * E, E);
  }

  // Rows whose logits are wanted: the last layer's FFN and the output run on them alone.
  const int64_t n_out = output == Output::kAll ? n : (output == Output::kLast ? 1 : 0);
  const int64_t n_layer = static_cast<int64_t>(model_.layers().size());
  int64_t r0 = 0;  // first row the residual add and FFN run on (> 0 only in the last layer)
  for (int64_t l = 0; l < n_layer; ++l) {
    const LayerWeights& w = model_.layers()[l];
    be.RmsNorm(x_.data(), w.attn_norm, c.rms_eps, E, n, xn_.data());
    if (absl::Status s = be.MatMul(w.wq, xn_.data(), n, q_.data()); !s.ok()) return s;
    if (absl::Status s = be.MatMul(w.wk, xn_.data(), n, k_.data()); !s.ok()) return s;
    if (absl::Status s = be.MatMul(w.wv, xn_.data(), n, v_.data()); !s.ok()) return s;
    if (w.bq != nullptr) be.Add(q_.data(), w.bq, Q, n, true);
    if (w.bk != nullptr) be.Add(k_.data(), w.bk, KV, n, true);
    if (w.bv != nullptr) be.Add(v_.data(), w.bv, KV, n, true);
    be.Rope(q_.data(), n, c.n_head, c.head_dim, positions_.data(), rope_);
    be.Rope(k_.data(), n, c.n_head_kv, c.head_dim, positions_.data(), rope_);
    if (absl::Status s = kv_->Write(be, l, pos, n, k_.data(), v_.data()); !s.ok()) return s;
    if (l == n_layer - 1 && n_out == 0) break;  // only the cache was wanted

    EdgeAttentionV1 a{};
    a.n_tokens = n;
    a.n_heads = c.n_head;
    a.n_kv_heads = c.n_head_kv;
    a.head_dim = c.head_dim;
    a.positions = positions_.data();
    a.scale = attention_scale_;
    a.k_format = kv_->format().desc();
    a.k_vec_dot_format = kv_->vec_dot_format().desc();
    a.k_cache = kv_->k(l);
    a.k_row_bytes = kv_->row_bytes();
    a.v_format = kv_->format().desc();
    a.v_cache = kv_->v(l);
    a.v_row_bytes = kv_->row_bytes();
    if (absl::Status s = be.Attention(a, q_.data(), attn_.data()); !s.ok()) return s;
    if (absl::Status s = be.MatMul(w.wo, attn_.data(), n, xn_.data()); !s.ok()) return s;
    if (w.bo != nullptr) be.Add(xn_.data(), w.bo, E, n, true);

    // As llama.cpp (llm_build_llama selects the output rows after build_attn, which includes
    // the attn_output projection), the last layer projects every row and only then keeps the
    // rows whose logits are wanted. llama.cpp picks its matmul kernel by row count, so the
    // same row counts keep the results closer to its own.
    if (l == n_layer - 1) r0 = n - n_out;
    const int64_t m = n - r0;
    float* x = x_.data() + r0 * E;
    be.Add(x, xn_.data() + r0 * E, E, m, false);

    be.RmsNorm(x, w.ffn_norm, c.rms_eps, E, m, xn_.data());
    if (absl::Status s = be.MatMul(w.ffn_gate, xn_.data(), m, gate_.data()); !s.ok()) return s;
    if (absl::Status s = be.MatMul(w.ffn_up, xn_.data(), m, up_.data()); !s.ok()) return s;
    // The backend's SwiGLU matches ggml's per row (a vectorized exp on groups of 16, expf on
    // the rest), so rows go one at a time unless F is a multiple of 16.
    if (F % 16 == 0) {
      be.SiluMul(gate_.data(), up_.data(), m * F);
    } else {
      for (int64_t r = 0; r < m; ++r) be.SiluMul(gate_.data() + r * F, up_.data() + r * F, F);
    }
    if (absl::Status s = be.MatMul(w.ffn_down, gate_.data(), m, xn_.data()); !s.ok()) return s;
    be.Add(x, xn_.data(), E, m, false);
  }
  if (n_out == 0) return absl::OkStatus();

  be.RmsNorm(x_.data() + r0 * E, model_.output_norm(), c.rms_eps, E, n_out, xn_.data());
  return be.MatMul(model_.output(), xn_.data(), n_out, logits_out);
}

}  // namespace edgellm
