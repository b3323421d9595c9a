// The real edgellm_server on a loopback port, driven by a real gRPC client: streamed generation
// against `edgellm generate`, cancellation and deadlines, concurrency and admission limits, bad
// requests, introspection RPCs, health, reflection and the `edgellm client` command.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "proto/inference.grpc.pb.h"
#include "tests/integration/health.grpc.pb.h"
#include "tests/integration/reflection.pb.h"
#include "tests/integration/server_process.h"
#include "tests/testing/shared_data.h"

namespace edgellm::testing {
namespace {

namespace v1 = ::edgellm::v1;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kPrompt[] = "Once upon a time";

std::string Stories() { return SharedModel("stories260K/stories260K.gguf"); }

// Plugins of the build plus a backend for another CPU, which the server must list and refuse.
std::string PluginDirs() {
  return absl::StrCat("--plugin_dir=", Runfile("plugins"), ":", Runfile("tests/plugins"));
}

struct Streamed {
  grpc::Status status;
  std::string text;
  std::vector<int32_t> tokens;
  int responses = 0;
  v1::GenerateResponse last;  // the one with finish_reason
};

Streamed Stream(v1::Inference::Stub& stub, const v1::GenerateRequest& request,
                double timeout_s = 60) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(timeout_s));
  Streamed out;
  std::unique_ptr<grpc::ClientReader<v1::GenerateResponse>> reader =
      stub.Generate(&context, request);
  v1::GenerateResponse r;
  while (reader->Read(&r)) {
    ++out.responses;
    out.text += r.text();
    out.tokens.insert(out.tokens.end(), r.token_ids().begin(), r.token_ids().end());
    if (!r.finish_reason().empty()) out.last = r;
  }
  out.status = reader->Finish();
  return out;
}

v1::GenerateRequest Greedy(const std::string& backend, int max_tokens) {
  v1::GenerateRequest r;
  r.set_prompt(kPrompt);
  r.set_max_tokens(max_tokens);
  r.mutable_sampling()->set_temperature(0.0f);
  r.set_backend(backend);
  r.set_threads(1);
  return r;
}

// The sampled settings of SampledCliFlags().
v1::GenerateRequest Sampled(const std::string& backend, int max_tokens, uint64_t seed) {
  v1::GenerateRequest r = Greedy(backend, max_tokens);
  v1::SamplingParams* s = r.mutable_sampling();
  s->set_temperature(0.9f);
  s->set_top_k(30);
  s->set_top_p(0.9f);
  s->set_min_p(0.02f);
  s->set_repeat_penalty(1.1f);
  s->set_penalty_last_n(32);
  s->set_seed(seed);
  return r;
}

std::string SampledCliFlags(uint64_t seed) {
  return absl::StrCat(
      "--temperature=0.9 --top_k=30 --top_p=0.9 --min_p=0.02 --repeat_penalty=1.1 "
      "--repeat_last_n=32 --seed=",
      seed);
}

// `edgellm generate --json` on stories260K with the prompt kPrompt.
nlohmann::json CliGenerate(const std::string& backend, int n_predict, const std::string& flags) {
  const CliRun run = RunEdgellm(absl::StrCat(
      "generate --json --model=", ShellQuote(Stories()), " --prompt=", ShellQuote(kPrompt),
      " --n_predict=", n_predict, " --backend=", backend, " --threads=1 ", flags));
  EXPECT_EQ(run.exit_code, 0) << run.err;
  if (run.exit_code != 0) return nlohmann::json::object({{"text", ""}, {"tokens", {}}});
  return nlohmann::json::parse(run.out);
}

// The backends the server loaded (scalar everywhere; avx2/avx512 where the CPU has them).
std::vector<std::string> LoadedBackends(v1::Inference::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(10));
  v1::ListBackendsResponse r;
  EXPECT_TRUE(stub.ListBackends(&context, v1::ListBackendsRequest(), &r).ok());
  std::vector<std::string> out;
  for (const v1::BackendInfo& b : r.backends()) {
    if (b.loaded()) out.push_back(b.name());
  }
  return out;
}

