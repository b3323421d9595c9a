// Every model of ../shared/golden/models against llama.cpp, on every loaded backend: the logits
// at the last prompt position and after each of the first 3 greedy tokens, then the greedy
// continuation. See ../shared/golden/README.md for the data.
//
// Tolerances: float models (F32/F16 weights) match logits within 1e-3 absolute; quantized ones
// must agree on the argmax with cosine similarity >= 0.999 (activations are quantized, and the
// sums of a SIMD kernel may differ from ggml's in the last bits, which can move a rounding
// boundary). Greedy tokens must match entirely for F32/F16/BF16/Q8_0 models and for the first 16
// tokens for other quantized models (random-weight models have near-ties later on).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/model/inference_context.h"
#include "core/model/model.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/shared_data.h"

namespace edgellm {
namespace {

namespace fs = std::filesystem;
using edgellm::testing::ReadFileOrDie;
using edgellm::testing::ReadFloats;
using edgellm::testing::SharedDir;

constexpr int kLogitSteps = 4;
constexpr size_t kQuantizedGreedyPrefix = 16;

// Loaded once per binary and never freed: models and backends must not outlive their plugins.
const absl::StatusOr<std::unique_ptr<PluginRegistry>>& Plugins() {
  static const auto* plugins = new absl::StatusOr<std::unique_ptr<PluginRegistry>>(LoadPlugins(""));
  return *plugins;
}

struct GoldenParam {
  std::string json;  // file name in golden/models, "" when the shared folder is absent
  std::string backend;
};

std::string ParamName(const ::testing::TestParamInfo<GoldenParam>& info) {
  std::string name = info.param.json.empty() ? "no_shared_data" : info.param.json;
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json") name.resize(name.size() - 5);
  name = absl::StrCat(name, "_", info.param.backend);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

std::vector<GoldenParam> Params() {
  std::vector<std::string> backends;
  if (Plugins().ok()) {
    for (const BackendPlugin* b : (*Plugins())->backends()) backends.push_back(b->name());
  }
  if (backends.empty()) backends.push_back("none");
  std::set<std::string> jsons;
  const fs::path dir = fs::path(SharedDir()) / "golden" / "models";
  std::error_code ec;
  if (!SharedDir().empty() && fs::is_directory(dir, ec)) {
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".json") jsons.insert(e.path().filename().string());
    }
  }
  if (jsons.empty()) jsons.insert("");
  std::vector<GoldenParam> out;
  for (const std::string& j : jsons) {
    for (const std::string& b : backends) out.push_back({j, b});
  }
  return out;
}

// The model file named `name` anywhere under shared/models, or "".
std::string FindModel(const std::string& name) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(fs::path(SharedDir()) / "models", ec), end;
       it != end; it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && it->path().filename() == name) return it->path().string();
  }
  return "";
}

// How closely a model must track llama.cpp, from the types of its weight matrices.
struct Strictness {
  bool exact_logits;  // max-abs <= 1e-3, else argmax + cosine
  bool full_greedy;   // every greedy token, else the first kQuantizedGreedyPrefix
};

Strictness StrictnessOf(const Model& model) {
  constexpr uint32_t kF32 = 0, kF16 = 1, kQ8_0 = 8, kBF16 = 30;
  bool float_only = true, full = true;
  for (const Tensor& t : model.file().tensors()) {
    if (t.type_id == kF32 || t.type_id == kF16) continue;
    float_only = false;
    if (t.type_id != kBF16 && t.type_id != kQ8_0) full = false;
  }
  return {float_only, full};
}

int64_t ArgMax(const float* v, int64_t n) { return std::max_element(v, v + n) - v; }

double Cosine(const float* a, const float* b, int64_t n) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < n; ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

class ModelGoldenTest : public ::testing::TestWithParam<GoldenParam> {};

