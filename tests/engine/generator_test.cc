// The generation loop on the real stories260K model against llama.cpp's greedy continuations and
// logits (../shared/golden/models/stories260K.f32.json), plus stop strings, cancellation, the
// token budget, a full context and seeded sampling.
#include "core/engine/generator.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/model/inference_context.h"
#include "core/model/model.h"
#include "core/plugin/plugin_paths.h"
#include "core/plugin/plugin_registry.h"
#include "core/tokenizer/tokenizer.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/shared_data.h"

namespace edgellm {
namespace {

using edgellm::testing::ReadFileOrDie;
using edgellm::testing::ReadFloats;
using edgellm::testing::SharedDir;

constexpr char kOnceUponATime[] = "Once upon a time";

class GeneratorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (SharedDir().empty()) return;
    auto registry = LoadPlugins("");
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = registry->release();
    auto model = Model::Load(SharedDir() + "/models/stories260K/stories260K.gguf", *registry_);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = model->release();
    auto tokenizer = Tokenizer::FromGguf(model_->file());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    tokenizer_ = tokenizer->release();
    ASSERT_NE(registry_->DefaultBackend(), nullptr);
    auto backend = registry_->DefaultBackend()->Create(1);
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = backend->release();
    golden_ =
        nlohmann::json::parse(ReadFileOrDie(SharedDir() + "/golden/models/stories260K.f32.json"));
  }
  static void TearDownTestSuite() {
    delete backend_;
    delete tokenizer_;
    delete model_;
    delete registry_;
    backend_ = nullptr;
    tokenizer_ = nullptr;
    model_ = nullptr;
    registry_ = nullptr;
  }
  void SetUp() override {
    EDGELLM_REQUIRE_SHARED();
    ASSERT_NE(backend_, nullptr);
  }

  static std::unique_ptr<InferenceContext> NewContext(int64_t n_ctx = 256) {
    ContextOptions options;
    options.n_ctx = n_ctx;
    auto ctx = InferenceContext::Create(*model_, backend_, options);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    return ctx.ok() ? *std::move(ctx) : nullptr;
  }

  static GenerateRequest Greedy(const std::string& prompt, int max_tokens) {
    GenerateRequest r;
    r.prompt = prompt;
    r.max_tokens = max_tokens;
    r.sampling.temperature = 0.0f;
    return r;
  }

  // Runs a request on a fresh context, recording every chunk.
  static absl::StatusOr<GenerateResult> Run(const GenerateRequest& request,
                                            std::vector<GenerateChunk>* chunks = nullptr,
                                            int64_t n_ctx = 256) {
    std::unique_ptr<InferenceContext> ctx = NewContext(n_ctx);
    if (ctx == nullptr) return absl::InternalError("no context");
    return Generate(*ctx, *tokenizer_, request, [chunks](const GenerateChunk& c) {
      if (chunks != nullptr) chunks->push_back(c);
      return true;
    });
  }

  static std::vector<int32_t> GoldenTokens(int case_index, size_t n) {
    std::vector<int32_t> all = golden_["cases"][case_index]["greedy_tokens"];
    all.resize(std::min(n, all.size()));
    return all;
  }

  static std::string Joined(const std::vector<GenerateChunk>& chunks) {
    std::string text;
    for (const GenerateChunk& c : chunks) text += c.text;
    return text;
  }

  static PluginRegistry* registry_;
  static Model* model_;
  static Tokenizer* tokenizer_;
  static Backend* backend_;
  static nlohmann::json golden_;
};

PluginRegistry* GeneratorTest::registry_ = nullptr;
Model* GeneratorTest::model_ = nullptr;
Tokenizer* GeneratorTest::tokenizer_ = nullptr;
Backend* GeneratorTest::backend_ = nullptr;
nlohmann::json GeneratorTest::golden_;

TEST_F(GeneratorTest, GreedyMatchesLlamaCppContinuations) {
  for (size_t c = 0; c < golden_["cases"].size(); ++c) {
    const nlohmann::json& g = golden_["cases"][c];
    std::vector<GenerateChunk> chunks;
    absl::StatusOr<GenerateResult> r = Run(Greedy(g["prompt"], 32), &chunks);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->prompt_tokens, g["prompt_tokens"].get<std::vector<int32_t>>()) << g["prompt"];
    EXPECT_EQ(r->tokens, GoldenTokens(c, 32)) << g["prompt"];
    EXPECT_EQ(r->finish_reason, "length");
    // The golden text covers 64 tokens; ours is its first 32 tokens' worth.
    const std::string golden_text = g["greedy_text"];
    EXPECT_EQ(golden_text.compare(0, r->text.size(), r->text), 0) << r->text;
    EXPECT_FALSE(r->text.empty());
    EXPECT_EQ(Joined(chunks), r->text);
    EXPECT_EQ(chunks.size(), 32u);  // one per token, nothing held back without stop strings
    EXPECT_GT(r->prompt_ms, 0.0);
    EXPECT_GT(r->decode_ms, 0.0);
    EXPECT_GT(r->prefill_tokens_per_second, 0.0);
    EXPECT_GT(r->decode_tokens_per_second, 0.0);
  }
}

