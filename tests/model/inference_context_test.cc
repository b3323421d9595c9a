// InferenceContext on tiny random models, on every loaded backend: the graph against a plain
// double-precision forward pass, layer-major prefill against token-by-token decode, chunking,
// cache types, backend switching, and the error cases.
#include "core/model/inference_context.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/model/model.h"
#include "core/plugin/plugin_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/model/tiny_model.h"

namespace edgellm {
namespace {

using ::testing::HasSubstr;
using testing::ReferenceForward;
using testing::TempPath;
using testing::TinySpec;
using testing::TinyWeights;
using testing::WriteTinyModel;

const std::vector<int32_t> kPrompt = {1, 17, 5, 33, 8, 8, 21, 39, 0, 12};

// Loaded once per binary and never freed: models and backends must not outlive their plugins.
PluginRegistry& Registry() {
  static PluginRegistry* registry = [] {
    absl::StatusOr<std::unique_ptr<PluginRegistry>> r = LoadPlugins("");
    if (!r.ok()) {
      ADD_FAILURE() << r.status();
      return new PluginRegistry(0);
    }
    return r->release();
  }();
  return *registry;
}

std::vector<std::string> BackendNames() {
  std::vector<std::string> names;
  for (const BackendPlugin* b : Registry().backends()) names.push_back(b->name());
  if (names.empty()) names.push_back("none");
  return names;
}

double MaxAbsDiff(const float* a, const float* b, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
  return m;
}

class InferenceContextTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const BackendPlugin* plugin = Registry().FindBackend(GetParam());
    ASSERT_NE(plugin, nullptr) << "no backend plugin loaded";
    absl::StatusOr<std::unique_ptr<Backend>> b = plugin->Create(2);
    ASSERT_TRUE(b.ok()) << b.status();
    backend_ = *std::move(b);
  }

  // Writes and loads `spec` (weights in weights_).
  void LoadModel(const TinySpec& spec) {
    spec_ = spec;
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    const std::string path = TempPath(name + ".gguf");
    weights_.clear();
    ASSERT_TRUE(WriteTinyModel(Registry(), spec, path, &weights_).ok());
    absl::StatusOr<std::unique_ptr<Model>> m = Model::Load(path, Registry());
    ASSERT_TRUE(m.ok()) << m.status();
    model_ = *std::move(m);
  }

  std::unique_ptr<InferenceContext> NewContext(ContextOptions options = {}) {
    absl::StatusOr<std::unique_ptr<InferenceContext>> ctx =
        InferenceContext::Create(*model_, backend_.get(), options);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    return ctx.ok() ? *std::move(ctx) : nullptr;
  }

  // Logits of every prompt position, one token at a time.
  std::vector<float> DecodeOneByOne(InferenceContext& ctx, const std::vector<int32_t>& tokens) {
    const int64_t V = model_->n_vocab();
    std::vector<float> out(tokens.size() * V);
    for (size_t i = 0; i < tokens.size(); ++i) {
      absl::Status s = ctx.Eval({&tokens[i], 1}, out.data() + i * V);
      EXPECT_TRUE(s.ok()) << s;
    }
    return out;
  }

  // Checks every row of `logits` against the double-precision reference.
  void ExpectMatchesReference(const std::vector<float>& logits, double tolerance) {
    const std::vector<double> ref = ReferenceForward(spec_, weights_, kPrompt);
    ASSERT_EQ(ref.size(), logits.size());
    double scale = 0, max_diff = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      scale = std::max(scale, std::fabs(ref[i]));
      max_diff = std::max(max_diff, std::fabs(ref[i] - logits[i]));
    }
    ASSERT_GT(scale, 0.1);  // the model says something
    EXPECT_LE(max_diff, tolerance * scale) << "largest |logit| " << scale;
  }

  std::unique_ptr<Backend> backend_;
  TinySpec spec_;
  TinyWeights weights_;
  std::unique_ptr<Model> model_;
};

