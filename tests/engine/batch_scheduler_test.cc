// BatchScheduler on real GGUF models (../shared/models): every stream bit-identical to the same
// request run alone (tokens and the logits of every step), whatever shares its steps and whenever
// it arrived; prefix-cache hits; a full KV pool mid-generation (preemption); a prompt that can
// never fit; cancellation. On every loaded backend, for F32, F16 and Q4_K weights (the F32/F16
// GEMM sums in another order than vec_dot, the k-quants' give vec_dot's bits).
#include "core/engine/batch_scheduler.h"

#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/engine/generator.h"
#include "core/model/inference_context.h"
#include "core/plugin/plugin_paths.h"
#include "gtest/gtest.h"
#include "tests/testing/plugins_fixture.h"
#include "tests/testing/shared_data.h"

namespace edgellm {
namespace {

using edgellm::testing::SharedDir;
// The scheduler's backend threads; solo runs use one (results do not depend on it).
constexpr int kThreads = 2;

// What one generation produced, logits of every step included.
struct Outcome {
  absl::Status status;
  GenerateResult result;
  std::vector<std::vector<float>> logits;
  std::vector<std::string> chunks;
};

GenerateRequest Observed(GenerateRequest request, Outcome& run) {
  request.on_logits = [&run](int step, absl::Span<const float> logits) {
    if (static_cast<int>(run.logits.size()) != step)
      run.status = absl::InternalError("step skipped");
    run.logits.emplace_back(logits.begin(), logits.end());
  };
  return request;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class BatchSchedulerTest
    : public testing::PluginsTest,
      public ::testing::WithParamInterface<std::tuple<std::string, std::string>> {
 protected:
  void SetUp() override {
    EDGELLM_REQUIRE_SHARED();
    plugin_ = registry_->FindBackend(std::get<1>(GetParam()));
    if (plugin_ == nullptr) GTEST_SKIP() << std::get<1>(GetParam()) << " is not loaded here";
    absl::StatusOr<std::unique_ptr<Model>> model =
        Model::Load(SharedDir() + "/models/" + std::get<0>(GetParam()), *registry_);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
    absl::StatusOr<std::unique_ptr<Tokenizer>> tokenizer = Tokenizer::FromGguf(model_->file());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    tokenizer_ = *std::move(tokenizer);
    absl::StatusOr<std::unique_ptr<Backend>> solo = plugin_->Create(1);
    ASSERT_TRUE(solo.ok()) << solo.status();
    solo_backend_ = *std::move(solo);
  }

  // A scheduler over a pool of `pool_blocks` blocks, with or without a prefix cache.
  std::unique_ptr<BatchScheduler> MakeScheduler(int64_t pool_blocks, bool prefix_cache,
                                                const SchedulerOptions& options,
                                                uint32_t cache_k = kCacheTypeF16,
                                                uint32_t cache_v = kCacheTypeF16) {
    const ModelConfig& c = model_->config();
    absl::StatusOr<std::unique_ptr<KvPool>> pool = KvPool::Create(
        *registry_, cache_k, cache_v, c.n_layer, pool_blocks, c.n_head_kv, c.head_dim);
    EXPECT_TRUE(pool.ok()) << pool.status();
    if (!pool.ok()) return nullptr;
    pool_ = *std::move(pool);
    cache_ = prefix_cache ? std::make_unique<PrefixCache>(*pool_, pool_blocks) : nullptr;
    absl::StatusOr<std::unique_ptr<Backend>> backend = plugin_->Create(kThreads);
    EXPECT_TRUE(backend.ok()) << backend.status();
    if (!backend.ok()) return nullptr;
    return std::make_unique<BatchScheduler>(*model_, *tokenizer_, *pool_, cache_.get(),
                                            plugin_->name(), *std::move(backend), options);
  }

  // The request alone on an InferenceContext of n_ctx positions (one prefill chunk).
  Outcome Solo(const GenerateRequest& request, int64_t n_ctx, uint32_t cache_k = kCacheTypeF16,
               uint32_t cache_v = kCacheTypeF16) {
    Outcome run;
    ContextOptions options;
    options.n_ctx = n_ctx;
    options.cache_type_k = cache_k;
    options.cache_type_v = cache_v;
    absl::StatusOr<std::unique_ptr<InferenceContext>> ctx =
        InferenceContext::Create(*model_, solo_backend_.get(), options);
    if (!ctx.ok()) {
      run.status = ctx.status();
      return run;
    }
    absl::StatusOr<GenerateResult> r =
        Generate(**ctx, *tokenizer_, Observed(request, run), [&run](const GenerateChunk& c) {
          run.chunks.push_back(c.text);
          return true;
        });
    if (r.ok())
      run.result = *std::move(r);
    else
      run.status = r.status();
    return run;
  }

  static Outcome Batched(BatchScheduler& s, const GenerateRequest& request, int cancel_after = -1) {
    Outcome run;
    absl::StatusOr<GenerateResult> r = s.Generate(
        Observed(request, run),
        [&run, cancel_after](const GenerateChunk& c) {
          run.chunks.push_back(c.text);
          return cancel_after < 0 || static_cast<int>(run.chunks.size()) < cancel_after;
        },
        nullptr);
    if (r.ok())
      run.result = *std::move(r);
    else
      run.status = r.status();
    return run;
  }

  // Every request at once, each on a client thread of its own; outcomes in request order.
  static std::vector<Outcome> BatchedAll(BatchScheduler& s,
                                         const std::vector<GenerateRequest>& requests) {
    std::vector<Outcome> out(requests.size());
    std::vector<std::thread> clients;
    for (size_t i = 0; i < requests.size(); ++i) {
      clients.emplace_back([&, i] { out[i] = Batched(s, requests[i]); });
    }
    for (std::thread& t : clients) t.join();
    return out;
  }

  void ExpectSame(const Outcome& solo, const Outcome& batched, const std::string& what) {
    ASSERT_TRUE(solo.status.ok()) << what << ": " << solo.status;
    ASSERT_TRUE(batched.status.ok()) << what << ": " << batched.status;
    EXPECT_EQ(batched.result.prompt_tokens, solo.result.prompt_tokens) << what;
    EXPECT_EQ(batched.result.tokens, solo.result.tokens) << what;
    EXPECT_EQ(batched.result.text, solo.result.text) << what;
    EXPECT_EQ(batched.result.finish_reason, solo.result.finish_reason) << what;
    EXPECT_EQ(batched.chunks, solo.chunks) << what;
    ASSERT_EQ(batched.logits.size(), solo.logits.size()) << what;
    for (size_t i = 0; i < solo.logits.size(); ++i) {
      EXPECT_TRUE(SameBits(batched.logits[i], solo.logits[i])) << what << ": logits of step " << i;
    }
  }

  // A prompt of n random token ids (BOS first), drawn from rng.
  std::vector<int32_t> RandomPrompt(std::mt19937& rng, int n) {
    std::uniform_int_distribution<int32_t> id(3, static_cast<int32_t>(model_->n_vocab()) - 1);
    std::vector<int32_t> p = {1};
    while (static_cast<int>(p.size()) < n) p.push_back(id(rng));
    return p;
  }

  const BackendPlugin* plugin_ = nullptr;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Backend> solo_backend_;
  std::unique_ptr<KvPool> pool_;
  std::unique_ptr<PrefixCache> cache_;
};

// 10 requests of different prompts (1 to 70 tokens), budgets, seeds and temperatures arrive in a
// random order at random times, 6 at most running, 16 tokens per step: prompts are split into
// chunks beside other streams' decode rows, and each stream matches its solo run bit for bit.
TEST_P(BatchSchedulerTest, EveryStreamMatchesItsSoloRun) {
  SchedulerOptions options;
  options.n_ctx = 128;
  options.step_tokens = 16;
  options.max_sequences = 6;
  std::unique_ptr<BatchScheduler> s = MakeScheduler(128, /*prefix_cache=*/true, options);
  ASSERT_NE(s, nullptr);
  std::mt19937 rng(20261208);
  constexpr int kRequests = 10;
  const int lengths[kRequests] = {1, 2, 3, 17, 33, 70, 5, 48, 16, 31};
  std::vector<GenerateRequest> requests(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    GenerateRequest& r = requests[i];
    r.prompt_tokens = RandomPrompt(rng, lengths[i]);
    r.max_tokens = 4 + static_cast<int>(rng() % 24);
    r.sampling.temperature = i % 3 == 0 ? 0.0f : 0.9f;
    r.sampling.seed = 1000 + i;
    r.ignore_eos = i % 2 == 0;
    if (i == 7) r.stop = {"e"};
  }
  std::vector<Outcome> batched(kRequests);
  std::vector<int> arrival(kRequests);
  for (int i = 0; i < kRequests; ++i) arrival[i] = i;
  std::shuffle(arrival.begin(), arrival.end(), rng);
  std::vector<std::thread> clients;
  for (int k = 0; k < kRequests; ++k) {
    const int i = arrival[k];
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 4));
    clients.emplace_back([&, i] { batched[i] = Batched(*s, requests[i]); });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_GT(s->stats().max_batch, 1) << "no step carried two streams: the test proves nothing";
  for (int i = 0; i < kRequests; ++i) {
    ExpectSame(Solo(requests[i], options.n_ctx), batched[i], "request " + std::to_string(i));
  }
}

// Quantized K and V caches (rotated with the Walsh-Hadamard matrix where the heads allow): rows
// still get their solo bits among other streams.
TEST_P(BatchSchedulerTest, QuantizedCacheStreamsMatchTheirSoloRuns) {
  if (model_->config().head_dim % 32 != 0) GTEST_SKIP() << "heads too small for q8_0/q4_0";
  SchedulerOptions options;
  options.n_ctx = 128;
  options.step_tokens = 16;
  std::unique_ptr<BatchScheduler> s =
      MakeScheduler(64, /*prefix_cache=*/true, options, kCacheTypeQ8_0, EDGE_GGML_TYPE_Q4_0);
  ASSERT_NE(s, nullptr);
  std::mt19937 rng(11);
  constexpr int kRequests = 5;
  std::vector<GenerateRequest> requests(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    requests[i].prompt_tokens = RandomPrompt(rng, 3 + 9 * i);
    requests[i].max_tokens = 12;
    requests[i].ignore_eos = true;
    requests[i].sampling.temperature = 0.0f;
  }
  const std::vector<Outcome> batched = BatchedAll(*s, requests);
  for (int i = 0; i < kRequests; ++i) {
    ExpectSame(Solo(requests[i], options.n_ctx, kCacheTypeQ8_0, EDGE_GGML_TYPE_Q4_0), batched[i],
               "request " + std::to_string(i));
  }
}

// A prompt that shares a 40-token prefix with one served before takes its KV blocks (two whole
// blocks, leaving 2+ tokens to evaluate) and still gives the cold run's bits.
TEST_P(BatchSchedulerTest, PrefixCacheHitMatchesAColdRun) {
  SchedulerOptions options;
  options.n_ctx = 128;
  std::unique_ptr<BatchScheduler> s = MakeScheduler(64, /*prefix_cache=*/true, options);
  ASSERT_NE(s, nullptr);
  std::mt19937 rng(7);
  const std::vector<int32_t> prefix = RandomPrompt(rng, 40);
  GenerateRequest a, b;
  a.prompt_tokens = prefix;
  a.prompt_tokens.insert(a.prompt_tokens.end(), {11, 12, 13});
  b.prompt_tokens = prefix;
  b.prompt_tokens.insert(b.prompt_tokens.end(), {21, 22, 23, 24, 25});
  for (GenerateRequest* r : {&a, &b}) {
    r->max_tokens = 12;
    r->sampling.temperature = 0.0f;
  }
  const Outcome first = Batched(*s, a);
  ASSERT_TRUE(first.status.ok()) << first.status;
  EXPECT_EQ(first.result.cached_prompt_tokens, 0);
  const Outcome hit = Batched(*s, b);
  EXPECT_EQ(hit.result.cached_prompt_tokens, 2 * KvPool::kBlockSize);
  ExpectSame(Solo(b, options.n_ctx), hit, "prefix-cache hit");
  const Outcome again = Batched(*s, a);  // the whole prompt cached but its last 2+ tokens
  EXPECT_EQ(again.result.cached_prompt_tokens, 2 * KvPool::kBlockSize);
  ExpectSame(first, again, "repeat");
}

// 4 streams that need 5 blocks each in a pool of 8: the pool fills mid-generation, streams are
// preempted and resumed, and every one still matches its solo run.
TEST_P(BatchSchedulerTest, FullPoolPreemptsAndResumesWithTheSameBits) {
  SchedulerOptions options;
  options.n_ctx = 128;
  options.step_tokens = 32;
  std::unique_ptr<BatchScheduler> s = MakeScheduler(8, /*prefix_cache=*/true, options);
  ASSERT_NE(s, nullptr);
  std::mt19937 rng(3);
  constexpr int kRequests = 4;
  std::vector<GenerateRequest> requests(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    requests[i].prompt_tokens = RandomPrompt(rng, 20 + i);
    requests[i].max_tokens = 56;
    requests[i].ignore_eos = true;
    requests[i].sampling.temperature = 0.7f;
    requests[i].sampling.seed = 50 + i;
  }
  const std::vector<Outcome> batched = BatchedAll(*s, requests);
  EXPECT_GT(s->stats().preemptions, 0) << "the pool never filled: the test proves nothing";
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(batched[i].result.tokens.size(), 56u);
    ExpectSame(Solo(requests[i], options.n_ctx), batched[i], "request " + std::to_string(i));
  }
  EXPECT_EQ(pool_->free_blocks() + cache_->size(), pool_->n_blocks()) << "blocks leaked";
}

TEST_P(BatchSchedulerTest, RefusesAPromptThePoolCanNeverHold) {
  SchedulerOptions options;
  std::unique_ptr<BatchScheduler> s = MakeScheduler(2, /*prefix_cache=*/false, options);
  ASSERT_NE(s, nullptr);
  std::mt19937 rng(5);
  GenerateRequest r;
  r.prompt_tokens = RandomPrompt(rng, 40);
  const Outcome run = Batched(*s, r);
  EXPECT_EQ(run.status.code(), absl::StatusCode::kResourceExhausted) << run.status;
  EXPECT_NE(run.status.message().find("KV pool"), std::string::npos) << run.status;
}

// A stream cancelled by its client ends "cancelled" without more chunks; the one beside it is
// undisturbed.
TEST_P(BatchSchedulerTest, CancellationStopsOneStreamOnly) {
  SchedulerOptions options;
  // A budget long enough that the stream cannot end before its client reads 3 chunks.
  options.n_ctx = 512;
  std::unique_ptr<BatchScheduler> s = MakeScheduler(64, /*prefix_cache=*/false, options);
  ASSERT_NE(s, nullptr);
  std::mt19937 rng(9);
  GenerateRequest a, b;
  a.prompt_tokens = RandomPrompt(rng, 12);
  b.prompt_tokens = RandomPrompt(rng, 9);
  for (GenerateRequest* r : {&a, &b}) {
    r->max_tokens = 400;
    r->ignore_eos = true;
    r->sampling.temperature = 0.0f;
  }
  Outcome cancelled, other;
  std::thread ta([&] { cancelled = Batched(*s, a, /*cancel_after=*/3); });
  std::thread tb([&] { other = Batched(*s, b); });
  ta.join();
  tb.join();
  ASSERT_TRUE(cancelled.status.ok()) << cancelled.status;
  EXPECT_EQ(cancelled.result.finish_reason, "cancelled");
  EXPECT_EQ(cancelled.chunks.size(), 3u);
  EXPECT_LT(cancelled.result.tokens.size(), 400u);
  ExpectSame(Solo(b, options.n_ctx), other, "the other stream");
}

std::vector<std::tuple<std::string, std::string>> Cases() {
  std::vector<std::tuple<std::string, std::string>> cases;
  for (const char* model :
       {"stories260K/stories260K.gguf", "synthetic/synth-llama-256.F16.gguf",
        "synthetic/synth-llama-256.Q4_K_M.gguf", "synthetic/synth-qwen2-256.Q4_K_M.gguf"}) {
    for (const char* backend : {"scalar", "avx2", "avx512", "neon"}) {
      cases.emplace_back(model, backend);
    }
  }
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<std::tuple<std::string, std::string>>& info) {
  std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(ModelsAndBackends, BatchSchedulerTest, ::testing::ValuesIn(Cases()),
                         CaseName);

}  // namespace
}  // namespace edgellm
