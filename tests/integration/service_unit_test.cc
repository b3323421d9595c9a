// The server's parts in process: admission limits, idle pools, the comparison arithmetic, and
// the service before and after its model is loaded (over a real loopback gRPC channel).
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "core/plugin/plugin_paths.h"
#include "services/admission.h"
#include "services/compare.h"
#include "services/idle_pool.h"
#include "services/inference_service.h"
#include "tests/integration/server_process.h"
#include "tests/testing/shared_data.h"

namespace edgellm::server {
namespace {

using ::testing::HasSubstr;

const auto kNever = [] { return false; };

TEST(AdmissionTest, RunsUpToMaxQueuesUpToMaxAndRefusesTheRest) {
  Admission admission(/*max_active=*/2, /*max_queued=*/1);
  absl::StatusOr<Admission::Slot> a = admission.Enter(kNever);
  absl::StatusOr<Admission::Slot> b = admission.Enter(kNever);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(admission.active(), 2);

  std::atomic<bool> admitted{false};
  std::thread waiter([&] {
    absl::StatusOr<Admission::Slot> c = admission.Enter(kNever);
    EXPECT_TRUE(c.ok());
    admitted = true;
  });
  while (admission.queued() != 1) absl::SleepFor(absl::Milliseconds(1));
  absl::StatusOr<Admission::Slot> d = admission.Enter(kNever);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("--max_queue=1"));
  EXPECT_FALSE(admitted.load());

  { Admission::Slot release = *std::move(a); }  // one session ends: the waiter runs
  waiter.join();
  EXPECT_TRUE(admitted.load());
  EXPECT_EQ(admission.active(), 1);  // b only: the waiter's slot ended with its thread
  EXPECT_EQ(admission.queued(), 0);
}

TEST(AdmissionTest, ACancelledWaiterLeavesTheQueue) {
  Admission admission(1, 1);
  absl::StatusOr<Admission::Slot> a = admission.Enter(kNever);
  ASSERT_TRUE(a.ok());
  std::atomic<bool> cancel{false};
  absl::Status waited;
  std::thread waiter([&] { waited = admission.Enter([&] { return cancel.load(); }).status(); });
  while (admission.queued() != 1) absl::SleepFor(absl::Milliseconds(1));
  cancel = true;
  waiter.join();
  EXPECT_EQ(waited.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(admission.queued(), 0);
  EXPECT_EQ(admission.active(), 1);
}

TEST(AdmissionTest, WaitersAreServedInArrivalOrder) {
  Admission admission(1, 3);
  std::optional<Admission::Slot> running(*admission.Enter(kNever));
  std::vector<int> order;
  absl::Mutex mu;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&, i] {
      absl::StatusOr<Admission::Slot> s = admission.Enter(kNever);
      ASSERT_TRUE(s.ok());
      absl::MutexLock lock(&mu);
      order.push_back(i);
    });
    while (admission.queued() != i + 1) absl::SleepFor(absl::Milliseconds(1));
  }
  running.reset();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(IdlePoolTest, ReusesByKeyAndKeepsAtMostMaxIdle) {
  IdlePool<int> pool(2);
  EXPECT_EQ(pool.Take("a"), nullptr);
  {
    Lease<int> x(&pool, "a", std::make_unique<int>(1));
    Lease<int> y(&pool, "b", std::make_unique<int>(2));
    Lease<int> z(&pool, "a", std::make_unique<int>(3));
  }
  EXPECT_EQ(pool.idle(), 2u);  // the third returned object was destroyed
  std::unique_ptr<int> a = pool.Take("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(pool.Take("a"), nullptr);
  std::unique_ptr<int> b = pool.Take("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(*b, 2);
}

TEST(CompareMathTest, ArgmaxTakesTheLowestIdOnTies) {
  EXPECT_EQ(Argmax(std::vector<float>{1, 3, 3, 2}), 1);
  EXPECT_EQ(Argmax(std::vector<float>{-5}), 0);
  EXPECT_EQ(Argmax(std::vector<float>{}), -1);
}

TEST(CompareMathTest, KlDivergenceMatchesTheDefinition) {
  const std::vector<float> a = {0.0f, 1.0f, 2.0f};
  EXPECT_EQ(KlDivergence(a, a), 0.0);
  // Shifting every logit leaves the distribution unchanged.
  EXPECT_NEAR(KlDivergence(a, std::vector<float>{10.0f, 11.0f, 12.0f}), 0.0, 1e-12);
  // P = (1/2, 1/2), Q = (1/(1+e), e/(1+e)): KL = (ln((1+e)/2) + ln((1+e)/(2e))) / 2.
  const double e = std::exp(1.0);
  const double expected = (std::log((1 + e) / 2) + std::log((1 + e) / (2 * e))) / 2;
  EXPECT_NEAR(KlDivergence(std::vector<float>{0, 0}, std::vector<float>{0, 1}), expected, 1e-12);
  // Large logits do not overflow.
  EXPECT_NEAR(KlDivergence(std::vector<float>{1000, 0}, std::vector<float>{1000, 0}), 0.0, 1e-12);
}

TEST(CompareMathTest, DivergenceAccumulatesStepsAndPropagatesNaN) {
  Divergence d;
  EXPECT_EQ(d.argmax_agreement(), 1.0);
  d.Add(std::vector<float>{0, 1}, std::vector<float>{0, 1});
  d.Add(std::vector<float>{0, 1}, std::vector<float>{1, 0});
  EXPECT_EQ(d.steps(), 2);
  EXPECT_EQ(d.argmax_agreement(), 0.5);
  EXPECT_GT(d.max_kl(), 0.0);
  EXPECT_NEAR(d.mean_kl(), d.max_kl() / 2, 1e-12);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  d.Add(std::vector<float>{0, 1}, std::vector<float>{nan, 0});
  d.Add(std::vector<float>{0, 1}, std::vector<float>{0, 1});
  EXPECT_TRUE(std::isnan(d.max_kl()));
}

// The service over a real channel, before and after LoadModel.
class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EDGELLM_REQUIRE_SHARED();
    absl::StatusOr<std::unique_ptr<PluginRegistry>> registry = LoadPlugins("");
    ASSERT_TRUE(registry.ok()) << registry.status();
    registry_ = *std::move(registry);
    ServiceOptions options;
    options.threads = 1;
    absl::StatusOr<std::unique_ptr<InferenceService>> service =
        InferenceService::Create(*registry_, options);
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = *std::move(service);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = edgellm::v1::Inference::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(testing::DeadlineIn(5));
  }

  grpc::Status Generate(std::string* text) {
    grpc::ClientContext context;
    context.set_deadline(testing::DeadlineIn(30));
    edgellm::v1::GenerateRequest request;
    request.set_prompt("Once upon a time");
    request.set_max_tokens(20);
    request.mutable_sampling()->set_temperature(0.0f);
    auto reader = stub_->Generate(&context, request);
    edgellm::v1::GenerateResponse r;
    while (reader->Read(&r)) *text += r.text();
    return reader->Finish();
  }

  std::unique_ptr<PluginRegistry> registry_;
  std::unique_ptr<InferenceService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<edgellm::v1::Inference::Stub> stub_;
};

