// Every model of ../shared/golden/models against llama.cpp, on every loaded backend: the logits
// at the last prompt position and after each of the first 3 greedy tokens, then the whole greedy
// continuation, fed token by token as llama.cpp produced it. See ../shared/golden/README.md.
//
// The scalar, avx2 and avx512 backends compute what llama.cpp (build 10470 on an x86 CPU with
// AVX-512 FP16/BF16/VNNI, weight repacking off) computes, operation for operation: its flash
// attention with an fp16 accumulator, tinyBLAS for 2+ token matmuls, its vector exp/SiLU, the
// summation orders of its dot products (backends/common and each quant format's header say
// how). So for them the checks are exact: all 4 logit rows bit-identical, and every greedy token
// llama.cpp's. Other backends (NEON) sum in their own order; for them the checks are tolerances of
// the weights' kind: same argmax, cosine similarity and max-abs logit difference (relative to the
// largest |logit|) within bounds, and every greedy token either llama.cpp's or tied with it
// within that same bound.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <ostream>
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

// Loaded once per binary and never freed: models and backends must not outlive their plugins.
const absl::StatusOr<std::unique_ptr<PluginRegistry>>& Plugins() {
  static const auto* plugins = new absl::StatusOr<std::unique_ptr<PluginRegistry>>(LoadPlugins(""));
  return *plugins;
}

struct GoldenParam {
  std::string json;  // file name in golden/models, "" when the shared folder is absent
  std::string backend;
};

void PrintTo(const GoldenParam& p, std::ostream* os) { *os << p.json << " on " << p.backend; }

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
  for (fs::recursive_directory_iterator it(fs::path(SharedDir()) / "models", ec), end; it != end;
       it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec) && it->path().filename() == name) return it->path().string();
  }
  return "";
}

// Backends whose numbers equal llama.cpp's bit for bit (see the top comment).
bool ComputesLlamaCppBits(const std::string& backend) {
  return backend == "scalar" || backend == "avx2" || backend == "avx512";
}

// For the other backends: how closely a model tracks llama.cpp, from the types of its tensors.
struct Tolerance {
  const char* kind;
  double logit_rel;  // max-abs logit difference / largest |logit|; also the tie margin
  double min_cosine;
};

Tolerance ToleranceOf(const Model& model) {
  constexpr uint32_t kF32 = 0, kF16 = 1, kBF16 = 30;
  bool f16 = false, bf16 = false;
  for (const Tensor& t : model.file().tensors()) {
    if (t.type_id == kF16) {
      f16 = true;
    } else if (t.type_id == kBF16) {
      bf16 = true;
    } else if (t.type_id != kF32) {
      return {"quantized", 3e-2, 0.999};
    }
  }
  if (bf16) return {"bf16", 1e-2, 0.9999};
  if (f16) return {"f16", 5e-3, 0.99999};
  return {"f32", 3e-3, 0.99999};
}

double MaxAbs(const float* v, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::fabs(v[i])));
  return m;
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
  const bool exact = ComputesLlamaCppBits(p.backend);
  const Tolerance tol = ToleranceOf(**model);
  SCOPED_TRACE(absl::StrCat(p.json, " (", tol.kind, " weights) on ", p.backend,
                            exact ? ", exact" : ", within tolerances"));

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
    SCOPED_TRACE(
        absl::StrCat("case ", ci, ": \"", cases[ci].at("prompt").get<std::string>(), "\""));
    const std::vector<int32_t> prompt = cases[ci].at("prompt_tokens").get<std::vector<int32_t>>();
    const std::vector<int32_t> expected = cases[ci].at("greedy_tokens").get<std::vector<int32_t>>();
    (*ctx)->Reset();
    absl::Status prefill = (*ctx)->Eval(prompt, logits.data());
    ASSERT_TRUE(prefill.ok()) << prefill;

    for (size_t step = 0; step < expected.size(); ++step) {
      if (step > 0) {
        absl::Status s = (*ctx)->Eval({&expected[step - 1], 1}, logits.data());
        ASSERT_TRUE(s.ok()) << s;
      }
      if (step < kLogitSteps) {
        const float* want = all_logits.data() + (ci * kLogitSteps + step) * n_vocab;
        double max_abs = 0;
        int64_t first_diff = -1;
        for (int64_t i = 0; i < n_vocab; ++i) {
          max_abs = std::max(max_abs, static_cast<double>(std::fabs(logits[i] - want[i])));
          if (first_diff < 0 && std::memcmp(&logits[i], &want[i], sizeof(float)) != 0) {
            first_diff = i;
          }
        }
        const double scale = MaxAbs(want, n_vocab);
        if (exact) {
          EXPECT_EQ(first_diff, -1) << "logit row " << step << " differs from logit "
                                    << first_diff << " on (max-abs difference " << max_abs << ")";
        } else {
          EXPECT_EQ(ArgMax(logits.data(), n_vocab), ArgMax(want, n_vocab)) << "logit row " << step;
          EXPECT_GE(Cosine(logits.data(), want, n_vocab), tol.min_cosine) << "logit row " << step;
          EXPECT_LE(max_abs, tol.logit_rel * scale)
              << "logit row " << step << " (largest |logit| " << scale << ")";
        }
      }
      const int64_t ours = ArgMax(logits.data(), n_vocab);
      const int32_t theirs = expected[step];
      ASSERT_TRUE(theirs >= 0 && theirs < n_vocab) << "bad golden token " << theirs;
      if (exact) {
        EXPECT_EQ(ours, theirs) << "greedy token " << step;
      } else {
        const double margin = logits[ours] - logits[theirs];
        EXPECT_LE(margin, tol.logit_rel * MaxAbs(logits.data(), n_vocab))
            << "greedy token " << step << ": edgellm picks " << ours << ", llama.cpp " << theirs
            << ", whose logit is " << margin << " lower";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, ModelGoldenTest, ::testing::ValuesIn(Params()), ParamName);

}  // namespace
}  // namespace edgellm