TEST_F(GeneratorTest, LogitsObserverSeesLlamaCppLogits) {
  const std::vector<float> golden_logits =
      ReadFloats(SharedDir() + "/golden/models/" + golden_["logits_file"].get<std::string>());
  const size_t n_vocab = golden_["n_vocab"];
  const int n_steps = golden_["n_logit_steps"];
  ASSERT_EQ(n_vocab, static_cast<size_t>(model_->n_vocab()));
  for (size_t c = 0; c < golden_["cases"].size(); ++c) {
    GenerateRequest request = Greedy(golden_["cases"][c]["prompt"], n_steps);
    std::vector<std::vector<float>> seen;
    request.on_logits = [&seen](int step, absl::Span<const float> logits) {
      EXPECT_EQ(step, static_cast<int>(seen.size()));
      seen.emplace_back(logits.begin(), logits.end());
    };
    absl::StatusOr<GenerateResult> r = Run(request);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(seen.size(), static_cast<size_t>(n_steps));
    for (int step = 0; step < n_steps; ++step) {
      const float* want = golden_logits.data() + (c * n_steps + step) * n_vocab;
      float max_diff = 0.0f, scale = 0.0f;
      for (size_t i = 0; i < n_vocab; ++i) {
        max_diff = std::max(max_diff, std::fabs(seen[step][i] - want[i]));
        scale = std::max(scale, std::fabs(want[i]));
      }
      EXPECT_LT(max_diff, 1e-3f * scale + 1e-3f) << "case " << c << " step " << step;
    }
  }
}

TEST_F(GeneratorTest, PromptTokensGiveTheSameResultAsText) {
  GenerateRequest request = Greedy("", 16);
  request.prompt_tokens = golden_["cases"][1]["prompt_tokens"].get<std::vector<int32_t>>();
  absl::StatusOr<GenerateResult> r = Run(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->prompt_tokens, request.prompt_tokens);
  EXPECT_EQ(r->tokens, GoldenTokens(1, 16));
}

TEST_F(GeneratorTest, StopStringCutsTheTextBeforeIt) {
  // Greedy text: ", there was a little girl named Lily. She loved to play outside ..."
  for (const std::string stop : {"Lily", "l named", "e loved"}) {
    GenerateRequest request = Greedy(kOnceUponATime, 32);
    request.stop = {stop, "never appears"};
    std::vector<GenerateChunk> chunks;
    absl::StatusOr<GenerateResult> r = Run(request, &chunks);
    ASSERT_TRUE(r.ok()) << r.status();
    const std::string golden_text = golden_["cases"][0]["greedy_text"];
    EXPECT_EQ(r->text, golden_text.substr(0, golden_text.find(stop))) << stop;
    EXPECT_EQ(r->finish_reason, "stop");
    EXPECT_EQ(Joined(chunks), r->text);
    // Generation stopped at the token that completed the stop string.
    EXPECT_LT(r->tokens.size(), 32u);
    EXPECT_EQ(r->tokens, GoldenTokens(0, r->tokens.size()));
    std::string pieces;
    for (int32_t t : r->tokens) pieces += tokenizer_->TokenToPiece(t);
    EXPECT_NE(pieces.find(stop), std::string::npos);
    std::string without_last;
    for (size_t i = 0; i + 1 < r->tokens.size(); ++i) {
      without_last += tokenizer_->TokenToPiece(r->tokens[i]);
    }
    EXPECT_EQ(without_last.find(stop), std::string::npos);
  }
}

TEST_F(GeneratorTest, EarliestStopStringWins) {
  GenerateRequest request = Greedy(kOnceUponATime, 32);
  request.stop = {"She", "girl"};
  absl::StatusOr<GenerateResult> r = Run(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, ", there was a little ");
}