TEST_P(InferenceContextTest, LlamaMatchesReferenceForward) {
  TinySpec spec;
  LoadModel(spec);
  ContextOptions options;
  options.cache_type_k = options.cache_type_v = kCacheTypeF32;  // the reference does not round
  auto ctx = NewContext(options);
  ASSERT_NE(ctx, nullptr);
  std::vector<float> logits(kPrompt.size() * model_->n_vocab());
  ASSERT_TRUE(ctx->EvalAll(kPrompt, logits.data()).ok());
  ExpectMatchesReference(logits, 1e-4);
}

TEST_P(InferenceContextTest, Qwen2WithBiasesPartialRopeAndScalingMatchesReference) {
  TinySpec spec;
  spec.arch = "qwen2";
  spec.qkv_bias = true;
  spec.n_rot = 16;  // half of head_dim: the rest passes through
  spec.freq_base = 5000.0f;
  spec.rope_scale = 2.0f;
  spec.tied = true;
  LoadModel(spec);
  ContextOptions options;
  options.cache_type_k = options.cache_type_v = kCacheTypeF32;
  auto ctx = NewContext(options);
  ASSERT_NE(ctx, nullptr);
  std::vector<float> logits(kPrompt.size() * model_->n_vocab());
  ASSERT_TRUE(ctx->EvalAll(kPrompt, logits.data()).ok());
  ExpectMatchesReference(logits, 1e-4);
}

TEST_P(InferenceContextTest, F16CacheStaysCloseToReference) {
  LoadModel(TinySpec());
  auto ctx = NewContext();  // F16 cache, as llama.cpp
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(ctx->kv_pool().k_format().type_id(), kCacheTypeF16);
  std::vector<float> logits(kPrompt.size() * model_->n_vocab());
  ASSERT_TRUE(ctx->EvalAll(kPrompt, logits.data()).ok());
  ExpectMatchesReference(logits, 3e-3);
}

TEST_P(InferenceContextTest, PrefillEqualsTokenByTokenDecode) {
  LoadModel(TinySpec());
  const int64_t V = model_->n_vocab();
  auto prefill = NewContext();
  auto decode = NewContext();
  ASSERT_NE(prefill, nullptr);
  ASSERT_NE(decode, nullptr);

  std::vector<float> last(V);
  ASSERT_TRUE(prefill->Eval(kPrompt, last.data()).ok());
  EXPECT_EQ(prefill->n_past(), static_cast<int64_t>(kPrompt.size()));
  const std::vector<float> one_by_one = DecodeOneByOne(*decode, kPrompt);
  EXPECT_LE(MaxAbsDiff(last.data(), one_by_one.data() + (kPrompt.size() - 1) * V, V), 1e-4);

  prefill->Reset();
  std::vector<float> all(kPrompt.size() * V);
  ASSERT_TRUE(prefill->EvalAll(kPrompt, all.data()).ok());
  EXPECT_LE(MaxAbsDiff(all.data(), one_by_one.data(), all.size()), 1e-4);

  // Both continue the same way.
  const int32_t next = 3;
  std::vector<float> a(V), b(V);
  ASSERT_TRUE(prefill->Eval({&next, 1}, a.data()).ok());
  ASSERT_TRUE(decode->Eval({&next, 1}, b.data()).ok());
  EXPECT_LE(MaxAbsDiff(a.data(), b.data(), V), 1e-4);
}

TEST_P(InferenceContextTest, ChunkedPrefillEqualsOneChunk) {
  LoadModel(TinySpec());
  const int64_t V = model_->n_vocab();
  ContextOptions small;
  small.batch_size = 3;  // 10 tokens: chunks of 3, 3, 3, 1
  auto chunked = NewContext(small);
  auto whole = NewContext();
  ASSERT_NE(chunked, nullptr);
  ASSERT_NE(whole, nullptr);
  EXPECT_EQ(chunked->batch_size(), 3);
  std::vector<float> a(kPrompt.size() * V), b(kPrompt.size() * V);
  ASSERT_TRUE(chunked->EvalAll(kPrompt, a.data()).ok());
  ASSERT_TRUE(whole->EvalAll(kPrompt, b.data()).ok());
  EXPECT_LE(MaxAbsDiff(a.data(), b.data(), a.size()), 1e-4);

  std::vector<float> last(V);
  chunked->Reset();
  ASSERT_TRUE(chunked->Eval(kPrompt, last.data()).ok());
  EXPECT_LE(MaxAbsDiff(last.data(), b.data() + (kPrompt.size() - 1) * V, V), 1e-4);
}

