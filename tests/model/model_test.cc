// ModelConfig and Model::Load on tiny in-memory GGUFs: configuration keys and defaults, and every
// way a file can be refused.
#include "core/model/model.h"

#include <memory>
#include <string>

#include "core/model/model_config.h"
#include "core/plugin/plugin_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/model/tiny_model.h"
#include "tests/testing/plugins_fixture.h"

namespace edgellm {
namespace {

using ::testing::HasSubstr;
using testing::TempPath;
using testing::TinySpec;
using testing::TinyWeights;
using testing::WriteTinyModel;

class ModelTest : public testing::PluginsTest {
 protected:
  // Writes `spec` and loads it.
  absl::StatusOr<std::unique_ptr<Model>> Load(const TinySpec& spec, TinyWeights* w = nullptr) {
    path_ = TempPath(std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                     ".gguf");
    absl::Status s = WriteTinyModel(*registry_, spec, path_, w);
    if (!s.ok()) return s;
    return Model::Load(path_, *registry_);
  }

  std::string path_;
};

TEST_F(ModelTest, ReadsLlamaConfigWithDefaults) {
  TinySpec spec;
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_TRUE(m.ok()) << m.status();
  const ModelConfig& c = (*m)->config();
  EXPECT_EQ(c.architecture, "llama");
  EXPECT_EQ(c.n_ctx_train, 64);
  EXPECT_EQ(c.n_embd, 64);
  EXPECT_EQ(c.n_layer, 2);
  EXPECT_EQ(c.n_ff, 96);
  EXPECT_EQ(c.n_head, 2);
  EXPECT_EQ(c.n_head_kv, 1);
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_EQ(c.n_embd_q(), 64);
  EXPECT_EQ(c.n_embd_kv(), 32);
  EXPECT_EQ(c.n_vocab, 40);
  EXPECT_EQ((*m)->n_vocab(), 40);
  EXPECT_FLOAT_EQ(c.rms_eps, 1e-5f);
  EXPECT_EQ(c.rope_mode, EDGE_ROPE_NORMAL);
  EXPECT_EQ(c.n_rot, 32);                 // default: head_dim
  EXPECT_EQ(c.rope_freq_base, 10000.0f);  // default
  EXPECT_EQ(c.rope_freq_scale, 1.0f);
  EXPECT_FALSE((*m)->tied_embeddings());
  EXPECT_EQ((*m)->layers().size(), 2u);
  // 40*64 embd + 64 norm + 40*64 output + per layer (64 + 64*64 + 2*32*64 + 64*64 + 64 + 3*64*96)
  EXPECT_EQ((*m)->parameter_count(),
            40 * 64 * 2 + 64 + 2 * (64 * 2 + 64 * 64 * 2 + 2 * 32 * 64 + 3 * 64 * 96));
}

TEST_F(ModelTest, ReadsQwen2ConfigAndRopeKeys) {
  TinySpec spec;
  spec.arch = "qwen2";
  spec.qkv_bias = true;
  spec.n_rot = 16;
  spec.freq_base = 1000000.0f;
  spec.rope_scale = 4.0f;
  spec.drop_keys = {"qwen2.attention.head_count_kv"};
  spec.n_head_kv = 2;  // what the default gives
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_TRUE(m.ok()) << m.status();
  const ModelConfig& c = (*m)->config();
  EXPECT_EQ(c.architecture, "qwen2");
  EXPECT_EQ(c.rope_mode, EDGE_ROPE_NEOX);
  EXPECT_EQ(c.n_head_kv, 2);  // default: head_count
  EXPECT_EQ(c.n_rot, 16);
  EXPECT_EQ(c.rope_freq_base, 1000000.0f);
  EXPECT_EQ(c.rope_freq_scale, 0.25f);
  EXPECT_NE((*m)->layers()[0].bq, nullptr);
  EXPECT_NE((*m)->layers()[1].bv, nullptr);
}

TEST_F(ModelTest, RefusesUnsupportedArchitecture) {
  TinySpec spec;
  spec.set_keys = {{"general.architecture", GgufValue::String("gpt2")}};
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(),
            "unsupported architecture 'gpt2' in " + path_ + ": edgellm runs llama and qwen2");
}

TEST_F(ModelTest, RefusesMissingKey) {
  TinySpec spec;
  spec.drop_keys = {"llama.embedding_length"};
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("'llama.embedding_length'"));
}

TEST_F(ModelTest, RefusesBadValues) {
  const std::pair<const char*, GgufValue> cases[] = {
      {"llama.attention.head_count_kv", GgufValue::Of(uint32_t{3})},  // does not divide 2
      {"llama.block_count", GgufValue::Of(uint32_t{0})},
      {"llama.rope.dimension_count", GgufValue::Of(uint32_t{33})},  // odd, > head_dim
      {"llama.attention.layer_norm_rms_epsilon", GgufValue::Of(0.0f)},
      {"llama.rope.scaling.type", GgufValue::String("yarn")},
      {"llama.expert_count", GgufValue::Of(uint32_t{8})},
      {"llama.embedding_length", GgufValue::String("64")},
  };
  for (const auto& [key, value] : cases) {
    SCOPED_TRACE(key);
    TinySpec spec;
    spec.set_keys = {{key, value}};
    absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << m.status();
    EXPECT_THAT(m.status().message(), HasSubstr(key));
  }
}