TEST_F(GeneratorTest, HeldBackTextIsReleasedWhenTheStopStringDoesNotMatch) {
  // "Lily." is in the text; "Lily!" is not: "Lily" is held back, then sent with "." after it.
  GenerateRequest request = Greedy(kOnceUponATime, 32);
  request.stop = {"Lily!", "time"};
  std::vector<GenerateChunk> chunks;
  absl::StatusOr<GenerateResult> r = Run(request, &chunks);
  ASSERT_TRUE(r.ok()) << r.status();
  absl::StatusOr<GenerateResult> plain = Run(Greedy(kOnceUponATime, 32));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(r->text, plain->text);
  EXPECT_EQ(r->finish_reason, "length");
  EXPECT_EQ(Joined(chunks), r->text);
  // The chunk of the token that ends with "Lily" holds it back; the next chunk releases it.
  std::string pieces;
  size_t i = 0;
  for (; i < chunks.size() && pieces.find("Lily") == std::string::npos; ++i) {
    pieces += tokenizer_->TokenToPiece(chunks[i].tokens.at(0));
  }
  ASSERT_LT(i, chunks.size());
  EXPECT_EQ(chunks[i - 1].text.find("Lily"), std::string::npos) << chunks[i - 1].text;
  EXPECT_EQ(chunks[i].text.rfind("Lily", 0), 0u) << chunks[i].text;
}

TEST_F(GeneratorTest, HeldBackTextAtTheEndIsFlushed) {
  // The budget ends right after " Lily" while "Lily." might still be a stop string.
  absl::StatusOr<GenerateResult> plain = Run(Greedy(kOnceUponATime, 32));
  ASSERT_TRUE(plain.ok()) << plain.status();
  size_t n = 0;
  std::string prefix;
  while (prefix.find("Lily") == std::string::npos) {
    prefix += tokenizer_->TokenToPiece(plain->tokens[n++]);
  }
  ASSERT_EQ(prefix.substr(prefix.size() - 4), "Lily") << "token boundary assumption";
  GenerateRequest request = Greedy(kOnceUponATime, static_cast<int>(n));
  request.stop = {"Lily. Z"};
  std::vector<GenerateChunk> chunks;
  absl::StatusOr<GenerateResult> r = Run(request, &chunks);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, prefix);
  EXPECT_EQ(r->finish_reason, "length");
  ASSERT_FALSE(chunks.empty());
  EXPECT_TRUE(chunks.back().tokens.empty());  // the final flush
  EXPECT_EQ(chunks.back().text, "Lily");
}

TEST_F(GeneratorTest, CancelStopsWithinOneToken) {
  std::unique_ptr<InferenceContext> ctx = NewContext();
  ASSERT_NE(ctx, nullptr);
  int calls = 0;
  std::string streamed;
  absl::StatusOr<GenerateResult> r =
      Generate(*ctx, *tokenizer_, Greedy(kOnceUponATime, 32), [&](const GenerateChunk& c) {
        streamed += c.text;
        return ++calls < 5;
      });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(r->finish_reason, "cancelled");
  EXPECT_EQ(r->tokens, GoldenTokens(0, 5));
  EXPECT_EQ(r->text, streamed);
  // The cancelled token was never evaluated.
  EXPECT_EQ(ctx->n_past(), static_cast<int64_t>(r->prompt_tokens.size() + 4));
}

TEST_F(GeneratorTest, BudgetEndsWithLength) {
  std::unique_ptr<InferenceContext> ctx = NewContext();
  ASSERT_NE(ctx, nullptr);
  absl::StatusOr<GenerateResult> r = Generate(*ctx, *tokenizer_, Greedy(kOnceUponATime, 7), {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->tokens, GoldenTokens(0, 7));
  EXPECT_EQ(r->finish_reason, "length");
  // The last budgeted token is returned without being evaluated.
  EXPECT_EQ(ctx->n_past(), static_cast<int64_t>(r->prompt_tokens.size() + 6));

  absl::StatusOr<GenerateResult> none = Run(Greedy(kOnceUponATime, 0));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->tokens.empty());
  EXPECT_TRUE(none->text.empty());
  EXPECT_EQ(none->finish_reason, "length");
}

TEST_F(GeneratorTest, FullContextEndsWithLength) {
  // 5 prompt tokens in a 16-token context: 11 generated tokens are evaluated, one more is
  // sampled from the last logits.
  absl::StatusOr<GenerateResult> r = Run(Greedy(kOnceUponATime, -1), nullptr, 16);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->finish_reason, "length");
  EXPECT_EQ(r->tokens, GoldenTokens(0, 12));
}