std::vector<int32_t> Tokens(const nlohmann::json& j) {
  return j.at("tokens").get<std::vector<int32_t>>();
}

class ServerTest : public ::testing::Test {
 protected:
  // One server for the tests that do not need special flags.
  static void SetUpTestSuite() {
    if (SharedDir().empty()) return;
    absl::StatusOr<std::unique_ptr<ServerProcess>> s = ServerProcess::Start(
        {"--model=" + Stories(), "--max_sessions=4", "--max_queue=16", "--threads=1",
         PluginDirs()});
    if (s.ok()) {
      server_ = s->release();
    } else {
      start_error_ = new std::string(s.status().ToString());
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    EDGELLM_REQUIRE_SHARED();
    ASSERT_NE(server_, nullptr) << (start_error_ != nullptr ? *start_error_ : "");
    stub_ = server_->Stub();
  }

  static ServerProcess* server_;
  static std::string* start_error_;
  std::unique_ptr<v1::Inference::Stub> stub_;
};

ServerProcess* ServerTest::server_ = nullptr;
std::string* ServerTest::start_error_ = nullptr;

TEST_F(ServerTest, GreedyStreamEqualsTheCliOnEveryBackend) {
  const std::vector<std::string> backends = LoadedBackends(*stub_);
  EXPECT_THAT(backends, ::testing::Contains("scalar"));
  for (const std::string& backend : backends) {
    SCOPED_TRACE(backend);
    const nlohmann::json expected = CliGenerate(backend, 60, "--temperature=0");
    const Streamed got = Stream(*stub_, Greedy(backend, 60));
    ASSERT_TRUE(got.status.ok()) << got.status.error_message();
    EXPECT_EQ(got.text, expected.at("text").get<std::string>());
    EXPECT_EQ(got.tokens, Tokens(expected));
    EXPECT_GT(got.responses, 10) << "the text must arrive piece by piece";
    EXPECT_EQ(got.last.finish_reason(), expected.at("finish_reason").get<std::string>());
    EXPECT_EQ(got.last.backend(), backend);
    EXPECT_EQ(got.last.usage().prompt_tokens(), expected.at("prompt_tokens").size());
    EXPECT_EQ(got.last.usage().completion_tokens(), static_cast<int>(got.tokens.size()));
    EXPECT_GT(got.last.timings().decode_ms(), 0.0);
    EXPECT_GT(got.last.timings().decode_tokens_per_second(), 0.0);
    EXPECT_GT(got.last.timings().prefill_ms(), 0.0);
  }
  // The story the README promises.
  const Streamed story = Stream(*stub_, Greedy("", 40));
  EXPECT_THAT(story.text, HasSubstr("there was a little girl named Lily"));
}

TEST_F(ServerTest, SampledStreamEqualsTheCliWithTheSameSeed) {
  for (uint64_t seed : {7u, 1234u}) {
    const nlohmann::json expected = CliGenerate("scalar", 80, SampledCliFlags(seed));
    const Streamed got = Stream(*stub_, Sampled("scalar", 80, seed));
    ASSERT_TRUE(got.status.ok()) << got.status.error_message();
    EXPECT_EQ(got.text, expected.at("text").get<std::string>()) << "seed " << seed;
    EXPECT_EQ(got.tokens, Tokens(expected));
    EXPECT_EQ(got.last.seed(), seed);
  }
}

TEST_F(ServerTest, StopStringEndsTheTextBeforeIt) {
  const nlohmann::json full = CliGenerate("scalar", 60, "--temperature=0");
  const std::string text = full.at("text");
  ASSERT_NE(text.find("Lily"), std::string::npos) << text;
  v1::GenerateRequest r = Greedy("scalar", 60);
  r.add_stop("Lily");
  const Streamed got = Stream(*stub_, r);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_EQ(got.text, text.substr(0, text.find("Lily")));
  EXPECT_EQ(got.last.finish_reason(), "stop");
}

TEST_F(ServerTest, PromptTokensAndTokenizeDetokenizeAgreeWithText) {
  const CliRun cli = RunEdgellm(absl::StrCat("tokenize --json --model=", ShellQuote(Stories()),
                                             " --text=", ShellQuote(kPrompt)));
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  const nlohmann::json expected = nlohmann::json::parse(cli.out);

  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(10));
  v1::TokenizeRequest request;
  request.set_text(kPrompt);
  v1::TokenizeResponse tokens;
  ASSERT_TRUE(stub_->Tokenize(&context, request, &tokens).ok());
  std::vector<int32_t> ids(tokens.token_ids().begin(), tokens.token_ids().end());
  EXPECT_EQ(ids, expected.at("tokens").get<std::vector<int32_t>>()) << expected.dump();
  ASSERT_EQ(tokens.pieces_size(), tokens.token_ids_size());
  EXPECT_EQ(ids.front(), 1) << "BOS by default, as `edgellm generate`";

