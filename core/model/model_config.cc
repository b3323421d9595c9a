#include "core/model/model_config.h"

#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace edgellm {
namespace {

// Dimensions above this are refused: products of two stay far from int64 overflow, and no real
// model comes near it.
constexpr int64_t kMaxDimension = int64_t{1} << 31;

class Reader {
 public:
  Reader(const GgufFile& file, std::string arch) : file_(file), arch_(std::move(arch)) {}

  std::string Key(const char* suffix) const { return absl::StrCat(arch_, ".", suffix); }

  // A positive dimension; `fallback` (when > 0) if the key is absent.
  absl::StatusOr<int64_t> Dimension(const char* suffix, int64_t fallback = 0) const {
    const std::string key = Key(suffix);
    if (fallback > 0 && file_.FindMetadata(key) == nullptr) return fallback;
    absl::StatusOr<int64_t> v = file_.GetInt(key);
    if (!v.ok()) return v.status();
    if (*v <= 0 || *v >= kMaxDimension) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: metadata '%s' is %d: must be positive and below 2^31", file_.path(), key, *v));
    }
    return *v;
  }

  // A float; `fallback` when the key is absent.
  absl::StatusOr<double> Float(const char* suffix, double fallback) const {
    const std::string key = Key(suffix);
    if (file_.FindMetadata(key) == nullptr) return fallback;
    return file_.GetFloat(key);
  }

  absl::Status Invalid(const char* suffix, const std::string& what) const {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: metadata '%s' %s", file_.path(), Key(suffix), what));
  }

 private:
  const GgufFile& file_;
  std::string arch_;
};

// lhs = *expr, or return expr's error.
#define EDGELLM_ASSIGN(lhs, expr)                             \
  do {                                                        \
    auto edgellm_value_ = (expr);                             \
    if (!edgellm_value_.ok()) return edgellm_value_.status(); \
    lhs = *edgellm_value_;                                    \
  } while (0)

absl::StatusOr<int64_t> VocabSize(const GgufFile& file) {
  const GgufValue* tokens = file.FindMetadata("tokenizer.ggml.tokens");
  const Tensor* embd = file.FindTensor("token_embd.weight");
  if (embd != nullptr) {
    if (tokens != nullptr && tokens->is_array() &&
        static_cast<int64_t>(tokens->size()) != embd->ne[1]) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: tokenizer.ggml.tokens has %d tokens but token_embd.weight has %d rows", file.path(),
          tokens->size(), embd->ne[1]));
    }
    return embd->ne[1];
  }
  if (tokens == nullptr) {
    return absl::NotFoundError(
        absl::StrFormat("%s: no vocabulary size: neither tensor 'token_embd.weight' nor metadata "
                        "'tokenizer.ggml.tokens' is present",
                        file.path()));
  }
  absl::StatusOr<const std::vector<std::string>*> list =
      file.GetStringArray("tokenizer.ggml.tokens");
  if (!list.ok()) return list.status();
  if ((*list)->empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: metadata 'tokenizer.ggml.tokens' is empty", file.path()));
  }
  return static_cast<int64_t>((*list)->size());
}

}  // namespace

