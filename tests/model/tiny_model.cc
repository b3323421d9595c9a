#include "tests/model/tiny_model.h"

#include <cmath>
#include <cstdlib>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/gguf/gguf_writer.h"
#include "core/quant_format.h"

namespace edgellm::testing {
namespace {

struct TensorPlan {
  std::string name;
  std::vector<int64_t> ne;
  uint32_t type;
  enum Init { kNorm, kMatrix, kBias, kEmbedding } init;
};

std::vector<TensorPlan> Plan(const TinySpec& s) {
  const int64_t E = s.n_embd, Q = s.n_head * (s.n_embd / s.n_head),
                KV = s.n_head_kv * (s.n_embd / s.n_head), F = s.n_ff, V = s.n_vocab;
  std::vector<TensorPlan> plan = {
      {"token_embd.weight", {E, V}, s.weight_type, TensorPlan::kEmbedding},
      {"output_norm.weight", {E}, s.norm_type, TensorPlan::kNorm},
  };
  if (!s.tied) plan.push_back({"output.weight", {E, V}, s.weight_type, TensorPlan::kMatrix});
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    plan.push_back({p + "attn_norm.weight", {E}, s.norm_type, TensorPlan::kNorm});
    plan.push_back({p + "attn_q.weight", {E, Q}, s.weight_type, TensorPlan::kMatrix});
    plan.push_back({p + "attn_k.weight", {E, KV}, s.weight_type, TensorPlan::kMatrix});
    plan.push_back({p + "attn_v.weight", {E, KV}, s.weight_type, TensorPlan::kMatrix});
    if (s.qkv_bias) {
      plan.push_back({p + "attn_q.bias", {Q}, s.norm_type, TensorPlan::kBias});
      plan.push_back({p + "attn_k.bias", {KV}, s.norm_type, TensorPlan::kBias});
      plan.push_back({p + "attn_v.bias", {KV}, s.norm_type, TensorPlan::kBias});
    }
    plan.push_back({p + "attn_output.weight", {Q, E}, s.weight_type, TensorPlan::kMatrix});
    plan.push_back({p + "ffn_norm.weight", {E}, s.norm_type, TensorPlan::kNorm});
    plan.push_back({p + "ffn_gate.weight", {E, F}, s.weight_type, TensorPlan::kMatrix});
    plan.push_back({p + "ffn_up.weight", {E, F}, s.weight_type, TensorPlan::kMatrix});
    plan.push_back({p + "ffn_down.weight", {F, E}, s.weight_type, TensorPlan::kMatrix});
  }
  for (const std::string& name : s.extra_tensors) {
    plan.push_back({name, {E}, 0, TensorPlan::kBias});
  }
  return plan;
}

std::vector<std::pair<std::string, GgufValue>> Metadata(const TinySpec& s) {
  const std::string a = s.arch;
  std::vector<std::pair<std::string, GgufValue>> kv = {
      {"general.architecture", GgufValue::String(a)},
      {a + ".context_length", GgufValue::Of(static_cast<uint32_t>(s.n_ctx_train))},
      {a + ".embedding_length", GgufValue::Of(static_cast<uint32_t>(s.n_embd))},
      {a + ".block_count", GgufValue::Of(static_cast<uint32_t>(s.n_layer))},
      {a + ".feed_forward_length", GgufValue::Of(static_cast<uint32_t>(s.n_ff))},
      {a + ".attention.head_count", GgufValue::Of(static_cast<uint32_t>(s.n_head))},
      {a + ".attention.head_count_kv", GgufValue::Of(static_cast<uint32_t>(s.n_head_kv))},
      {a + ".attention.layer_norm_rms_epsilon", GgufValue::Of(s.rms_eps)},
  };
  if (s.n_rot > 0) {
    kv.push_back({a + ".rope.dimension_count", GgufValue::Of(static_cast<uint32_t>(s.n_rot))});
  }
  if (s.freq_base > 0) kv.push_back({a + ".rope.freq_base", GgufValue::Of(s.freq_base)});
  if (s.rope_scale > 0) {
    kv.push_back({a + ".rope.scaling.type", GgufValue::String("linear")});
    kv.push_back({a + ".rope.scaling.factor", GgufValue::Of(s.rope_scale)});
  }
  std::vector<std::pair<std::string, GgufValue>> out;
  for (auto& [key, value] : kv) {
    if (s.drop_keys.count(key) != 0) continue;
    auto it = s.set_keys.find(key);
    out.emplace_back(key, it != s.set_keys.end() ? it->second : value);
  }
  for (const auto& [key, value] : s.set_keys) {
    bool present = false;
    for (const auto& [k, v] : out) present = present || k == key;
    if (!present) out.emplace_back(key, value);
  }
  return out;
}

// RMSNorm of n values times w.
std::vector<double> RmsNorm(const double* x, const std::vector<float>& w, int64_t n, double eps) {
  double ss = 0;
  for (int64_t i = 0; i < n; ++i) ss += x[i] * x[i];
  const double scale = 1.0 / std::sqrt(ss / n + eps);
  std::vector<double> y(n);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale * w[i];
  return y;
}

// y = W x for W stored as rows of n_cols.
std::vector<double> MatVec(const std::vector<float>& w, const std::vector<double>& x,
                           int64_t n_rows) {
  const int64_t n_cols = static_cast<int64_t>(x.size());
  std::vector<double> y(n_rows, 0.0);
  for (int64_t r = 0; r < n_rows; ++r) {
    for (int64_t c = 0; c < n_cols; ++c) y[r] += static_cast<double>(w[r * n_cols + c]) * x[c];
  }
  return y;
}

void AddBias(std::vector<double>& y, const TinyWeights& w, const std::string& name) {
  auto it = w.find(name);
  if (it == w.end()) return;
  for (size_t i = 0; i < y.size(); ++i) y[i] += it->second[i];
}

// RoPE on one head of head_dim values at position pos (ggml_rope_ext without YaRN).
void Rope(double* v, int64_t pos, const TinySpec& s, int64_t head_dim) {
  const int64_t n_rot = s.n_rot > 0 ? s.n_rot : head_dim;
  const double base = s.freq_base > 0 ? s.freq_base : 10000.0;
  const double scale = s.rope_scale > 0 ? 1.0 / s.rope_scale : 1.0;
  for (int64_t i = 0; i < n_rot / 2; ++i) {
    const double theta = pos * scale * std::pow(base, -2.0 * i / n_rot);
    const int64_t a = s.arch == "qwen2" ? i : 2 * i;
    const int64_t b = s.arch == "qwen2" ? i + n_rot / 2 : 2 * i + 1;
    const double x0 = v[a], x1 = v[b];
    v[a] = x0 * std::cos(theta) - x1 * std::sin(theta);
    v[b] = x0 * std::sin(theta) + x1 * std::cos(theta);
  }
}

}  // namespace

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