  // The same prompt as token ids streams the same text.
  v1::GenerateRequest by_ids = Greedy("scalar", 30);
  by_ids.clear_prompt();
  by_ids.mutable_prompt_tokens()->Add(ids.begin(), ids.end());
  const Streamed a = Stream(*stub_, by_ids);
  const Streamed b = Stream(*stub_, Greedy("scalar", 30));
  ASSERT_TRUE(a.status.ok()) << a.status.error_message();
  EXPECT_EQ(a.text, b.text);

  grpc::ClientContext detok_context;
  detok_context.set_deadline(DeadlineIn(10));
  v1::DetokenizeRequest detok;
  detok.mutable_token_ids()->Add(b.tokens.begin(), b.tokens.end());
  v1::DetokenizeResponse text;
  ASSERT_TRUE(stub_->Detokenize(&detok_context, detok, &text).ok());
  EXPECT_EQ(text.text(), b.text);

  grpc::ClientContext bad_context;
  bad_context.set_deadline(DeadlineIn(10));
  v1::DetokenizeRequest bad;
  bad.add_token_ids(512);
  const grpc::Status s = stub_->Detokenize(&bad_context, bad, &text);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("outside the vocabulary"));
}

TEST_F(ServerTest, EightConcurrentClientsAllGetTheirOwnCorrectOutput) {
  constexpr int kClients = 8;
  std::vector<nlohmann::json> expected(kClients);
  std::vector<v1::GenerateRequest> requests(kClients);
  const std::vector<std::string> backends = LoadedBackends(*stub_);
  ASSERT_FALSE(backends.empty());
  for (int i = 0; i < kClients; ++i) {
    const std::string backend = backends[i % backends.size()];
    const uint64_t seed = 100 + i;
    expected[i] = CliGenerate(backend, 120, SampledCliFlags(seed));
    requests[i] = Sampled(backend, 120, seed);
  }
  std::vector<Streamed> got(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto stub = server_->Stub();  // each client its own stub, one shared channel
      got[i] = Stream(*stub, requests[i], 120);
    });
  }
  for (std::thread& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(got[i].status.ok()) << got[i].status.error_message();
    EXPECT_EQ(got[i].text, expected[i].at("text").get<std::string>());
    EXPECT_EQ(got[i].tokens, Tokens(expected[i]));
  }
}

// The second call with the same long prompt takes its KV blocks from the prefix cache (usage says
// how many prompt tokens), and streams exactly what the first one did.
TEST_F(ServerTest, RepeatedPromptReusesThePrefixCache) {
  v1::GenerateRequest r = Greedy("scalar", 20);
  r.set_prompt(
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
      "park with her friends. One day, she saw a big red ball under a tree and");
  const Streamed cold = Stream(*stub_, r);
  ASSERT_TRUE(cold.status.ok()) << cold.status.error_message();
  const int32_t n_prompt = cold.last.usage().prompt_tokens();
  ASSERT_GE(n_prompt, 34) << "the prompt must span two whole KV blocks";
  const Streamed warm = Stream(*stub_, r);
  ASSERT_TRUE(warm.status.ok()) << warm.status.error_message();
  EXPECT_EQ(warm.tokens, cold.tokens);
  EXPECT_EQ(warm.text, cold.text);
  // Whole 16-position blocks, leaving 2+ prompt tokens to evaluate.
  EXPECT_EQ(warm.last.usage().cached_prompt_tokens(), (n_prompt - 2) / 16 * 16);
}

