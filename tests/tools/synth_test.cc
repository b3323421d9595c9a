// Synthetic models (tools/synth): llama.cpp's quantization mixes, checked rule by rule and against
// files llama-quantize made; synthesized tiny llama/qwen2 models that load, carry the donor's
// tokenizer and are byte-for-byte reproducible; and the `edgellm synth` command line.
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/gguf/gguf_file.h"
#include "core/model/model.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/shared_data.h"
#include "tools/synth/mixes.h"
#include "tools/synth/synth_model.h"

namespace edgellm::synth {
namespace {

using ::testing::HasSubstr;

const PluginRegistry& Registry() {
  static const PluginRegistry* registry = [] {
    absl::StatusOr<std::unique_ptr<PluginRegistry>> r = LoadPlugins("");
    EXPECT_TRUE(r.ok()) << r.status();
    return r->release();
  }();
  return *registry;
}

std::string TmpPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

std::unique_ptr<GgufFile> OpenGguf(const std::string& path) {
  absl::StatusOr<std::unique_ptr<GgufFile>> f =
      GgufFile::Open(path, [](uint32_t id) { return Registry().LookupLayout(id); });
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *std::move(f) : nullptr;
}

std::map<std::string, uint32_t> TensorTypes(const GgufFile& f) {
  std::map<std::string, uint32_t> types;
  for (const Tensor& t : f.tensors()) types[t.name] = t.type_id;
  return types;
}

QuantMix Mix(const std::string& name, bool pure = false) {
  absl::StatusOr<QuantMix> mix = ParseQuantMix(name, pure);
  EXPECT_TRUE(mix.ok()) << mix.status();
  return *mix;
}

// Synthesizes `shape` as `type` with the given donor (relative to the shared folder).
absl::StatusOr<SynthSummary> Synth(const ModelShape& shape, const std::string& type,
                                   const std::string& path, uint64_t seed = 7, int threads = 2,
                                   const std::string& donor = "") {
  SynthOptions options;
  options.shape = shape;
  options.mix = Mix(type);
  options.seed = seed;
  options.n_threads = threads;
  options.donor_path =
      testing::SharedDir() + "/" + (donor.empty() ? DefaultDonor(shape.arch) : donor);
  return WriteSyntheticModel(options, Registry(), path);
}

// A small SentencePiece vocabulary (512 tokens), so that tests that do not look at the tokenizer
// spend no time on a 32k-row embedding.
constexpr char kSmallDonor[] = "models/stories260K/stories260K.gguf";

ModelShape Named(const std::string& name) {
  absl::StatusOr<ModelShape> s = NamedShape(name);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

std::set<int64_t> MoreBitsLayers(int64_t n_layer) {
  std::set<int64_t> layers;
  for (int64_t i = 0; i < n_layer; ++i) {
    if (UseMoreBits(i, n_layer)) layers.insert(i);
  }
  return layers;
}

TEST(MixesTest, UseMoreBitsPicksFirstAndLastEighthAndEveryThirdBetween) {
  EXPECT_EQ(MoreBitsLayers(22), (std::set<int64_t>{0, 1, 4, 7, 10, 13, 16, 19, 20, 21}));
  EXPECT_EQ(MoreBitsLayers(8), (std::set<int64_t>{0, 3, 6, 7}));
  EXPECT_EQ(MoreBitsLayers(2), (std::set<int64_t>{1}));
}

TEST(MixesTest, RulesOfLlamaTensorGetType) {
  const MixModel tinyllama{22, 32, 4, true};  // GQA 8
  const MixModel mha{24, 16, 16, true};
  using R = WeightRole;
  // output: Q6_K except for Q8_0 files; not touched by float types.
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_M"), R::kOutput, 0, tinyllama), EDGE_GGML_TYPE_Q6_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q4_0"), R::kOutput, 0, tinyllama), EDGE_GGML_TYPE_Q6_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q8_0"), R::kOutput, 0, tinyllama), EDGE_GGML_TYPE_Q8_0);
  EXPECT_EQ(ChooseWeightType(Mix("F16"), R::kOutput, 0, tinyllama), EDGE_GGML_TYPE_F16);
  EXPECT_EQ(ChooseWeightType(Mix("BF16"), R::kFfnDown, 0, tinyllama), EDGE_GGML_TYPE_BF16);
  // token_embd keeps the base type, unless it doubles as the output (tied embeddings).
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_M"), R::kTokenEmbd, 0, tinyllama), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_M"), R::kTokenEmbd, 0, {24, 16, 16, false}),
            EDGE_GGML_TYPE_Q6_K);
  // Q2_K: attn_v by GQA, ffn_down and attn_output one step up.
  EXPECT_EQ(ChooseWeightType(Mix("Q2_K"), R::kAttnV, 5, tinyllama), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q2_K"), R::kAttnV, 5, mha), EDGE_GGML_TYPE_Q3_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q2_K"), R::kFfnDown, 5, mha), EDGE_GGML_TYPE_Q3_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q2_K"), R::kAttnOutput, 5, mha), EDGE_GGML_TYPE_Q3_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q2_K"), R::kFfnUp, 5, mha), EDGE_GGML_TYPE_Q2_K);
  // Q3_K_M: the first two attn_v and the first 1/16 of ffn_down at Q5_K.
  EXPECT_EQ(ChooseWeightType(Mix("Q3_K_M"), R::kAttnV, 1, tinyllama), EDGE_GGML_TYPE_Q5_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q3_K_M"), R::kAttnV, 2, tinyllama), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q3_K_M"), R::kFfnDown, 0, tinyllama), EDGE_GGML_TYPE_Q5_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q3_K_M"), R::kFfnDown, 1, tinyllama), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q3_K_M"), R::kAttnOutput, 9, tinyllama), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q3_K_S"), R::kAttnV, 0, tinyllama), EDGE_GGML_TYPE_Q3_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q3_K_L"), R::kFfnDown, 9, tinyllama), EDGE_GGML_TYPE_Q5_K);
  // Q4_K_S: the first four attn_v and the first eighth of ffn_down at Q5_K.
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_S"), R::kAttnV, 3, tinyllama), EDGE_GGML_TYPE_Q5_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_S"), R::kAttnV, 4, tinyllama), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_S"), R::kFfnDown, 1, tinyllama), EDGE_GGML_TYPE_Q5_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_S"), R::kFfnDown, 2, tinyllama), EDGE_GGML_TYPE_Q4_K);
  // Q4_K_M / Q5_K_M: use_more_bits layers of attn_v and ffn_down at Q6_K.
  for (const char* name : {"Q4_K_M", "Q5_K_M"}) {
    const uint32_t base = Mix(name).base_type;
    for (int64_t l = 0; l < 22; ++l) {
      const uint32_t want = UseMoreBits(l, 22) ? EDGE_GGML_TYPE_Q6_K : base;
      EXPECT_EQ(ChooseWeightType(Mix(name), R::kAttnV, l, tinyllama), want) << name << " " << l;
      EXPECT_EQ(ChooseWeightType(Mix(name), R::kFfnDown, l, tinyllama), want) << name << " " << l;
      EXPECT_EQ(ChooseWeightType(Mix(name), R::kAttnQ, l, tinyllama), base) << name << " " << l;
    }
  }
  // Pure mixes and the plain k-quant names: every matrix in the base type.
  EXPECT_EQ(ChooseWeightType(Mix("Q4_K_M", true), R::kOutput, 0, tinyllama), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(ChooseWeightType(Mix("Q5_K"), R::kFfnDown, 0, tinyllama), EDGE_GGML_TYPE_Q5_K);
  EXPECT_EQ(Mix("Q5_K").file_type, FileType::kQ5_K_M);
}