absl::Status WriteTinyModel(const PluginRegistry& registry, const TinySpec& spec,
                            const std::string& path, TinyWeights* weights) {
  GgufWriter writer;
  for (auto& [key, value] : Metadata(spec)) {
    if (absl::Status s = writer.AddMetadata(key, value); !s.ok()) return s;
  }
  std::mt19937_64 rng(spec.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (TensorPlan& t : Plan(spec)) {
    if (spec.drop_tensors.count(t.name) != 0) continue;
    if (auto it = spec.reshape.find(t.name); it != spec.reshape.end()) t.ne = it->second;
    int64_t n = 1;
    for (int64_t d : t.ne) n *= d;
    std::vector<float> v(static_cast<size_t>(n));
    const float matrix_scale = 1.0f / std::sqrt(static_cast<float>(t.ne[0]));
    for (float& x : v) {
      const float g = normal(rng);
      switch (t.init) {
        case TensorPlan::kNorm:
          x = 1.0f + 0.1f * g;
          break;
        case TensorPlan::kMatrix:
          x = matrix_scale * g;
          break;
        case TensorPlan::kBias:
          x = 0.1f * g;
          break;
        case TensorPlan::kEmbedding:
          x = g;
          break;
      }
    }
    const QuantFormat* f = registry.FindFormat(t.type);
    if (f == nullptr) return absl::NotFoundError(absl::StrCat("no plugin for type ", t.type));
    std::string bytes(f->RowBytes(t.ne[0]) * static_cast<size_t>(n / t.ne[0]), '\0');
    f->FromFloatRef(v.data(), bytes.data(), n);
    f->ToFloat(bytes.data(), v.data(), n);  // keep exactly what the file holds
    if (absl::Status s = writer.AddTensor(t.name, f->layout(), t.ne, std::move(bytes)); !s.ok()) {
      return s;
    }
    if (weights != nullptr) (*weights)[t.name] = std::move(v);
  }
  return writer.WriteFile(path);
}

std::vector<double> ReferenceForward(const TinySpec& s, const TinyWeights& w,
                                     const std::vector<int32_t>& tokens) {
  const int64_t E = s.n_embd, hd = s.n_embd / s.n_head, Q = s.n_head * hd, KV = s.n_head_kv * hd,
                F = s.n_ff, V = s.n_vocab;
  const int64_t T = static_cast<int64_t>(tokens.size());
  std::vector<std::vector<double>> x(T, std::vector<double>(E));
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t i = 0; i < E; ++i) x[t][i] = w.at("token_embd.weight")[tokens[t] * E + i];
  }
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    std::vector<std::vector<double>> q(T), k(T), v(T);
    for (int64_t t = 0; t < T; ++t) {
      const std::vector<double> xn =
          RmsNorm(x[t].data(), w.at(p + "attn_norm.weight"), E, s.rms_eps);
      q[t] = MatVec(w.at(p + "attn_q.weight"), xn, Q);
      k[t] = MatVec(w.at(p + "attn_k.weight"), xn, KV);
      v[t] = MatVec(w.at(p + "attn_v.weight"), xn, KV);
      AddBias(q[t], w, p + "attn_q.bias");
      AddBias(k[t], w, p + "attn_k.bias");
      AddBias(v[t], w, p + "attn_v.bias");
      for (int64_t h = 0; h < s.n_head; ++h) Rope(q[t].data() + h * hd, t, s, hd);
      for (int64_t h = 0; h < s.n_head_kv; ++h) Rope(k[t].data() + h * hd, t, s, hd);
    }
    for (int64_t t = 0; t < T; ++t) {
      std::vector<double> attn(Q, 0.0);
      for (int64_t h = 0; h < s.n_head; ++h) {
        const int64_t kvh = h / (s.n_head / s.n_head_kv);
        std::vector<double> score(t + 1);
        double mx = -1e300;
        for (int64_t p2 = 0; p2 <= t; ++p2) {
          double d = 0;
          for (int64_t i = 0; i < hd; ++i) d += q[t][h * hd + i] * k[p2][kvh * hd + i];
          score[p2] = d / std::sqrt(static_cast<double>(hd));
          mx = std::max(mx, score[p2]);
        }
        double sum = 0;
        for (double& sc : score) sum += (sc = std::exp(sc - mx));
        for (int64_t p2 = 0; p2 <= t; ++p2) {
          for (int64_t i = 0; i < hd; ++i) {
            attn[h * hd + i] += score[p2] / sum * v[p2][kvh * hd + i];
          }
        }
      }
      const std::vector<double> o = MatVec(w.at(p + "attn_output.weight"), attn, E);
      for (int64_t i = 0; i < E; ++i) x[t][i] += o[i];
      const std::vector<double> xn =
          RmsNorm(x[t].data(), w.at(p + "ffn_norm.weight"), E, s.rms_eps);
      std::vector<double> g = MatVec(w.at(p + "ffn_gate.weight"), xn, F);
      const std::vector<double> u = MatVec(w.at(p + "ffn_up.weight"), xn, F);
      for (int64_t i = 0; i < F; ++i) g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
      const std::vector<double> d = MatVec(w.at(p + "ffn_down.weight"), g, E);
      for (int64_t i = 0; i < E; ++i) x[t][i] += d[i];
    }
  }
  const std::vector<float>& out =
      w.count("output.weight") != 0 ? w.at("output.weight") : w.at("token_embd.weight");
  std::vector<double> logits;
  for (int64_t t = 0; t < T; ++t) {
    const std::vector<double> xn = RmsNorm(x[t].data(), w.at("output_norm.weight"), E, s.rms_eps);
    const std::vector<double> row = MatVec(out, xn, V);
    logits.insert(logits.end(), row.begin(), row.end());
  }
  return logits;
}

}  // namespace edgellm::testing