TEST_F(ModelTest, RefusesTokenizerOfAnotherSize) {
  TinySpec spec;
  spec.set_keys = {{"tokenizer.ggml.tokens", GgufValue::StringArray({"a", "b", "c"})}};
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("3 tokens but token_embd.weight has 40 rows"));
}

TEST_F(ModelTest, MissingTensorIsNotFound) {
  TinySpec spec;
  spec.drop_tensors = {"blk.1.ffn_up.weight"};
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("tensor 'blk.1.ffn_up.weight' is missing"));
}

TEST_F(ModelTest, Qwen2NeedsBiases) {
  TinySpec spec;
  spec.arch = "qwen2";
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("'blk.0.attn_q.bias'"));
}

TEST_F(ModelTest, WrongShapeNamesTensorAndShapes) {
  TinySpec spec;
  spec.reshape = {{"blk.0.attn_k.weight", {64, 64}}};
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(),
              HasSubstr("tensor 'blk.0.attn_k.weight' has shape [64, 64], expected [64, 32]"));
}

TEST_F(ModelTest, WrongNormShape) {
  TinySpec spec;
  spec.reshape = {{"output_norm.weight", {64, 2}}};
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(),
              HasSubstr("tensor 'output_norm.weight' has shape [64, 2], expected [64]"));
}

TEST_F(ModelTest, RefusesUnknownTensor) {
  TinySpec spec;
  spec.extra_tensors = {"rope_freqs.weight"};
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("tensor 'rope_freqs.weight' is not part of"));
}

TEST_F(ModelTest, TiedOutputUsesTokenEmbedding) {
  TinySpec spec;
  spec.tied = true;
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE((*m)->tied_embeddings());
  EXPECT_EQ((*m)->output().data, (*m)->token_embd().data);
  EXPECT_EQ((*m)->output().n_rows, 40);
  EXPECT_EQ((*m)->output().n_cols, 64);
}

TEST_F(ModelTest, DequantizesF16NormsOnce) {
  TinySpec spec;
  spec.norm_type = 1;  // F16
  spec.arch = "qwen2";
  spec.qkv_bias = true;
  TinyWeights w;
  absl::StatusOr<std::unique_ptr<Model>> m = Load(spec, &w);
  ASSERT_TRUE(m.ok()) << m.status();
  const LayerWeights& l1 = (*m)->layers()[1];
  for (int i = 0; i < 64; ++i) {
    ASSERT_EQ(l1.ffn_norm[i], w["blk.1.ffn_norm.weight"][i]) << i;
    ASSERT_EQ((*m)->output_norm()[i], w["output_norm.weight"][i]) << i;
  }
  for (int i = 0; i < 32; ++i) ASSERT_EQ(l1.bk[i], w["blk.1.attn_k.bias"][i]) << i;
}

TEST_F(ModelTest, UnloadedWeightFormatGivesRegistryMessage) {
  // A registry without the q8_0 plugin cannot even map the file's tensors.
  TinySpec spec;
  spec.weight_type = 8;  // Q8_0
  path_ = TempPath("q8_0_weights.gguf");
  ASSERT_TRUE(WriteTinyModel(*registry_, spec, path_, nullptr).ok());
  PluginRegistry bare(registry_->cpu_features());
  absl::StatusOr<std::unique_ptr<Model>> m = Model::Load(path_, bare);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("no quant-format plugin loaded"));
}

TEST_F(ModelTest, UnloadedActivationFormatGivesRegistryMessage) {
  // q4_K weights multiply q8_K activations: with the q4_K plugin but not q8_K's, binding fails.
  TinySpec spec;
  spec.n_embd = 256;
  spec.n_ff = 256;
  spec.weight_type = 12;  // Q4_K
  path_ = TempPath("q4_K_weights.gguf");
  ASSERT_TRUE(WriteTinyModel(*registry_, spec, path_, nullptr).ok());
  PluginRegistry partial(registry_->cpu_features());
  const std::string dir = PluginDirs("").at(0);
  ASSERT_TRUE(partial.LoadFile(dir + "/libedgellm_format_f32.so").ok());
  ASSERT_TRUE(partial.LoadFile(dir + "/libedgellm_format_q4_K.so").ok());
  absl::StatusOr<std::unique_ptr<Model>> m = Model::Load(path_, partial);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(m.status().message(), HasSubstr("whose activations are Q8_K"));
}

TEST_F(ModelTest, MissingFileIsAnError) {
  absl::StatusOr<std::unique_ptr<Model>> m = Model::Load(TempPath("absent.gguf"), *registry_);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("absent.gguf"));
}

}  // namespace
}  // namespace edgellm