TEST_F(ServiceTest, ModelRpcsAreFailedPreconditionUntilTheModelIsLoaded) {
  std::string text;
  grpc::Status s = Generate(&text);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no model is loaded"));
  {
    grpc::ClientContext context;
    context.set_deadline(testing::DeadlineIn(10));
    edgellm::v1::ModelInfo info;
    s = stub_->GetModelInfo(&context, edgellm::v1::GetModelInfoRequest(), &info);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext context;
    context.set_deadline(testing::DeadlineIn(10));
    edgellm::v1::TokenizeRequest request;
    request.set_text("hi");
    edgellm::v1::TokenizeResponse response;
    s = stub_->Tokenize(&context, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    // What the plugins offer does not depend on the model.
    grpc::ClientContext context;
    context.set_deadline(testing::DeadlineIn(10));
    edgellm::v1::ListBackendsResponse response;
    EXPECT_TRUE(
        stub_->ListBackends(&context, edgellm::v1::ListBackendsRequest(), &response).ok());
    EXPECT_GE(response.backends_size(), 1);
  }

  const absl::Status missing = service_->LoadModel("/nonexistent/model.gguf");
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.message()), HasSubstr("/nonexistent/model.gguf"));
  EXPECT_FALSE(service_->model_loaded());
  s = Generate(&text);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("still loading"));

  ASSERT_TRUE(service_->LoadModel(testing::SharedModel("stories260K/stories260K.gguf")).ok());
  EXPECT_TRUE(service_->model_loaded());
  text.clear();
  s = Generate(&text);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(text, HasSubstr("Lily"));
}

TEST(ServiceOptionsTest, OutOfRangeOptionsAreRefused) {
  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry = LoadPlugins("");
  ASSERT_TRUE(registry.ok()) << registry.status();
  ServiceOptions zero_sessions;
  zero_sessions.max_sessions = 0;
  EXPECT_THAT(std::string(InferenceService::Create(**registry, zero_sessions).status().message()),
              HasSubstr("--max_sessions"));
  ServiceOptions negative_queue;
  negative_queue.max_queue = -1;
  EXPECT_THAT(std::string(InferenceService::Create(**registry, negative_queue).status().message()),
              HasSubstr("--max_queue"));
  ServiceOptions unknown;
  unknown.default_backend = "tpu";
  EXPECT_THAT(std::string(InferenceService::Create(**registry, unknown).status().message()),
              HasSubstr("--backend=tpu"));
}

}  // namespace
}  // namespace edgellm::server
