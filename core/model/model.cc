#include "core/model/model.h"

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace edgellm {
namespace {

std::string ShapeString(const int64_t* ne, int n) {
  std::vector<int64_t> dims(ne, ne + n);
  return absl::StrCat("[", absl::StrJoin(dims, ", "), "]");
}

}  // namespace

// Looks tensors up by name, checks their shapes, and remembers which ones were used.
class Model::Binder {
 public:
  explicit Binder(Model& model) : model_(model), file_(*model.file_) {}

  // The tensor `name`, which must have shape `shape` (ne[0] first; missing trailing dimensions
  // are 1, as llama.cpp's check); nullptr when it is absent and not required.
  absl::StatusOr<const Tensor*> Find(const std::string& name, std::vector<int64_t> shape,
                                     bool required) {
    const Tensor* t = file_.FindTensor(name);
    if (t == nullptr) {
      if (!required) return nullptr;
      return absl::NotFoundError(absl::StrFormat("%s: tensor '%s' is missing (%s model)",
                                                 file_.path(), name, model_.config_.architecture));
    }
    shape.resize(kMaxDims, 1);
    for (int i = 0; i < kMaxDims; ++i) {
      if (t->ne[i] != shape[i]) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: tensor '%s' has shape %s, expected %s", file_.path(), name,
            ShapeString(t->ne, t->n_dims), ShapeString(shape.data(), ShapeRank(shape))));
      }
    }
    used_.insert(name);
    return t;
  }

  absl::StatusOr<EdgeMatrixV1> Matrix(const std::string& name, int64_t n_cols, int64_t n_rows) {
    absl::StatusOr<const Tensor*> t = Find(name, {n_cols, n_rows}, true);
    if (!t.ok()) return t.status();
    absl::StatusOr<EdgeMatrixV1> m = model_.registry_->MakeMatrix(**t);
    if (!m.ok()) {
      return absl::Status(m.status().code(),
                          absl::StrCat(file_.path(), ": ", m.status().message()));
    }
    return m;
  }

  // A vector of n floats; nullptr when optional and absent. F32 data aligned for float is used in
  // place; anything else is dequantized once through its format.
  absl::StatusOr<const float*> Vector(const std::string& name, int64_t n, bool required) {
    absl::StatusOr<const Tensor*> found = Find(name, {n}, required);
    if (!found.ok()) return found.status();
    const Tensor* t = *found;
    if (t == nullptr) return nullptr;
    if (t->type_id == EDGE_GGML_TYPE_F32 &&
        reinterpret_cast<uintptr_t>(t->data) % alignof(float) == 0) {
      return static_cast<const float*>(t->data);
    }
    const QuantFormat* f = model_.registry_->FindFormat(t->type_id);
    // The file opened, so a plugin gave this type's layout; a registry always has the format then.
    auto values = std::make_unique<float[]>(static_cast<size_t>(n));
    f->ToFloat(t->data, values.get(), n);
    model_.dequantized_.push_back(std::move(values));
    return model_.dequantized_.back().get();
  }

  // InvalidArgument naming the first tensor of the file that no Find() asked for.
  absl::Status CheckAllUsed() const {
    for (const Tensor& t : file_.tensors()) {
      if (used_.count(t.name) == 0) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: tensor '%s' is not part of the %s graph edgellm runs: this model variant is not "
            "supported",
            file_.path(), t.name, model_.config_.architecture));
      }
    }
    return absl::OkStatus();
  }

 private:
  static int ShapeRank(const std::vector<int64_t>& shape) {
    int n = kMaxDims;
    while (n > 1 && shape[n - 1] == 1) --n;
    return n;
  }

  Model& model_;
  const GgufFile& file_;
  std::set<std::string> used_;
};

#define EDGELLM_BIND(lhs, expr)                               \
  do {                                                        \
    auto edgellm_value_ = (expr);                             \
    if (!edgellm_value_.ok()) return edgellm_value_.status(); \
    lhs = *std::move(edgellm_value_);                         \
  } while (0)

absl::StatusOr<std::unique_ptr<Model>> Model::Load(const std::string& path,
                                                   const PluginRegistry& registry) {
  auto model = std::unique_ptr<Model>(new Model());
  model->registry_ = &registry;
  EDGELLM_BIND(model->file_, GgufFile::Open(path, [&registry](uint32_t id) {
                 return registry.LookupLayout(id);
               }));
  EDGELLM_BIND(model->config_, ModelConfig::FromGguf(*model->file_));
  for (const Tensor& t : model->file_->tensors()) model->parameter_count_ += t.n_elements();

  const ModelConfig& c = model->config_;
  const int64_t E = c.n_embd, Q = c.n_embd_q(), KV = c.n_embd_kv(), F = c.n_ff, V = c.n_vocab;
  const bool qwen2 = c.architecture == "qwen2";
  Binder b(*model);

  EDGELLM_BIND(model->token_embd_, b.Find("token_embd.weight", {E, V}, true));
  model->token_embd_format_ = registry.FindFormat(model->token_embd_->type_id);
  if (absl::Status s = model->token_embd_format_->CheckRowLength(E); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: tensor 'token_embd.weight': %s", path, s.message()));
  }
  EDGELLM_BIND(model->output_norm_, b.Vector("output_norm.weight", E, true));
  const Tensor* output = nullptr;
  EDGELLM_BIND(output, b.Find("output.weight", {E, V}, false));
  model->tied_embeddings_ = output == nullptr;
  EDGELLM_BIND(model->output_,
               b.Matrix(output != nullptr ? "output.weight" : "token_embd.weight", E, V));

  model->layers_.resize(static_cast<size_t>(c.n_layer));
  for (int64_t l = 0; l < c.n_layer; ++l) {
    LayerWeights& w = model->layers_[static_cast<size_t>(l)];
    const std::string p = absl::StrCat("blk.", l, ".");
    EDGELLM_BIND(w.attn_norm, b.Vector(p + "attn_norm.weight", E, true));
    EDGELLM_BIND(w.wq, b.Matrix(p + "attn_q.weight", E, Q));
    EDGELLM_BIND(w.wk, b.Matrix(p + "attn_k.weight", E, KV));
    EDGELLM_BIND(w.wv, b.Matrix(p + "attn_v.weight", E, KV));
    EDGELLM_BIND(w.bq, b.Vector(p + "attn_q.bias", Q, qwen2));
    EDGELLM_BIND(w.bk, b.Vector(p + "attn_k.bias", KV, qwen2));
    EDGELLM_BIND(w.bv, b.Vector(p + "attn_v.bias", KV, qwen2));
    EDGELLM_BIND(w.wo, b.Matrix(p + "attn_output.weight", Q, E));
    if (!qwen2) EDGELLM_BIND(w.bo, b.Vector(p + "attn_output.bias", E, false));
    EDGELLM_BIND(w.ffn_norm, b.Vector(p + "ffn_norm.weight", E, true));
    EDGELLM_BIND(w.ffn_gate, b.Matrix(p + "ffn_gate.weight", E, F));
    EDGELLM_BIND(w.ffn_up, b.Matrix(p + "ffn_up.weight", E, F));
    EDGELLM_BIND(w.ffn_down, b.Matrix(p + "ffn_down.weight", F, E));
  }
  if (absl::Status s = b.CheckAllUsed(); !s.ok()) return s;
  return model;
}

#undef EDGELLM_BIND

}  // namespace edgellm