TEST(MixesTest, ParsingAndFileTypeNames) {
  EXPECT_EQ(Mix("q4_k_m").name, "Q4_K_M");
  EXPECT_EQ(Mix("bf16").file_type, FileType::kBF16);
  absl::StatusOr<QuantMix> bad = ParseQuantMix("Q7_K", false);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("Q7_K"));
  EXPECT_THAT(bad.status().message(), HasSubstr("Q4_K_M"));
  EXPECT_STREQ(FileTypeName(15), "Q4_K_M");
  EXPECT_STREQ(FileTypeName(7), "Q8_0");
  EXPECT_EQ(FileTypeName(4), nullptr);
}

TEST(MixesTest, RowLengthFallbackIsLlamaCpps) {
  const BlockSizeLookup block = [](uint32_t id) -> absl::StatusOr<int64_t> {
    absl::StatusOr<TypeLayout> l = Registry().LookupLayout(id);
    if (!l.ok()) return l.status();
    return l->block_size;
  };
  EXPECT_EQ(*FitRowLength(EDGE_GGML_TYPE_Q4_K, 512, block), EDGE_GGML_TYPE_Q4_K);
  EXPECT_EQ(*FitRowLength(EDGE_GGML_TYPE_Q4_K, 64, block), EDGE_GGML_TYPE_Q5_0);
  EXPECT_EQ(*FitRowLength(EDGE_GGML_TYPE_Q5_K, 96, block), EDGE_GGML_TYPE_Q5_1);
  EXPECT_EQ(*FitRowLength(EDGE_GGML_TYPE_Q6_K, 160, block), EDGE_GGML_TYPE_Q8_0);
  EXPECT_EQ(*FitRowLength(EDGE_GGML_TYPE_Q3_K, 64, block), EDGE_GGML_TYPE_IQ4_NL);
  EXPECT_EQ(*FitRowLength(EDGE_GGML_TYPE_Q4_K, 48, block), EDGE_GGML_TYPE_F16);
  absl::StatusOr<uint32_t> none = FitRowLength(EDGE_GGML_TYPE_Q4_0, 48, block);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("Q4_0"));
}

