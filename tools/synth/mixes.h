// Quantization mixes: which GGUF tensor type each weight of a llama/qwen2 model gets for a file
// type, following llama.cpp's llama-quantize (llama-quant.cpp, llama_tensor_get_type) when it
// quantizes from F32 without an importance matrix. Only the rules that apply to the `llama` and
// `qwen2` architectures (no experts, not Falcon, not 70B) are implemented.
//
// For a k-quant or legacy file type (everything but F32/F16/BF16):
//   - output.weight (or token_embd.weight when the model has no output.weight, i.e. tied
//     embeddings) becomes Q6_K, except for Q8_0 files, which keep Q8_0;
//   - token_embd.weight otherwise keeps the base type;
//   - attn_v.weight of layer i: Q2_K -> Q4_K when n_head / n_head_kv >= 4, else Q3_K;
//     Q3_K_M -> Q5_K for i < 2, else Q4_K; Q3_K_L -> Q5_K; Q4_K_M and Q5_K_M -> Q6_K when
//     UseMoreBits(i, n_layer); Q4_K_S -> Q5_K for i < 4;
//   - ffn_down.weight of layer i: Q2_K -> Q3_K; Q3_K_M -> Q5_K for i < n_layer / 16, else Q4_K;
//     Q3_K_L -> Q5_K; Q4_K_M and Q5_K_M -> Q6_K when UseMoreBits(i, n_layer); Q4_K_S -> Q5_K for
//     i < n_layer / 8;
//   - attn_output.weight: Q2_K -> Q3_K; Q3_K_M -> Q4_K; Q3_K_L -> Q5_K;
//   - everything else keeps the base type.
// Norms and biases are never quantized (they stay F32). A "pure" mix (llama-quantize --pure, and
// the plain tensor type names Q3_K/Q4_K/Q5_K) gives every 2-D weight the base type.
// Last, as llama.cpp, a type whose block does not divide the row length falls back (Q4_K -> Q5_0,
// Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> IQ4_NL, then F16).
#ifndef EDGELLM_TOOLS_SYNTH_MIXES_H_
#define EDGELLM_TOOLS_SYNTH_MIXES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/plugin/ggml_types.h"

namespace edgellm::synth {

// llama.cpp's llama_ftype values: what general.file_type holds.
enum class FileType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ8_0 = 7,
  kQ5_0 = 8,
  kQ5_1 = 9,
  kQ2_K = 10,
  kQ3_K_S = 11,
  kQ3_K_M = 12,
  kQ3_K_L = 13,
  kQ4_K_S = 14,
  kQ4_K_M = 15,
  kQ5_K_S = 16,
  kQ5_K_M = 17,
  kQ6_K = 18,
  kBF16 = 32,
};

// llama-quantize's name of a file type ("Q4_K_M"), or nullptr for a value not in FileType.
const char* FileTypeName(uint32_t file_type);

struct QuantMix {
  std::string name;  // canonical upper-case spelling, e.g. "Q4_K_M"
  FileType file_type = FileType::kF32;
  uint32_t base_type = EDGE_GGML_TYPE_F32;  // the type of most 2-D weights
  bool pure = false;                     // every 2-D weight gets base_type
};

// Parses a --type value (case-insensitive): llama-quantize's file type names F32 F16 BF16 Q4_0
// Q4_1 Q5_0 Q5_1 Q8_0 Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_K_S Q4_K_M Q5_K_S Q5_K_M Q6_K, which follow
// llama.cpp's rules above unless `pure`; and the tensor type names Q3_K Q4_K Q5_K, which are
// always pure (their file type is the _M variant, as llama.cpp guesses for such a file).
// InvalidArgument listing the accepted names for anything else.
absl::StatusOr<QuantMix> ParseQuantMix(std::string_view name, bool pure);
// Every name ParseQuantMix accepts, in the order above.
std::vector<std::string> QuantMixNames();

// The weight matrices of a llama/qwen2 model (GGUF names without "blk.N." and ".weight").
enum class WeightRole {
  kTokenEmbd,
  kOutput,
  kAttnQ,
  kAttnK,
  kAttnV,
  kAttnOutput,
  kFfnGate,
  kFfnUp,
  kFfnDown,
};

struct MixModel {
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  bool has_output = true;  // false: tied embeddings (no output.weight)
};

// llama.cpp's use_more_bits: the first and last eighth of the layers, and every third in between.
bool UseMoreBits(int64_t layer, int64_t n_layer);

// The type the rules above give weight `role` of layer `layer` (ignored for token_embd/output),
// before the row-length fallback.
uint32_t ChooseWeightType(const QuantMix& mix, WeightRole role, int64_t layer,
                          const MixModel& model);

// Block size (elements) of a GGUF type id; NotFound when no quant format provides it.
using BlockSizeLookup = std::function<absl::StatusOr<int64_t>(uint32_t type_id)>;

// `type` when its block divides `row_length`, else llama.cpp's fallback chain. Errors: the
// lookup's; InvalidArgument when the type has no fallback (legacy types, F16 itself).
absl::StatusOr<uint32_t> FitRowLength(uint32_t type, int64_t row_length,
                                      const BlockSizeLookup& block_size);

}  // namespace edgellm::synth

#endif  // EDGELLM_TOOLS_SYNTH_MIXES_H_
