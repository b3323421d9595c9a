// The `edgellm` command line as a user runs it: `plugins` and `inspect`, text and --json, and
// errors on stderr with a non-zero exit.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/testing/shared_data.h"

namespace edgellm {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int exit_code;
  std::string out;
  std::string err;
};

CliRun Edgellm(const std::string& args) {
  const std::string bin = std::string(std::getenv("TEST_SRCDIR")) + "/edgellm/tools/edgellm";
  const std::string err_file = std::string(std::getenv("TEST_TMPDIR")) + "/stderr.txt";
  const std::string cmd = bin + " " + args + " 2>" + err_file;
  CliRun run;
  FILE* pipe = popen(cmd.c_str(), "r");
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) run.out.append(buf.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = edgellm::testing::ReadFileOrDie(err_file);
  return run;
}

std::string Stories() {
  return edgellm::testing::SharedDir() + "/models/stories260K/stories260K.gguf";
}

TEST(EdgellmCliTest, PluginsJsonListsBackendsAndFormatsWithTheirLayout) {
  const CliRun run = Edgellm("plugins --json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  bool scalar = false;
  for (const auto& b : j.at("backends")) {
    EXPECT_TRUE(b.at("loaded").get<bool>()) << b.dump();
    if (b.at("name") == "scalar") scalar = b.at("isa") == "scalar";
  }
  EXPECT_TRUE(scalar);
  bool f32 = false;
  for (const auto& f : j.at("quant_formats")) {
    if (!f.at("loaded").get<bool>()) continue;
    for (const char* key : {"name", "type_id", "block_size", "type_size", "vec_dot_type", "isas"}) {
      EXPECT_TRUE(f.contains(key)) << key << " missing in " << f.dump();
    }
    if (f.at("name") == "f32") {
      f32 = true;
      EXPECT_EQ(f.at("type_id"), 0);
      EXPECT_EQ(f.at("block_size"), 1);
      EXPECT_EQ(f.at("type_size"), 4);
      EXPECT_EQ(f.at("vec_dot_type"), "f32");
      EXPECT_THAT(f.at("isas").get<std::vector<std::string>>(), ::testing::Contains("scalar"));
    }
  }
  EXPECT_TRUE(f32);
  EXPECT_FALSE(j.at("cpu_features").empty());
}

TEST(EdgellmCliTest, PluginsTextShowsTheTables) {
  const CliRun run = Edgellm("plugins");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("CPU features:"));
  EXPECT_THAT(run.out, HasSubstr("Backends"));
  EXPECT_THAT(run.out, HasSubstr("Quant formats"));
}

TEST(EdgellmCliTest, InspectJsonHasEveryTensorOfStories260K) {
  EDGELLM_REQUIRE_SHARED();
  const CliRun run = Edgellm("inspect --json " + Stories());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j.at("metadata").at("general.architecture"), "llama");
  EXPECT_EQ(j.at("metadata").at("tokenizer.ggml.tokens").size(), 512u);
  const auto& tensors = j.at("tensors");
  ASSERT_EQ(tensors.size(), 48u);
  uint64_t total = 0;
  for (const auto& t : tensors) {
    for (const char* key : {"name", "type", "shape", "offset", "bytes"}) {
      EXPECT_TRUE(t.contains(key)) << key;
    }
    total += t.at("bytes").get<uint64_t>();
    if (t.at("name") == "token_embd.weight") {
      EXPECT_EQ(t.at("type"), "F32");
      EXPECT_EQ(t.at("shape"), nlohmann::json::array({64, 512}));
    }
  }
  EXPECT_LE(j.at("data_offset").get<uint64_t>() + total, j.at("file_size").get<uint64_t>());
}

TEST(EdgellmCliTest, InspectTextPrintsTheTensorTable) {
  EDGELLM_REQUIRE_SHARED();
  const CliRun run = Edgellm("inspect " + Stories());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("48 tensors"));
  EXPECT_THAT(run.out, HasSubstr("blk.4.ffn_down.weight"));
  EXPECT_THAT(run.out, HasSubstr("general.architecture"));
}

TEST(EdgellmCliTest, InspectOfAMissingFileFailsWithItsName) {
  const CliRun run = Edgellm("inspect /nonexistent/model.gguf");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err, HasSubstr("/nonexistent/model.gguf"));
  EXPECT_TRUE(run.out.empty());
}

TEST(EdgellmCliTest, UnknownCommandFails) {
  const CliRun run = Edgellm("frobnicate");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("unknown command 'frobnicate'"));
}

}  // namespace
}  // namespace edgellm