// Every bad request gets its code and a message that says what is wrong, while a good
// generation runs alongside and finishes undisturbed.
TEST_F(ServerTest, BadRequestsGetInvalidArgumentAndDoNotDisturbOthers) {
  const nlohmann::json expected = CliGenerate("scalar", 400, "--temperature=0");
  Streamed good;
  std::thread running([&] {
    auto stub = server_->Stub();
    good = Stream(*stub, Greedy("scalar", 400), 120);
  });

  struct Case {
    const char* name;
    v1::GenerateRequest request;
    const char* message;
  };
  std::vector<Case> cases;
  const auto add = [&cases](const char* name, const char* message, auto edit) {
    Case c{name, Greedy("", 10), message};
    edit(c.request);
    cases.push_back(std::move(c));
  };
  add("unknown backend", "unknown backend 'tpu'", [](auto& r) { r.set_backend("tpu"); });
  add("backend for another CPU", "cannot run on this CPU",
      [](auto& r) { r.set_backend("foreign"); });
  add("empty prompt", "prompt is empty", [](auto& r) { r.clear_prompt(); });
  add("prompt as text and ids", "not both", [](auto& r) { r.add_prompt_tokens(1); });
  add("token id out of range", "outside the vocabulary", [](auto& r) {
    r.clear_prompt();
    r.add_prompt_tokens(1);
    r.add_prompt_tokens(100000);
  });
  add("negative max_tokens", "max_tokens is -5", [](auto& r) { r.set_max_tokens(-5); });
  add("zero max_tokens", "max_tokens is 0", [](auto& r) { r.set_max_tokens(0); });
  add("absurd max_tokens", "max_tokens is 2000000000",
      [](auto& r) { r.set_max_tokens(2000000000); });
  add("negative temperature", "temperature", [](auto& r) {
    r.mutable_sampling()->set_temperature(-1.0f);
  });
  add("NaN temperature", "temperature", [](auto& r) {
    r.mutable_sampling()->set_temperature(std::numeric_limits<float>::quiet_NaN());
  });
  add("top_p above 1", "top_p", [](auto& r) { r.mutable_sampling()->set_top_p(1.5f); });
  add("negative top_k", "top_k", [](auto& r) { r.mutable_sampling()->set_top_k(-3); });
  add("min_p above 1", "min_p", [](auto& r) { r.mutable_sampling()->set_min_p(2.0f); });
  add("zero repeat penalty", "repeat_penalty",
      [](auto& r) { r.mutable_sampling()->set_repeat_penalty(0.0f); });
  add("presence penalty out of range", "presence_penalty",
      [](auto& r) { r.mutable_sampling()->set_presence_penalty(5.0f); });
  add("frequency penalty out of range", "frequency_penalty",
      [](auto& r) { r.mutable_sampling()->set_frequency_penalty(-5.0f); });
  add("negative penalty window", "penalty_last_n",
      [](auto& r) { r.mutable_sampling()->set_penalty_last_n(-1); });
  add("prompt longer than the context", "more than the context size 2048", [](auto& r) {
    std::string long_prompt;
    for (int i = 0; i < 1500; ++i) long_prompt += "the cat sat. ";
    r.set_prompt(long_prompt);
  });
  add("negative threads", "threads is -1", [](auto& r) { r.set_threads(-1); });
  add("absurd threads", "threads is 100000", [](auto& r) { r.set_threads(100000); });
  add("empty stop string", "stop string 1 is empty", [](auto& r) {
    r.add_stop("x");
    r.add_stop("");
  });

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Streamed got = Stream(*stub_, c.request, 10);
    EXPECT_EQ(got.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << got.status.error_message();
    EXPECT_THAT(got.status.error_message(), HasSubstr(c.message));
    EXPECT_EQ(got.responses, 0);
  }

  // Compare checks its two backends the same way.
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(10));
  v1::CompareRequest compare;
  compare.set_prompt(kPrompt);
  compare.set_max_tokens(4);
  compare.set_backend_a("scalar");
  compare.set_backend_b("foreign");
  v1::CompareResponse response;
  const grpc::Status s = stub_->Compare(&context, compare, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("backend 'foreign' cannot run on this CPU"));

  running.join();
  ASSERT_TRUE(good.status.ok()) << good.status.error_message();
  EXPECT_EQ(good.text, expected.at("text").get<std::string>());
  EXPECT_EQ(good.tokens, Tokens(expected));
  EXPECT_TRUE(server_->Alive());
}