// llama.cpp's llama-quantize made synth-llama-256.<TYPE>.gguf from an F32 model of this shape;
// synthesizing the same shape must give every tensor the type llama.cpp gave it.
TEST(SynthTest, TensorTypesMatchLlamaQuantizeOutput) {
  EDGELLM_REQUIRE_SHARED();
  absl::StatusOr<ModelShape> shape = ArchShape("llama");
  ASSERT_TRUE(shape.ok());
  shape->name = "synth-llama-256";
  shape->n_embd = 256;
  shape->n_ff = 768;
  shape->n_layer = 2;
  shape->n_head = 4;
  shape->n_head_kv = 2;
  for (const char* type : {"Q2_K", "Q3_K_M", "Q4_K_M", "Q5_K_S", "Q6_K", "Q4_0", "Q4_1", "Q5_0",
                           "Q5_1", "Q8_0", "F16", "BF16"}) {
    SCOPED_TRACE(type);
    const std::string path = TmpPath(absl::StrCat("llama256.", type, ".gguf"));
    absl::StatusOr<SynthSummary> s = Synth(*shape, type, path, 7, 2, kSmallDonor);
    ASSERT_TRUE(s.ok()) << s.status();
    std::unique_ptr<GgufFile> ours = OpenGguf(path);
    std::unique_ptr<GgufFile> theirs =
        OpenGguf(testing::SharedDir() + "/models/synthetic/synth-llama-256." + type + ".gguf");
    ASSERT_TRUE(ours && theirs);
    EXPECT_EQ(TensorTypes(*ours), TensorTypes(*theirs));
    EXPECT_EQ(*ours->GetUint("general.file_type"), *theirs->GetUint("general.file_type"));
  }
}

TEST(SynthTest, Qwen2TensorTypesMatchLlamaQuantizeOutput) {
  EDGELLM_REQUIRE_SHARED();
  absl::StatusOr<ModelShape> shape = ArchShape("qwen2");
  ASSERT_TRUE(shape.ok());
  shape->name = "synth-qwen2-256";
  shape->n_embd = 256;
  shape->n_ff = 512;
  shape->n_layer = 2;
  shape->n_head = 4;
  shape->n_head_kv = 2;
  const std::string path = TmpPath("qwen2-256.Q4_K_M.gguf");
  absl::StatusOr<SynthSummary> s = Synth(*shape, "Q4_K_M", path);
  ASSERT_TRUE(s.ok()) << s.status();
  std::unique_ptr<GgufFile> ours = OpenGguf(path);
  std::unique_ptr<GgufFile> theirs =
      OpenGguf(testing::SharedDir() + "/models/synthetic/synth-qwen2-256.Q4_K_M.gguf");
  ASSERT_TRUE(ours && theirs);
  EXPECT_EQ(TensorTypes(*ours), TensorTypes(*theirs));
}