TEST_F(GeneratorTest, PromptLongerThanTheContextIsRefused) {
  // 17 prompt tokens.
  absl::StatusOr<GenerateResult> r =
      Run(Greedy(golden_["cases"][1]["prompt"], 8), nullptr, /*n_ctx=*/16);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("17"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("16"), std::string::npos) << r.status();
}

TEST_F(GeneratorTest, EndOfGenerationTokenStops) {
  // stories260K never ends a story (its training data only has BOS between stories);
  // TinyStories-656K ends its greedy "Once upon a time" story with EOS after ~100 tokens.
  auto model =
      Model::Load(SharedDir() + "/models/tinystories-656K/TinyStories-656K.f16.gguf", *registry_);
  ASSERT_TRUE(model.ok()) << model.status();
  auto tokenizer = Tokenizer::FromGguf((*model)->file());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  ContextOptions options;
  options.n_ctx = 512;
  auto ctx = InferenceContext::Create(**model, backend_, options);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  GenerateRequest request = Greedy(kOnceUponATime, -1);
  std::vector<float> last_logits;
  int steps = 0;
  request.on_logits = [&](int, absl::Span<const float> logits) {
    last_logits.assign(logits.begin(), logits.end());
    ++steps;
  };
  absl::StatusOr<GenerateResult> r = Generate(**ctx, **tokenizer, request, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_LT(r->prompt_tokens.size() + r->tokens.size(), 512u);
  for (int32_t t : r->tokens) EXPECT_FALSE((*tokenizer)->IsEog(t));
  // The last step sampled the EOG token (greedy: the argmax), which is not in the result.
  EXPECT_EQ(steps, static_cast<int>(r->tokens.size()) + 1);
  const int32_t last = static_cast<int32_t>(
      std::max_element(last_logits.begin(), last_logits.end()) - last_logits.begin());
  EXPECT_TRUE((*tokenizer)->IsEog(last)) << last;

  // ignore_eos: the same story goes on past its EOG token, which is streamed like any other.
  request.ignore_eos = true;
  request.max_tokens = static_cast<int>(r->tokens.size()) + 10;
  absl::StatusOr<GenerateResult> on = Generate(**ctx, **tokenizer, request, {});
  ASSERT_TRUE(on.ok()) << on.status();
  EXPECT_EQ(on->finish_reason, "length");
  ASSERT_EQ(on->tokens.size(), static_cast<size_t>(request.max_tokens));
  EXPECT_TRUE(std::equal(r->tokens.begin(), r->tokens.end(), on->tokens.begin()));
  EXPECT_TRUE((*tokenizer)->IsEog(on->tokens[r->tokens.size()]));
}

TEST_F(GeneratorTest, SeededSamplingIsReproducible) {
  GenerateRequest request;
  request.prompt = kOnceUponATime;
  request.max_tokens = 32;
  request.sampling.temperature = 1.0f;
  request.sampling.seed = 42;
  absl::StatusOr<GenerateResult> a = Run(request);
  absl::StatusOr<GenerateResult> b = Run(request);
  request.sampling.seed = 43;
  absl::StatusOr<GenerateResult> c = Run(request);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->tokens, b->tokens);
  EXPECT_EQ(a->text, b->text);
  EXPECT_NE(a->tokens, c->tokens);
  EXPECT_NE(a->tokens, GoldenTokens(0, 32));  // sampling did not fall back to greedy
}

TEST_F(GeneratorTest, BadRequestsAreInvalidArgument) {
  GenerateRequest empty = Greedy("", 8);
  GenerateRequest both = Greedy(kOnceUponATime, 8);
  both.prompt_tokens = {1, 2};
  GenerateRequest empty_stop = Greedy(kOnceUponATime, 8);
  empty_stop.stop = {"x", ""};
  GenerateRequest bad_sampling = Greedy(kOnceUponATime, 8);
  bad_sampling.sampling.top_p = 1.5f;
  GenerateRequest bad_token = Greedy("", 8);
  bad_token.prompt_tokens = {1, 100000};
  const struct {
    const GenerateRequest* request;
    std::string message;
  } cases[] = {{&empty, "empty"},
               {&both, "not both"},
               {&empty_stop, "stop string 1"},
               {&bad_sampling, "top_p"},
               {&bad_token, "100000"}};
  for (const auto& c : cases) {
    absl::StatusOr<GenerateResult> r = Run(*c.request);
    ASSERT_FALSE(r.ok()) << c.message;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << r.status();
  }
}

}  // namespace
}  // namespace edgellm