TEST_F(ServerTest, ListBackendsShowsLoadedAndRefusedOnes) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(10));
  v1::ListBackendsResponse r;
  ASSERT_TRUE(stub_->ListBackends(&context, v1::ListBackendsRequest(), &r).ok());
  std::map<std::string, v1::BackendInfo> by_name;
  for (const v1::BackendInfo& b : r.backends()) by_name[b.name()] = b;
  ASSERT_TRUE(by_name.count("scalar"));
  ASSERT_TRUE(by_name.count("avx2"));
  ASSERT_TRUE(by_name.count("avx512"));
  for (const char* name : {"scalar", "avx2", "avx512"}) {
    const v1::BackendInfo& b = by_name[name];
    // Loaded exactly when this CPU can run it; otherwise the reason says why.
    EXPECT_EQ(b.loaded(), b.supported()) << name;
    if (b.loaded()) {
      EXPECT_EQ(b.isa(), name);
      EXPECT_TRUE(b.reason().empty()) << b.reason();
    } else {
      EXPECT_THAT(b.reason(), HasSubstr("CPU features")) << name;
    }
  }
  EXPECT_TRUE(by_name["scalar"].supported());
  ASSERT_TRUE(by_name.count("foreign"));
  EXPECT_FALSE(by_name["foreign"].supported());
  EXPECT_FALSE(by_name["foreign"].loaded());
  EXPECT_THAT(by_name["foreign"].reason(), HasSubstr("CPU features"));
  EXPECT_FALSE(by_name["foreign"].required_cpu_features().empty());
  const std::string fastest = by_name["avx512"].loaded() ? "avx512"
                             : by_name["avx2"].loaded() ? "avx2"
                                                        : "scalar";
  EXPECT_EQ(r.default_backend(), fastest);
  EXPECT_FALSE(r.cpu_features().empty());
}