TEST_P(ModelGoldenTest, LogitsAndGreedyMatchLlamaCpp) {
  EDGELLM_REQUIRE_SHARED();
  ASSERT_TRUE(Plugins().ok()) << Plugins().status();
  const PluginRegistry& registry = **Plugins();
  const GoldenParam& p = GetParam();
  ASSERT_FALSE(p.json.empty()) << "no golden/models/*.json in " << SharedDir();
  const BackendPlugin* plugin = registry.FindBackend(p.backend);
  ASSERT_NE(plugin, nullptr) << "no backend loaded";

  const std::string dir = SharedDir() + "/golden/models/";
  const nlohmann::json golden = nlohmann::json::parse(ReadFileOrDie(dir + p.json));
  const std::string model_path = FindModel(golden.at("model").get<std::string>());
  ASSERT_FALSE(model_path.empty()) << golden.at("model") << " not found under shared/models";
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(model_path, registry);
  ASSERT_TRUE(model.ok()) << model.status();
  const int64_t n_vocab = (*model)->n_vocab();
  ASSERT_EQ(n_vocab, golden.at("n_vocab").get<int64_t>());
  const Strictness strict = StrictnessOf(**model);

  absl::StatusOr<std::unique_ptr<Backend>> backend = plugin->Create(2);
  ASSERT_TRUE(backend.ok()) << backend.status();
  ContextOptions options;
  options.n_ctx = 512;  // as llama.cpp was run
  absl::StatusOr<std::unique_ptr<InferenceContext>> ctx =
      InferenceContext::Create(**model, backend->get(), options);
  ASSERT_TRUE(ctx.ok()) << ctx.status();

  const std::vector<float> all_logits =
      ReadFloats(dir + golden.at("logits_file").get<std::string>());
  const nlohmann::json& cases = golden.at("cases");
  ASSERT_EQ(all_logits.size(), cases.size() * kLogitSteps * static_cast<size_t>(n_vocab));

  std::vector<float> logits(static_cast<size_t>(n_vocab));
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    SCOPED_TRACE(absl::StrCat("case ", ci, ": \"", cases[ci].at("prompt").get<std::string>(),
                              "\""));
    const std::vector<int32_t> prompt = cases[ci].at("prompt_tokens").get<std::vector<int32_t>>();
    const std::vector<int32_t> expected =
        cases[ci].at("greedy_tokens").get<std::vector<int32_t>>();
    (*ctx)->Reset();
    absl::Status prefill = (*ctx)->Eval(prompt, logits.data());
    ASSERT_TRUE(prefill.ok()) << prefill;

    std::vector<int32_t> got;
    for (size_t step = 0; step < expected.size(); ++step) {
      if (step > 0) {
        const int32_t token = got.back();
        absl::Status s = (*ctx)->Eval({&token, 1}, logits.data());
        ASSERT_TRUE(s.ok()) << s;
      }
      // Logit rows are for llama.cpp's inputs: compare them while our tokens equal its tokens.
      if (step < kLogitSteps &&
          std::equal(got.begin(), got.end(), expected.begin())) {
        const float* want = all_logits.data() + (ci * kLogitSteps + step) * n_vocab;
        double max_abs = 0;
        for (int64_t i = 0; i < n_vocab; ++i) {
          max_abs = std::max(max_abs, static_cast<double>(std::fabs(logits[i] - want[i])));
        }
        const double cosine = Cosine(logits.data(), want, n_vocab);
        if (strict.exact_logits) {
          EXPECT_LE(max_abs, 1e-3) << "logit row " << step << " (cosine " << cosine << ")";
        } else {
          EXPECT_EQ(ArgMax(logits.data(), n_vocab), ArgMax(want, n_vocab))
              << "logit row " << step << " (max-abs " << max_abs << ", cosine " << cosine << ")";
          EXPECT_GE(cosine, 0.999) << "logit row " << step << " (max-abs " << max_abs << ")";
        }
      }
      got.push_back(static_cast<int32_t>(ArgMax(logits.data(), n_vocab)));
    }
    const size_t must_match =
        strict.full_greedy ? expected.size() : std::min(expected.size(), kQuantizedGreedyPrefix);
    size_t agree = 0;
    while (agree < got.size() && got[agree] == expected[agree]) ++agree;
    EXPECT_GE(agree, must_match) << "greedy tokens agree with llama.cpp for " << agree << " of "
                                 << expected.size() << " tokens";
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, ModelGoldenTest, ::testing::ValuesIn(Params()), ParamName);

}  // namespace
}  // namespace edgellm
