// Synthetic models: GGUF files of llama/qwen2 decoders with deterministic random weights and a
// real tokenizer copied from a donor GGUF, in the shapes of real models. Their text is gibberish
// by construction; they exist to measure speed (bytes moved per token are those of the real
// model) and to test quantized numerics on rows of realistic length.
//
// Weights: matrices and biases are normal with standard deviation 0.02; norm weights are
// 1 + 0.02 * normal. Every row has its own random stream, derived from (seed, tensor name, row),
// so the bytes depend only on the seed, the shape and the type, not on the thread count.
// Matrices are quantized with the formats' reference quantizers (from_float_ref, bit-exact with
// llama.cpp's quantize_row_*_ref), types chosen per tensor by tools/synth/mixes.h; norms and
// biases are F32.
//
// Metadata as llama.cpp writes it: general.architecture, general.name, general.description,
// general.file_type, general.quantization_version (2), general.alignment (32), then
// <arch>.vocab_size, context_length, embedding_length, feed_forward_length, block_count,
// attention.head_count, attention.head_count_kv, attention.layer_norm_rms_epsilon,
// rope.dimension_count (head_dim), rope.freq_base; then every tokenizer.* key of the donor, in
// the donor's order. Tensor names and shapes are those core/model/model.h binds.
#ifndef EDGELLM_TOOLS_SYNTH_SYNTH_MODEL_H_
#define EDGELLM_TOOLS_SYNTH_SYNTH_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/plugin/plugin_registry.h"
#include "tools/synth/mixes.h"

namespace edgellm::synth {

struct ModelShape {
  std::string name;  // general.name
  std::string arch;  // "llama" or "qwen2"
  int64_t n_embd = 0;
  int64_t n_ff = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  // Rows of token_embd; 0: the donor's vocabulary size (any other value must equal it).
  int64_t n_vocab = 0;
  int64_t n_ctx = 0;  // <arch>.context_length
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;
  bool qkv_bias = false;         // blk.N.attn_q/k/v.bias (qwen2)
  bool tied_embeddings = false;  // no output.weight: the output matrix is token_embd

  int64_t head_dim() const { return n_embd / n_head; }
};

// Shapes of real models (vocabulary from the donor):
//   tinyllama-1.1b: llama, hidden 2048, FFN 5632, 22 layers, 32 heads, 4 KV heads, ctx 2048,
//                   rope base 1e4, eps 1e-5 (TinyLlama-1.1B; vocab 32000 with the default donor)
//   qwen1.5-0.5b:   qwen2, hidden 1024, FFN 2816, 24 layers, 16 heads, 16 KV heads, ctx 32768,
//                   rope base 1e6 (NEOX), eps 1e-6, Q/K/V biases, tied embeddings
// and small ones for tests:
//   tiny-llama:     llama, hidden 256, FFN 768, 8 layers, 8 heads, 2 KV heads, ctx 512
//   tiny-qwen2:     qwen2, hidden 256, FFN 512, 8 layers, 4 heads, 2 KV heads, ctx 512, biases
// InvalidArgument listing the names for anything else.
absl::StatusOr<ModelShape> NamedShape(std::string_view name);
std::vector<std::string> ShapeNames();

// A shape of `arch` with that architecture's defaults (llama: rope base 1e4, eps 1e-5, no
// biases; qwen2: rope base 1e6, eps 1e-6, Q/K/V biases; both ctx 2048) and no sizes set.
// InvalidArgument for an architecture other than llama and qwen2.
absl::StatusOr<ModelShape> ArchShape(std::string_view arch);

// InvalidArgument naming the field when a size is not positive, n_embd is not a multiple of
// n_head, n_head not a multiple of n_head_kv, or head_dim is odd (RoPE rotates pairs).
absl::Status ValidateShape(const ModelShape& shape);

// The donor tokenizer used when none is given, relative to the shared folder: llama.cpp's
// llama-spm vocab (SentencePiece, 32000 tokens) for llama, its gpt-2 vocab (byte-level BPE, as
// Qwen's, 50257 tokens) for qwen2.
std::string DefaultDonor(std::string_view arch);

struct SynthOptions {
  ModelShape shape;
  QuantMix mix;
  uint64_t seed = 0;
  int n_threads = 1;       // quantization threads; <= 0: one per core
  std::string donor_path;  // GGUF whose tokenizer.* keys are copied
};

struct SynthSummary {
  int64_t n_vocab = 0;
  int64_t n_params = 0;  // elements of every tensor
  size_t n_tensors = 0;
  uint64_t file_bytes = 0;
  std::map<std::string, int> tensors_per_type;  // ggml type name -> count
};

// Writes the model to `out_path` (created or replaced). Errors: InvalidArgument from
// ValidateShape or for a vocabulary size that differs from the donor's; the donor's open errors,
// or NotFound when it has no tokenizer.ggml.tokens; NotFound naming a type whose quant-format
// plugin is not loaded; the errors of FitRowLength and of writing the file.
absl::StatusOr<SynthSummary> WriteSyntheticModel(const SynthOptions& options,
                                                 const PluginRegistry& registry,
                                                 const std::string& out_path);

}  // namespace edgellm::synth

#endif  // EDGELLM_TOOLS_SYNTH_SYNTH_MODEL_H_
