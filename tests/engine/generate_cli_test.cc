// The built `edgellm` binary's generate and tokenize commands, run as a user would: JSON and text
// output on stories260K against llama.cpp's golden data, --dump_logits, and one clear error line
// with a non-zero exit (never a crash) for each kind of bad input.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/gguf/gguf_file.h"
#include "core/gguf/gguf_writer.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/shared_data.h"

namespace edgellm {
namespace {

using edgellm::testing::ReadFileOrDie;
using edgellm::testing::ReadFloats;
using edgellm::testing::SharedDir;

struct Output {
  int exit_code = -1;  // -1: did not exit normally (killed by a signal: a crash)
  std::string out;
  std::string err;
  // stderr lines written by the command itself (plugin loading may log lines of its own).
  std::vector<std::string> ErrorLines(const std::string& command) const {
    std::vector<std::string> lines;
    for (absl::string_view line : absl::StrSplit(err, '\n', absl::SkipEmpty())) {
      if (absl::StartsWith(line, "edgellm " + command + ":")) lines.emplace_back(line);
    }
    return lines;
  }
};

std::string TmpPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

// Runs `edgellm ARGS` (each argument single-quoted; none may contain a quote).
Output RunEdgellm(const std::vector<std::string>& args) {
  const std::string binary = absl::StrCat(std::getenv("TEST_SRCDIR"), "/edgellm/tools/edgellm");
  std::string command = "'" + binary + "'";
  for (const std::string& a : args) {
    EXPECT_EQ(a.find('\''), std::string::npos) << a;
    command += " '" + a + "'";
  }
  const std::string out_path = TmpPath("stdout.txt");
  const std::string err_path = TmpPath("stderr.txt");
  const int status = std::system((command + " >'" + out_path + "' 2>'" + err_path + "'").c_str());
  Output o;
  if (status != -1 && WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  o.out = ReadFileOrDie(out_path);
  o.err = ReadFileOrDie(err_path);
  return o;
}

std::string Model() { return SharedDir() + "/models/stories260K/stories260K.gguf"; }

nlohmann::json Golden() {
  return nlohmann::json::parse(ReadFileOrDie(SharedDir() + "/golden/models/stories260K.f32.json"));
}

// stories260K rewritten with `edit` applied to its metadata and tensors.
std::string ModifiedModel(const std::string& name, const std::string& architecture,
                          const std::string& drop_tensor) {
  auto registry = LoadPlugins("");
  EXPECT_TRUE(registry.ok()) << registry.status();
  const PluginRegistry& r = **registry;
  auto file = GgufFile::Open(Model(), [&r](uint32_t id) { return r.LookupLayout(id); });
  EXPECT_TRUE(file.ok()) << file.status();
  GgufWriter writer;
  for (const auto& [key, value] : (*file)->metadata()) {
    const absl::Status s = key == "general.architecture"
                               ? writer.AddMetadata(key, GgufValue::String(architecture))
                               : writer.AddMetadata(key, value);
    EXPECT_TRUE(s.ok()) << s;
  }
  bool dropped = false;
  for (const Tensor& t : (*file)->tensors()) {
    if (t.name == drop_tensor) {
      dropped = true;
      continue;
    }
    absl::StatusOr<TypeLayout> layout = r.LookupLayout(t.type_id);
    EXPECT_TRUE(layout.ok()) << layout.status();
    const absl::Status s =
        writer.AddTensor(t.name, *layout, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                         std::string(static_cast<const char*>(t.data), t.size_bytes));
    EXPECT_TRUE(s.ok()) << s;
  }
  EXPECT_EQ(dropped, !drop_tensor.empty()) << drop_tensor;
  const std::string path = TmpPath(name);
  EXPECT_TRUE(writer.WriteFile(path).ok());
  return path;
}

class GenerateCliTest : public ::testing::Test {
 protected:
  void SetUp() override { EDGELLM_REQUIRE_SHARED(); }

  // The common flags of a greedy run on stories260K.
  static std::vector<std::string> Greedy(const std::string& prompt, int n) {
    return {"generate", "--model=" + Model(), "--prompt=" + prompt, absl::StrCat("--n_predict=", n),
            "--temperature=0"};
  }
  static std::vector<std::string> With(std::vector<std::string> args,
                                       const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  // Expects exit code 1, no crash, and one line of the command's own containing each of `needles`.
  static void ExpectError(const Output& o, const std::string& command,
                          const std::vector<std::string>& needles) {
    EXPECT_EQ(o.exit_code, 1) << o.err;
    const std::vector<std::string> lines = o.ErrorLines(command);
    ASSERT_EQ(lines.size(), 1u) << o.err;
    for (const std::string& n : needles) {
      EXPECT_NE(lines[0].find(n), std::string::npos) << "'" << n << "' not in: " << lines[0];
    }
  }
};

TEST_F(GenerateCliTest, JsonHasEveryFieldAndTheGreedyTokens) {
  const nlohmann::json golden = Golden()["cases"][0];
  const Output o = RunEdgellm(With(Greedy(golden["prompt"], 16), {"--json"}));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json j = nlohmann::json::parse(o.out);
  for (const char* key :
       {"backend", "prompt_tokens", "tokens", "text", "finish_reason", "prompt_ms", "decode_ms",
        "prefill_tokens_per_second", "decode_tokens_per_second"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_FALSE(j["backend"].get<std::string>().empty());
  EXPECT_EQ(j["prompt_tokens"], golden["prompt_tokens"]);
  std::vector<int32_t> want = golden["greedy_tokens"];
  want.resize(16);
  EXPECT_EQ(j["tokens"].get<std::vector<int32_t>>(), want);
  const std::string text = j["text"];
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(golden["greedy_text"].get<std::string>().rfind(text, 0), 0u) << text;
  EXPECT_EQ(j["finish_reason"], "length");
  EXPECT_GT(j["prompt_ms"].get<double>(), 0.0);
  EXPECT_GT(j["decode_ms"].get<double>(), 0.0);
  EXPECT_GT(j["prefill_tokens_per_second"].get<double>(), 0.0);
  EXPECT_GT(j["decode_tokens_per_second"].get<double>(), 0.0);
}

TEST_F(GenerateCliTest, BackendFlagPicksTheBackend) {
  const nlohmann::json golden = Golden()["cases"][1];
  const Output o = RunEdgellm(With(Greedy(golden["prompt"], 8), {"--json", "--backend=scalar"}));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["backend"], "scalar");
  std::vector<int32_t> want = golden["greedy_tokens"];
  want.resize(8);
  EXPECT_EQ(j["tokens"].get<std::vector<int32_t>>(), want);
}

TEST_F(GenerateCliTest, TextModeStreamsOnlyTheGeneratedText) {
  const nlohmann::json golden = Golden()["cases"][0];
  const Output o = RunEdgellm(Greedy(golden["prompt"], 32));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  ASSERT_FALSE(o.out.empty());
  EXPECT_EQ(o.out.back(), '\n');
  const std::string text = o.out.substr(0, o.out.size() - 1);
  EXPECT_EQ(text.find(golden["prompt"].get<std::string>()), std::string::npos) << text;
  EXPECT_EQ(golden["greedy_text"].get<std::string>().rfind(text, 0), 0u) << text;
  EXPECT_GT(text.size(), 64u);
  EXPECT_NE(o.err.find("tokens/s"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("finish: length"), std::string::npos) << o.err;
}

TEST_F(GenerateCliTest, DumpLogitsWritesKRowsOfNVocabFloats) {
  const nlohmann::json golden = Golden();
  const size_t n_vocab = golden["n_vocab"];
  const std::string dump = TmpPath("logits.f32");
  const Output o = RunEdgellm(With(Greedy(golden["cases"][2]["prompt"], 8),
                                   {"--json", "--dump_logits=" + dump, "--n_logit_steps=3"}));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::vector<float> rows = ReadFloats(dump);
  ASSERT_EQ(rows.size(), 3 * n_vocab);
  // The golden file holds 4 rows per case: case 2's first 3 are the same steps.
  const std::vector<float> want =
      ReadFloats(SharedDir() + "/golden/models/" + golden["logits_file"].get<std::string>());
  const size_t base = 2 * golden["n_logit_steps"].get<size_t>() * n_vocab;
  ASSERT_GE(want.size(), base + rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_NEAR(rows[i], want[base + i], 1e-2) << "row " << i / n_vocab << " token " << i % n_vocab;
  }

  // Fewer steps than asked: one row per sampled token.
  const Output short_run = RunEdgellm(With(Greedy(golden["cases"][0]["prompt"], 2),
                                           {"--dump_logits=" + dump, "--n_logit_steps=5"}));
  ASSERT_EQ(short_run.exit_code, 0) << short_run.err;
  EXPECT_EQ(ReadFloats(dump).size(), 2 * n_vocab);
}

TEST_F(GenerateCliTest, SeededSamplingIsReproducible) {
  const std::vector<std::string> args = {
      "generate",       "--model=" + Model(), "--prompt=Once upon a time",
      "--n_predict=24", "--temperature=1",    "--seed=7",
      "--json"};
  const Output a = RunEdgellm(args);
  const Output b = RunEdgellm(args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(nlohmann::json::parse(a.out)["tokens"], nlohmann::json::parse(b.out)["tokens"]);
  EXPECT_EQ(nlohmann::json::parse(a.out)["seed"], 7);
}

TEST_F(GenerateCliTest, MissingModelFile) {
  const std::string path = TmpPath("no-such-model.gguf");
  const Output o = RunEdgellm({"generate", "--model=" + path, "--prompt=hi"});
  ExpectError(o, "generate", {path});
}

TEST_F(GenerateCliTest, UnknownBackendListsTheLoadedOnes) {
  const Output o = RunEdgellm(With(Greedy("hi", 4), {"--backend=nope"}));
  ExpectError(o, "generate", {"unknown backend 'nope'", "scalar"});
}

TEST_F(GenerateCliTest, BadSamplingValues) {
  ExpectError(RunEdgellm(With(Greedy("hi", 4), {"--top_p=2"})), "generate", {"top_p", "[0, 1]"});
  ExpectError(RunEdgellm(With(Greedy("hi", 4), {"--temperature=-1"})), "generate", {"temperature"});
  ExpectError(RunEdgellm(With(Greedy("hi", 4), {"--top_k=-3"})), "generate", {"top_k"});
}

TEST_F(GenerateCliTest, CacheTypeFlags) {
  // stories260K's 8-value heads cannot hold q8_0's 32-value blocks: refused, naming both.
  ExpectError(RunEdgellm(With(Greedy("hi", 4), {"--cache_type_v=q8_0"})), "generate",
              {"KV cache type q8_0", "head size (8)"});
  ExpectError(RunEdgellm(With(Greedy("hi", 4), {"--cache_type_k=q9"})), "generate",
              {"--cache_type_k=q9", "KV-cache types"});
  // 1-value types fit: the story still comes out (bf16 keys, f32 values).
  const Output o = RunEdgellm(
      With(Greedy("Once upon a time", 8), {"--cache_type_k=bf16", "--cache_type_v=f32"}));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("there was"), std::string::npos) << o.out;
}

TEST_F(GenerateCliTest, PromptLongerThanTheContext) {
  // "Once upon a time" is 5 tokens with BOS.
  const Output o = RunEdgellm(With(Greedy("Once upon a time", 4), {"--ctx_size=4"}));
  ExpectError(o, "generate", {"5 tokens", "context size 4"});
}

TEST_F(GenerateCliTest, UnsupportedArchitecture) {
  const std::string path = ModifiedModel("gpt2.gguf", "gpt2", "");
  const Output o = RunEdgellm({"generate", "--model=" + path, "--prompt=hi"});
  ExpectError(o, "generate", {"gpt2"});
}

TEST_F(GenerateCliTest, MissingTensor) {
  const std::string path = ModifiedModel("missing.gguf", "llama", "blk.0.ffn_up.weight");
  const Output o = RunEdgellm({"generate", "--model=" + path, "--prompt=hi"});
  ExpectError(o, "generate", {"blk.0.ffn_up.weight"});
}

TEST_F(GenerateCliTest, MissingPromptIsAUsageError) {
  const Output o = RunEdgellm({"generate", "--model=" + Model()});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("usage: edgellm generate"), std::string::npos) << o.err;
}

TEST_F(GenerateCliTest, TokenizeJson) {
  const nlohmann::json golden = Golden()["cases"][1];
  const Output o = RunEdgellm({"tokenize", "--model=" + Model(),
                               "--text=" + golden["prompt"].get<std::string>(), "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["tokens"], golden["prompt_tokens"]);
  ASSERT_EQ(j["pieces"].size(), j["tokens"].size());
  std::string joined;
  for (size_t i = 1; i < j["pieces"].size(); ++i) joined += j["pieces"][i].get<std::string>();
  EXPECT_EQ(joined, " " + golden["prompt"].get<std::string>());  // SentencePiece's space prefix
  EXPECT_EQ(j["pieces"][0], "<s>");
}

TEST_F(GenerateCliTest, TokenizeText) {
  const Output o = RunEdgellm({"tokenize", "--model=" + Model(), "--text=Once upon a time"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out,
            "     1 -> '<s>'\n   403 -> ' Once'\n   407 -> ' upon'\n   261 -> ' a'\n"
            "   378 -> ' time'\n");
}

TEST_F(GenerateCliTest, TokenizeMissingModel) {
  const std::string path = TmpPath("absent.gguf");
  ExpectError(RunEdgellm({"tokenize", "--model=" + path, "--text=hi"}), "tokenize", {path});
}

}  // namespace
}  // namespace edgellm
