#include "tools/synth/mixes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/gguf/ggml_type_names.h"

namespace edgellm::synth {
namespace {

struct MixEntry {
  const char* name;
  FileType file_type;
  uint32_t base_type;
  bool always_pure;
};

// llama-quantize's file types, then the plain k-quant tensor types.
constexpr MixEntry kMixes[] = {
    {"F32", FileType::kF32, EDGE_GGML_TYPE_F32, false},
    {"F16", FileType::kF16, EDGE_GGML_TYPE_F16, false},
    {"BF16", FileType::kBF16, EDGE_GGML_TYPE_BF16, false},
    {"Q4_0", FileType::kQ4_0, EDGE_GGML_TYPE_Q4_0, false},
    {"Q4_1", FileType::kQ4_1, EDGE_GGML_TYPE_Q4_1, false},
    {"Q5_0", FileType::kQ5_0, EDGE_GGML_TYPE_Q5_0, false},
    {"Q5_1", FileType::kQ5_1, EDGE_GGML_TYPE_Q5_1, false},
    {"Q8_0", FileType::kQ8_0, EDGE_GGML_TYPE_Q8_0, false},
    {"Q2_K", FileType::kQ2_K, EDGE_GGML_TYPE_Q2_K, false},
    {"Q3_K_S", FileType::kQ3_K_S, EDGE_GGML_TYPE_Q3_K, false},
    {"Q3_K_M", FileType::kQ3_K_M, EDGE_GGML_TYPE_Q3_K, false},
    {"Q3_K_L", FileType::kQ3_K_L, EDGE_GGML_TYPE_Q3_K, false},
    {"Q4_K_S", FileType::kQ4_K_S, EDGE_GGML_TYPE_Q4_K, false},
    {"Q4_K_M", FileType::kQ4_K_M, EDGE_GGML_TYPE_Q4_K, false},
    {"Q5_K_S", FileType::kQ5_K_S, EDGE_GGML_TYPE_Q5_K, false},
    {"Q5_K_M", FileType::kQ5_K_M, EDGE_GGML_TYPE_Q5_K, false},
    {"Q6_K", FileType::kQ6_K, EDGE_GGML_TYPE_Q6_K, false},
    {"Q3_K", FileType::kQ3_K_M, EDGE_GGML_TYPE_Q3_K, true},
    {"Q4_K", FileType::kQ4_K_M, EDGE_GGML_TYPE_Q4_K, true},
    {"Q5_K", FileType::kQ5_K_M, EDGE_GGML_TYPE_Q5_K, true},
};

bool IsQuantized(uint32_t type) {
  return type != EDGE_GGML_TYPE_F32 && type != EDGE_GGML_TYPE_F16 && type != EDGE_GGML_TYPE_BF16;
}

}  // namespace

const char* FileTypeName(uint32_t file_type) {
  for (const MixEntry& m : kMixes) {
    if (!m.always_pure && static_cast<uint32_t>(m.file_type) == file_type) return m.name;
  }
  return nullptr;
}

std::vector<std::string> QuantMixNames() {
  std::vector<std::string> names;
  for (const MixEntry& m : kMixes) names.push_back(m.name);
  return names;
}

absl::StatusOr<QuantMix> ParseQuantMix(std::string_view name, bool pure) {
  const std::string upper = absl::AsciiStrToUpper(std::string(name));
  for (const MixEntry& m : kMixes) {
    if (upper == m.name) return QuantMix{m.name, m.file_type, m.base_type, pure || m.always_pure};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown type '", std::string(name), "'; use one of ", absl::StrJoin(QuantMixNames(), " ")));
}

bool UseMoreBits(int64_t layer, int64_t n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

uint32_t ChooseWeightType(const QuantMix& mix, WeightRole role, int64_t layer,
                          const MixModel& model) {
  const uint32_t base = mix.base_type;
  // llama.cpp applies its rules only when quantizing to a quantized type.
  if (mix.pure || !IsQuantized(base)) return base;
  const FileType ft = mix.file_type;
  const bool is_output =
      role == WeightRole::kOutput || (role == WeightRole::kTokenEmbd && !model.has_output);
  if (is_output) return base == EDGE_GGML_TYPE_Q8_0 ? EDGE_GGML_TYPE_Q8_0 : EDGE_GGML_TYPE_Q6_K;
  const int64_t n = model.n_layer;
  switch (role) {
    case WeightRole::kAttnV:
      if (ft == FileType::kQ2_K) {
        return model.n_head / model.n_head_kv >= 4 ? EDGE_GGML_TYPE_Q4_K : EDGE_GGML_TYPE_Q3_K;
      }
      if (ft == FileType::kQ3_K_M) return layer < 2 ? EDGE_GGML_TYPE_Q5_K : EDGE_GGML_TYPE_Q4_K;
      if (ft == FileType::kQ3_K_L) return EDGE_GGML_TYPE_Q5_K;
      if ((ft == FileType::kQ4_K_M || ft == FileType::kQ5_K_M) && UseMoreBits(layer, n)) {
        return EDGE_GGML_TYPE_Q6_K;
      }
      if (ft == FileType::kQ4_K_S && layer < 4) return EDGE_GGML_TYPE_Q5_K;
      return base;
    case WeightRole::kFfnDown:
      if (ft == FileType::kQ2_K) return EDGE_GGML_TYPE_Q3_K;
      if (ft == FileType::kQ3_K_M) return layer < n / 16 ? EDGE_GGML_TYPE_Q5_K : EDGE_GGML_TYPE_Q4_K;
      if (ft == FileType::kQ3_K_L) return EDGE_GGML_TYPE_Q5_K;
      if ((ft == FileType::kQ4_K_M || ft == FileType::kQ5_K_M) && UseMoreBits(layer, n)) {
        return EDGE_GGML_TYPE_Q6_K;
      }
      if (ft == FileType::kQ4_K_S && layer < n / 8) return EDGE_GGML_TYPE_Q5_K;
      return base;
    case WeightRole::kAttnOutput:
      if (ft == FileType::kQ2_K) return EDGE_GGML_TYPE_Q3_K;
      if (ft == FileType::kQ3_K_M) return EDGE_GGML_TYPE_Q4_K;
      if (ft == FileType::kQ3_K_L) return EDGE_GGML_TYPE_Q5_K;
      return base;
    default:
      return base;
  }
}

absl::StatusOr<uint32_t> FitRowLength(uint32_t type, int64_t row_length,
                                      const BlockSizeLookup& block_size) {
  absl::StatusOr<int64_t> block = block_size(type);
  if (!block.ok()) return block.status();
  if (row_length % *block == 0) return type;
  uint32_t fallback;
  switch (type) {
    case EDGE_GGML_TYPE_Q2_K:
    case EDGE_GGML_TYPE_Q3_K:
      fallback = EDGE_GGML_TYPE_IQ4_NL;
      break;
    case EDGE_GGML_TYPE_Q4_K:
      fallback = EDGE_GGML_TYPE_Q5_0;
      break;
    case EDGE_GGML_TYPE_Q5_K:
      fallback = EDGE_GGML_TYPE_Q5_1;
      break;
    case EDGE_GGML_TYPE_Q6_K:
      fallback = EDGE_GGML_TYPE_Q8_0;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "rows of %d elements do not fit %s's blocks of %d, and %s has no fallback type: "
          "choose a row length that is a multiple of %d",
          row_length, GgmlTypeName(type), *block, GgmlTypeName(type), *block));
  }
  absl::StatusOr<int64_t> fallback_block = block_size(fallback);
  if (!fallback_block.ok()) return fallback_block.status();
  return row_length % *fallback_block == 0 ? fallback : EDGE_GGML_TYPE_F16;
}

}  // namespace edgellm::synth