absl::StatusOr<ModelConfig> ModelConfig::FromGguf(const GgufFile& file) {
  ModelConfig c;
  EDGELLM_ASSIGN(c.architecture, file.GetString("general.architecture"));
  if (c.architecture == "llama") {
    c.rope_mode = EDGE_ROPE_NORMAL;
  } else if (c.architecture == "qwen2") {
    c.rope_mode = EDGE_ROPE_NEOX;
  } else {
    return absl::InvalidArgumentError(
        absl::StrFormat("unsupported architecture '%s' in %s: edgellm runs llama and qwen2",
                        c.architecture, file.path()));
  }
  const Reader r(file, c.architecture);

  if (file.FindMetadata(r.Key("expert_count")) != nullptr) {
    absl::StatusOr<int64_t> experts = file.GetInt(r.Key("expert_count"));
    if (!experts.ok()) return experts.status();
    if (*experts > 0) {
      return r.Invalid("expert_count", "is set: mixture-of-experts models are not supported");
    }
  }

  EDGELLM_ASSIGN(c.n_ctx_train, r.Dimension("context_length"));
  EDGELLM_ASSIGN(c.n_embd, r.Dimension("embedding_length"));
  EDGELLM_ASSIGN(c.n_layer, r.Dimension("block_count"));
  EDGELLM_ASSIGN(c.n_ff, r.Dimension("feed_forward_length"));
  EDGELLM_ASSIGN(c.n_head, r.Dimension("attention.head_count"));
  EDGELLM_ASSIGN(c.n_head_kv, r.Dimension("attention.head_count_kv", c.n_head));
  if (c.n_head % c.n_head_kv != 0) {
    return r.Invalid(
        "attention.head_count_kv",
        absl::StrFormat("is %d: must divide attention.head_count (%d)", c.n_head_kv, c.n_head));
  }

  // head_dim is n_embd / n_head unless key_length says otherwise (as in llama.cpp).
  int64_t default_head_dim = 0;
  if (c.n_embd % c.n_head == 0) default_head_dim = c.n_embd / c.n_head;
  if (file.FindMetadata(r.Key("attention.key_length")) == nullptr && default_head_dim == 0) {
    return r.Invalid("attention.head_count",
                     absl::StrFormat("is %d, which does not divide embedding_length (%d), and "
                                     "attention.key_length is absent",
                                     c.n_head, c.n_embd));
  }
  EDGELLM_ASSIGN(c.head_dim, r.Dimension("attention.key_length", default_head_dim));
  int64_t value_length = 0;
  EDGELLM_ASSIGN(value_length, r.Dimension("attention.value_length", c.head_dim));
  if (value_length != c.head_dim) {
    return r.Invalid("attention.value_length",
                     absl::StrFormat("is %d but attention.key_length is %d: edgellm needs them "
                                     "equal",
                                     value_length, c.head_dim));
  }

  double eps = 0.0;
  EDGELLM_ASSIGN(eps, file.GetFloat(r.Key("attention.layer_norm_rms_epsilon")));
  if (!(eps > 0.0 && eps < 1.0)) {
    return r.Invalid("attention.layer_norm_rms_epsilon",
                     absl::StrFormat("is %g: must lie in (0, 1)", eps));
  }
  c.rms_eps = static_cast<float>(eps);

  int64_t n_rot = 0;
  EDGELLM_ASSIGN(n_rot, r.Dimension("rope.dimension_count", c.head_dim));
  if (n_rot > c.head_dim || n_rot % 2 != 0) {
    return r.Invalid(
        "rope.dimension_count",
        absl::StrFormat("is %d: must be even and at most the head size %d", n_rot, c.head_dim));
  }
  c.n_rot = static_cast<int32_t>(n_rot);

  double base = 0.0;
  EDGELLM_ASSIGN(base, r.Float("rope.freq_base", 10000.0));
  if (!(base > 1.0 && std::isfinite(base))) {
    return r.Invalid("rope.freq_base", absl::StrFormat("is %g: must be a finite number > 1", base));
  }
  c.rope_freq_base = static_cast<float>(base);

  // llama.cpp: the factor applies as freq_scale = 1/factor for none and linear scaling; yarn and
  // longrope change the rotation itself, which edgellm's RoPE op does not implement.
  if (file.FindMetadata(r.Key("rope.scaling.type")) != nullptr) {
    std::string type;
    EDGELLM_ASSIGN(type, file.GetString(r.Key("rope.scaling.type")));
    if (type != "none" && type != "linear") {
      return r.Invalid("rope.scaling.type",
                       absl::StrFormat("is '%s': edgellm supports only none and linear", type));
    }
  }
  double factor = 0.0;
  EDGELLM_ASSIGN(factor, r.Float("rope.scaling.factor", 0.0));
  if (factor == 0.0) EDGELLM_ASSIGN(factor, r.Float("rope.scale_linear", 0.0));  // older key
  if (factor != 0.0) {
    if (!(factor > 0.0 && std::isfinite(factor))) {
      return r.Invalid("rope.scaling.factor",
                       absl::StrFormat("is %g: must be a finite positive number", factor));
    }
    c.rope_freq_scale = 1.0f / static_cast<float>(factor);  // in float, as llama.cpp
  }

  EDGELLM_ASSIGN(c.n_vocab, VocabSize(file));
  return c;
}

#undef EDGELLM_ASSIGN

}  // namespace edgellm