TEST_F(ServerTest, ListQuantFormatsAndModelInfo) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(10));
  v1::ListQuantFormatsResponse formats;
  ASSERT_TRUE(stub_->ListQuantFormats(&context, v1::ListQuantFormatsRequest(), &formats).ok());
  std::map<std::string, v1::QuantFormatInfo> by_name;
  for (const v1::QuantFormatInfo& f : formats.formats()) by_name[f.name()] = f;
  ASSERT_TRUE(by_name.count("f32"));
  EXPECT_EQ(by_name["f32"].type_id(), 0u);
  EXPECT_EQ(by_name["f32"].type_size(), 4u);
  ASSERT_TRUE(by_name.count("q4_K"));
  EXPECT_EQ(by_name["q4_K"].type_id(), 12u);
  EXPECT_EQ(by_name["q4_K"].block_size(), 256);
  EXPECT_EQ(by_name["q4_K"].type_size(), 144u);
  EXPECT_EQ(by_name["q4_K"].vec_dot_type(), "q8_K");
  EXPECT_THAT(std::vector<std::string>(by_name["q4_K"].isas().begin(),
                                       by_name["q4_K"].isas().end()),
              ::testing::Contains("scalar"));

  grpc::ClientContext info_context;
  info_context.set_deadline(DeadlineIn(10));
  v1::ModelInfo info;
  ASSERT_TRUE(stub_->GetModelInfo(&info_context, v1::GetModelInfoRequest(), &info).ok());
  EXPECT_EQ(info.architecture(), "llama");
  EXPECT_EQ(info.vocab_size(), 512);
  EXPECT_EQ(info.context_length(), 2048);
  EXPECT_EQ(info.server_context(), 2048);
  EXPECT_EQ(info.embedding_length(), 64);
  EXPECT_EQ(info.block_count(), 5);
  EXPECT_EQ(info.file_size(), 1185376u);
  EXPECT_EQ(info.file(), Stories());
  ASSERT_EQ(info.tensor_types().size(), 1u);
  EXPECT_EQ(info.tensor_types().at("F32"), 48u);
  // 260K parameters, with the tied embeddings stored twice.
  EXPECT_GT(info.parameter_count(), 250000u);
  EXPECT_LT(info.parameter_count(), 320000u);
}

TEST_F(ServerTest, HealthIsServingAndReflectionListsTheService) {
  // ServerProcess::Start already waited for the overall status; the named service too.
  auto health = grpc::health::v1::Health::NewStub(server_->channel());
  grpc::ClientContext health_context;
  health_context.set_deadline(DeadlineIn(10));
  grpc::health::v1::HealthCheckRequest check;
  check.set_service("edgellm.v1.Inference");
  grpc::health::v1::HealthCheckResponse status;
  ASSERT_TRUE(health->Check(&health_context, check, &status).ok());
  EXPECT_EQ(status.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(10));
  auto reflection = grpc::internal::RpcMethod(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING, server_->channel());
  std::unique_ptr<grpc::ClientReaderWriter<edgellm::testing::reflection::ServerReflectionRequest,
                                           edgellm::testing::reflection::ServerReflectionResponse>>
      stream(grpc::internal::ClientReaderWriterFactory<
             edgellm::testing::reflection::ServerReflectionRequest,
             edgellm::testing::reflection::ServerReflectionResponse>::
                 Create(server_->channel().get(), reflection, &context));
  edgellm::testing::reflection::ServerReflectionRequest request;
  request.set_list_services("*");
  ASSERT_TRUE(stream->Write(request));
  stream->WritesDone();
  edgellm::testing::reflection::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& s : response.list_services_response().service()) services.push_back(s.name());
  EXPECT_THAT(services, ::testing::Contains("edgellm.v1.Inference"));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ServerTest, ServerLogsOneLinePerRequest) {
  const Streamed got = Stream(*stub_, Greedy("scalar", 12));
  ASSERT_TRUE(got.status.ok());
  ASSERT_TRUE(server_->WaitForOutput("max_tokens=12 completion_tokens=12", 1, absl::Seconds(5)));
  const std::string line =
      server_->LastLineWith({"Generate", "backend=scalar", "max_tokens=12", "status=OK"});
  EXPECT_THAT(line, AllOf(HasSubstr("edgellm_server: request "), HasSubstr("prompt_tokens=5"),
                          HasSubstr("completion_tokens=12"), HasSubstr("prefill_ms="),
                          HasSubstr("decode_ms="), HasSubstr("finish=length")));
}

