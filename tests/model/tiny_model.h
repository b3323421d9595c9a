// Tiny llama/qwen2 GGUF files with seeded random weights for the model runtime tests, and a
// plain double-precision forward pass of the same graph to check edgellm's against.
#ifndef EDGELLM_TESTS_MODEL_TINY_MODEL_H_
#define EDGELLM_TESTS_MODEL_TINY_MODEL_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/gguf/gguf_value.h"
#include "core/plugin/plugin_registry.h"

namespace edgellm::testing {

struct TinySpec {
  std::string arch = "llama";
  int64_t n_embd = 64;
  int64_t n_head = 2;
  int64_t n_head_kv = 1;
  int64_t n_ff = 96;
  int64_t n_layer = 2;
  int64_t n_vocab = 40;
  int64_t n_ctx_train = 64;
  float rms_eps = 1e-5f;
  int64_t n_rot = 0;         // written as rope.dimension_count when > 0
  float freq_base = 0.0f;    // written when > 0
  float rope_scale = 0.0f;   // rope.scaling.factor (type linear) when > 0
  bool qkv_bias = false;     // write blk.N.attn_q/k/v.bias
  bool tied = false;         // no output.weight
  uint32_t norm_type = 0;    // GGUF type of norm weights and biases (0 = F32, 1 = F16)
  uint32_t weight_type = 0;  // GGUF type of the matrices
  uint64_t seed = 1;

  std::set<std::string> drop_tensors;                   // tensors left out
  std::map<std::string, std::vector<int64_t>> reshape;  // tensors written with another shape
  std::vector<std::string> extra_tensors;               // extra [n_embd] F32 tensors
  std::set<std::string> drop_keys;                      // metadata left out (full key)
  std::map<std::string, GgufValue> set_keys;            // metadata overridden or added (full key)
};

// The float values of every tensor (as written before any conversion), by name.
using TinyWeights = std::map<std::string, std::vector<float>>;

// Writes the model to `path`. Values are rounded through the tensor's type, so `weights` holds
// exactly what the file stores. Norm weights are 1 + noise, other tensors N(0, 0.3) scaled by
// 1/sqrt(fan-in) for matrices.
absl::Status WriteTinyModel(const PluginRegistry& registry, const TinySpec& spec,
                            const std::string& path, TinyWeights* weights);

// A file path in the test's temporary folder.
std::string TempPath(const std::string& name);

// The logits of every position of `tokens` by a plain double-precision forward pass of the
// llama/qwen2 graph over `weights` (no KV-cache rounding): row-major [tokens][n_vocab].
std::vector<double> ReferenceForward(const TinySpec& spec, const TinyWeights& weights,
                                     const std::vector<int32_t>& tokens);

}  // namespace edgellm::testing

#endif  // EDGELLM_TESTS_MODEL_TINY_MODEL_H_