TEST(SynthTest, TinyModelsLoadInSeveralTypes) {
  EDGELLM_REQUIRE_SHARED();
  for (const char* shape_name : {"tiny-llama", "tiny-qwen2"}) {
    for (const char* type : {"F32", "F16", "Q8_0", "Q4_0", "Q4_K_M", "Q6_K", "Q2_K", "Q5_K_M"}) {
      SCOPED_TRACE(absl::StrCat(shape_name, " ", type));
      const ModelShape shape = Named(shape_name);
      const std::string path = TmpPath(absl::StrCat(shape_name, ".", type, ".gguf"));
      absl::StatusOr<SynthSummary> s = Synth(shape, type, path, 7, 2, kSmallDonor);
      ASSERT_TRUE(s.ok()) << s.status();
      absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(path, Registry());
      ASSERT_TRUE(model.ok()) << model.status();
      const ModelConfig& c = (*model)->config();
      EXPECT_EQ(c.architecture, shape.arch);
      EXPECT_EQ(c.n_embd, shape.n_embd);
      EXPECT_EQ(c.n_ff, shape.n_ff);
      EXPECT_EQ(c.n_layer, shape.n_layer);
      EXPECT_EQ(c.n_head, shape.n_head);
      EXPECT_EQ(c.n_head_kv, shape.n_head_kv);
      EXPECT_EQ(c.n_vocab, s->n_vocab);
      EXPECT_EQ(c.rope_mode, shape.arch == "qwen2" ? EDGE_ROPE_NEOX : EDGE_ROPE_NORMAL);
      EXPECT_FLOAT_EQ(c.rope_freq_base, shape.rope_freq_base);
      EXPECT_EQ((*model)->parameter_count(), s->n_params);
      EXPECT_EQ((*model)->layers()[0].bq != nullptr, shape.arch == "qwen2");
      EXPECT_FALSE((*model)->tied_embeddings());
    }
  }
}

TEST(SynthTest, Q4KMPutsQ6KOnOutputAndOnTheUseMoreBitsLayers) {
  EDGELLM_REQUIRE_SHARED();
  const ModelShape shape = Named("tiny-llama");
  const std::string path = TmpPath("tiny-llama.mix.gguf");
  ASSERT_TRUE(Synth(shape, "Q4_K_M", path, 7, 2, kSmallDonor).ok());
  std::unique_ptr<GgufFile> f = OpenGguf(path);
  ASSERT_TRUE(f);
  const std::set<int64_t> more_bits = {0, 3, 6, 7};  // use_more_bits of 8 layers
  int checked = 0;
  for (const Tensor& t : f->tensors()) {
    SCOPED_TRACE(t.name);
    uint32_t want = EDGE_GGML_TYPE_Q4_K;
    if (t.n_dims == 1) {
      want = EDGE_GGML_TYPE_F32;
    } else if (t.name == "output.weight") {
      want = EDGE_GGML_TYPE_Q6_K;
    } else if (absl::EndsWith(t.name, "attn_v.weight") ||
               absl::EndsWith(t.name, "ffn_down.weight")) {
      const int64_t layer = std::stoll(t.name.substr(4));
      if (more_bits.count(layer) != 0) want = EDGE_GGML_TYPE_Q6_K;
    }
    EXPECT_EQ(t.type_id, want);
    ++checked;
  }
  EXPECT_EQ(checked, 2 + 8 * 9 + 1);
}

TEST(SynthTest, TiedEmbeddingsHaveNoOutputAndTokenEmbdTakesItsType) {
  EDGELLM_REQUIRE_SHARED();
  ModelShape shape = Named("tiny-qwen2");
  shape.tied_embeddings = true;
  const std::string path = TmpPath("tiny-qwen2.tied.gguf");
  ASSERT_TRUE(Synth(shape, "Q4_K_M", path, 7, 2, kSmallDonor).ok());
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(path, Registry());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE((*model)->tied_embeddings());
  EXPECT_EQ((*model)->file().FindTensor("output.weight"), nullptr);
  EXPECT_EQ((*model)->token_embd().type_id, EDGE_GGML_TYPE_Q6_K);
}

