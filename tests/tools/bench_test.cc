// `edgellm bench` on a small synthetic model (larger than the last-level cache, so that decode
// reads memory as on a real model), its streaming-read probe and its statistics.
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/gguf/gguf_file.h"
#include "core/plugin/plugin_paths.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/shared_data.h"
#include "tools/bench/model_bench.h"
#include "tools/bench/read_bandwidth.h"

namespace edgellm {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

std::string TmpPath(const std::string& name) {
  return std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
}

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

// llama, hidden 1024, 2 layers, 32000-token vocabulary, Q8_0: about 60 MB of weights, twice the
// last-level cache of the machines this runs on.
constexpr int kLayers = 2;
constexpr int kKvWidth = 1024 / 8 * 4;  // KV heads * head_dim

class BenchCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (testing::SharedDir().empty()) return;
    model_ = new std::string(TmpPath("bench-model.gguf"));
    const CliRun run = Edgellm(
        "synth --arch=llama --hidden=1024 --ffn=2816 --layers=2 --heads=8 --kv_heads=4 "
        "--type=Q8_0 --out=" +
        *model_);
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static std::string* model_;
};

std::string* BenchCliTest::model_ = nullptr;

TEST_F(BenchCliTest, JsonHasEveryFieldWithSaneNumbers) {
  EDGELLM_REQUIRE_SHARED();
  const CliRun run =
      Edgellm("bench --json -m " + *model_ + " -p 16 -n 8 -r 2 -t 1 --probe_mib=256");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  const nlohmann::json& r = j[0];
  for (const char* key :
       {"prefill_tokens_per_second", "prefill_tokens_per_second_sd", "decode_tokens_per_second",
        "decode_tokens_per_second_sd", "decode_bytes_per_token", "achieved_gb_per_second",
        "read_bandwidth_gb_per_second", "bandwidth_fraction"}) {
    ASSERT_TRUE(r.contains(key) && r.at(key).is_number()) << key << " in " << r.dump();
    EXPECT_GE(r.at(key).get<double>(), 0.0) << key;
  }
  EXPECT_EQ(r.at("model"), *model_);
  EXPECT_FALSE(r.at("backend").get<std::string>().empty());
  EXPECT_EQ(r.at("threads"), 1);
  EXPECT_EQ(r.at("n_prompt"), 16);
  EXPECT_EQ(r.at("n_gen"), 8);
  EXPECT_EQ(r.at("prefill_samples").size(), 2u);
  EXPECT_EQ(r.at("decode_samples").size(), 2u);
  EXPECT_GT(r.at("prefill_tokens_per_second").get<double>(), 0.0);
  EXPECT_GT(r.at("decode_tokens_per_second").get<double>(), 0.0);
  EXPECT_GT(r.at("read_bandwidth_gb_per_second").get<double>(), 0.1);
  const nlohmann::json& before_after = r.at("read_bandwidth_before_after_gb_per_second");
  ASSERT_EQ(before_after.size(), 2u);
  EXPECT_DOUBLE_EQ(r.at("read_bandwidth_gb_per_second").get<double>(),
                   std::max(before_after[0].get<double>(), before_after[1].get<double>()));
  const double fraction = r.at("bandwidth_fraction").get<double>();
  EXPECT_GT(fraction, 0.0);
  EXPECT_LT(fraction, 2.0);
  EXPECT_NEAR(r.at("achieved_gb_per_second").get<double>(),
              r.at("decode_bytes_per_token").get<double>() *
                  r.at("decode_tokens_per_second").get<double>() / 1e9,
              1e-6);

  // Weights read per token: every tensor but token_embd, of which one row.
  absl::StatusOr<std::unique_ptr<PluginRegistry>> registry = LoadPlugins("");
  ASSERT_TRUE(registry.ok());
  absl::StatusOr<std::unique_ptr<GgufFile>> f =
      GgufFile::Open(*model_, [&](uint32_t id) { return (*registry)->LookupLayout(id); });
  ASSERT_TRUE(f.ok()) << f.status();
  uint64_t weights = 0;
  for (const Tensor& t : (*f)->tensors()) {
    weights += t.name == "token_embd.weight" ? t.row_bytes : t.size_bytes;
  }
  EXPECT_EQ(r.at("decode_weight_bytes_per_token").get<uint64_t>(), weights);
  EXPECT_GT(weights, 48u << 20);  // beyond a 32 MiB last-level cache
  // F16 cache rows; the decoded tokens sit at positions 1..8 and read 2..9 rows per layer.
  const double kv = 2.0 * kLayers * (1 + 4.5) * kKvWidth * 2;
  EXPECT_DOUBLE_EQ(r.at("decode_kv_bytes_per_token").get<double>(), kv);
  EXPECT_DOUBLE_EQ(r.at("decode_bytes_per_token").get<double>(), weights + kv);
}

