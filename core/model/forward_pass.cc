#include "core/model/forward_pass.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"

namespace edgellm {
namespace {

template <typename T>
T* Grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace

ForwardPass::ForwardPass(const Model& model, KvPool& pool) : model_(model), pool_(pool) {
  const ModelConfig& c = model.config();
  rope_ = {c.rope_mode, c.n_rot, c.rope_freq_base, c.rope_freq_scale};
  attention_scale_ = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  // llama_kv_cache's attn_rot_k / attn_rot_v: quantized types only, heads of 64k values.
  if (c.head_dim % 64 == 0) {
    if (pool.k_format().block_size() > 1) {
      k_rotation_ = 64;
      while (c.head_dim % (2 * k_rotation_) == 0) k_rotation_ *= 2;
    }
    if (pool.v_format().block_size() > 1) v_rotation_ = 64;
  }
}

bool ForwardPass::BatchMatchesVecDot(const Backend& be, const EdgeQuantFormatV1* format) {
  const auto key = std::make_pair(be.name(), format);
  auto it = exact_.find(key);
  if (it != exact_.end()) return it->second;
  const QuantFormat* f = model_.registry().FindFormat(format->type_id);
  const bool exact = f != nullptr && be.BatchMatchesVecDot(*f);
  exact_.emplace(key, exact);
  return exact;
}

absl::Status ForwardPass::MatMul(Backend& be, const EdgeMatrixV1& w, const float* x,
                                 int64_t n_prefill, int64_t n_decode, float* y) {
  if (n_prefill == 0 || n_decode == 0 || BatchMatchesVecDot(be, w.format)) {
    if (n_prefill == 0 && n_decode > 1) return be.MatMulVecDot(w, x, n_decode, y);
    return be.MatMul(w, x, n_prefill + n_decode, y);
  }
  if (absl::Status s = be.MatMul(w, x, n_prefill, y); !s.ok()) return s;
  return be.MatMulVecDot(w, x + n_prefill * w.n_cols, n_decode, y + n_prefill * w.n_rows);
}

absl::Status ForwardPass::Run(Backend& be, absl::Span<const SequenceRows> sequences) {
  const ModelConfig& c = model_.config();
  const int64_t E = c.n_embd, Q = c.n_embd_q(), KV = c.n_embd_kv(), F = c.n_ff, V = c.n_vocab;

  // Prefill sequences' rows first, then decode rows: each numerics class is one run of rows.
  std::vector<size_t>& order = order_;
  order.clear();
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < sequences.size(); ++i) {
      if ((sequences[i].numerics == RowNumerics::kPrefill) == (pass == 0)) order.push_back(i);
    }
  }
  std::vector<int64_t>& first_row = first_row_;
  first_row.assign(sequences.size(), 0);
  int64_t n = 0, n_prefill = 0;
  for (size_t i : order) {
    const SequenceRows& s = sequences[i];
    const int64_t m = static_cast<int64_t>(s.tokens.size());
    if (m == 0) return absl::InvalidArgumentError("no tokens to evaluate");
    if (s.numerics == RowNumerics::kPrefill && m < 2) {
      return absl::InvalidArgumentError(
          "a prefill evaluation needs 2 or more tokens per pass (one token is a decode step)");
    }
    if (s.logits != LogitsWanted::kNone && s.logits_out == nullptr) {
      return absl::InvalidArgumentError("logits are asked for without a buffer for them");
    }
    if (static_cast<int64_t>(s.blocks.size()) * KvPool::kBlockSize < s.pos + m || s.pos < 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("KV blocks for %d positions do not cover positions %d..%d",
                          s.blocks.size() * KvPool::kBlockSize, s.pos, s.pos + m - 1));
    }
    for (int64_t t = 0; t < m; ++t) {
      if (s.tokens[t] < 0 || s.tokens[t] >= V) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "token %d (at index %d) is outside the vocabulary of %d tokens", s.tokens[t], t, V));
      }
    }
    first_row[i] = n;
    n += m;
    if (s.numerics == RowNumerics::kPrefill) n_prefill += m;
  }
  if (n == 0) return absl::InvalidArgumentError("no sequences to evaluate");

  // Rows whose logits are wanted, in the order the last layer keeps them: those of kAll prefill
  // sequences (prefill numerics) first, then the others (vec_dot's). out_first[i]: sequence i's
  // first row among them.
  std::vector<int64_t>& out_rows = out_rows_;
  std::vector<int64_t>& out_first = out_first_;
  out_rows.clear();
  out_first.assign(sequences.size(), -1);
  int64_t n_out_prefill = 0;  // rows of the first kind
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) n_out_prefill = static_cast<int64_t>(out_rows.size());
    for (size_t i : order) {
      const SequenceRows& s = sequences[i];
      if (s.logits == LogitsWanted::kNone) continue;
      const bool all = s.logits == LogitsWanted::kAll;
      if ((all && s.numerics == RowNumerics::kPrefill) != (pass == 0)) continue;
      out_first[i] = static_cast<int64_t>(out_rows.size());
      const int64_t last = first_row[i] + static_cast<int64_t>(s.tokens.size()) - 1;
      for (int64_t r = all ? first_row[i] : last; r <= last; ++r) out_rows.push_back(r);
    }
  }
  const int64_t n_out = static_cast<int64_t>(out_rows.size());

  const size_t rows = static_cast<size_t>(n);
  int32_t* positions = Grow(positions_, rows);
  float* x = Grow(x_, rows * E);
  float* xn = Grow(xn_, rows * E);
  float* q = Grow(q_, rows * Q);
  float* k = Grow(k_, rows * KV);
  float* v = Grow(v_, rows * KV);
  float* attn = Grow(attn_, rows * Q);
  float* gate = Grow(gate_, rows * F);
  float* up = Grow(up_, rows * F);
  float* gather = Grow(gather_, 2 * static_cast<size_t>(n_out) * E);
  const int32_t** row_tables = Grow(row_tables_, rows);

  // Embedding lookup: ggml_get_rows dequantizes the row with the format's to_float.
  const Tensor& embd = model_.token_embd();
  for (size_t i : order) {
    const SequenceRows& s = sequences[i];
    for (size_t t = 0; t < s.tokens.size(); ++t) {
      const int64_t r = first_row[i] + static_cast<int64_t>(t);
      positions[r] = static_cast<int32_t>(s.pos + static_cast<int64_t>(t));
      row_tables[r] = s.blocks.data();
      model_.token_embd_format().ToFloat(embd.row(s.tokens[t]), x + r * E, E);
    }
  }

  const int64_t n_decode = n - n_prefill;
  const int64_t n_layer = static_cast<int64_t>(model_.layers().size());
  for (int64_t l = 0; l < n_layer; ++l) {
    const LayerWeights& w = model_.layers()[l];
    be.RmsNorm(x, w.attn_norm, c.rms_eps, E, n, xn);
    if (absl::Status s = MatMul(be, w.wq, xn, n_prefill, n_decode, q); !s.ok()) return s;
    if (absl::Status s = MatMul(be, w.wk, xn, n_prefill, n_decode, k); !s.ok()) return s;
    if (absl::Status s = MatMul(be, w.wv, xn, n_prefill, n_decode, v); !s.ok()) return s;
    if (w.bq != nullptr) be.Add(q, w.bq, Q, n, true);
    if (w.bk != nullptr) be.Add(k, w.bk, KV, n, true);
    if (w.bv != nullptr) be.Add(v, w.bv, KV, n, true);
    be.Rope(q, n, c.n_head, c.head_dim, positions, rope_);
    be.Rope(k, n, c.n_head_kv, c.head_dim, positions, rope_);
    if (k_rotation_ > 0) {
      if (absl::Status s = be.Hadamard(q, n * Q / k_rotation_, k_rotation_); !s.ok()) return s;
      if (absl::Status s = be.Hadamard(k, n * KV / k_rotation_, k_rotation_); !s.ok()) return s;
    }
    if (v_rotation_ > 0) {
      if (absl::Status s = be.Hadamard(v, n * KV / v_rotation_, v_rotation_); !s.ok()) return s;
    }
    for (size_t i : order) {
      const SequenceRows& s = sequences[i];
      const int64_t r = first_row[i];
      if (absl::Status st =
              pool_.Write(be, l, s.blocks, s.pos, s.tokens.size(), k + r * KV, v + r * KV);
          !st.ok()) {
        return st;
      }
    }
    if (l == n_layer - 1 && n_out == 0) break;  // only the KV rows were wanted

    // One call for every sequence's rows, each through its own block table.
    EdgeAttentionV1 a{};
    a.n_tokens = n;
    a.n_heads = c.n_head;
    a.n_kv_heads = c.n_head_kv;
    a.head_dim = c.head_dim;
    a.positions = positions;
    a.scale = attention_scale_;
    a.k_format = pool_.k_format().desc();
    a.k_vec_dot_format = pool_.vec_dot_format().desc();
    a.k_cache = pool_.k(l);
    a.k_row_bytes = pool_.k_row_bytes();
    a.v_format = pool_.v_format().desc();
    a.v_cache = pool_.v(l);
    a.v_row_bytes = pool_.v_row_bytes();
    a.block_size = KvPool::kBlockSize;
    a.block_table = row_tables[0];
    a.row_block_tables = row_tables;
    a.k_block_bytes = pool_.k_block_bytes();
    a.v_block_bytes = pool_.v_block_bytes();
    if (absl::Status st = be.Attention(a, q, attn); !st.ok()) return st;
    if (v_rotation_ > 0) {
      if (absl::Status s = be.Hadamard(attn, n * Q / v_rotation_, v_rotation_); !s.ok()) return s;
    }
    if (absl::Status s = MatMul(be, w.wo, attn, n_prefill, n_decode, xn); !s.ok()) return s;
    if (w.bo != nullptr) be.Add(xn, w.bo, E, n, true);

    // As llama.cpp (llm_build_llama selects the output rows after build_attn, which includes the
    // attn_output projection), the last layer projects every row and only then keeps the rows
    // whose logits are wanted: those of kAll sequences with their own numerics, the last row of
    // kLast sequences as a one-row matmul would (vec_dot).
    int64_t m = n, m_prefill = n_prefill;
    if (l == n_layer - 1) {
      for (int64_t o = 0; o < n_out; ++o) {
        const int64_t r = out_rows[o];
        std::copy(x + r * E, x + (r + 1) * E, gather + o * E);
        std::copy(xn + r * E, xn + (r + 1) * E, gather + (n_out + o) * E);
      }
      std::copy(gather, gather + n_out * E, x);
      std::copy(gather + n_out * E, gather + 2 * n_out * E, xn);
      m = n_out;
      m_prefill = n_out_prefill;
    }
    const int64_t m_decode = m - m_prefill;
    be.Add(x, xn, E, m, false);

    be.RmsNorm(x, w.ffn_norm, c.rms_eps, E, m, xn);
    if (absl::Status s = MatMul(be, w.ffn_gate, xn, m_prefill, m_decode, gate); !s.ok()) return s;
    if (absl::Status s = MatMul(be, w.ffn_up, xn, m_prefill, m_decode, up); !s.ok()) return s;
    // The backend's SwiGLU matches ggml's per row (a vectorized exp on groups of 16, expf on
    // the rest), so rows go one at a time unless F is a multiple of 16.
    if (F % 16 == 0) {
      be.SiluMul(gate, up, m * F);
    } else {
      for (int64_t r = 0; r < m; ++r) be.SiluMul(gate + r * F, up + r * F, F);
    }
    if (absl::Status s = MatMul(be, w.ffn_down, gate, m_prefill, m_decode, xn); !s.ok()) return s;
    be.Add(x, xn, E, m, false);
  }
  if (n_out == 0) return absl::OkStatus();

  float* logits = Grow(logits_, static_cast<size_t>(n_out) * V);
  be.RmsNorm(x, model_.output_norm(), c.rms_eps, E, n_out, xn);
  if (absl::Status s =
          MatMul(be, model_.output(), xn, n_out_prefill, n_out - n_out_prefill, logits);
      !s.ok()) {
    return s;
  }
  // Back to each sequence.
  for (size_t i = 0; i < sequences.size(); ++i) {
    const SequenceRows& s = sequences[i];
    if (out_first[i] < 0) continue;
    const int64_t m = s.logits == LogitsWanted::kAll ? static_cast<int64_t>(s.tokens.size()) : 1;
    std::copy(logits + out_first[i] * V, logits + (out_first[i] + m) * V, s.logits_out);
  }
  return absl::OkStatus();
}

}  // namespace edgellm