TEST(SynthTest, TokenizerIsTheDonorsAndMetadataIsLlamaCpps) {
  EDGELLM_REQUIRE_SHARED();
  for (const char* shape_name : {"tiny-llama", "tiny-qwen2"}) {
    SCOPED_TRACE(shape_name);
    const ModelShape shape = Named(shape_name);
    const std::string path = TmpPath(absl::StrCat(shape_name, ".tok.gguf"));
    ASSERT_TRUE(Synth(shape, "Q8_0", path).ok());
    std::unique_ptr<GgufFile> f = OpenGguf(path);
    std::unique_ptr<GgufFile> donor =
        OpenGguf(testing::SharedDir() + "/" + DefaultDonor(shape.arch));
    ASSERT_TRUE(f && donor);
    auto tokenizer_json = [](const GgufFile& g) {
      std::map<std::string, std::string> keys;
      for (const auto& [key, value] : g.metadata()) {
        if (!absl::StartsWith(key, "tokenizer.")) continue;
        value.AppendJson(&keys[key]);
      }
      return keys;
    };
    const std::map<std::string, std::string> want = tokenizer_json(*donor);
    EXPECT_GE(want.size(), 5u);
    EXPECT_EQ(tokenizer_json(*f), want);
    const std::string a = shape.arch;
    EXPECT_EQ(*f->GetString("general.architecture"), a);
    EXPECT_EQ(*f->GetString("general.name"), shape_name);
    EXPECT_EQ(*f->GetUint("general.file_type"), 7u);
    EXPECT_EQ(*f->GetUint("general.alignment"), 32u);
    EXPECT_EQ(*f->GetInt(a + ".vocab_size"),
              static_cast<int64_t>((*donor->GetStringArray("tokenizer.ggml.tokens"))->size()));
    EXPECT_EQ(*f->GetInt(a + ".context_length"), shape.n_ctx);
    EXPECT_EQ(*f->GetInt(a + ".rope.dimension_count"), shape.head_dim());
    EXPECT_FLOAT_EQ(static_cast<float>(*f->GetFloat(a + ".attention.layer_norm_rms_epsilon")),
                    shape.rms_eps);
  }
}

TEST(SynthTest, SameSeedGivesTheSameBytesWhateverTheThreads) {
  EDGELLM_REQUIRE_SHARED();
  const ModelShape shape = Named("tiny-qwen2");
  const std::string a = TmpPath("det.a.gguf"), b = TmpPath("det.b.gguf"), c = TmpPath("det.c.gguf");
  ASSERT_TRUE(Synth(shape, "Q4_K_M", a, 11, 1, kSmallDonor).ok());
  ASSERT_TRUE(Synth(shape, "Q4_K_M", b, 11, 2, kSmallDonor).ok());
  ASSERT_TRUE(Synth(shape, "Q4_K_M", c, 12, 2, kSmallDonor).ok());
  const std::string bytes_a = testing::ReadFileOrDie(a);
  EXPECT_TRUE(bytes_a == testing::ReadFileOrDie(b));
  const std::string bytes_c = testing::ReadFileOrDie(c);
  ASSERT_EQ(bytes_a.size(), bytes_c.size());  // only the weights (and the seed) differ
  EXPECT_FALSE(bytes_a == bytes_c);
}

TEST(SynthTest, WeightsAreNormalWithStd002AndNormsNearOne) {
  EDGELLM_REQUIRE_SHARED();
  const std::string path = TmpPath("tiny-llama.F32.stats.gguf");
  ASSERT_TRUE(Synth(Named("tiny-llama"), "F32", path, 7, 2, kSmallDonor).ok());
  std::unique_ptr<GgufFile> f = OpenGguf(path);
  ASSERT_TRUE(f);
  auto moments = [&](const char* name, double* mean, double* sd) {
    const Tensor* t = f->FindTensor(name);
    ASSERT_NE(t, nullptr) << name;
    const float* x = static_cast<const float*>(t->data);
    double s = 0, ss = 0;
    const int64_t n = t->n_elements();
    for (int64_t i = 0; i < n; ++i) {
      s += x[i];
      ss += static_cast<double>(x[i]) * x[i];
    }
    *mean = s / n;
    *sd = std::sqrt(ss / n - *mean * *mean);
  };
  double mean, sd;
  moments("blk.0.ffn_up.weight", &mean, &sd);
  EXPECT_NEAR(mean, 0.0, 1e-3);
  EXPECT_NEAR(sd, 0.02, 1e-3);
  moments("blk.3.attn_norm.weight", &mean, &sd);
  EXPECT_NEAR(mean, 1.0, 0.01);
  EXPECT_GT(sd, 0.005);
  EXPECT_LT(sd, 0.05);
}