TEST_F(BenchCliTest, TextTableHasARowPerTestAndCombination) {
  EDGELLM_REQUIRE_SHARED();
  const CliRun run = Edgellm("bench --model=" + *model_ +
                             " --backend=scalar --threads=1,2 -p 4 -n 2 -r 1 --probe_mib=64");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("| model"));
  EXPECT_THAT(run.out, HasSubstr("% of read bw"));
  int rows = 0;
  for (const char* threads : {"|       1 |", "|       2 |"}) {
    for (const char* test : {" pp4 |", " tg2 |"}) {
      size_t pos = 0;
      for (size_t end; pos < run.out.size(); pos = end + 1) {
        end = std::min(run.out.find('\n', pos), run.out.size());
        const std::string line = run.out.substr(pos, end - pos);
        if (line.find("| scalar ") != std::string::npos &&
            line.find(threads) != std::string::npos && line.find(test) != std::string::npos) {
          ++rows;
        }
      }
    }
  }
  EXPECT_EQ(rows, 4) << run.out;
}

TEST_F(BenchCliTest, PrefillOrDecodeAloneLeavesTheOtherNull) {
  EDGELLM_REQUIRE_SHARED();
  CliRun run = Edgellm("bench --json --model=" + *model_ +
                       " --n_prompt=0 --n_gen=2 -r 1 "
                       "--probe_mib=64");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  nlohmann::json r = nlohmann::json::parse(run.out)[0];
  EXPECT_TRUE(r.at("prefill_tokens_per_second").is_null());
  EXPECT_GT(r.at("decode_tokens_per_second").get<double>(), 0.0);
  run = Edgellm("bench --json --model=" + *model_ + " -p=4 -n=0 -r=1");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  r = nlohmann::json::parse(run.out)[0];
  EXPECT_GT(r.at("prefill_tokens_per_second").get<double>(), 0.0);
  EXPECT_TRUE(r.at("decode_tokens_per_second").is_null());
  EXPECT_TRUE(r.at("bandwidth_fraction").is_null());
}

// -d fills the context first (as llama-bench): decode then reads the depth's KV rows too, and a
// q8_0 cache (34 bytes per 32 values against f16's 64) reads about half the KV bytes of f16.
TEST_F(BenchCliTest, DepthAndCacheTypesChangeTheKvBytesPerToken) {
  EDGELLM_REQUIRE_SHARED();
  const auto run = [](const std::string& flags) {
    CliRun r = Edgellm("bench --json --model=" + *model_ + " -p 0 -n 2 -r 1 --probe_mib=64 " +
                       flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out)[0] : nlohmann::json();
  };
  const nlohmann::json at0 = run(""), at64 = run("-d 64"), q8 = run("-d 64 --cache_type_k=q8_0 "
                                                                     "--cache_type_v=q8_0");
  ASSERT_FALSE(at64.is_null());
  ASSERT_FALSE(q8.is_null());
  EXPECT_EQ(at64.at("depth").get<int>(), 64);
  EXPECT_EQ(q8.at("cache_type_k").get<std::string>(), "q8_0");
  // f16: 2 bytes per value, K and V, per layer; the mean decoded position is depth + 1.5.
  const double f16_row = 2.0 * kKvWidth * 2 * kLayers;
  EXPECT_DOUBLE_EQ(at0.at("decode_kv_bytes_per_token").get<double>(), (1 + 1.5) * f16_row);
  EXPECT_DOUBLE_EQ(at64.at("decode_kv_bytes_per_token").get<double>(), (64 + 1.5) * f16_row);
  EXPECT_DOUBLE_EQ(q8.at("decode_kv_bytes_per_token").get<double>(),
                   (64 + 1.5) * f16_row * 34.0 / 64.0);
  EXPECT_GT(q8.at("decode_tokens_per_second").get<double>(), 0.0);
}