TEST_P(InferenceContextTest, CacheOnlyEvalThenDecode) {
  LoadModel(TinySpec());
  const int64_t V = model_->n_vocab();
  auto ctx = NewContext();
  ASSERT_NE(ctx, nullptr);
  std::vector<float> all(kPrompt.size() * V);
  ASSERT_TRUE(ctx->EvalAll(kPrompt, all.data()).ok());

  ctx->Reset();
  const std::vector<int32_t> head(kPrompt.begin(), kPrompt.end() - 1);
  ASSERT_TRUE(ctx->Eval(head, nullptr).ok());  // no logits: fills the cache only
  std::vector<float> last(V);
  ASSERT_TRUE(ctx->Eval({&kPrompt.back(), 1}, last.data()).ok());
  EXPECT_LE(MaxAbsDiff(last.data(), all.data() + (kPrompt.size() - 1) * V, V), 1e-4);
}

TEST_P(InferenceContextTest, TruncateReusesPrefix) {
  LoadModel(TinySpec());
  const int64_t V = model_->n_vocab();
  auto ctx = NewContext();
  ASSERT_NE(ctx, nullptr);
  std::vector<float> first(V), again(V);
  ASSERT_TRUE(ctx->Eval(kPrompt, first.data()).ok());
  ASSERT_TRUE(ctx->Truncate(4).ok());
  EXPECT_EQ(ctx->n_past(), 4);
  ASSERT_TRUE(ctx->Eval({kPrompt.data() + 4, kPrompt.size() - 4}, again.data()).ok());
  EXPECT_LE(MaxAbsDiff(first.data(), again.data(), V), 1e-5);
}

TEST_P(InferenceContextTest, ResetGivesTheSameLogits) {
  LoadModel(TinySpec());
  const int64_t V = model_->n_vocab();
  auto ctx = NewContext();
  ASSERT_NE(ctx, nullptr);
  std::vector<float> a(V), b(V);
  ASSERT_TRUE(ctx->Eval(kPrompt, a.data()).ok());
  ctx->Reset();
  EXPECT_EQ(ctx->n_past(), 0);
  ASSERT_TRUE(ctx->Eval(kPrompt, b.data()).ok());
  EXPECT_EQ(MaxAbsDiff(a.data(), b.data(), V), 0.0);
}

TEST_P(InferenceContextTest, OtherCacheTypes) {
  LoadModel(TinySpec());
  const int64_t V = model_->n_vocab();
  auto f16 = NewContext();
  ASSERT_NE(f16, nullptr);
  std::vector<float> want(V);
  ASSERT_TRUE(f16->Eval(kPrompt, want.data()).ok());
  for (uint32_t type : {kCacheTypeF32, kCacheTypeQ8_0}) {
    SCOPED_TRACE(type);
    ContextOptions options;
    options.cache_type_k = options.cache_type_v = type;
    auto ctx = NewContext(options);
    ASSERT_NE(ctx, nullptr);
    EXPECT_EQ(ctx->kv_pool().k_format().type_id(), type);
    std::vector<float> got(V);
    ASSERT_TRUE(ctx->Eval(kPrompt, got.data()).ok());
    // Q8_0 keeps ~8 bits of each K/V value; f32 and f16 differ by f16 rounding only.
    EXPECT_LE(MaxAbsDiff(got.data(), want.data(), V), type == kCacheTypeQ8_0 ? 5e-2 : 5e-3);
  }
}