TEST(SynthTest, BadShapesAndVocabularyAreRefused) {
  EDGELLM_REQUIRE_SHARED();
  ModelShape shape = Named("tiny-llama");
  shape.n_head_kv = 3;
  absl::StatusOr<SynthSummary> s = Synth(shape, "F16", TmpPath("bad.gguf"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("KV head count 3"));
  shape = Named("tiny-llama");
  shape.n_vocab = 1000;
  s = Synth(shape, "F16", TmpPath("bad.gguf"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("32000"));
  EXPECT_FALSE(NamedShape("llama-70b").ok());
  EXPECT_FALSE(ArchShape("gpt2").ok());
}

// The command line, as a user runs it.
struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

CliRun Edgellm(const std::string& args) {
  const std::string bin = std::string(std::getenv("TEST_SRCDIR")) + "/edgellm/tools/edgellm";
  const std::string err_file = TmpPath("stderr.txt");
  FILE* pipe = popen((bin + " " + args + " 2>" + err_file).c_str(), "r");
  CliRun run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = testing::ReadFileOrDie(err_file);
  return run;
}

TEST(SynthCliTest, WritesAModelThatMatchesTheLibrarysBytes) {
  EDGELLM_REQUIRE_SHARED();
  const std::string cli = TmpPath("cli.gguf"), lib = TmpPath("lib.gguf");
  const CliRun run =
      Edgellm("synth --shape=tiny-llama --type=q4_k_m --seed=5 --threads=2 --donor=" +
              testing::SharedDir() + "/" + kSmallDonor + " --out=" + cli);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("tiny-llama Q4_K_M"));
  ASSERT_TRUE(Synth(Named("tiny-llama"), "Q4_K_M", lib, 5, 1, kSmallDonor).ok());
  EXPECT_TRUE(testing::ReadFileOrDie(cli) == testing::ReadFileOrDie(lib));
}

TEST(SynthCliTest, CustomShapeFromSizes) {
  EDGELLM_REQUIRE_SHARED();
  const std::string path = TmpPath("custom.gguf");
  const CliRun run = Edgellm(
      "synth --arch=qwen2 --hidden=128 --ffn=256 --layers=2 --heads=4 --kv_heads=2 --ctx=256 "
      "--type=Q8_0 --json --donor=" +
      testing::SharedDir() + "/" + kSmallDonor + " --out=" + path);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"n_vocab\": 512"));
  absl::StatusOr<std::unique_ptr<Model>> model = Model::Load(path, Registry());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->config().n_embd, 128);
  EXPECT_EQ((*model)->config().n_head_kv, 2);
  EXPECT_EQ((*model)->config().n_ctx_train, 256);
}

TEST(SynthCliTest, BadInputGivesOneClearLine) {
  EDGELLM_REQUIRE_SHARED();
  const std::string out = " --out=" + TmpPath("never.gguf");
  const std::pair<std::string, std::string> cases[] = {
      {"--shape=tiny-llama --type=Q7_K", "unknown type 'Q7_K'"},
      {"--shape=gpt-5 --type=Q8_0", "unknown shape 'gpt-5'"},
      {"--arch=llama --hidden=100 --ffn=64 --layers=1 --heads=3 --type=F16",
       "not a multiple of the head count 3"},
      {"--shape=tiny-llama --type=F16 --donor=/nonexistent.gguf", "/nonexistent.gguf"},
      {"--shape=tiny-llama --type=F16 --threads=1,2", "synth takes one thread count"},
  };
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args);
    const CliRun run = Edgellm("synth " + args + out);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.err, HasSubstr(message));
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
  const CliRun run = Edgellm("synth --shape=tiny-llama --type=F16");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("usage: edgellm synth"));
}

}  // namespace
}  // namespace edgellm::synth