TEST_F(BenchCliTest, BadInputGivesOneClearLineAndFails) {
  EDGELLM_REQUIRE_SHARED();
  const std::string model = " --model=" + *model_;
  const std::pair<std::string, std::string> cases[] = {
      {" --model=/nonexistent/m.gguf", "/nonexistent/m.gguf"},
      {model + " --backend=avx2,nope", "unknown backend 'nope'"},
      {model + " -r 0", "repetitions 0"},
      {model + " -p -3", "n_prompt -3"},
      {model + " -p 0 -n 0", "one must be positive"},
      {model + " -p abc", "abc"},
      {model + " --threads=1,x", "'x' is not a thread count"},
      {model + " --probe_mib=0", "--probe_mib 0"},
  };
  for (const auto& [args, message] : cases) {
    SCOPED_TRACE(args);
    const CliRun run = Edgellm("bench" + args);
    EXPECT_NE(run.exit_code, 0);
    EXPECT_THAT(run.err, HasSubstr(message));
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
  const CliRun run = Edgellm("bench");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("usage: edgellm bench"));
}

TEST(ReadBandwidthTest, MeasuresAPlausibleBandwidth) {
  absl::StatusOr<std::unique_ptr<bench::ReadBandwidthProbe>> probe =
      bench::ReadBandwidthProbe::Create(size_t{128} << 20);
  ASSERT_TRUE(probe.ok()) << probe.status();
  for (const int threads : {1, 2}) {
    absl::StatusOr<bench::ReadBandwidth> r = (*probe)->Measure(threads, 3, 1);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->n_threads, threads);
    EXPECT_GT(r->gb_per_second, 0.5);
    EXPECT_LT(r->gb_per_second, 5000.0);
    EXPECT_LE(r->buffer_bytes, size_t{128} << 20);
    EXPECT_GT(r->buffer_bytes, size_t{127} << 20);
    EXPECT_STREQ(r->kernel, (*probe)->kernel());
  }
}

TEST(ReadBandwidthTest, RefusesBadSizesAndCounts) {
  EXPECT_FALSE(bench::ReadBandwidthProbe::Create(1000).ok());
  absl::StatusOr<std::unique_ptr<bench::ReadBandwidthProbe>> probe =
      bench::ReadBandwidthProbe::Create(size_t{1} << 20);
  ASSERT_TRUE(probe.ok());
  EXPECT_FALSE((*probe)->Measure(0).ok());
  EXPECT_FALSE((*probe)->Measure(1, 0).ok());
}

TEST(ModelBenchTest, SummarizeGivesMeanAndSampleStandardDeviation) {
  const bench::Stats s = bench::Summarize({1.0, 2.0, 3.0});
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
  EXPECT_DOUBLE_EQ(s.sd, 1.0);
  EXPECT_DOUBLE_EQ(bench::Summarize({5.0}).sd, 0.0);
  EXPECT_TRUE(bench::Summarize({}).samples.empty());
}

}  // namespace
}  // namespace edgellm
