// Compare(scalar, avx2) through the real server on every golden model: the F32 models agree
// fully (same tokens, every argmax, tiny KL); quantized ones agree on >= 95% of the argmaxes.
#include <dirent.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "proto/inference.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/testing/shared_data.h"

namespace edgellm::testing {
namespace {

namespace v1 = ::edgellm::v1;

std::vector<std::string> GoldenModels() {
  std::vector<std::string> out = {"stories260K/stories260K.gguf"};
  std::vector<std::string> synthetic;
  if (DIR* d = opendir(SharedModel("synthetic").c_str())) {
    while (const dirent* e = readdir(d)) {
      if (absl::EndsWith(e->d_name, ".gguf")) synthetic.push_back(e->d_name);
    }
    closedir(d);
  }
  std::sort(synthetic.begin(), synthetic.end());
  for (const std::string& f : synthetic) out.push_back("synthetic/" + f);
  return out;
}

bool IsF32(const std::string& model) {
  return absl::StrContains(model, "stories260K") || absl::StrContains(model, ".f32.");
}

absl::StatusOr<v1::CompareResponse> Compare(const ServerProcess& server, const std::string& a,
                                            const std::string& b, int max_tokens) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(120));
  v1::CompareRequest request;
  request.set_prompt("Once upon a time");
  request.set_max_tokens(max_tokens);
  request.set_backend_a(a);
  request.set_backend_b(b);
  v1::CompareResponse response;
  const grpc::Status s = server.Stub()->Compare(&context, request, &response);
  if (!s.ok()) return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                                   s.error_message());
  return response;
}

bool Avx2Loaded(const ServerProcess& server) {
  grpc::ClientContext context;
  context.set_deadline(DeadlineIn(10));
  v1::ListBackendsResponse r;
  if (!server.Stub()->ListBackends(&context, v1::ListBackendsRequest(), &r).ok()) return false;
  for (const v1::BackendInfo& b : r.backends()) {
    if (b.name() == "avx2") return b.loaded();
  }
  return false;
}

TEST(CompareTest, ScalarAndAvx2AgreeOnEveryGoldenModel) {
  EDGELLM_REQUIRE_SHARED();
  const std::vector<std::string> models = GoldenModels();
  ASSERT_GE(models.size(), 10u) << "synthetic models missing from " << SharedDir();
  for (const std::string& model : models) {
    SCOPED_TRACE(model);
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start({"--model=" + SharedModel(model), "--max_sessions=1"});
    ASSERT_TRUE(server.ok()) << server.status();
    if (!Avx2Loaded(**server)) GTEST_SKIP() << "this CPU cannot run the avx2 backend";
    absl::StatusOr<v1::CompareResponse> r = Compare(**server, "scalar", "avx2", 48);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->a().backend(), "scalar");
    EXPECT_EQ(r->b().backend(), "avx2");
    ASSERT_GT(r->a().token_ids_size(), 0);
    // Every step A sampled at is compared (one more when A stopped on end of text).
    EXPECT_GE(r->steps_compared(), r->a().token_ids_size());
    EXPECT_LE(r->steps_compared(), r->a().token_ids_size() + 1);
    EXPECT_GE(r->mean_kl_divergence(), 0.0);
    EXPECT_GE(r->max_kl_divergence(), r->mean_kl_divergence());
    EXPECT_GT(r->a().timings().decode_tokens_per_second(), 0.0);
    EXPECT_GT(r->b().timings().decode_tokens_per_second(), 0.0);
    if (IsF32(model)) {
      EXPECT_EQ(r->agreeing_prefix_tokens(), r->a().token_ids_size());
      EXPECT_EQ(r->b().token_ids_size(), r->a().token_ids_size());
      EXPECT_EQ(r->a().text(), r->b().text());
      EXPECT_EQ(r->argmax_agreement(), 1.0);
      EXPECT_LT(r->max_kl_divergence(), 1e-3);
    } else {
      EXPECT_GE(r->argmax_agreement(), 0.95);
    }
    std::printf("%-40s prefix %2d/%2d argmax %.3f max KL %.3g mean KL %.3g\n", model.c_str(),
                r->agreeing_prefix_tokens(), r->a().token_ids_size(), r->argmax_agreement(),
                r->max_kl_divergence(), r->mean_kl_divergence());
  }
}

TEST(CompareTest, ABackendAgainstItselfHasZeroDivergence) {
  EDGELLM_REQUIRE_SHARED();
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
      {"--model=" + SharedModel("synthetic/synth-llama-256.Q4_K_M.gguf"), "--threads=1"});
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<v1::CompareResponse> r = Compare(**server, "scalar", "scalar", 24);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->argmax_agreement(), 1.0);
  EXPECT_EQ(r->max_kl_divergence(), 0.0);
  EXPECT_EQ(r->agreeing_prefix_tokens(), r->a().token_ids_size());
}

}  // namespace
}  // namespace edgellm::testing
