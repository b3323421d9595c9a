// ForwardPass: one evaluation of a Model over the rows of several sequences at once.
//
// The graph is llama.cpp's llm_build_llama / llm_build_qwen2, per layer:
//   x -> RMSNorm * attn_norm -> Q, K, V matmuls (+ biases) -> RoPE on Q and K -> K, V into the
//   KV pool -> causal attention (scale 1/sqrt(head_dim), GQA) -> attn_output matmul -> + x
//   -> RMSNorm * ffn_norm -> silu(gate) * up -> down matmul -> + residual;
// then RMSNorm * output_norm and the output matmul for the rows whose logits are asked for.
// With a quantized K cache (a type of blocks > 1 value) and heads of a multiple of 64 values, Q
// and K are rotated by a Walsh-Hadamard matrix (per chunk of the largest power of 2 >= 64 that
// divides the head) before K is stored, and with a quantized V cache V is rotated (chunks of 64)
// before it is stored and the attention output after: q.k and the output are unchanged while
// the quantized values spread their outliers, as llama.cpp does since its attention rotation
// (ggml's fwht; Backend::Hadamard).
// It is layer-major: every row passes through layer l before layer l+1, so each weight is read
// once per pass whatever the number of sequences; every matmul and the attention run over the
// rows of all sequences at once, each row's attention through its own sequence's block table.
//
// Batch invariance: a row's results depend only on its sequence's tokens and on the row's
// numerics, never on what else shares the pass. ggml computes a matmul of one activation row with
// vec_dot and one of 2+ rows with its GEMM (tinyBLAS for f32/f16/bf16, another summation order),
// so each sequence says which it gets:
//   kPrefill  the rows of an evaluation of 2+ tokens (a prompt): the GEMM's numbers, as a
//             prefill of those tokens alone would give them (2+ rows per step required);
//   kDecode   one-token evaluations (decode): vec_dot's numbers, as a one-token step alone.
// Rows whose logits are wanted in a kLast sequence take vec_dot's numbers after the last layer's
// attention output projection, as llama.cpp computes only that row from there. Matmuls over a
// format whose kernel declares EDGE_KERNEL_BATCH_MATCHES_VEC_DOT take every row in one call; for
// the others prefill rows go through Backend::MatMul, decode rows through MatMulVecDot.
#ifndef EDGELLM_CORE_MODEL_FORWARD_PASS_H_
#define EDGELLM_CORE_MODEL_FORWARD_PASS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/backend.h"
#include "core/model/kv_pool.h"
#include "core/model/model.h"

namespace edgellm {

enum class RowNumerics { kPrefill, kDecode };
enum class LogitsWanted { kNone, kLast, kAll };

// One sequence's share of a pass.
struct SequenceRows {
  absl::Span<const int32_t> tokens;  // evaluated at positions pos .. pos + tokens.size() - 1
  int64_t pos = 0;
  // The sequence's KV blocks (KvPool), covering positions 0 .. pos + tokens.size() - 1.
  absl::Span<const int32_t> blocks;
  RowNumerics numerics = RowNumerics::kDecode;
  LogitsWanted logits = LogitsWanted::kNone;
  // n_vocab floats (kLast) or row-major [tokens.size()][n_vocab] (kAll).
  float* logits_out = nullptr;
};

class ForwardPass {
 public:
  // `model` and `pool` must outlive the pass; the pool's layers must be the model's.
  ForwardPass(const Model& model, KvPool& pool);
  ForwardPass(const ForwardPass&) = delete;
  ForwardPass& operator=(const ForwardPass&) = delete;

  // Evaluates every sequence's rows on `backend` and writes their K and V rows into the pool.
  // Buffers grow to the largest pass seen; a pass no larger allocates nothing. Errors:
  // InvalidArgument for no rows, a sequence without tokens, a kPrefill sequence of one token, a
  // token id outside [0, n_vocab), a logits request without a buffer, or blocks that do not cover
  // the positions; FailedPrecondition when the backend cannot run a weight or cache format. On
  // error the rows written into the pool are not valid (the caller does not count them).
  absl::Status Run(Backend& backend, absl::Span<const SequenceRows> sequences);

 private:
  // y = x * W^T for n_prefill rows then n_decode rows of x, with each row's numerics.
  absl::Status MatMul(Backend& be, const EdgeMatrixV1& w, const float* x, int64_t n_prefill,
                      int64_t n_decode, float* y);
  bool BatchMatchesVecDot(const Backend& be, const EdgeQuantFormatV1* format);

  const Model& model_;
  KvPool& pool_;
  EdgeRopeParamsV1 rope_{};
  float attention_scale_ = 0.0f;
  int64_t k_rotation_ = 0;  // values per Hadamard rotation of Q and K; 0: none
  int64_t v_rotation_ = 0;  // of V and the attention output
  // Per (backend plugin, format): whether its batched kernel gives vec_dot's bits.
  std::map<std::pair<std::string, const EdgeQuantFormatV1*>, bool> exact_;
  // Activations of every row, row-major [rows][width]; they only grow.
  std::vector<int32_t> positions_;
  std::vector<float> x_;                    // residual stream [E]
  std::vector<float> xn_;                   // normed input, then each sub-layer's output [E]
  std::vector<float> q_;                    // [Q]
  std::vector<float> k_;                    // [KV]
  std::vector<float> v_;                    // [KV]
  std::vector<float> attn_;                 // attention output [Q]
  std::vector<float> gate_;                 // [F]
  std::vector<float> up_;                   // [F]
  std::vector<float> logits_;               // [rows with logits][V]
  std::vector<float> gather_;               // rows kept for the last layer's FFN [E]
  std::vector<const int32_t*> row_tables_;  // each row's sequence's block table
  // Per-pass indices, kept so that a pass allocates nothing once warm: sequences in row order,
  // each one's first row, the rows whose logits are wanted and each sequence's first among them.
  std::vector<size_t> order_;
  std::vector<int64_t> first_row_, out_rows_, out_first_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_FORWARD_PASS_H_
