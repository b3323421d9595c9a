// Model: the weights of a llama or qwen2 decoder, bound by llama.cpp's tensor names to views into
// a memory-mapped GGUF file (weights stay quantized; nothing is copied except norm weights and
// biases that are not F32, which are dequantized once at load).
//
// Tensors (GGUF shapes, ne[0] first; E = n_embd, Q = n_head * head_dim, KV = n_head_kv * head_dim,
// F = n_ff, V = n_vocab):
//   token_embd.weight [E, V]       output_norm.weight [E]     output.weight [E, V] (absent: tied
//                                                                                to token_embd)
//   blk.N.attn_norm.weight [E]     blk.N.attn_q.weight [E, Q]  blk.N.attn_k.weight [E, KV]
//   blk.N.attn_v.weight [E, KV]    blk.N.attn_output.weight [Q, E]
//   blk.N.attn_q/k/v.bias [Q]/[KV]/[KV]: required for qwen2, optional for llama
//   blk.N.attn_output.bias [E]: optional for llama
//   blk.N.ffn_norm.weight [E]      blk.N.ffn_gate.weight [E, F] blk.N.ffn_up.weight [E, F]
//   blk.N.ffn_down.weight [F, E]
// A file with any other tensor is refused (a variant edgellm would compute wrongly), as llama.cpp
// refuses a file with an unexpected tensor count.
#ifndef EDGELLM_CORE_MODEL_MODEL_H_
#define EDGELLM_CORE_MODEL_MODEL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/gguf/gguf_file.h"
#include "core/model/model_config.h"
#include "core/plugin/edgellm_plugin.h"
#include "core/plugin/plugin_registry.h"
#include "core/quant_format.h"
#include "core/tensor.h"

namespace edgellm {

// One transformer block. Vectors are n floats (F32); bias pointers are null when absent.
struct LayerWeights {
  const float* attn_norm = nullptr;  // [E]
  EdgeMatrixV1 wq{}, wk{}, wv{}, wo{};
  const float* bq = nullptr;        // [Q]
  const float* bk = nullptr;        // [KV]
  const float* bv = nullptr;        // [KV]
  const float* bo = nullptr;        // [E]
  const float* ffn_norm = nullptr;  // [E]
  EdgeMatrixV1 ffn_gate{}, ffn_up{}, ffn_down{};
};

class Model {
 public:
  // Opens the GGUF (tensor layouts from registry.LookupLayout), reads the ModelConfig and binds
  // every tensor. Errors: those of GgufFile::Open and ModelConfig::FromGguf; NotFound naming a
  // missing tensor ("FILE: tensor 'blk.0.ffn_up.weight' is missing"); InvalidArgument naming a
  // tensor of the wrong shape with the expected and actual shapes, or a tensor edgellm does not
  // use; NotFound (the registry's message) when a weight's format or its vec_dot_type has no
  // plugin loaded. `registry` must outlive the model.
  static absl::StatusOr<std::unique_ptr<Model>> Load(const std::string& path,
                                                     const PluginRegistry& registry);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelConfig& config() const { return config_; }
  const GgufFile& file() const { return *file_; }
  const PluginRegistry& registry() const { return *registry_; }
  // Elements of every tensor in the file (as llama_model_n_params).
  int64_t parameter_count() const { return parameter_count_; }
  int64_t n_vocab() const { return config_.n_vocab; }

  // token_embd.weight [V rows of E] and its format (rows are dequantized with to_float).
  const Tensor& token_embd() const { return *token_embd_; }
  const QuantFormat& token_embd_format() const { return *token_embd_format_; }
  const float* output_norm() const { return output_norm_; }  // [E]
  // output.weight, or token_embd.weight when the embeddings are tied.
  const EdgeMatrixV1& output() const { return output_; }
  bool tied_embeddings() const { return tied_embeddings_; }
  const std::vector<LayerWeights>& layers() const { return layers_; }

 private:
  class Binder;
  Model() = default;

  ModelConfig config_;
  std::unique_ptr<GgufFile> file_;
  const PluginRegistry* registry_ = nullptr;
  int64_t parameter_count_ = 0;
  const Tensor* token_embd_ = nullptr;
  const QuantFormat* token_embd_format_ = nullptr;
  const float* output_norm_ = nullptr;
  EdgeMatrixV1 output_{};
  bool tied_embeddings_ = false;
  std::vector<LayerWeights> layers_;
  // Norm weights and biases that were not F32 in the file, dequantized at load.
  std::vector<std::unique_ptr<float[]>> dequantized_;
};

}  // namespace edgellm

#endif  // EDGELLM_CORE_MODEL_MODEL_H_