TEST_F(ServerTest, ClientCommandStreamsComparesAndListsBackends) {
  const std::string server = "--server=" + server_->address();
  const nlohmann::json expected = CliGenerate("scalar", 50, "--temperature=0");

  const CliRun json = RunEdgellm(absl::StrCat("client generate --json ", server, " --prompt=",
                                              ShellQuote(kPrompt),
                                              " --n_predict=50 --temperature=0 --backend=scalar "
                                              "--threads=1"));
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json got = nlohmann::json::parse(json.out);
  EXPECT_EQ(got.at("text"), expected.at("text"));
  EXPECT_EQ(got.at("tokens"), expected.at("tokens"));
  EXPECT_EQ(got.at("finish_reason"), expected.at("finish_reason"));

  const CliRun text = RunEdgellm(absl::StrCat("client generate ", server, " --prompt=",
                                              ShellQuote(kPrompt),
                                              " --n_predict=50 --temperature=0 --backend=scalar"));
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, expected.at("text").get<std::string>() + "\n");
  EXPECT_THAT(text.err, HasSubstr("backend scalar"));

  std::string simd = "scalar";  // a SIMD backend where the CPU has one
  for (const std::string& b : LoadedBackends(*stub_)) {
    if (b != "scalar") simd = b;
  }
  const CliRun compare = RunEdgellm(absl::StrCat(
      "client compare ", server, " --prompt=", ShellQuote(kPrompt),
      " --n_predict=20 --backend_a=scalar --backend_b=", simd));
  ASSERT_EQ(compare.exit_code, 0) << compare.err;
  EXPECT_THAT(compare.out, AllOf(HasSubstr("scalar"), HasSubstr(simd),
                                 HasSubstr("agreeing leading tokens"), HasSubstr("20 of 20"),
                                 HasSubstr("argmax agreement"), HasSubstr("100.00%"),
                                 HasSubstr("KL(A||B)")));

  const CliRun backends = RunEdgellm("client backends " + server);
  ASSERT_EQ(backends.exit_code, 0) << backends.err;
  EXPECT_THAT(backends.out, AllOf(HasSubstr("scalar"), HasSubstr("avx2"), HasSubstr("foreign"),
                                  HasSubstr("CPU features")));

  const CliRun bad = RunEdgellm(absl::StrCat("client generate ", server,
                                             " --prompt=hi --backend=tpu"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, AllOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("unknown backend 'tpu'")));
}

TEST(ClientCommandTest, UnreachableServerIsReportedClearly) {
  // Port 1 on loopback: nothing listens there.
  const CliRun run = RunEdgellm("client backends --server=127.0.0.1:1 --timeout_s=5");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.err, HasSubstr("cannot reach edgellm_server at 127.0.0.1:1"));
}

// A server with one session and no queue, and room for generations long enough to interrupt.
class OneSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EDGELLM_REQUIRE_SHARED();
    absl::StatusOr<std::unique_ptr<ServerProcess>> s =
        ServerProcess::Start({"--model=" + Stories(), "--max_sessions=1", "--max_queue=0",
                              "--threads=1", "--ctx_size=4096", "--backend=scalar"});
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = *std::move(s);
    stub_ = server_->Stub();
  }

  // Generations of 4000 tokens take seconds on this model: every test below ends them early.
  static v1::GenerateRequest Long() { return Greedy("scalar", 4000); }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::Inference::Stub> stub_;
};

TEST_F(OneSessionTest, CancelStopsTheGenerationAndFreesTheSession) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(60));
  auto reader = stub_->Generate(&context, Long());
  v1::GenerateResponse r;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->Read(&r));

  // Two long generations at once with --max_sessions=1 --max_queue=0: the second is refused.
  const Streamed second = Stream(*stub_, Long(), 10);
  EXPECT_EQ(second.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(second.status.error_message(), HasSubstr("--max_sessions=1"));

  const absl::Time cancelled_at = absl::Now();
  context.TryCancel();
  while (reader->Read(&r)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The server ends the call promptly (its log line is written once the session is free) and
  // long before the 4000 tokens.
  ASSERT_TRUE(server_->WaitForOutput("finish=cancelled", 1, absl::Seconds(5)))
      << server_->Output();
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(5));
  const std::string line = server_->LastLineWith({"Generate", "finish=cancelled"});
  EXPECT_THAT(line, HasSubstr("status=CANCELLED"));
  const long long generated = LogValue(line, "completion_tokens");
  EXPECT_GE(generated, 3);
  EXPECT_LT(generated, 4000) << line;

  // The one session is free again and the server still answers correctly.
  const Streamed after = Stream(*stub_, Greedy("scalar", 40), 30);
  ASSERT_TRUE(after.status.ok()) << after.status.error_message();
  EXPECT_THAT(after.text, HasSubstr("Lily"));
}