TEST_P(InferenceContextTest, SwitchingBackendsMidSequence) {
  LoadModel(TinySpec());
  const int64_t V = model_->n_vocab();
  auto ctx = NewContext();
  auto reference = NewContext();
  ASSERT_NE(ctx, nullptr);
  ASSERT_NE(reference, nullptr);
  const std::vector<int32_t> head(kPrompt.begin(), kPrompt.begin() + 6);
  ASSERT_TRUE(ctx->Eval(head, nullptr).ok());
  for (const BackendPlugin* other : Registry().backends()) {
    SCOPED_TRACE(other->name());
    absl::StatusOr<std::unique_ptr<Backend>> b = other->Create(1);
    ASSERT_TRUE(b.ok()) << b.status();
    ASSERT_TRUE(ctx->Truncate(6).ok());
    ctx->set_backend(b->get());
    EXPECT_EQ(ctx->backend(), b->get());
    std::vector<float> got(V), want(V);
    ASSERT_TRUE(ctx->Eval({kPrompt.data() + 6, 4}, got.data()).ok());
    reference->Reset();
    ASSERT_TRUE(reference->Eval(kPrompt, want.data()).ok());
    EXPECT_LE(MaxAbsDiff(got.data(), want.data(), V), 1e-4);
    ctx->set_backend(backend_.get());
  }
}

TEST_P(InferenceContextTest, ContextOverflowIsOutOfRange) {
  LoadModel(TinySpec());
  ContextOptions options;
  options.n_ctx = 12;
  auto ctx = NewContext(options);
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(ctx->n_ctx(), 12);
  ASSERT_TRUE(ctx->Eval(kPrompt, nullptr).ok());
  const std::vector<int32_t> three = {1, 2, 3};
  std::vector<float> logits(model_->n_vocab());
  absl::Status s = ctx->Eval(three, logits.data());
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(s.message(), "context overflow: 13 tokens do not fit in the context of 12");
  EXPECT_EQ(ctx->n_past(), 10);                                   // unchanged
  ASSERT_TRUE(ctx->Eval({three.data(), 2}, logits.data()).ok());  // exactly full
  EXPECT_EQ(ctx->n_past(), 12);
}

TEST_P(InferenceContextTest, BadTokensAreInvalidArgument) {
  LoadModel(TinySpec());
  auto ctx = NewContext();
  ASSERT_NE(ctx, nullptr);
  std::vector<float> logits(model_->n_vocab());
  for (const std::vector<int32_t>& bad :
       {std::vector<int32_t>{1, 40}, std::vector<int32_t>{-1}, std::vector<int32_t>{}}) {
    absl::Status s = ctx->Eval(bad, logits.data());
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  }
  absl::Status s = ctx->Eval(std::vector<int32_t>{3, 40}, logits.data());
  EXPECT_THAT(s.message(), HasSubstr("token 40 (at index 1) is outside the vocabulary of 40"));
  EXPECT_EQ(ctx->n_past(), 0);
  EXPECT_EQ(ctx->EvalAll(kPrompt, nullptr).code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(InferenceContextTest, CreateChecksOptions) {
  LoadModel(TinySpec());
  ContextOptions options;
  EXPECT_EQ(InferenceContext::Create(*model_, nullptr, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.n_ctx = -1;
  EXPECT_EQ(InferenceContext::Create(*model_, backend_.get(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.batch_size = 0;
  EXPECT_EQ(InferenceContext::Create(*model_, backend_.get(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.cache_type_k = 23;  // IQ4_XS: block of 256 does not divide head_dim 32
  absl::Status s = InferenceContext::Create(*model_, backend_.get(), options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  options.cache_type_k = 1000;  // no such type
  EXPECT_EQ(InferenceContext::Create(*model_, backend_.get(), options).status().code(),
            absl::StatusCode::kNotFound);

  // n_ctx 0: the model's context (64 here); batch capped at n_ctx.
  options = {};
  options.batch_size = 100000;
  auto ctx = NewContext(options);
  ASSERT_NE(ctx, nullptr);
  EXPECT_EQ(ctx->n_ctx(), 64);
  EXPECT_EQ(ctx->batch_size(), 64);
}

INSTANTIATE_TEST_SUITE_P(Backends, InferenceContextTest, ::testing::ValuesIn(BackendNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace edgellm