TEST_F(OneSessionTest, DeadlineStopsTheGeneration) {
  const absl::Time start = absl::Now();
  const Streamed got = Stream(*stub_, Long(), 0.5);
  EXPECT_EQ(got.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(server_->WaitForOutput("finish=cancelled", 1, absl::Seconds(5)))
      << server_->Output();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  const std::string line = server_->LastLineWith({"Generate", "finish=cancelled"});
  EXPECT_LT(LogValue(line, "completion_tokens"), 4000) << line;
  const Streamed after = Stream(*stub_, Greedy("scalar", 10), 30);
  EXPECT_TRUE(after.status.ok()) << after.status.error_message();
}

TEST(QueueTest, QueuedRequestRunsWhenTheSessionFreesAndExtraOnesAreRefused) {
  EDGELLM_REQUIRE_SHARED();
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      ServerProcess::Start({"--model=" + Stories(), "--max_sessions=1", "--max_queue=1",
                            "--threads=1", "--ctx_size=4096", "--backend=scalar"});
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = (*server)->Stub();

  grpc::ClientContext running;
  running.set_deadline(DeadlineIn(60));
  auto reader = stub->Generate(&running, Greedy("scalar", 4000));
  v1::GenerateResponse r;
  ASSERT_TRUE(reader->Read(&r));  // it holds the session

  // Two more: one waits in the queue, the other finds it full. Which is which depends on
  // arrival order, so both run concurrently.
  std::vector<Streamed> extra(2);
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      extra[i] = Stream(*stub, Greedy("scalar", 20), 60);
      ++done;
    });
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (done.load() == 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_EQ(done.load(), 1) << "exactly one extra request must be refused at once";

  running.TryCancel();
  while (reader->Read(&r)) {
  }
  reader->Finish();
  for (std::thread& t : threads) t.join();
  int refused = 0, served = 0;
  for (const Streamed& s : extra) {
    if (s.status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++refused;
    if (s.status.ok() && s.text.find("Lily") != std::string::npos) ++served;
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(served, 1);
}

TEST(ServerStartTest, ListensOnLoopbackAndRefusesATakenPort) {
  EDGELLM_REQUIRE_SHARED();
  absl::StatusOr<std::unique_ptr<ServerProcess>> first =
      ServerProcess::Start({"--model=" + Stories()});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT((*first)->address(), ::testing::StartsWith("127.0.0.1:"));
  const std::string port = (*first)->address().substr((*first)->address().rfind(':') + 1);
  absl::StatusOr<std::unique_ptr<ServerProcess>> second =
      ServerProcess::Start({"--model=" + Stories(), "--port=" + port}, absl::Seconds(30));
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("cannot listen on 127.0.0.1:" + port));
}

TEST(ServerStartTest, BadModelOrFlagsFailWithAMessage) {
  EDGELLM_REQUIRE_SHARED();
  absl::StatusOr<std::unique_ptr<ServerProcess>> missing =
      ServerProcess::Start({"--model=/nonexistent/model.gguf"}, absl::Seconds(30));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              AllOf(HasSubstr("cannot load the model"), HasSubstr("/nonexistent/model.gguf")));

  absl::StatusOr<std::unique_ptr<ServerProcess>> backend = ServerProcess::Start(
      {"--model=" + Stories(), "--backend=tpu"}, absl::Seconds(30));
  ASSERT_FALSE(backend.ok());
  EXPECT_THAT(std::string(backend.status().message()),
              AllOf(HasSubstr("--backend=tpu is not a loaded backend"), HasSubstr("scalar")));
}

}  // namespace
}  // namespace edgellm::testing
